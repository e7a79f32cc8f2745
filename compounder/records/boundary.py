"""Where the records meet their callers (the window, the command line): a session in one
transaction, and SQLAlchemy's errors turned into the records' own (``records.errors``), so no
caller imports SQLAlchemy to catch them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from compounder.records.errors import DatabaseFailed, RecordsError

#: The session factory the callers are given (``records.database.session_factory``).
Sessions = sessionmaker[Session]

__all__ = ["Engine", "Session", "Sessions", "database_errors", "reading", "transaction"]


@contextmanager
def database_errors() -> Iterator[None]:
    """Run the block; an SQLAlchemy error comes out as ``DatabaseFailed`` (an unreachable server
    as ``DatabaseUnavailable``, which is one already)."""
    try:
        yield
    except RecordsError:
        raise
    except SQLAlchemyError as error:
        raise DatabaseFailed(error) from error


@contextmanager
def transaction(sessions: Sessions) -> Iterator[Session]:
    """A session in one transaction, committed when the block ends and rolled back if it raises."""
    with database_errors(), sessions.begin() as session:
        yield session


@contextmanager
def reading(sessions: Sessions) -> Iterator[Session]:
    """A session for reading (its transaction is rolled back at the end: nothing is written)."""
    with database_errors(), sessions() as session:
        yield session
