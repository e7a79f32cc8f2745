"""Issue 28, observation 4, in the records: a pharmacist's acknowledgement is stored with the
fingerprint of the numbers it accepted (``compounder.calc.finding_numbers``). A decision made
on other numbers than the batch's is refused; a lot that changes a number a decision rests on (a
lot expiring before the beyond-use date shortens it) voids the decision, visibly, and the batch
waits until a pharmacist decides again; a lot at another assay only moves the grams weighed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.calc import Severity
from compounder.calc.finding_numbers import fingerprints
from compounder.calc.plan_data import plan_to_json
from compounder.records import batches, lots
from compounder.records.batches import FindingDecision
from compounder.records.library import FormulaLibrary
from compounder.records.model import BatchAcknowledgement
from compounder.records.policy import RecordError
from compounder.records.screening import choose_lot, make_batch, screened_plan
from tests.records.helpers import make_pharmacy, weigh_all
from tests.records.signing_helpers import credentials_of

FORMULA = {
    "batch": "120 g", "base": "Lipoderm", "density": "1.0 g/mL",
    "actives": [{"ingredient": "diclofenac sodium", "strength": "3 %"}, {"ingredient": "cyclobenzaprine hydrochloride", "strength": "2 %"}],
}
RX = {"patient": "Jane Q. Doe", "directions": "Apply 1 g to the knees twice a day", "quantity": "117 g", "refills": 0}
# 117 g at 1 g twice a day = 2 g a day: 117 / 2 = 58.5 days; once a day: 117 days. Both beyond the
# 14-day beyond-use date of a nonpreserved aqueous cream: SUPPLY_BEYOND_BUD, a warning.
TWICE = {"prescription": RX, "directions": {"amount": "1 g", "times_per_day": 2}}
ONCE = {"prescription": RX, "directions": {"amount": "1 g", "times_per_day": 1}}


@pytest.fixture
def pharmacy(sessions, clock, catalog):
    found = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Diclofenac 3 % / cyclobenzaprine 2 %", FORMULA, found.pharmacist)
    library.approve(entry.id, credentials_of(found.pharmacist))
    found.version_id = library.approved_version(entry.id).id
    return found


def signed(sessions, clock, catalog, pharmacy, order):
    """Paula's acknowledgement of every warning of the plan shown for ``order``, bound to its numbers."""
    with sessions() as s:
        plan = screened_plan(s, catalog, pharmacy.version_id, pharmacy.patient.id, clock().date(), order=order)
    numbers = fingerprints(plan_to_json(plan))
    return plan, [
        FindingDecision(f.code, credentials_of(pharmacy.pharmacist), "patient told to discard what is left at the beyond-use date", numbers[f.code])
        for f in plan.findings if f.severity is Severity.WARNING
    ]


def make(s, catalog, clock, pharmacy, order, decisions):
    return make_batch(
        s, pharmacy.technician, catalog, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-2804",
        prescriber="Dr. A. Smith", compounded_on=clock().date(), tolerance_percent="5", now=clock(), order=order, acknowledgements=decisions,
    )


def test_an_acknowledgement_at_58_5_days_does_not_cover_117_days(sessions, clock, catalog, pharmacy):
    plan, decisions = signed(sessions, clock, catalog, pharmacy, TWICE)
    assert any("lasts 58.5 days" in f.message for f in plan.findings if f.code == "SUPPLY_BEYOND_BUD")
    # Every other warning decided afresh at once a day; the days' supply one carried from twice a day.
    _, fresh = signed(sessions, clock, catalog, pharmacy, ONCE)
    carried = [d if d.code != "SUPPLY_BEYOND_BUD" else next(old for old in decisions if old.code == d.code) for d in fresh]
    with sessions.begin() as s, pytest.raises(RecordError, match=r"SUPPLY_BEYOND_BUD was decided on other numbers.*lasts 117\.0 days"):
        make(s, catalog, clock, pharmacy, ONCE, carried)
    with sessions.begin() as s:
        record = make(s, catalog, clock, pharmacy, TWICE, decisions)
        stored = s.query(BatchAcknowledgement).filter_by(batch_id=record.id, code="SUPPLY_BEYOND_BUD").one()
        assert stored.fingerprint == fingerprints(record.plan)["SUPPLY_BEYOND_BUD"] and stored.voided_at is None
    assert record.undecided == ()


