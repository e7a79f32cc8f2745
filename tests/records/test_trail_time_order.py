"""Issue 28, "Dates are the records' own": ``db check`` reports an audit entry whose time runs
backwards from the one before it — by more than the write queue can explain (an entry's time is
taken before it waits its turn, so two writers legitimately land a few seconds out of order).
Both checks: the full one and the incremental one from a checkpoint, in ``trail_check`` and
through ``db check`` (``run_check``). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from compounder.records import people, trail_check
from compounder.records.audit_commands import head_path, run_check
from compounder.records.database import migrate, open_database
from compounder.records.model import AuditEntry
from tests.records.helpers import make_pharmacy


def _last_two(sessions) -> list[AuditEntry]:
    with sessions() as s:
        return list(reversed(s.scalars(select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(2)).all()))


def _add_patient(sessions, pharmacy, name: str, at: dt.datetime) -> None:
    with sessions.begin() as s:
        people.patient(s, pharmacy.technician, name, dt.date(1960, 5, 4), at)


def _checks(sessions, since: trail_check.Checkpoint) -> tuple[list[str], list[str]]:
    """The problems of the full check and of the incremental one from ``since``."""
    with sessions() as s:
        full = [str(problem) for problem in trail_check.verify(s).problems]
        incremental = trail_check.verify(s, since=since)
        assert incremental.since == since.sequence  # really incremental, not fallen back to full
        return full, [str(problem) for problem in incremental.problems]


def _checkpoint(sessions) -> trail_check.Checkpoint:
    with sessions() as s:
        outcome = trail_check.verify(s)
    assert outcome.problems == []
    return outcome.head


def test_an_entry_an_hour_before_the_one_before_it_is_reported_by_full_and_incremental_check(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)  # every entry at 2026-11-23 09:00 UTC
    since = _checkpoint(sessions)
    clock.now -= dt.timedelta(hours=1)  # a workstation's clock set back, or a time typed into the past
    _add_patient(sessions, pharmacy, "John Backdated", clock())
    before, after = _last_two(sessions)
    assert after.sequence == since.sequence + 1 and before.sequence == since.sequence
    expected = (
        f"audit_entry row {after.id}: entry {after.sequence} is dated 2026-11-23 08:00:00 UTC, 1:00:00 before entry "
        f"{before.sequence} (2026-11-23 09:00:00 UTC) which precedes it; entries are written in the order of their "
        "times give or take 0:05:00: a clock was set back or a time was entered into the past"
    )
    full, incremental = _checks(sessions, since)
    assert full == [expected]
    assert incremental == [expected]  # the entry before it is the checkpoint's: read back from the trail


def test_a_backwards_entry_further_after_the_checkpoint_is_reported_by_the_incremental_check(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    since = _checkpoint(sessions)
    _add_patient(sessions, pharmacy, "Mary Ontime", clock())  # 09:00, in order
    clock.now -= dt.timedelta(hours=1)
    _add_patient(sessions, pharmacy, "John Backdated", clock())  # 08:00, after a 09:00 entry
    before, after = _last_two(sessions)
    assert after.sequence == before.sequence + 1 > since.sequence + 1
    full, incremental = _checks(sessions, since)
    assert full == incremental
    [found] = incremental
    assert f"entry {after.sequence} is dated 2026-11-23 08:00:00 UTC, 1:00:00 before entry {before.sequence} (2026-11-23 09:00:00 UTC)" in found


def test_entries_five_seconds_out_of_order_are_not_reported(sessions, clock, catalog):
    # The later entry carries a time 5 s before the one before it: its writer took its time
    # first, then waited its turn in the write queue while the other one wrote.
    pharmacy = make_pharmacy(sessions, clock, catalog)
    since = _checkpoint(sessions)
    clock.now -= dt.timedelta(seconds=5)
    _add_patient(sessions, pharmacy, "John Waited", clock())
    before, after = _last_two(sessions)
    assert before.at - after.at == dt.timedelta(seconds=5)
    assert _checks(sessions, since) == ([], [])


def test_a_backwards_entry_found_then_the_trail_goes_on_in_order(sessions, clock, catalog):
    # After a backwards entry, the next one is compared with it (not with the latest time seen):
    # one set-back clock is one finding, not one per entry written after it.
    pharmacy = make_pharmacy(sessions, clock, catalog)
    since = _checkpoint(sessions)
    clock.now -= dt.timedelta(days=2)
    _add_patient(sessions, pharmacy, "John Backdated", clock())
    _add_patient(sessions, pharmacy, "Mary Backdated", clock())
    full, incremental = _checks(sessions, since)
    assert len(full) == 1 and full == incremental
    assert "2 days, 0:00:00 before entry" in full[0]


@pytest.mark.parametrize("backend", ("sqlite", "postgresql"))
def test_db_check_reports_it_incremental_and_full(backend, database_urls, clock, catalog):
    # `db check` itself (``run_check``: the head file, the checkpoint, the chain) on a database of its own.
    url = database_urls(backend, "time_order")
    engine = open_database(url)
    try:
        migrate(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        pharmacy = make_pharmacy(sessions, clock, catalog)
        assert run_check(engine, head_path(None), clock(), full=True).problems == []  # leaves a checkpoint
        clock.now -= dt.timedelta(hours=1)
        _add_patient(sessions, pharmacy, "John Backdated", clock())
        incremental = run_check(engine, head_path(None), clock())
        full = run_check(engine, head_path(None), clock(), full=True)
    finally:
        engine.dispose()
    assert incremental.since is not None and full.since is None
    for found in (incremental.problems, full.problems):
        assert len(found) == 1 and "is dated 2026-11-23 08:00:00 UTC, 1:00:00 before entry" in found[0]
