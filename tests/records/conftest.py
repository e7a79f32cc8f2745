"""A real SQLite database migrated to head once per session; each test runs in a transaction
that is rolled back (the pattern of pypi/warehouse's tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from compounder.records.database import migrate, open_database


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('records') / 'test.sqlite'}")
    migrate(engine)

    # pysqlite's own transaction handling gets in the way of SAVEPOINT; let SQLAlchemy issue BEGIN.
    @event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine.dispose()
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    with engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        outer.rollback()


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()
