"""The records speak one family of errors (``records.errors``): refusals and database failures are
both ``RecordsError``, and the boundary (``records.boundary``) turns SQLAlchemy's errors into
``DatabaseFailed``, so the window and the command line catch only records errors."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from compounder.records.boundary import database_errors, reading, transaction
from compounder.records.database import DatabaseProblem, DatabaseUnavailable
from compounder.records.errors import DatabaseFailed, RecordsError
from compounder.records.people import AuthenticationFailed
from compounder.records.policy import PermissionRefused, RecordError


def test_one_family():
    for error in (RecordError, PermissionRefused, AuthenticationFailed, DatabaseFailed, DatabaseUnavailable, DatabaseProblem):
        assert issubclass(error, RecordsError), error
    # Still an OperationalError for code that catches SQLAlchemy's (SQLAlchemy raises it from its error handler).
    assert issubclass(DatabaseUnavailable, OperationalError) and issubclass(DatabaseUnavailable, DatabaseFailed)


def test_a_failed_statement_comes_out_as_a_records_error(sessions):
    with pytest.raises(DatabaseFailed) as failed:
        with transaction(sessions) as session:
            session.execute(text("SELECT * FROM no_such_table"))
    assert isinstance(failed.value.cause, SQLAlchemyError) and failed.value.__cause__ is failed.value.cause
    assert "no_such_table" in str(failed.value)
    with pytest.raises(DatabaseFailed), reading(sessions) as session:
        session.execute(text("SELECT * FROM no_such_table"))


def test_records_errors_pass_through_unchanged(sessions):
    refusal = RecordError("a verified batch is never changed")
    with pytest.raises(RecordError) as raised, transaction(sessions):
        raise refusal
    assert raised.value is refusal
    unavailable = DatabaseUnavailable("db.example:5432", "connection refused")
    with pytest.raises(DatabaseUnavailable) as raised_unavailable, database_errors():
        raise unavailable
    assert raised_unavailable.value is unavailable


def test_a_write_is_committed(sessions):
    with transaction(sessions) as session:
        session.execute(text("CREATE TABLE scratch_errors (x INTEGER)"))
        session.execute(text("INSERT INTO scratch_errors VALUES (7)"))
    with reading(sessions) as session:
        assert session.execute(text("SELECT x FROM scratch_errors")).scalar_one() == 7
