"""How a connection to the SQLite file behaves: write transactions begin IMMEDIATE, in the write
queue's order, and the file is guarded against another handle's close.

SQLite runs with write-ahead logging and foreign keys on, and a write transaction starts with
``BEGIN IMMEDIATE`` (it takes the write lock at once), so two processes that write at once queue
instead of one failing halfway with "database is locked". Writers take their turn in the order
they asked (``write_queue``: SQLite's own busy wait is polling, not a queue), and the wait is
bounded and cancellable. ``database.open_database`` installs these on each SQLite engine.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransactionOrigin

from compounder.records.sqlite_guard import SqliteGuard
from compounder.records.write_queue import WriteQueue

#: SQLite's busy timeout while a queued writer begins its transaction: short, so that a lock held
#: outside the queue is waited for in slices between which the caller is asked whether to go on.
BEGIN_SLICE_MS = 100


def guard_the_file(engine: Engine, guard: SqliteGuard) -> None:
    """Hold the file against another handle being closed and a second process's last close
    (``sqlite_guard``: why, and why this way). Registered after ``sqlite_transactions``, so a
    new connection is in write-ahead mode, with its log and index open, when the guard holds."""

    @event.listens_for(engine, "connect")
    def _connect(_dbapi_connection, _record) -> None:
        guard.connected()

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection, _record) -> None:
        guard.closing()

    @event.listens_for(engine, "close_detached")
    def _close_detached(_dbapi_connection) -> None:
        guard.closing()


def sqlite_transactions(engine: Engine, queue: WriteQueue | None) -> None:
    """SQLAlchemy's pysqlite recipe: pysqlite's own BEGIN is turned off and SQLAlchemy emits it.

    A write transaction (an explicit ``Session.begin()``, the records' "one user action is one
    transaction") begins IMMEDIATE: it takes the write lock before it reads anything, waiting up to
    the busy timeout for the transaction before it. A deferred transaction that reads, then writes,
    fails at once ("database is locked") when another process wrote in between. A session that
    only reads (begun by its first query) stays deferred, so a read never waits for a writer nor
    holds one up, and a read inside a write transaction of the same process does not deadlock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
        if queue is not None:
            _record.info[_QUEUE] = queue

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        turn = record.info.pop(_TURN, None)
        if turn is not None:  # after the commit or rollback: the next writer goes
            turn.release()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")
        connection.info[_FRESH_BEGIN] = True  # nothing read yet: may still become IMMEDIATE

    @event.listens_for(engine, "before_cursor_execute")
    def _used(connection, _cursor, _statement, _parameters, _context, _executemany) -> None:
        connection.info.pop(_FRESH_BEGIN, None)


_FRESH_BEGIN = "compounder_fresh_begin"
_QUEUE = "compounder_write_queue"
_TURN = "compounder_write_turn"


@event.listens_for(Session, "after_begin")
def _write_transactions_begin_immediate(_session: Session, transaction, connection: Connection) -> None:
    """An explicit ``Session.begin()`` on one of our SQLite engines, on a transaction that has
    not read anything yet: begin it again as IMMEDIATE (see ``sqlite_transactions``)."""
    if not connection.info.pop(_FRESH_BEGIN, False):
        return
    if transaction.origin is not SessionTransactionOrigin.BEGIN or connection.in_nested_transaction():
        return
    connection.exec_driver_sql("ROLLBACK")
    queue: WriteQueue | None = connection.info.get(_QUEUE)
    if queue is None:  # an in-memory database: one process, nothing to queue for
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    turn = queue.take_turn()
    connection.info[_TURN] = turn
    try:
        _begin_immediate(connection, queue)
    except BaseException:
        connection.info.pop(_TURN, None)
        turn.release()
        raise


def _begin_immediate(connection: Connection, queue: WriteQueue) -> None:
    """``BEGIN IMMEDIATE`` in slices of ``BEGIN_SLICE_MS``: a write lock held outside the queue
    (the ``sqlite3`` shell, an older version) is waited for within the queue's bound, asking
    ``queue.waiting`` between slices."""
    start = queue.clock()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {BEGIN_SLICE_MS}")
    waited = False
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if "locked" not in str(error.orig) and "busy" not in str(error.orig):
                    raise
            waited = True
            queue.still_waiting(queue.clock() - start, "a program outside Compounder's queue")
    finally:
        if waited:
            queue.done_waiting(queue.clock() - start)
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(queue.timeout * 1000)}")
