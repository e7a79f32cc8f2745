"""The weighing station's records, on SQLite and PostgreSQL: scans confirmed and refused are
kept, weights from the balance carry its ID, typed weights say so, nothing unstable or stale is
recorded, and every step is in the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc.balance_reading import Reading, ReadingState
from compounder.calc.scan import pharmacy_lot_code
from compounder.records import batches, lots, station, trail_check
from compounder.records.policy import RecordError
from tests.records.helpers import make_pharmacy, new_batch
from tests.records.signing_helpers import credentials_of


@pytest.fixture
def at_station(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    return pharmacy, new_batch(sessions, clock, pharmacy)


def test_scan_then_balance_reading_is_recorded_with_the_balance(sessions, clock, at_station):
    pharmacy, record = at_station
    line = record.lines[0]
    lot = pharmacy.lots[line.name]
    with sessions.begin() as s:
        decision = station.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(lot.id) + "\r", clock())
    assert decision.accepted, decision.message
    reading = Reading(ReadingState.STABLE, line.target, at=100.0, detail=f"S S {line.target} g", balance_id="XS205-1")
    with sessions.begin() as s:
        updated = station.record_reading(s, pharmacy.technician, record.batch_number, 1, reading, clock(), monotonic_now=100.2)
    stored = updated.lines[0]
    assert (stored.actual, stored.weight_source, stored.balance_id, stored.identity, stored.lot_id) == (line.target, "balance", "XS205-1", "scanned", lot.id)
    with sessions() as s:
        kinds = [(e.kind, e.accepted, e.source, e.balance_id) for e in station.events(s, record.batch_number)]
        assert kinds == [("scan", True, None, None), ("weight", True, "balance", "XS205-1")]
        assert trail_check.problems(s) == []


def test_wrong_ingredient_is_refused_and_recorded(sessions, clock, at_station):
    pharmacy, record = at_station
    first, second = record.lines[0], record.lines[1]
    other = pharmacy.lots[second.name]
    with sessions.begin() as s:
        decision = station.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(other.id), clock())
    assert not decision.accepted and decision.outcome == "other_ingredient"
    assert f"this container is {second.name}" in decision.message
    with sessions() as s:
        (event,) = station.events(s, record.batch_number)
        assert (event.accepted, event.outcome, event.scanned) == (False, "other_ingredient", pharmacy_lot_code(other.id))
        assert batches.batch_record(s, record.batch_number).lines[0].lot_id is None  # nothing assigned
        assert trail_check.problems(s) == []
    # and no weight goes in before the container is confirmed
    with sessions.begin() as s, pytest.raises(RecordError, match="scan the container first"):
        station.record_typed(s, pharmacy.technician, record.batch_number, 1, str(first.target), clock())


@pytest.mark.parametrize(
    ("state", "age", "says"),
    [("unstable", 0.1, "not stable yet"), ("overload", 0.1, "overload"), ("disconnected", 0.1, "disconnected"), ("stable", 3.0, "3.0 s old")],
)
def test_unstable_faulty_or_stale_readings_are_not_recorded(sessions, clock, at_station, state, age, says):
    pharmacy, record = at_station
    with sessions.begin() as s:
        station.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(pharmacy.lots[record.lines[0].name].id), clock())
    grams = None if state in ("overload", "disconnected") else Decimal("1.000")
    reading = Reading(ReadingState(state), grams, at=50.0, detail="x", balance_id="B1")
    with sessions.begin() as s, pytest.raises(RecordError, match=says):
        station.record_reading(s, pharmacy.technician, record.batch_number, 1, reading, clock(), monotonic_now=50.0 + age)
    with sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].actual is None
        assert [e.kind for e in station.events(s, record.batch_number)] == ["scan"]


def test_typed_weight_and_confirmation_by_hand(sessions, clock, at_station):
    pharmacy, record = at_station
    line = record.lines[0]
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[line.name].id, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="only a pharmacist"):
        station.confirm_by_hand(s, credentials_of(pharmacy.technician), record.batch_number, 1, "label torn, checked by name", clock())
    with sessions.begin() as s:
        station.confirm_by_hand(s, credentials_of(pharmacy.pharmacist), record.batch_number, 1, "label torn; name and lot read by eye", clock())
        # target × 1.10 is 10 % over: outside the batch's ± 5 %
        typed = (line.target * Decimal("1.10")).quantize(Decimal("0.001"))
        updated = station.record_typed(s, pharmacy.technician, record.batch_number, 1, f"{typed} g", clock())
    stored = updated.lines[0]
    assert (stored.weight_source, stored.balance_id, stored.identity, stored.out_of_tolerance) == ("typed", None, "by hand", True)
    with sessions() as s:
        hand, weight = station.events(s, record.batch_number)
        assert (hand.kind, hand.reason) == ("hand", "label torn; name and lot read by eye")
        assert (weight.source, weight.grams) == ("typed", typed)
        assert trail_check.problems(s) == []


def test_choosing_another_lot_undoes_the_scan(sessions, clock, at_station):
    pharmacy, record = at_station
    line = record.lines[0]
    with sessions.begin() as s:
        station.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(pharmacy.lots[line.name].id), clock())
        other = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient=line.name, stock_form=line.name, manufacturer="PCCA", lot_number="Z9",
            expires=pharmacy.lots[line.name].expires, quantity="100", potency_percent=None, now=clock(),
        )
        updated = batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, other.id, clock())
    assert updated.lines[0].identity is None


def test_a_weight_under_the_balances_minimum_weighable_is_refused(sessions, clock, at_station):
    pharmacy, record = at_station
    line = record.lines[0]
    # the plan's balance reads 0.001 g and has no certified minimum: 820 × 0.001 g = 0.82 g
    assert record.plan["balance"]["minimum_weighable_grams"] == pytest.approx(0.82)
    assert line.target >= Decimal("0.82")  # planned over it: this line must be weighed over it
    with sessions.begin() as s:
        station.confirm_scan(s, pharmacy.technician, record.batch_number, 1, pharmacy_lot_code(pharmacy.lots[line.name].id), clock())
    with sessions.begin() as s, pytest.raises(RecordError, match=r"0\.819 g is under the balance's minimum weighable quantity, 0\.82 g"):
        station.record_typed(s, pharmacy.technician, record.batch_number, 1, "0.819", clock())
    reading = Reading(ReadingState.STABLE, Decimal("0.5"), at=100.0, detail="S S 0.5 g", balance_id="XS205-1")
    with sessions.begin() as s, pytest.raises(RecordError, match="under the balance's minimum weighable"):
        station.record_reading(s, pharmacy.technician, record.batch_number, 1, reading, clock(), monotonic_now=100.2)
    with sessions() as s:
        assert batches.batch_record(s, record.batch_number).lines[0].actual is None  # nothing recorded
    # at the minimum it is taken (and, this far from the target, marked outside the tolerance)
    with sessions.begin() as s:
        updated = station.record_typed(s, pharmacy.technician, record.batch_number, 1, "0.820", clock())
    assert (updated.lines[0].actual, updated.lines[0].out_of_tolerance) == (Decimal("0.820"), True)
