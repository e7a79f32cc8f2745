"""The one way a screen runs a records operation (``RecordsContext.run``): the operation's result,
or ``Failed`` with the text to show, for a refusal and for a database that cannot be used alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from compounder.records.database import DatabaseUnavailable
from compounder.records.policy import RecordError
from compounder.ui.common.records_context import Failed, RecordsContext


def clock() -> dt.datetime:
    return dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_run_gives_the_result_or_what_to_say(qtbot, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    context = RecordsContext(sessionmaker(engine), clock)
    assert context.run(lambda session: session.execute(text("SELECT 6 * 7")).scalar_one()) == 42

    def refused(_session):
        raise RecordError("only a pharmacist may verify a batch")

    failed = context.run(refused)
    assert failed == Failed("only a pharmacist may verify a batch", failed.error) and not failed.retryable
    engine.dispose()


def test_a_database_that_cannot_be_opened_is_said_not_raised(qtbot, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'pharmacy.sqlite'}")
    context = RecordsContext(sessionmaker(engine), clock)
    failed = context.run(lambda session: session.execute(text("SELECT 1")).scalar_one(), write=False)
    assert isinstance(failed, Failed) and not failed.retryable
    assert failed.text == "the database of this workstation cannot be opened (missing folder or no permission)"
    engine.dispose()


def test_an_unreachable_server_may_be_tried_again(qtbot, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'pharmacy.sqlite'}")
    context = RecordsContext(sessionmaker(engine), clock)

    def lost(_session):
        raise DatabaseUnavailable("db.example:5432", "server closed the connection unexpectedly")

    failed = context.run(lost)
    assert isinstance(failed, Failed) and failed.retryable
    assert failed.text.startswith("the database server cannot be reached: db.example:5432") and "try again when the server is back" in failed.text
    engine.dispose()
