"""Where the pharmacy database lives, how it is opened, and its migration to the current schema.

The location is, first found: the ``--database`` option, ``COMPOUNDER_DATABASE``, or
``compounder.sqlite`` in the user's data directory. One workstation uses that embedded SQLite
file; several workstations share one PostgreSQL server (``postgresql://user@host/db``, driven by
psycopg 3) with the same models and migrations.

SQLite runs with write-ahead logging and foreign keys on, and a write transaction begins
IMMEDIATE in the write queue's order (``sqlite_transactions`` says how and why); the wait is
bounded and cancellable: the window is asked every few milliseconds (``waiting``) and shows what
it waits for.
PostgreSQL runs at READ COMMITTED; the records serialise what must be serial with row locks.

A server that cannot be reached, or drops the connection, is ``DatabaseUnavailable``: the
transaction is rolled back by the server, nothing half-written stays, and the operation can be
tried again. Dead pooled connections (after a server restart) are replaced before use
(``pool_pre_ping``): the first action after a restart works.
"""

from __future__ import annotations

import os
import sqlite3
from importlib.resources import as_file, files
from pathlib import Path

import platformdirs
import sqlalchemy.dialects.sqlite.pysqlite  # noqa: F401 - the default database's driver, loaded with the records (the window imports it before PySide6)
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from compounder.records.audit_keys import CONNECTION_INFO as KEYS_INFO
from compounder.records.audit_keys import KeyRing, load_keys
from compounder.records.errors import DatabaseFailed, RecordsError
from compounder.records.sqlite_guard import SqliteGuard
from compounder.records.sqlite_transactions import guard_the_file, sqlite_transactions
from compounder.records.write_queue import WaitCallback, WriteQueue

#: Where the head file travels on each connection (``head_file.HEADS_INFO``; named here so that
#: opening a database does not load the head file's module).
HEADS_INFO = "compounder_head_file"
HEAD_FILE_NAME = "audit-heads.json"

APP_NAME = "compounder"
DATABASE_ENV = "COMPOUNDER_DATABASE"

# The newest migration in compounder/records/migrations/versions. Start-up compares the
# database with it and only loads Alembic when they differ (a test keeps it in step).
HEAD_REVISION = "0018"

#: PostgreSQL advisory lock key held while migrating (any constant the pharmacy's server does not use otherwise).
MIGRATION_LOCK = 0x436F6D70  # "Comp"

#: How long an SQLite writer waits for its turn (``write_queue``) and then for the write lock before
#: giving up with ``WriteWaitTimeout``; also SQLite's busy timeout for statements outside a write
#: transaction begun by a session.
SQLITE_BUSY_TIMEOUT_S = 60.0

ACCEPTED_URLS = "sqlite:///PATH/compounder.sqlite or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_url(option: str | None = None) -> str:
    """The URL from the option, else the environment, else the file in the user data dir."""
    if option:
        return option
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    return f"sqlite:///{user_data_dir() / 'compounder.sqlite'}"


class MissingDatabase(FileNotFoundError):
    """``create=False`` and there is no database file at the path."""


class BadDatabaseUrl(ValueError):
    """The database URL names no database Compounder can use; the message says what is accepted."""


class DatabaseProblem(RecordsError):
    """The database cannot be opened or read, in words for the pharmacist."""


