"""Reading a file the user names, safely: only a regular file no larger than a stated limit is
read, and no more than that is read (a FIFO would hang the reader, /dev/zero would fill the
memory). Shared by the command line and the window, so both refuse the same files."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """A file that is not read: not a regular file, or larger than its limit."""


def read_regular_file(path: Path, limit: int, kind: str) -> bytes:
    """The bytes of ``path``; ``OSError`` when it cannot be read, ``FileRefused`` (one line
    naming the ``kind`` of file expected) when it is not a regular file or exceeds ``limit``."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"not a regular file (a device, FIFO or folder); give a {kind} file")
    if info.st_size > limit:
        raise FileRefused(f"{info.st_size:,} bytes is too large for a {kind} file (at most {limit:,} bytes)")
    with open(path, "rb") as stream:
        raw = stream.read(limit + 1)
    if len(raw) > limit:  # it grew after the check
        raise FileRefused(f"too large for a {kind} file (at most {limit:,} bytes)")
    return raw