def test_a_lot_at_another_assay_moves_the_target_and_the_decisions_stand(sessions, clock, catalog, pharmacy):
    """The lot's assay changes the grams weighed, not what the patient gets (2 %, 58.5 days, the
    same beyond-use date): the pharmacist's decisions stand, and the batch is not held for them."""
    _, decisions = signed(sessions, clock, catalog, pharmacy, TWICE)
    with sessions.begin() as s:
        record = make(s, catalog, clock, pharmacy, TWICE, decisions)
        beyond_use = record.beyond_use
        cbz = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="cyclobenzaprine hydrochloride", stock_form="cyclobenzaprine hydrochloride",
            manufacturer="Medisca", lot_number="CB-970", expires=dt.date(2027, 12, 31), quantity="50", potency_percent="97.0", now=clock(),
        )
        # 120 g × 2 % = 2.400 g; at 97.0 %: 2.400 / 0.970 = 2.47423 → 2.474 g.
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 2, cbz.id, clock())
    assert record.lines[1].target == Decimal("2.474") and record.beyond_use == beyond_use
    assert record.undecided == ()
    # The plan's two warnings (Jane, born 1948-03-02, is 78: the Beers list; 58.5 days beyond the BUD), both still acknowledged.
    assert sorted(a.code for a in record.acknowledgements) == ["MUSCLE_RELAXANT_OLDER_ADULT", "SUPPLY_BEYOND_BUD"]


def test_a_lot_that_changes_the_numbers_voids_the_acknowledgement_until_decided_again(sessions, clock, catalog, pharmacy):
    _, decisions = signed(sessions, clock, catalog, pharmacy, TWICE)
    with sessions.begin() as s:
        record = make(s, catalog, clock, pharmacy, TWICE, decisions)
        assert record.beyond_use > dt.date(2026, 12, 1)
        cbz = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="cyclobenzaprine hydrochloride", stock_form="cyclobenzaprine hydrochloride",
            manufacturer="Medisca", lot_number="CB-970", expires=dt.date(2026, 12, 1), quantity="50", potency_percent="97.0", now=clock(),
        )
        # 120 g × 2 % = 2.400 g; at 97.0 %: 2.400 / 0.970 = 2.47423 → 2.474 g; and the lot expires on
        # 2026-12-01, before the batch's beyond-use date: the beyond-use date becomes 2026-12-01.
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 2, cbz.id, clock())
    assert record.lines[1].target == Decimal("2.474") and record.beyond_use == dt.date(2026, 12, 1)
    # Every warning rests on the beyond-use date (its days and date), which the lot shortened: both
    # are void, the Beers one of the cyclobenzaprine line (born 1948-03-02, 78) and the days' supply one.
    voided = ["MUSCLE_RELAXANT_OLDER_ADULT", "SUPPLY_BEYOND_BUD"]
    assert [text.split(" ")[0] for text in record.undecided] == voided
    assert all("was acknowledged at other numbers and is void" in text for text in record.undecided)
    assert record.acknowledgements == ()  # the worksheet no longer shows it as acknowledged
    pharmacy.lots["cyclobenzaprine hydrochloride"] = cbz
    weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s, pytest.raises(RecordError, match="SUPPLY_BEYOND_BUD was acknowledged at other numbers and is void"):
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s:
        numbers = fingerprints(record.plan)
        half = batches.decide_again(s, record.batch_number, [FindingDecision(voided[0], credentials_of(pharmacy.pharmacist), "seen again at the new lot", numbers[voided[0]])], clock())
        assert [text.split(" ")[0] for text in half.undecided] == voided[1:]
        again = batches.decide_again(
            s, record.batch_number, [FindingDecision(code, credentials_of(pharmacy.pharmacist), "seen again at the new lot", numbers[code]) for code in voided[1:]], clock(),
        )
        assert again.undecided == () and [a.reason for a in again.acknowledgements] == ["seen again at the new lot"] * 2
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
