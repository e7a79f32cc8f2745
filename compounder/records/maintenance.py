"""Keeping the pharmacy database sound: a check that says what it found, and the sentences that
tell the pharmacist what went wrong with the database (the online backup is
``compounder.records.database.backup``: a migration backs up first).

``check`` runs the database's own integrity and foreign-key checks (SQLite) and verifies the
audit chain against every audited row. Problems are returned as sentences naming the row.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from compounder.records import trail_check
from compounder.records.database import HEAD_REVISION, BadDatabaseUrl, DatabaseUnavailable, current_revision, masked
from compounder.records.errors import DatabaseFailed


def describe(error: Exception, url: str) -> str:
    """A clear sentence for an error raised while opening or using the database."""
    if isinstance(error, DatabaseUnavailable):
        return f"{error}; your entries are kept: try again when the server is back"
    driver = _driver_error(error)
    text_ = str(driver).lower()
    if "locked" in text_ or "busy" in text_:
        return f"the database {url} is locked by another program or workstation; nothing was changed; try again in a moment"
    if "readonly" in text_ or "read-only" in text_ or "attempt to write a readonly" in text_:
        return f"the database {url} is read-only; nothing was changed; check the file's permissions"
    if "not a database" in text_ or "malformed" in text_ or "corrupt" in text_:
        return f"the database {url} is damaged (not a valid database file); restore it from a backup made with `compounder db backup`"
    if "unable to open" in text_:
        return f"the database {url} cannot be opened (missing folder or no permission)"
    return f"the database {url} could not be used: {driver}"


def _driver_error(error: Exception) -> BaseException:
    """The database driver's own error behind a records error (``DatabaseFailed.cause``) or
    SQLAlchemy's (``.orig``): the shortest words for what went wrong."""
    cause = getattr(error, "cause", None) or error
    return getattr(cause, "orig", None) or cause


def startup_problem(error: Exception, url: str) -> str:
    """What to tell the user when the window cannot open the database at start-up."""
    from sqlalchemy.exc import SQLAlchemyError

    url = masked(url)
    if isinstance(error, BadDatabaseUrl):
        return f"{error}."
    if isinstance(error, DatabaseUnavailable):
        return f"the database server cannot be reached: {error.where} ({error.reason}); check the server and the database URL, then start Compounder again."
    if isinstance(error, (SQLAlchemyError, DatabaseFailed, sqlite3.Error)):
        return describe(error, url) + "."
    return f"{type(error).__name__}: {error}"


def integrity(engine: Engine) -> list[str]:
    """SQLite's own integrity and foreign-key checks (every page is read); nothing to do on a
    server, which enforces its foreign keys."""
    problems: list[str] = []
    if engine.dialect.name != "sqlite":
        return problems
    with engine.connect() as connection:
        for (row,) in connection.execute(text("PRAGMA integrity_check")):
            if row != "ok":
                problems.append(f"integrity check: {row}")
        for table, rowid, parent, _fk in connection.execute(text("PRAGMA foreign_key_check")):
            problems.append(f"{table} row {rowid}: refers to a missing row of {parent}")
    return problems


def check(engine: Engine) -> list[str]:
    """Everything wrong with the database, one sentence each; an empty list when all is well
    (the whole trail: ``audit_commands.run_check`` adds the recorded head and checkpoints)."""
    problems = integrity(engine)
    with engine.connect() as connection:
        revision = current_revision(connection)
        if revision != HEAD_REVISION:
            problems.append(f"the schema is at revision {revision or 'none'}, this version of Compounder expects {HEAD_REVISION}; run `compounder db migrate`")
            return problems
        if inspect(connection).has_table("audit_entry"):
            problems.extend(str(problem) for problem in trail_check.problems(connection))
        from compounder.records.stock_ledger import controlled_stock_problems  # loads the lots' modules only for a check

        problems.extend(controlled_stock_problems(connection))
    return problems


__all__ = ["DatabaseError", "OperationalError", "check", "describe", "startup_problem"]
