"""A workstation's hold on its SQLite file that no other handle, dialog or process can take away.

The danger (issue 21): SQLite's unix VFS locks with POSIX advisory locks (``fcntl F_SETLK``),
which belong to the *process* and are all dropped when the process closes *any* handle on the
file — a file dialog that reads the database to pick its icon, a print dialog's "Print to File"
browser. The window then holds no lock on the file although its connections are open. The next
process to close its last connection (``compounder history``) finds it can take the EXCLUSIVE
lock, takes itself for the last user of the database, checkpoints and *deletes* the write-ahead
log, and the window goes on committing into the deleted file: everything since is lost at the
next crash or kill, and ``db check`` sees nothing wrong.

The choice: keep SQLite's default unix VFS with write-ahead logging, and beside SQLite's own
locks hold, from each engine, *open-file-description* (OFD) read locks (Linux ``F_OFD_SETLK``)

* on the database file's SHARED range, as a reader's SHARED lock: while any engine of any
  Compounder process holds it, nobody can take the EXCLUSIVE lock, so no closing connection
  anywhere checkpoints-and-deletes the log (the only thing a workstation in write-ahead mode needs
  EXCLUSIVE for); and
* on the ``-shm`` file's "dead man switch" byte: while it is held, an opening process never takes
  the shared-memory index for abandoned and truncates it under a live workstation.

OFD locks belong to the open file, not to the process: closing another handle on the same file
never drops them, and they conflict with POSIX locks even of the same process. The guard's
handles are opened when the engine's first connection has the file in write-ahead mode and are
closed just before its last connection closes, so the last workstation to leave still checkpoints
and removes the log as SQLite does normally (the files on disk are then one complete database).

Rejected: ``unix-flock`` (flock belongs to the open file too, but that VFS has no shared-memory
index, so no write-ahead log with several processes; every reader would exclude every writer);
``unix-excl`` and ``locking_mode=EXCLUSIVE`` (one process only: ``compounder history`` or a
second window could not open the database while the window is open); ``SQLITE_FCNTL_PERSIST_WAL``
or ``SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`` (keep the log file, but only for our own connections and
not reachable from Python 3.11's sqlite3 module; a foreign program would still delete it). Where
there are no OFD locks (macOS, Windows: Windows' locks are not dropped this way) there is no guard.
"""

from __future__ import annotations

import os
import struct
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

SUPPORTED = fcntl is not None and hasattr(fcntl, "F_OFD_SETLK")

#: SQLite's lock bytes (os_unix.c / pager.h): PENDING_BYTE 0x40000000, then RESERVED, then the
#: 510-byte SHARED range; an EXCLUSIVE lock is a write lock on the SHARED range.
SHARED_FIRST, SHARED_SIZE = 0x40000000 + 2, 510
#: The -shm file's dead man switch: UNIX_SHM_BASE (22 + 8) × 4 = 120, plus the 8 lock slots.
SHM_DMS = 128


def _read_lock(fd: int, start: int, length: int) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, start, length, 0))
    except OSError:
        return False  # a writer holds it this instant (a database being created): no guard this time
    return True


class SqliteGuard:
    """The hold of one engine on one SQLite file: ``connected`` for each new connection (after it
    has opened the file in write-ahead mode), ``closing`` before each connection closes."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.connections = 0
        self.fds: list[int] = []
        self._lock = threading.Lock()  # the pool connects and closes from any thread

    def connected(self) -> None:
        with self._lock:
            self.connections += 1
            if self.connections == 1 and SUPPORTED:
                self._hold()

    def closing(self) -> None:
        with self._lock:
            self.connections = max(0, self.connections - 1)
            if self.connections == 0:
                self.release()

    def _hold(self) -> None:
        for path, start, length in ((self.database, SHARED_FIRST, SHARED_SIZE),
                                    (self.database.with_name(self.database.name + "-shm"), SHM_DMS, 1)):
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                continue  # no -shm (not in write-ahead mode) or not readable: nothing to hold
            if _read_lock(fd, start, length):
                self.fds.append(fd)
            else:
                os.close(fd)

    def release(self) -> None:
        while self.fds:
            os.close(self.fds.pop())
