"""An aliquot line's three weighings in the records, on SQLite and PostgreSQL: made with the
batch with their targets as printed, recorded one at a time and in order (typed or from the
balance, who and when), each checked against its own target, the line's drug worked out from
them, preparing refused until all are recorded, the lots drawn by what was weighed, all audited.

The shipped diclofenac cream on the 0.01 g balance (minimum weighable 8.2 g), 120 g:
diclofenac sodium 3.60 g: k = ceil(8.2 / 3.60) = 3, weigh 3 × 3.60 = 10.80 g, portion
max(8.2, 3.60 + 8.2 / 3 = 6.33) = 8.20 g, mixture 3 × 8.20 = 24.60 g, diluent 24.60 − 10.80 = 13.80 g.
cyclobenzaprine 2.40 g: k = ceil(3.42) = 4, weigh 9.60, portion max(8.2, 2.40 + 2.05) = 8.20,
mixture 32.80, diluent 23.20. lidocaine 6.00 g: k = 2, weigh 12.00, portion max(8.2, 6.00 + 4.1)
= 10.10, mixture 20.20, diluent 8.20.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from compounder.calc.balance_reading import Reading, ReadingState
from compounder.calc.scan import pharmacy_lot_code
from compounder.records import aliquot_steps, batches, lots, people, station, trail_check
from compounder.records.model import AliquotWeighing, AuditEntry, BatchLine
from compounder.records.policy import PermissionRefused, RecordError
from tests.records.helpers import forget_aliquot_weighings, new_batch, pass_qc, weigh_all
from tests.records.signing_helpers import credentials_of

TARGETS = {
    1: {"ingredient": Decimal("10.80"), "diluent": Decimal("13.80"), "portion": Decimal("8.20")},
    2: {"ingredient": Decimal("9.60"), "diluent": Decimal("23.20"), "portion": Decimal("8.20")},
    3: {"ingredient": Decimal("12.00"), "diluent": Decimal("8.20"), "portion": Decimal("10.10")},
}


def _step(sessions, clock, pharmacy, number, position, step, grams):
    with sessions.begin() as s:
        return aliquot_steps.enter_step(s, pharmacy.technician, number, position, step, grams, clock())


def test_each_aliquot_line_has_its_three_weighings_with_the_printed_targets(sessions, clock, aliquot_pharmacy):
    record = new_batch(sessions, clock, aliquot_pharmacy)
    for position, targets in TARGETS.items():
        line = record.lines[position - 1]
        assert line.target == {1: Decimal("3.60"), 2: Decimal("2.40"), 3: Decimal("6.00")}[position]  # the drug's own grams
        assert [(step.step, step.target, step.actual) for step in line.steps] == [(name, grams, None) for name, grams in targets.items()]
    assert all(not line.steps for line in record.lines[3:])  # weighed directly
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_the_drug_delivered_is_worked_out_from_the_three_weighings(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, number, 1, pharmacy.lots[record.lines[0].name].id, clock())
    # the line's one weight is refused: it is made by aliquot
    with sessions.begin() as s, pytest.raises(RecordError, match="made by aliquot"):
        batches.enter_weight(s, pharmacy.technician, number, 1, "3.60", clock())
    # in order: the portion before the ingredient and the diluent is refused
    with pytest.raises(RecordError, match="ingredient and diluent weighing first"):
        _step(sessions, clock, pharmacy, number, 1, "portion", "8.20")
    first = _step(sessions, clock, pharmacy, number, 1, "ingredient", "10.85").lines[0]
    # 10.85 against 10.80: +0.05 / 10.80 = +0.46 %; the line has no actual until all three are in
    assert (first.step("ingredient").actual, first.step("ingredient").deviation_percent, first.actual) == (Decimal("10.85"), Decimal("0.46"), None)
    assert first.step("ingredient").by == "tess" and first.step("ingredient").source == "typed"
    # the diluent's target follows the ingredient weighed: 10.85 × 13.80 / 10.80 = 13.8638… → 13.86 g (the planned concentration)
    assert (first.step("diluent").target, first.step("portion").target) == (Decimal("13.86"), Decimal("8.20"))
    first = _step(sessions, clock, pharmacy, number, 1, "diluent", "13.86").lines[0]
    assert first.step("diluent").deviation_percent == Decimal("0.00")  # on its adapted target
    assert first.actual is None
    # the portion's: 3.60 × (10.85 + 13.86) / 10.85 = 88.956 / 10.85 = 8.19871 → 8.20 g
    assert first.step("portion").target == Decimal("8.20")
    first = _step(sessions, clock, pharmacy, number, 1, "portion", "8.21").lines[0]
    # 8.21 × 10.85 / (10.85 + 13.86) = 89.0785 / 24.71 = 3.6049575 → 3.604958 g; (3.604958 − 3.60) / 3.60 = +0.138 %
    assert first.step("portion").deviation_percent == Decimal("0.12")  # +0.01 / 8.20
    assert (first.actual, first.deviation_percent, first.out_of_tolerance) == (Decimal("3.604958"), Decimal("0.14"), False)
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_the_later_targets_follow_what_was_weighed_and_are_audited(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, number, 1, pharmacy.lots[record.lines[0].name].id, clock())
    # the ingredient 4.9 % under, inside ± 5 %: 10.27 g; the diluent's target 10.27 × 13.80 / 10.80 = 13.1228 → 13.12 g
    line = _step(sessions, clock, pharmacy, number, 1, "ingredient", "10.27").lines[0]
    assert not line.step("ingredient").out_of_tolerance and line.step("diluent").target == Decimal("13.12")
    # the diluent to the old fixed plan (14.48, 4.9 % over 13.80) is (14.48 − 13.12) / 13.12 = +10.37 %: outside its band
    line = _step(sessions, clock, pharmacy, number, 1, "diluent", "14.48").lines[0]
    assert (line.step("diluent").deviation_percent, line.step("diluent").out_of_tolerance) == (Decimal("10.37"), True)
    # recorded again on its target (the portion not recorded yet): within; the portion 3.60 × 23.39 / 10.27 = 8.19903 → 8.20 g
    line = _step(sessions, clock, pharmacy, number, 1, "diluent", "13.12").lines[0]
    assert not line.step("diluent").out_of_tolerance and line.step("portion").target == Decimal("8.20")
    # the portion 7.80 g is inside ± 5 % of 8.20 g ((7.80 − 8.20) / 8.20 = −4.88 %) but under the balance's
    # minimum weighable 8.2 g: refused, nothing recorded
    with pytest.raises(RecordError, match=r"7\.80 g is under the balance's minimum weighable quantity, 8\.2 g"):
        _step(sessions, clock, pharmacy, number, 1, "portion", "7.80")
    # 8.25 g: (8.25 − 8.20) / 8.20 = +0.61 %; delivered 8.25 × 10.27 / 23.39 = 84.7275 / 23.39 = 3.622381 g, +0.62 %: within
    line = _step(sessions, clock, pharmacy, number, 1, "portion", "8.25").lines[0]
    assert line.step("portion").deviation_percent == Decimal("0.61")
    assert (line.actual, line.deviation_percent, line.out_of_tolerance) == (Decimal("3.622381"), Decimal("0.62"), False)
    # once the portion is recorded, the mixture is made: the diluent and the ingredient are not recorded again
    for step in ("diluent", "ingredient"):
        with pytest.raises(RecordError, match="already recorded, so its .* not recorded again"):
            _step(sessions, clock, pharmacy, number, 1, step, "13.12")
    with sessions() as s:
        changes = [
            (e.action, json.loads(e.old)["target_ug"], json.loads(e.new)["target_ug"])
            for e in s.scalars(select(AuditEntry).where(AuditEntry.table_name == "aliquot_weighing", AuditEntry.action == "adapt aliquot target"))
        ]
        # the diluent's 13.80 → 13.12 with the ingredient; the portion's 8.20 → 8.68 with the diluent at 14.48
        # (3.60 × 24.75 / 10.27 = 8.6758 → 8.68), back to 8.20 with the diluent recorded again at 13.12
        assert changes == [
            ("adapt aliquot target", 13_800_000, 13_120_000), ("adapt aliquot target", 8_200_000, 8_680_000),
            ("adapt aliquot target", 8_680_000, 8_200_000),
        ]
        again = list(s.scalars(select(AuditEntry.action).where(AuditEntry.action == "weigh aliquot again")))
        assert again == ["weigh aliquot again"]
        assert trail_check.problems(s) == []


def test_a_later_target_under_the_minimum_weighable_is_refused_and_the_line_starts_again(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    # lidocaine, line 3: weigh 12.00 g, dilute with 8.20 g (the minimum itself), portion 10.10 g
    # 11.90 g: the diluent would be 11.90 × 8.20 / 12.00 = 8.1316… → 8.13 g, under 8.2 g: refused, nothing recorded
    with pytest.raises(RecordError, match=r"line 3 \(lidocaine.*with the ingredient at 11.90 g, the diluent would have to be 8.13 g, "
                       r"under the balance's minimum weighable 8.2 g.*start the line again.*record the ingredient again; this weighing is not recorded"):
        _step(sessions, clock, pharmacy, number, 3, "ingredient", "11.90")
    line = _step(sessions, clock, pharmacy, number, 3, "ingredient", "12.05").lines[2]  # 12.05 × 8.20 / 12.00 = 8.2342 → 8.23
    assert (line.step("ingredient").actual, line.step("diluent").target) == (Decimal("12.05"), Decimal("8.23"))
    # the ingredient recorded again before the diluent (the line started again): allowed, audited, the diluent's target follows
    line = _step(sessions, clock, pharmacy, number, 3, "ingredient", "12.00").lines[2]
    assert (line.step("ingredient").actual, line.step("diluent").target) == (Decimal("12.00"), Decimal("8.20"))
    # diclofenac, line 1, on its targets 10.80: a diluent of 13.75 g would leave the portion 3.60 × 24.55 / 10.80 = 8.1833 → 8.18 g < 8.2 g;
    # the least diluent is 13.79 g (3.60 × 24.59 / 10.80 = 8.1967 → 8.20)
    _step(sessions, clock, pharmacy, number, 1, "ingredient", "10.80")
    with pytest.raises(RecordError, match=r"portion would have to be 8.18 g.*add base to at least 13.79 g of diluent and record the diluent again"):
        _step(sessions, clock, pharmacy, number, 1, "diluent", "13.75")
    line = _step(sessions, clock, pharmacy, number, 1, "diluent", "13.79").lines[0]
    assert (line.step("diluent").actual, line.step("portion").target) == (Decimal("13.79"), Decimal("8.20"))
    with sessions() as s:
        rows = {row.step: row for row in s.scalars(select(AliquotWeighing).join(BatchLine).where(BatchLine.batch_id == record.id, BatchLine.position == 3))}
        assert rows["diluent"].actual_ug is None and rows["ingredient"].actual_ug == 12_000_000
        assert trail_check.problems(s) == []


def test_preparing_needs_every_weighing_and_draws_what_was_weighed(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    with sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, number, line.position, pharmacy.lots[line.name].id, clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, number, line.position, str(line.target), clock())
    _step(sessions, clock, pharmacy, number, 1, "ingredient", "10.80")
    with sessions.begin() as s, pytest.raises(RecordError) as refused:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
    message = str(refused.value)
    assert "line 1 (diclofenac sodium): aliquot diluent weighing" in message and "aliquot portion weighing" in message
    assert "line 1 (diclofenac sodium): aliquot ingredient" not in message and "line 2" in message
    for position, targets in TARGETS.items():
        for step, grams in targets.items():
            if (position, step) != (1, "ingredient"):
                _step(sessions, clock, pharmacy, number, position, step, str(grams))
    with sessions.begin() as s:
        signed = batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
    # each aliquot's lot gives the whole ingredient weighed for its aliquot (the mixture not taken is discarded)
    base = next(line for line in signed.lines if line.role == "base")
    with sessions() as s:
        for position, targets in TARGETS.items():
            line = signed.lines[position - 1]
            assert line.actual == line.target  # every weighing at its target: 8.20 × 10.80 / 24.60 = 3.60
            assert lots.get_lot(s, pharmacy.lots[line.name].id).remaining == Decimal(500) - targets["ingredient"]
        # the base lot gives the base line and the three diluents: 13.80 + 23.20 + 8.20 = 45.20 g
        assert lots.get_lot(s, pharmacy.lots[base.name].id).remaining == Decimal(500) - base.actual - Decimal("45.20")
        assert trail_check.problems(s) == []


def test_the_station_records_a_step_from_the_balance_and_audits_it(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number, line = record.batch_number, record.lines[0]
    with sessions.begin() as s:
        station.confirm_scan(s, pharmacy.technician, number, 1, pharmacy_lot_code(pharmacy.lots[line.name].id), clock())
    reading = Reading(ReadingState.STABLE, Decimal("10.80"), at=10.0, detail="S S 10.80 g", balance_id="XS205-1")
    with sessions.begin() as s, pytest.raises(RecordError, match="say which of its weighings"):
        station.record_reading(s, pharmacy.technician, number, 1, reading, clock(), 10.1)
    with sessions.begin() as s:
        updated = station.record_reading(s, pharmacy.technician, number, 1, reading, clock(), 10.1, step="ingredient")
    step = updated.lines[0].step("ingredient")
    assert (step.actual, step.source, step.balance_id, step.by, step.at) == (Decimal("10.80"), "balance", "XS205-1", "tess", clock())
    with sessions.begin() as s:
        station.record_typed(s, pharmacy.technician, number, 1, "13.80", clock(), step="diluent")
    with sessions() as s:
        events = [e for e in station.events(s, number) if e.kind == "weight"]
        assert [e.message for e in events] == [
            "Line 1, aliquot ingredient: 10.80 g balance, +0.00 % (within tolerance)",
            "Line 1, aliquot diluent: 13.80 g typed, +0.00 % (within tolerance)",
        ]
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.table_name == "aliquot_weighing", AuditEntry.action == "weigh aliquot")))
        assert actions == ["weigh aliquot", "weigh aliquot"]  # each weighing recorded is audited, as tess
        assert trail_check.problems(s) == []
    # a direct line takes no step
    with sessions.begin() as s, pytest.raises(RecordError, match="weighed directly"):
        base = record.lines[-1]
        station.confirm_scan(s, pharmacy.technician, number, base.position, pharmacy_lot_code(pharmacy.lots[base.name].id), clock())
        station.record_typed(s, pharmacy.technician, number, base.position, "1.00", clock(), step="portion")


def test_a_deactivated_account_records_no_step(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[record.lines[0].name].id, clock())
        people.set_active(s, pharmacy.admin, pharmacy.technician.username, False, clock())
    with sessions.begin() as s, pytest.raises((PermissionRefused, RecordError)):
        aliquot_steps.enter_step(s, pharmacy.technician, record.batch_number, 1, "ingredient", "10.80", clock())


def test_weigh_all_then_amend_carries_the_weighings(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    number = record.batch_number
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s:
        amendment = batches.amend(s, pharmacy.pharmacist, number, "label reprinted with the wrong directions", clock())
    assert [(step.step, step.actual) for step in amendment.lines[0].steps] == [(name, grams) for name, grams in TARGETS[1].items()]
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), amendment.batch_number, clock())  # the same weighings: nothing drawn again
    with sessions() as s:
        assert lots.get_lot(s, pharmacy.lots[record.lines[0].name].id).remaining == Decimal(500) - Decimal("10.80")
        assert trail_check.problems(s) == []


def test_verifying_names_the_weighing_outside_tolerance(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    with sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, number, line.position, pharmacy.lots[line.name].id, clock())
            for step in line.steps if line.position != 1 else ():
                aliquot_steps.enter_step(s, pharmacy.technician, number, line.position, step.step, str(step.target), clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, number, line.position, str(line.target), clock())
    # line 1: the diluent 6 % over (13.80 × 1.06 = 14.628 → 14.63 g: +6.01 %); the portion then 3.60 × 25.43 / 10.80 = 8.4767 → 8.48 g,
    # taken at it: 8.48 × 10.80 / 25.43 = 3.601416 g of 3.60 g, +0.04 %: the drug within ± 5 %, the diluent not
    for step, grams in (("ingredient", "10.80"), ("diluent", "14.63"), ("portion", "8.48")):
        line = _step(sessions, clock, pharmacy, number, 1, step, grams).lines[0]
    assert (line.actual, line.deviation_percent, line.out_of_tolerance) == (Decimal("3.601416"), Decimal("0.04"), True)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match=r"line 1 \(diclofenac sodium, 0.04 %; aliquot diluent 6.01 %\)"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())


def test_a_draft_from_before_gets_the_weighings_of_its_lines_not_weighed(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:  # as 0006 stored it: no weighing rows; line 1 weighed with one weight
        ids = list(s.scalars(select(BatchLine.id).where(BatchLine.batch_id == record.id)))
        forget_aliquot_weighings(s, ids, clock())
        batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, pharmacy.lots[record.lines[0].name].id, clock())
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 1, "3.60", clock())
    with sessions.begin() as s:
        assert aliquot_steps.set_up_missing(s, pharmacy.technician, record.batch_number, clock()) == 2
    with sessions.begin() as s:
        assert aliquot_steps.set_up_missing(s, pharmacy.technician, record.batch_number, clock()) == 0  # once
        lines = batches.batch_record(s, record.batch_number).lines
    assert lines[0].steps == () and lines[0].actual == Decimal("3.60")
    assert [step.target for step in lines[2].steps] == [TARGETS[3][name] for name in ("ingredient", "diluent", "portion")]
    with sessions() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == "aliquot_weighing", AuditEntry.action == "create")))
        assert len(entries) >= 6 and {entry.username for entry in entries[-6:]} == {"tess"}


def test_amending_a_batch_from_before_weighs_the_aliquots_again(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s:  # as 0006 stored it: no weighing rows, one weight per line
        ids = list(s.scalars(select(BatchLine.id).where(BatchLine.batch_id == record.id)))
        forget_aliquot_weighings(s, ids, clock())
        record = batches.batch_record(s, record.batch_number)
    record = weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
        amendment = batches.amend(s, pharmacy.pharmacist, record.batch_number, "aliquot weighings to record", clock())
    first = amendment.lines[0]
    # the lot is carried, the one weight is not: the three weighings are to record
    assert (first.lot_id, first.actual, [step.actual for step in first.steps]) == (record.lines[0].lot_id, None, [None, None, None])
    assert amendment.lines[-1].actual == record.lines[-1].actual  # the base, weighed directly, is carried


def test_an_amendment_carries_each_weighing_with_its_target_as_it_stood(sessions, clock, aliquot_pharmacy):
    pharmacy = aliquot_pharmacy
    record = new_batch(sessions, clock, pharmacy)
    number = record.batch_number
    # line 1: ingredient 11.00 → diluent 11.00 × 13.80 / 10.80 = 14.0556 → 14.06; weighed 14.06 → portion 3.60 × 25.06 / 11.00 = 8.2015 → 8.20
    with sessions.begin() as s:
        for line in record.lines:
            batches.assign_lot(s, pharmacy.technician, number, line.position, pharmacy.lots[line.name].id, clock())
            if not line.steps:
                batches.enter_weight(s, pharmacy.technician, number, line.position, str(line.target), clock())
            for step in line.steps:
                grams = {"ingredient": "11.00", "diluent": "14.06", "portion": "8.20"}[step.step] if line.position == 1 else str(step.target)
                aliquot_steps.enter_step(s, pharmacy.technician, number, line.position, step.step, grams, clock())
    pass_qc(sessions, clock, pharmacy.technician, number)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), number, clock())
    with sessions.begin() as s:
        amendment = batches.amend(s, pharmacy.pharmacist, number, "label reprinted with the wrong directions", clock())
    assert [(step.step, step.target, step.actual, step.deviation_percent) for step in amendment.lines[0].steps] == [
        ("ingredient", Decimal("10.80"), Decimal("11.00"), Decimal("1.85")),  # 0.20 / 10.80 = 1.85 %
        ("diluent", Decimal("14.06"), Decimal("14.06"), Decimal("0.00")), ("portion", Decimal("8.20"), Decimal("8.20"), Decimal("0.00")),
    ]
    # 8.20 × 11.00 / 25.06 = 90.20 / 25.06 = 3.5993615… → 3.599362 g, −0.02 %
    assert (amendment.lines[0].actual, amendment.lines[0].deviation_percent) == (Decimal("3.599362"), Decimal("-0.02"))
    with sessions() as s:
        assert trail_check.problems(s) == []
