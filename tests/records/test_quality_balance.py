"""The balance log (issue 25): a registered balance records no weight until today's check with
test weights passes; a failed check blocks it; calibration and certificate due dates warn ahead
and an overdue calibration blocks; a pharmacy with no registered balance weighs as before.
On SQLite and PostgreSQL (``sessions``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.records import batches, station, trail_check
from compounder.records.policy import PermissionRefused, RecordError
from compounder.records.quality_balance import TestWeight, balance_state, balance_states, checks, record_check, register_balance
from tests.records.helpers import new_batch
from tests.records.signing_helpers import credentials_of


def _today(clock) -> dt.date:
    return clock().astimezone().date()


def _register(sessions, clock, pharmacy, *, calibration_due=None, certificate_due=None, code="BAL-1"):
    with sessions.begin() as s:
        return register_balance(s, pharmacy.pharmacist, code, "Ohaus PX224, bench 2", "0.1", clock(),
                                calibration_due=calibration_due, certificate_due=certificate_due)


def _check(sessions, clock, pharmacy, *readings: tuple[str, str], code="BAL-1"):
    with sessions.begin() as s:
        return record_check(s, pharmacy.technician, code, [TestWeight(f"{n} g class F1 #7", n, r) for n, r in readings], _today(clock), clock())


def _weigh_line_1(sessions, clock, pharmacy, record, balance_id="BAL-1"):
    line = record.lines[0]
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[line.name].id, clock())
    with sessions.begin() as s:
        return batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, str(line.target), clock(), balance_id=balance_id)


def test_a_pharmacy_with_no_registered_balance_weighs_as_before(sessions, clock, pharmacy):
    record = new_batch(sessions, clock, pharmacy)
    weighed = _weigh_line_1(sessions, clock, pharmacy, record, balance_id=None)
    assert weighed.lines[0].actual == record.lines[0].target


def test_a_registered_balance_records_no_weight_until_todays_check_passes(sessions, clock, pharmacy):
    _register(sessions, clock, pharmacy, calibration_due=_today(clock) + dt.timedelta(days=200))
    record = new_batch(sessions, clock, pharmacy)
    with pytest.raises(RecordError, match="today's check with test weights is due"):
        _weigh_line_1(sessions, clock, pharmacy, record)
    # 100 g read as 100.12 g: (100.12 − 100) / 100 = 0.12 % > 0.1 % → the check fails and is kept.
    failed = _check(sessions, clock, pharmacy, ("100", "100.12"), ("20", "19.999"))
    assert not failed.passed
    assert [(w.deviation_percent, w.passed) for w in failed.weights] == [(Decimal("0.1200"), False), (Decimal("-0.0050"), True)]
    with pytest.raises(RecordError, match="failed today's check"):
        _weigh_line_1(sessions, clock, pharmacy, record)
    # 100 g read as 100.0008 g: 0.0008 %; 20 g read as 19.981 g: −0.019 / 20 = −0.095 % — both within 0.1 %.
    passed = _check(sessions, clock, pharmacy, ("100", "100.0008"), ("20", "19.981"))
    assert passed.passed and [w.deviation_percent for w in passed.weights] == [Decimal("0.0008"), Decimal("-0.0950")]
    weighed = _weigh_line_1(sessions, clock, pharmacy, record)
    assert weighed.lines[0].actual == record.lines[0].target
    with sessions.begin() as s:
        assert [c.passed for c in checks(s, "BAL-1")] == [False, True]
        assert not trail_check.verify(s).problems  # every check and test weight is in the audit trail


def test_yesterdays_check_does_not_count_today(sessions, clock, pharmacy):
    _register(sessions, clock, pharmacy)
    _check(sessions, clock, pharmacy, ("100", "100"))
    clock.advance(days=1)
    record = new_batch(sessions, clock, pharmacy)
    with pytest.raises(RecordError, match="today's check with test weights is due"):
        _weigh_line_1(sessions, clock, pharmacy, record)


def test_a_weight_must_name_a_registered_balance(sessions, clock, pharmacy):
    _register(sessions, clock, pharmacy)
    _check(sessions, clock, pharmacy, ("100", "100"))
    record = new_batch(sessions, clock, pharmacy)
    with pytest.raises(RecordError, match="say which balance weighed it"):
        _weigh_line_1(sessions, clock, pharmacy, record, balance_id=None)
    with pytest.raises(RecordError, match="'BAL-9' is not registered"):
        _weigh_line_1(sessions, clock, pharmacy, record, balance_id="BAL-9")


def test_the_station_refuses_a_typed_weight_on_an_unchecked_balance(sessions, clock, pharmacy):
    _register(sessions, clock, pharmacy)
    record = new_batch(sessions, clock, pharmacy)
    line = record.lines[0]
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[line.name].id, clock())
        station.confirm_by_hand(s, credentials_of(pharmacy.pharmacist), record.batch_number, 1, "label torn", clock())
    with pytest.raises(RecordError, match="today's check with test weights is due"), sessions.begin() as s:
        station.record_typed(s, pharmacy.technician, record.batch_number, 1, str(line.target), clock(), balance_id="BAL-1")
    _check(sessions, clock, pharmacy, ("100", "100"))
    with sessions.begin() as s:
        done = station.record_typed(s, pharmacy.technician, record.batch_number, 1, str(line.target), clock(), balance_id="BAL-1")
    assert done.lines[0].actual == line.target


def test_calibration_and_certificate_due_dates_warn_ahead_and_an_overdue_calibration_blocks(sessions, clock, pharmacy):
    today = _today(clock)
    _register(sessions, clock, pharmacy, calibration_due=today + dt.timedelta(days=10), certificate_due=today + dt.timedelta(days=31))
    _check(sessions, clock, pharmacy, ("100", "100"))
    with sessions.begin() as s:
        state = balance_state(s, "BAL-1", today)
    # 10 days ahead is within the 30 days warned; 31 days is not yet.
    assert state.may_weigh
    assert state.warnings == (f"balance BAL-1: calibration due {(today + dt.timedelta(days=10)).isoformat()} (in 10 days)",)
    _register(sessions, clock, pharmacy, calibration_due=today - dt.timedelta(days=1), certificate_due=today + dt.timedelta(days=31))
    with sessions.begin() as s:
        state = balance_states(s, today)[0]
    assert not state.may_weigh and "calibration was due" in (state.refusal or "")
    record = new_batch(sessions, clock, pharmacy)
    with pytest.raises(RecordError, match="calibration was due"):
        _weigh_line_1(sessions, clock, pharmacy, record)


def test_only_a_pharmacist_or_administrator_registers_and_tolerance_is_required(sessions, clock, pharmacy):
    with pytest.raises(PermissionRefused), sessions.begin() as s:
        register_balance(s, pharmacy.technician, "BAL-1", "x", "0.1", clock())
    with pytest.raises(RecordError, match="daily-check tolerance"), sessions.begin() as s:
        register_balance(s, pharmacy.pharmacist, "BAL-1", "x", "", clock())
    _register(sessions, clock, pharmacy)
    with pytest.raises(RecordError, match="test weight 1"), sessions.begin() as s:
        record_check(s, pharmacy.technician, "BAL-1", [TestWeight("100 g", "0", "100")], _today(clock), clock())
    with pytest.raises(RecordError, match="on the day it is made"), sessions.begin() as s:  # not ahead, for tomorrow
        record_check(s, pharmacy.technician, "BAL-1", [TestWeight("100 g", "100", "100")], _today(clock) + dt.timedelta(days=1), clock())
