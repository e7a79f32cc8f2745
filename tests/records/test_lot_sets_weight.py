"""Issue 28, observation 1: the lot actually used sets the weight. A master formula's potency is
only a default until a lot is chosen; the lot record (its certificate-of-analysis assay, its
expiry) is the source of the target, the worksheet's potency and the beyond-use date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compounder.calc.batch_document import plan_with_documents
from compounder.calc.prescription import parse_order
from compounder.records import batches, lots, printing
from compounder.records.library import FormulaLibrary
from compounder.records.policy import RecordError
from compounder.records.screening import choose_lot, make_batch
from tests.records.helpers import make_pharmacy

#: Lidocaine 4 % in 60 g of Lipoderm, approved with a 99.8 % assay typed in the workbench.
FORMULA = {"batch": "60 g", "base": "Lipoderm", "actives": [{"ingredient": "lidocaine", "strength": "4 %", "potency": "99.8 %"}]}
ORDER = {
    "prescription": {
        "patient": "Jane Q. Doe", "date_of_birth": "1948-03-02", "rx_number": "RX-2801", "prescriber": "Dr. A. Smith",
        "directions": "Apply a thin layer to the knee twice a day", "quantity": "60 g", "refills": 1,
    },
}
# By hand: 60 g × 4 % = 2.400 g lidocaine.
#   at the master formula's 99.8 %: 2.400 / 0.998 = 2.40481 → 2.405 g (the old, wrong target)
#   at lot LB26-777's 95.0 %:       2.400 / 0.950 = 2.52632 → 2.526 g; the base q.s. 60.000 − 2.526 = 57.474 g
TARGET_AT_LOT = Decimal("2.526")
BASE_AT_LOT = Decimal("57.474")
TARGET_AT_FORMULA = Decimal("2.405")


@pytest.fixture
def lidocaine(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    library = FormulaLibrary(sessions, clock)
    entry = library.add("Lidocaine 4 % in Lipoderm", FORMULA, pharmacy.pharmacist)
    library.approve(entry.id, pharmacy.pharmacist)
    version = library.approved_version(entry.id)
    with sessions.begin() as s:
        lot = lots.receive_lot(
            s, pharmacy.technician, ingredient="lidocaine", stock_form="lidocaine", manufacturer="Spectrum", lot_number="LB26-777",
            expires=dt.date(2027, 12, 31), quantity="100", potency_percent="95.0", now=clock(),
        )
        base = lots.receive_lot(
            s, pharmacy.technician, ingredient="Lipoderm", stock_form="Lipoderm", manufacturer="PCCA", lot_number="LD-1",
            expires=dt.date(2027, 12, 31), quantity="500", potency_percent=None, now=clock(),
        )
    return pharmacy, version.id, lot, base


def _make(s, pharmacy, version_id, clock, catalog, **more):
    freeze = lambda plan: plan_with_documents(plan, parse_order(ORDER), catalog, clock().date(), None)  # noqa: E731
    return make_batch(
        s, pharmacy.technician, catalog, formula_version_id=version_id, patient=pharmacy.patient, rx_number="RX-2801",
        prescriber="Dr. A. Smith", compounded_on=clock().date(), tolerance_percent="5", now=clock(), order=ORDER, freeze=freeze, **more,
    )


def test_the_lot_chosen_when_the_batch_is_made_sets_the_target_and_the_worksheet_potency(sessions, clock, catalog, lidocaine):
    pharmacy, version_id, lot, base = lidocaine
    with sessions.begin() as s:
        record = _make(s, pharmacy, version_id, clock, catalog, lots={1: lot.id, 2: base.id})
        sheet = printing.worksheet_to_print(s, pharmacy.pharmacist, record.batch_number, clock())
    assert record.lines[0].target == TARGET_AT_LOT and record.lines[0].lot_number == "LB26-777"
    assert record.lines[1].target == BASE_AT_LOT
    row = next(row for row in sheet.record.rows if row.weigh == "lidocaine")
    assert row.potency == "95 %" and row.lot == "LB26-777"


def test_a_lot_chosen_after_the_batch_is_made_works_the_target_out_again(sessions, clock, catalog, lidocaine):
    pharmacy, version_id, lot, base = lidocaine
    with sessions.begin() as s:
        record = _make(s, pharmacy, version_id, clock, catalog)
        assert record.lines[0].target == TARGET_AT_FORMULA  # the master formula's default until a lot is chosen
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, lot.id, clock())
    assert record.lines[0].target == TARGET_AT_LOT and record.lines[1].target == BASE_AT_LOT
    assert record.plan["lines"][0]["potency"] == "95 %"


def test_assigning_a_lot_of_another_assay_without_working_the_target_out_again_is_refused(sessions, clock, catalog, lidocaine):
    pharmacy, version_id, lot, _ = lidocaine
    with sessions.begin() as s:
        record = _make(s, pharmacy, version_id, clock, catalog)
        with pytest.raises(RecordError, match=r"assays 95\.0 %.*worked out at 99\.8 %"):
            batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, lot.id, clock())


def test_once_weighed_a_lot_of_another_assay_is_refused(sessions, clock, catalog, lidocaine):
    pharmacy, version_id, lot, base = lidocaine
    with sessions.begin() as s:
        record = _make(s, pharmacy, version_id, clock, catalog, lots={2: base.id})
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 2, "57.595", clock())
        with pytest.raises(RecordError, match="weights entered"):
            choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, lot.id, clock())


def test_the_chosen_lots_expiry_caps_the_beyond_use_date(sessions, clock, catalog, lidocaine):
    pharmacy, version_id, _, base = lidocaine
    # Compounded 2026-11-23; Lipoderm treated as a nonpreserved aqueous preparation: 14 days
    # counting the day of compounding → 2026-12-06. A lot expiring 2026-12-01 caps it there.
    with sessions.begin() as s:
        short = lots.receive_lot(
            s, pharmacy.technician, ingredient="lidocaine", stock_form="lidocaine", manufacturer="Spectrum", lot_number="LB26-100",
            expires=dt.date(2026, 12, 1), quantity="100", potency_percent="99.8", now=clock(),
        )
        record = _make(s, pharmacy, version_id, clock, catalog)
        assert record.beyond_use == dt.date(2026, 12, 6)
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, short.id, clock())
    assert record.beyond_use == dt.date(2026, 12, 1) and record.lines[0].lot_number == "LB26-100"
    assert record.lines[0].target == TARGET_AT_FORMULA  # the same assay: the same target
