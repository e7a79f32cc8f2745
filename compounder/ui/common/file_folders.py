"""Where the window's file dialogs open: never in the folder of the SQLite database.

A file dialog that lists a folder reads its files (sizes, icons, the first bytes for a file's
type), and on Linux a process's POSIX lock on a file is dropped when it closes *any* handle on it:
browsing the database's folder once cost the window its lock, and a second process then took the
live write-ahead log for a stale one (issue 21, observation 1). ``records.sqlite_guard`` holds
locks that no other handle can drop, so that is harmless where the guard applies (not on macOS);
the dialogs keep away from the folder as well, so that nothing of the window reads the
database's files by a way round the records.

Every dialog is started through ``away_from_database``: a folder (or a file's folder) that is the
database's is replaced by the user's documents folder, else the home folder, else the folder
above the database's; the file name suggested is kept.
"""

from __future__ import annotations

import os
from pathlib import Path


def _same(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)


def away_from_database(suggested: Path, database_folder: Path | None) -> Path:
    """``suggested`` (a folder, or a file in the folder to start in), moved out of
    ``database_folder`` (None: a server's database, nothing to keep away from)."""
    if database_folder is None:
        return suggested
    is_folder = suggested.is_dir()
    folder = suggested if is_folder else suggested.parent
    if not _same(folder, database_folder):
        return suggested
    from PySide6.QtCore import QStandardPaths  # set up when a dialog first opens in the database's folder, not at start-up

    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    for candidate in (Path(documents) if documents else None, Path.home(), database_folder.resolve().parent):
        if candidate is not None and candidate.is_dir() and not _same(candidate, database_folder):
            return candidate if is_folder else candidate / suggested.name
    return suggested  # the database at the file system's root, with no home: nowhere else to go
