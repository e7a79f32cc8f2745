"""Issue 28, observation 1: the lot actually used sets the weight. A master formula's potency is
only a default until a lot is chosen; the lot record (its certificate-of-analysis assay, its
expiry) is the source of the target, the worksheet's potency and the beyond-use date."""

from __future__ import annotations

import datetime as dt

import pytest

from compounder.records import batches, lots, printing
from compounder.records.policy import RecordError
from compounder.records.screening import choose_lot
from tests.records.lidocaine_lot import BASE_AT_LOT, TARGET_AT_FORMULA, TARGET_AT_LOT, make_lidocaine_batch
from tests.records.signing_helpers import credentials_of


def test_the_lot_chosen_when_the_batch_is_made_sets_the_target_and_the_worksheet_potency(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, lot, base = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={1: lot.id, 2: base.id})
        sheet = printing.worksheet_to_print(s, pharmacy.pharmacist, record.batch_number, clock())
    assert record.lines[0].target == TARGET_AT_LOT and record.lines[0].lot_number == "LB26-777"
    assert record.lines[1].target == BASE_AT_LOT
    row = next(row for row in sheet.record.rows if row.weigh == "lidocaine")
    assert row.potency == "95 %" and row.lot == "LB26-777"


def test_a_lot_chosen_after_the_batch_is_made_works_the_target_out_again(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, lot, base = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog)
        assert record.lines[0].target == TARGET_AT_FORMULA  # the master formula's default until a lot is chosen
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, lot.id, clock())
    assert record.lines[0].target == TARGET_AT_LOT and record.lines[1].target == BASE_AT_LOT
    assert record.plan["lines"][0]["potency"] == "95 %"


def test_assigning_a_lot_of_another_assay_without_working_the_target_out_again_is_refused(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, lot, _ = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog)
        with pytest.raises(RecordError, match=r"assays 95\.0 %.*worked out at 99\.8 %"):
            batches.assign_lot(s, pharmacy.technician, record.batch_number, 1, lot.id, clock())


def test_once_weighed_a_lot_of_another_assay_is_refused(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, lot, base = lidocaine_lot
    with sessions.begin() as s:
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog, lots={2: base.id})
        batches.enter_weight(s, pharmacy.technician, record.batch_number, 2, "57.595", clock())
        with pytest.raises(RecordError, match="weights entered"):
            choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, lot.id, clock())


def test_the_chosen_lots_expiry_caps_the_beyond_use_date(sessions, clock, catalog, lidocaine_lot):
    pharmacy, version_id, _, base = lidocaine_lot
    # Compounded 2026-11-23; Lipoderm treated as a nonpreserved aqueous preparation: 14 days
    # counting the day of compounding → 2026-12-06. A lot expiring 2026-12-01 caps it there.
    with sessions.begin() as s:
        short = lots.receive_lot(
            s, credentials_of(pharmacy.pharmacist), release=True, ingredient="lidocaine", stock_form="lidocaine", manufacturer="Spectrum", lot_number="LB26-100",
            expires=dt.date(2026, 12, 1), quantity="100", potency_percent="99.8", now=clock(),
        )
        record = make_lidocaine_batch(s, pharmacy, version_id, clock, catalog)
        assert record.beyond_use == dt.date(2026, 12, 6)
        record = choose_lot(s, pharmacy.technician, catalog, record.batch_number, 1, short.id, clock())
    assert record.beyond_use == dt.date(2026, 12, 1) and record.lines[0].lot_number == "LB26-100"
    assert record.lines[0].target == TARGET_AT_FORMULA  # the same assay: the same target
