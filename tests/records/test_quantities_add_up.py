"""Issue 28, observation 6 (first half): quantities add up. A batch of 120 g for a prescription
of 42 g makes 120 − 42 = 78 g beyond it: the record says so, the worksheet prints it, and the
batch is not verified until the pharmacist records what becomes of those 78 g."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.calc.surplus import surplus
from compounder.records import batches, printing, trail_check
from compounder.records.policy import RecordError
from compounder.settings import settings_from_data
from tests.pdf_text import pdf_text
from tests.records.helpers import make_pharmacy, weigh_all
from tests.records.prescription_fills import fill, order
from tests.records.signing_helpers import credentials_of

PHARMACY = settings_from_data({"schema_version": 1, "name": "Main Street Compounding", "address": ["12 Main Street"], "phone": "555-0142",
                               "licence": "IL 054-000000"})




def test_the_surplus_in_grams():
    # 120 g made, 42 g dispensed: 120 − 42 = 78 g beyond. 60 mL at 1.0 g/mL = 60 g of 120 g: 60 g beyond.
    assert surplus({"batch": {"labelled_grams": 120.0}}, {"prescription": {"quantity": "42 g"}}).beyond == Decimal("78")
    assert surplus({"batch": {"labelled_grams": 120.0, "density": "1.0 g/mL"}}, {"prescription": {"quantity": "60 mL"}}).beyond == Decimal("60")
    assert surplus({"batch": {"labelled_grams": 120.0}}, {"prescription": {"quantity": "120 g"}}) is None
    assert surplus({"batch": {"labelled_grams": 120.0}}, {"prescription": {"quantity": "60 mL"}}) is None  # no density: not known


def test_a_120_g_batch_for_42_g_records_the_78_g_and_asks_their_disposition(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    record = fill(sessions, clock, catalog, pharmacy, order(quantity="42 g"))
    assert record.surplus is not None and record.surplus.beyond == Decimal("78") and record.surplus_disposition is None
    weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        sheet = pdf_text(stored_pdf(s, pharmacy, record.batch_number, clock))
    assert "made 120 g; dispensed 42 g; 78 g made beyond the prescription: disposition not recorded yet" in sheet
    with sessions.begin() as s, pytest.raises(RecordError, match="record what becomes of the 78 g"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="disposition: say what becomes of the 78 g"):
        batches.record_surplus(s, pharmacy.pharmacist, record.batch_number, "  ", clock())
    with sessions.begin() as s:
        batches.record_surplus(s, pharmacy.pharmacist, record.batch_number, "discarded as hazardous waste", clock())
        done = batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
        sheet = pdf_text(stored_pdf(s, pharmacy, record.batch_number, clock))
    assert done.status.value == "verified" and done.surplus_disposition == "discarded as hazardous waste"
    assert "78 g made beyond the prescription: discarded as hazardous waste" in sheet
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_a_batch_that_dispenses_all_it_makes_asks_nothing(sessions, clock, catalog):
    pharmacy = make_pharmacy(sessions, clock, catalog)
    record = fill(sessions, clock, catalog, pharmacy, order())  # 120 g made, 120 g dispensed
    assert record.surplus is None
    with sessions.begin() as s, pytest.raises(RecordError, match="makes no more than the prescription dispenses"):
        batches.record_surplus(s, pharmacy.pharmacist, record.batch_number, "discarded", clock())


def stored_pdf(s, pharmacy, number, clock) -> bytes:
    from compounder.documents.stored import stored_worksheet_pdf

    return stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.pharmacist, number, clock()), PHARMACY)