class DatabaseUnavailable(DatabaseFailed, OperationalError):
    """The database server cannot be reached, or the connection was lost mid-transaction. The
    server rolled the transaction back: nothing of it was saved, and it can be tried again.

    A records error (``DatabaseFailed``) and, since SQLAlchemy raises it from its error handler,
    an ``OperationalError`` too."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        failure = Exception(reason)
        OperationalError.__init__(self, None, None, failure)
        self.cause = failure

    def __str__(self) -> str:
        return f"the database server cannot be reached: {self.where} ({self.reason}); nothing of the last change was saved"

    def __reduce__(self):  # picklable, for the concurrency tests' worker processes
        return (type(self), (self.where, self.reason))


def masked(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        text_ = str(url)
        scheme, sep, rest = text_.partition("://")
        if sep and "@" in rest:
            return f"{scheme}://***@{rest.rpartition('@')[2]}"
        return text_


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an SQLite database, None for other databases and in-memory ones."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadDatabaseUrl(f"database URL {masked(url)!r} is not a URL; give {ACCEPTED_URLS}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BadDatabaseUrl(f"database URL {masked(url)}: {backend!r} databases are not supported; give {ACCEPTED_URLS}")
    if backend == "postgresql":
        if parsed.drivername == "postgresql":  # psycopg 3, whatever SQLAlchemy's default driver
            parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise BadDatabaseUrl(f"database URL {masked(url)} names no database; give {ACCEPTED_URLS}")
    return parsed


def open_database(
    url: str, *, create: bool = True, keys: KeyRing | None = None, heads: Path | None = None, waiting: WaitCallback | None = None,
) -> Engine:
    """An engine on ``url``. For SQLite the folder is created (unless ``create`` is false, when a
    missing file is ``MissingDatabase``), WAL and foreign keys are turned on and transactions
    begin IMMEDIATE in the write queue's order (``waiting`` is asked while a writer waits for its
    turn). A URL of another kind is ``BadDatabaseUrl``. Every connection carries the audit key
    ring (``keys``, by default this workstation's: ``audit_keys.load_keys``) and the file where
    each commit records the trail's head (``heads``, by default ``audit-heads.json`` in the user
    data folder; see ``head_file``)."""
    parsed = _parse(url)
    ring = keys if keys is not None else load_keys(user_data_dir())
    if parsed.get_backend_name() == "sqlite":
        timeout = float(parsed.query.get("timeout", SQLITE_BUSY_TIMEOUT_S))  # type: ignore[arg-type]
        connect_args = {} if "timeout" in parsed.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        try:
            engine = create_engine(parsed, connect_args=connect_args)
        except (ArgumentError, NoSuchModuleError) as error:
            raise BadDatabaseUrl(f"database URL {masked(url)}: {error}; give {ACCEPTED_URLS}") from None
        path = sqlite_path(engine)
        if path is not None:
            if not create and not path.is_file():
                raise MissingDatabase(f"there is no database at {path}")
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
        queue = WriteQueue(path, timeout=timeout, waiting=waiting) if path is not None else None
        sqlite_transactions(engine, queue)
        if path is not None:
            guard_the_file(engine, SqliteGuard(path))
    else:
        try:
            # prepare_threshold None: no server-side prepared statements, so each search is planned
            # with its own values (a generic plan cannot use the prefix index for LIKE $1), and a
            # connection pooler in transaction mode (PgBouncer) works.
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10, "prepare_threshold": None})
        except (ArgumentError, NoSuchModuleError) as error:
            raise BadDatabaseUrl(f"database URL {masked(url)}: {error}; give {ACCEPTED_URLS}") from None
    _unavailable_as_one_error(engine)
    _carry_keys(engine, ring, heads if heads is not None else user_data_dir() / HEAD_FILE_NAME)
    return engine


def _carry_keys(engine: Engine, ring: KeyRing, heads: Path) -> None:
    @event.listens_for(engine, "connect")
    def _connect(_dbapi_connection, connection_record) -> None:
        connection_record.info[KEYS_INFO] = ring
        connection_record.info[HEADS_INFO] = heads



def _unavailable_as_one_error(engine: Engine) -> None:
    where = masked(engine.url)

    @event.listens_for(engine, "handle_error")
    def _handle(context) -> DatabaseUnavailable | None:
        if engine.dialect.name == "sqlite":
            return None
        error = context.original_exception
        if context.is_pre_ping:
            # A pooled connection the server dropped (a restart): let SQLAlchemy replace it and go on.
            # Turned into DatabaseUnavailable here, the replacement never happened and the first
            # action after a restart failed, once per idle pooled connection.
            if _connect_failure(error):
                context.is_disconnect = True
            return None
        if context.is_disconnect or (isinstance(context.sqlalchemy_exception, OperationalError) and _connect_failure(error)):
            reason = " ".join(str(error).split()) or type(error).__name__
            return DatabaseUnavailable(where, reason)
        return None


def _connect_failure(error: BaseException) -> bool:
    text_ = str(error).lower()
    return any(words in text_ for words in (
        "connection refused", "could not connect", "connection failed", "server closed the connection", "timeout expired",
        "no such file or directory", "could not translate host name", "terminating connection", "the database system is",
        "connection is lost", "consuming input failed", "server conn crashed",
    ))


def current_revision(bind: Engine | Connection) -> str | None:
    """The schema revision, read on ``bind`` (a connection already open is used as it is: on
    SQLite a second connection would wait for the first one's transaction)."""
    if isinstance(bind, Connection):
        if not inspect(bind).has_table("alembic_version"):
            return None
        return bind.execute(text("SELECT version_num FROM alembic_version")).scalar()
    with bind.connect() as connection:
        return current_revision(connection)


def migrate(engine: Engine) -> Path | None:
    """Bring the database to the newest schema; cheap when it is already there. An SQLite file
    that holds an older schema is first backed up beside itself; the backup's path is returned."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        _key_the_trail(engine)
        return None
    from alembic import command

    saved = None
    path = sqlite_path(engine)
    if revision is not None and path is not None:
        stem, attempt = f"{path.stem}.before-{HEAD_REVISION}-from-{revision}", 1
        while (candidate := path.with_name(f"{stem}{'' if attempt == 1 else f'-{attempt}'}{path.suffix}")).exists():
            attempt += 1
        saved = backup(engine, candidate)

    with engine.begin() as connection, as_file(files("compounder.records").joinpath("migrations")) as location:
        if connection.dialect.name == "postgresql":
            # Workstations started at once with a new version: one migrates, the others wait for
            # it, then find the schema up to date (PostgreSQL's DDL is transactional).
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            if current_revision(connection) == HEAD_REVISION:
                return None
        config = alembic_config(location)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    _key_the_trail(engine)
    if revision is not None:
        _record_the_head(engine)
    return saved


def backup(engine: Engine, destination: Path) -> Path:
    """A consistent copy of a live SQLite database, made with SQLite's online backup API while
    other connections keep working. Refuses to overwrite an existing file."""
    if engine.dialect.name != "sqlite":
        raise DatabaseProblem(f"`db backup` copies SQLite files; back up a {engine.dialect.name} server with its own tools (pg_dump)")
    destination = destination.expanduser()
    if destination.exists():
        raise DatabaseProblem(f"{destination} already exists; choose a new file name")
    if not destination.parent.is_dir():
        raise DatabaseProblem(f"the folder {destination.parent} does not exist")
    partial = destination.with_name(destination.name + ".partial")
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if not isinstance(driver, sqlite3.Connection):  # pragma: no cover - the SQLite dialect's driver is sqlite3
            raise DatabaseProblem(f"`db backup` needs Python's sqlite3 driver, not {type(driver).__name__}")
        target = sqlite3.connect(partial)
        try:
            driver.backup(target)
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if ok != "ok":
            partial.unlink(missing_ok=True)
            raise DatabaseProblem(f"the backup did not pass the integrity check ({ok}); the database itself may be damaged")
        partial.replace(destination)
    except (sqlite3.Error, OSError) as error:  # a full disk, a folder that cannot be written: no file is left
        reason = getattr(error, "strerror", None) or str(error)
        raise DatabaseProblem(f"cannot write the backup {destination} ({reason}); no backup was made: free space or choose another folder") from None
    finally:
        raw.close()
        partial.unlink(missing_ok=True)
    return destination


def _record_the_head(engine: Engine) -> None:
    """After an upgrade, the head as it is now: the heads of earlier versions were unsigned and
    named by URL, so from here on this workstation notices the database going back."""
    import datetime as dt

    from compounder.records import audit, head_file

    with engine.connect() as connection:
        path = connection.info.get(HEADS_INFO)
        if path is None:
            return
        try:
            head_file.export_head(connection, path, audit.key_ring(connection), dt.datetime.now(dt.UTC))
        except (audit.AuditKeyError, OSError):
            pass  # no key here: `db check` says so


def _key_the_trail(engine: Engine) -> None:
    """A trail written before the pharmacy key (an older database) is signed from here on:
    one entry introduces the key. Cheap when the trail is keyed already (one read, in plain SQL:
    the records' model and mappers are loaded only when there is a trail to key, not at every
    start-up before the window shows)."""
    import datetime as dt

    with engine.connect() as connection:
        head = connection.execute(text("SELECT sequence, keyed_from FROM audit_head WHERE id = 1")).one_or_none()
    if head is None or head.keyed_from is not None or head.sequence == 0:
        return
    from compounder.records import audit

    try:
        with Session(engine) as session, session.begin():
            audit.ensure_keyed(session, dt.datetime.now(dt.UTC))
    except audit.AuditKeyError:
        pass  # no key on this workstation: its first change says so; `db check` says the trail is not keyed


def alembic_config(location: Path):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location))
    return config


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
