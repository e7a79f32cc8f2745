"""Writers on one SQLite file take their turn in the order they asked, and wait a bounded,
cancellable time for it.

Why: SQLite's own wait for the write lock ("busy timeout") is polling with growing sleeps, not a
queue. On a busy machine a writer that just committed asks again at once and gets the lock, while
one that sleeps between polls can miss its turn for the whole timeout ("database is locked" after
60 s while seven other writers kept committing). And while it polls, the caller learns nothing:
the window froze for the whole timeout.

How: a ticket queue in a sidecar file beside the database (``NAME.sqlite-queue``), made of
open-file-description (OFD) locks, which belong to the open file and not to the process (closing
some other handle on the file never drops them) and conflict between two handles of the same
process as between processes. A writer

1. takes a ticket: under a short lock on the counter (bytes 0-7 of the file) reads the counter,
   writes it back plus one and locks the byte ``TICKETS + ticket`` — its place in the queue;
2. waits until the bytes of all tickets before it are free (those writers finished, gave up or
   died: the kernel frees the locks of a process that ends): a helper thread asks the kernel for
   a read lock on that range and sleeps until it is granted — no polling, so eight waiters on a
   busy machine leave the processor to the writer whose turn it is — while the caller's thread
   asks ``waiting`` every POLL_S whether to go on, and gives up after ``timeout`` seconds in
   which the queue did not move (each writer ahead that finishes starts the bound again: a
   long queue on a busy machine is waited out, a writer stuck in its turn is not);
3. writes who it is into the file (for the next writers' "waiting for …"), and only then begins
   the SQLite transaction (``BEGIN IMMEDIATE``), which finds the write lock free;
4. frees its byte after the commit or rollback: the next ticket goes.

SQLite's own lock still guards the data: a writer outside the queue (an older version, the
``sqlite3`` shell), or a waiter that gave up and so let its successor go early, only makes the
next ``BEGIN IMMEDIATE`` wait in SQLite as before. The queue decides the order, never the safety.
Where the platform has no OFD locks (macOS, Windows) or the sidecar cannot be created (a
read-only folder), there is no queue and SQLite's busy wait decides as before.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from compounder.records.policy import RecordError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

#: The counter's bytes; the holder's description follows it.
COUNTER = slice(0, 8)
TURN_AT = 56  # the ticket whose turn it is, then who holds it
HOLDER_AT, HOLDER_SIZE = TURN_AT + 8, 256
#: Lock byte of ticket n: TICKETS + n (far beyond the file's content; locks need no content).
TICKETS = 1 << 32
#: How often a waiting writer asks ``waiting`` whether to go on (the turn itself comes without delay).
POLL_S = 0.05

SUPPORTED = fcntl is not None and hasattr(fcntl, "F_OFD_SETLK")


class WriteWaitTimeout(RecordError):
    """The database stayed busy for the whole wait: nothing was saved, the edit is still there."""


class WriteWaitCancelled(RecordError):
    """The user stopped waiting for the database: nothing was saved, the edit is still there."""


@dataclass(frozen=True)
class Waiting:
    """What a waiting writer is told: how long it has waited and for whom."""

    seconds: float
    holder: str
    over: bool = False  # the wait has ended (the turn came, or it was given up): a prompt may close


#: Asked while waiting; False stops the wait (``WriteWaitCancelled``).
WaitCallback = Callable[[Waiting], bool]


def sidecar_path(database: Path) -> Path:
    return database.with_name(database.name + "-queue")


def _flock(kind: int, start: int, length: int = 1) -> bytes:
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), native layout.
    return struct.pack("hhqqi", kind, os.SEEK_SET, start, length, 0)


def _try_lock(fd: int, kind: int, start: int, length: int = 1) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(kind, start, length))
    except OSError as error:
        if error.errno in (11, 13):  # EAGAIN / EACCES: held by another handle
            return False
        raise
    return True


def _lock_waiting(fd: int, kind: int, start: int, length: int = 1) -> None:
    fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _flock(kind, start, length))


def _unlock(fd: int, start: int, length: int = 1) -> None:
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_UNLCK, start, length))


def _is_locked(fd: int, start: int, length: int = 1) -> bool:
    answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _flock(fcntl.F_WRLCK, start, length))
    return struct.unpack("hhqqi", answer)[0] != fcntl.F_UNLCK


def _turn_now(fd: int) -> bytes:
    """The ticket whose turn it is (written by each writer as its turn comes): it changes as the queue moves."""
    return os.pread(fd, 8, TURN_AT)


def this_process() -> str:
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return f"{program} (process {os.getpid()})"


@dataclass
class Turn:
    """A writer's place in the queue; ``release`` lets the next one go (closing the handle frees its lock)."""

    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class WriteQueue:
    """The queue of one SQLite file. ``timeout`` bounds each wait; ``waiting`` is asked while waiting."""

    def __init__(self, database: Path, *, timeout: float, waiting: WaitCallback | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 pause: Callable[[threading.Event, float], bool] = threading.Event.wait) -> None:
        self.path = sidecar_path(database)
        self.database = database
        self.timeout = timeout
        self.waiting = waiting
        self.clock, self.pause = clock, pause

    def take_turn(self, description: str | None = None) -> Turn:
        """Wait for this writer's turn (see the module's steps 1-3); a ``Turn(None)`` when there is no queue."""
        if not SUPPORTED:
            return Turn(None)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError:
            return Turn(None)  # a read-only folder: SQLite's own wait (and its refusal to write) decide
        turn = Turn(fd)
        try:
            ticket = self._ticket(fd)
            self._wait_for(fd, ticket)
            holder = f"{description or this_process()} since {dt.datetime.now().strftime('%H:%M:%S')}"
            os.pwrite(fd, ticket.to_bytes(8, "little") + holder.encode()[:HOLDER_SIZE].ljust(HOLDER_SIZE, b"\0"), TURN_AT)
        except BaseException:
            turn.release()
            raise
        return turn

    def _ticket(self, fd: int) -> int:
        _lock_waiting(fd, fcntl.F_WRLCK, COUNTER.start, COUNTER.stop)
        try:
            raw = os.pread(fd, 8, COUNTER.start)
            ticket = int.from_bytes(raw, "little") if len(raw) == 8 else 0
            os.pwrite(fd, (ticket + 1).to_bytes(8, "little"), COUNTER.start)
            if not _try_lock(fd, fcntl.F_WRLCK, TICKETS + ticket):
                raise RecordError(f"the write queue {self.path} is damaged (ticket {ticket} is taken twice)")
        finally:
            _unlock(fd, COUNTER.start, COUNTER.stop)
        return ticket

    def _wait_for(self, fd: int, ticket: int) -> None:
        if ticket == 0 or not _is_locked(fd, TICKETS, ticket):
            return
        start = self.clock()
        free = threading.Event()
        waiter = os.open(self.path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))  # its own lock owner

        def sleep_in_the_kernel() -> None:
            try:
                _lock_waiting(waiter, fcntl.F_RDLCK, TICKETS, ticket)
            except OSError:
                pass  # then SQLite's own lock decides the order, as without a queue
            finally:
                os.close(waiter)  # a caller that gave up has left: closing frees the range again
                free.set()

        threading.Thread(target=sleep_in_the_kernel, name="compounder-write-queue", daemon=True).start()
        # The bound is on the queue standing still: each writer ahead that finishes starts it
        # again, so a long queue on a busy machine is waited out, a writer stuck in its turn is not.
        moved, turn = start, _turn_now(fd)
        try:
            while not self.pause(free, POLL_S):
                now, current = self.clock(), _turn_now(fd)
                if current != turn:
                    moved, turn = now, current
                self.still_waiting(now - start, self.holder(fd), still=now - moved)
        finally:
            self.done_waiting(self.clock() - start)

    def still_waiting(self, waited: float, holder: str, still: float | None = None) -> None:
        """Go on waiting for ``holder``, or raise ``WriteWaitTimeout`` after ``timeout`` seconds
        without progress (``still``, by default all of ``waited``) and ``WriteWaitCancelled``
        when ``waiting`` says stop."""
        if (waited if still is None else still) >= self.timeout:
            raise WriteWaitTimeout(
                f"the database {self.database.name} stayed busy for {waited:.0f} s (writing: {holder}); "
                "nothing was saved — try again when it is free")
        if self.waiting is not None and not self.waiting(Waiting(waited, holder)):
            raise WriteWaitCancelled(f"stopped waiting for the database {self.database.name} (writing: {holder}); nothing was saved")

    def done_waiting(self, waited: float) -> None:
        if self.waiting is not None:
            self.waiting(Waiting(waited, "", over=True))

    @staticmethod
    def holder(fd: int) -> str:
        """Who wrote last into the queue: the writer being waited for, in words."""
        raw = os.pread(fd, HOLDER_SIZE, HOLDER_AT).rstrip(b"\0")
        return raw.decode(errors="replace") or "another workstation"
