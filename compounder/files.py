"""Reading a file the user names, safely: only a regular file no larger than a stated limit is
read, and no more than that is read (a FIFO would hang the reader, /dev/zero would fill the
memory). Shared by the command line, the window and the records (the audit head and key files,
the settings), so all refuse the same files.

The type is checked twice: by ``stat`` before opening (opening some devices does something),
and by ``fstat`` on what was opened, without blocking (a FIFO put in the file's place between
the two would otherwise hang the open)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """A file that is not read: not a regular file, or larger than its limit."""


def read_regular_file(path: Path | str, limit: int, kind: str) -> bytes:
    """The bytes of ``path``; ``OSError`` when it cannot be read (``FileNotFoundError`` when it
    is not there), ``FileRefused`` (one line naming the ``kind`` of file expected) when it is not
    a regular file or exceeds ``limit``."""
    _check(os.stat(path), limit, kind)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _check(os.fstat(descriptor), limit, kind)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(descriptor)
    if size > limit:  # it grew after the check
        raise FileRefused(f"too large for a {kind} file (at most {limit:,} bytes)")
    return b"".join(chunks)


def _check(info: os.stat_result, limit: int, kind: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"not a regular file (a device, FIFO or folder); give a {kind} file")
    if info.st_size > limit:
        raise FileRefused(f"{info.st_size:,} bytes is too large for a {kind} file (at most {limit:,} bytes)")
