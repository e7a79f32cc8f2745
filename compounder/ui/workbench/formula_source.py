"""Where the formula in the window came from, and where Save puts it: a file, or an entry of the
formula library (read-only for a reference formula), or nowhere yet (``None``: a new formula)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileSource:
    path: Path


@dataclass(frozen=True)
class LibrarySource:
    entry_id: int
    read_only: bool
    version: int = 0  # the library version the window shows: a save is made on top of it, or refused


Source = FileSource | LibrarySource | None
