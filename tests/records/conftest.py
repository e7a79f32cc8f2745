"""A real database migrated to head once per session, on SQLite and on PostgreSQL (every test
that uses ``sessions`` runs on both); each test runs in a transaction that is rolled back (the
pattern of pypi/warehouse's tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import sessionmaker

from compounder.records.database import migrate, open_database

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine(backend, database_urls):
    engine = open_database(database_urls(backend, "records"))
    migrate(engine)
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
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()
