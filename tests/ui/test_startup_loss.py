"""Issue 21, "detect loss", in the window: a database put back to an older copy is said at
start-up, with the number of entries missing, before any new work is written."""

from __future__ import annotations

import datetime as dt
import shutil
import sys

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from compounder.records.database import migrate, open_database
from compounder.ui.app import build_workbench, parse_args
from compounder.ui.workbench.prompts import Prompts
from tests.records.conftest import Clock
from tests.records.helpers import make_pharmacy, new_batch


def sequence(url: str) -> int:
    engine = open_database(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT sequence FROM audit_head")).scalar_one()
    finally:
        engine.dispose()


def test_the_window_says_the_database_is_behind_before_any_new_work(qtbot, tmp_path, monkeypatch, catalog):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    path = tmp_path / "db" / "pharmacy.sqlite"
    url = f"sqlite:///{path}"
    engine = open_database(url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    clock = Clock()
    pharmacy = make_pharmacy(sessions, clock, catalog)
    engine.dispose()
    shutil.copyfile(path, tmp_path / "older.sqlite")
    older = sequence(url)
    new_batch(sessions, clock, pharmacy)
    engine.dispose()
    written = sequence(url)
    shutil.copyfile(tmp_path / "older.sqlite", path)
    shown = []
    monkeypatch.setattr(Prompts, "error", lambda _self, title, message: shown.append((title, message, sequence(url))))
    workbench = build_workbench(parse_args(["--database", url]), dt.date(2026, 11, 23))
    qtbot.addWidget(workbench.window)
    try:
        [(title, message, at_that_moment)] = shown
        assert title == "The records are behind what this workstation saved"
        assert message.startswith("Records this workstation saved are missing from the database, or it cannot tell.")
        assert f"\n\naudit trail: {written - older} entries missing: the database ends at entry {older}" in message
        assert at_that_moment == older  # said before anything new was written
    finally:
        workbench.engine.dispose()
