"""Printing a stored batch from its frozen plan (never recomputed), reprints marked, the
'checked by' signature, and amendments linked both ways."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from compounder.calc import evaluate, parse_formula
from compounder.calc.batch_document import NotStored, plan_with_documents
from compounder.calc.label_stock import LABEL_STOCKS
from compounder.calc.prescription import parse_order
from compounder.documents.stored import stored_label_pdf, stored_worksheet_pdf
from compounder.records import batches, printing, trail_check
from compounder.records.library import FormulaLibrary
from compounder.records.lots import get_lot
from compounder.records.policy import PermissionRefused, RecordError, Status
from tests.conftest import TODAY
from tests.pdf_text import pdf_text
from tests.records.helpers import ORDER, PHARMACY, make_pharmacy, new_batch, weigh_all
from tests.records.signing_helpers import credentials_of


def print_worksheet(sessions, actor, number, now) -> str:
    with sessions.begin() as s:
        text = pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, actor, number, now), PHARMACY))
        printing.record_print(s, actor, number, printing.PRINT_WORKSHEET, now)
    return text


def test_the_reprint_shows_the_frozen_numbers_after_the_formula_changed(sessions, clock, pharmacy, catalog):
    # The pharmacy's own copy of the formula, approved; the batch is made from it.
    library = FormulaLibrary(sessions, clock)
    data = copy.deepcopy(library.version(pharmacy.version_id).data)
    entry = library.add("Our diclofenac", data)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    version = library.approved_version(entry.id)
    plan = evaluate(parse_formula(version.data), catalog, TODAY)
    pharmacy.version_id = version.id
    pharmacy.plan = plan_with_documents(plan, parse_order(ORDER), catalog, TODAY, PHARMACY.final_weight_tolerance)
    record = new_batch(sessions, clock, pharmacy)
    first = print_worksheet(sessions, pharmacy.technician, record.batch_number, clock())
    # 120 g × 3 % = 3.600 g diclofenac sodium; 120 × 2 % = 2.400 g cyclobenzaprine HCl; 120 × 5 % = 6.000 g
    # lidocaine; Lipoderm q.s. 120 − 12 = 108.000 g. Final weight ± 2 %: 117.600 to 122.400 g.
    assert "REPRINT" not in first
    for grams in ("3.600 g", "2.400 g", "6.000 g", "108.000 g", "117.600 to 122.400 g"):
        assert grams in first

    # After the batch the formula becomes diclofenac 4 % (120 × 4 % = 4.800 g), approved.
    data["actives"][0]["strength"] = "4 %"
    library.update(entry.id, data)
    library.approve(entry.id, credentials_of(pharmacy.pharmacist))
    assert library.approved_version(entry.id).data["actives"][0]["strength"] == "4 %"
    weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    clock.advance(hours=2)
    with sessions.begin() as s:
        batches.sign_checked(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    again = print_worksheet(sessions, pharmacy.pharmacist, record.batch_number, clock())
    assert "REPRINT 2026-11-23 11:00 UTC by paula" in again
    for grams in ("3.600 g", "2.400 g", "6.000 g", "108.000 g", "117.600 to 122.400 g"):
        assert grams in again
    assert "4.800" not in again
    # the record's own: lots, weights, signatures
    assert "Medisca / L000A" in again and "3.600 g +0.00 %" in again
    assert "Tess Technician" in again and "Peter Pharmacist, RPh" in again and "Paula Pharmacist, RPh" in again
    # 21 CFR 11.50: each signature row prints the printed name, the meaning, the date and the time
    # (prepared at 09:00, checked and verified two hours later, 11:00 UTC).
    for meaning in ("signed with password: prepared", "signed with password: checked", "signed with password: verified"):
        assert meaning in again
    assert again.count("2026-11-23") >= 3 and "09:00 UTC" in again and "11:00 UTC" in again
    with sessions() as s:
        assert printing.prints_made(s, record.id, printing.PRINT_WORKSHEET) == 2
        assert trail_check.problems(s) == []


def test_the_frozen_plan_does_not_use_the_catalog_when_printed(sessions, clock, pharmacy):
    """The stored documents come from the plan JSON: replacing the reference numbers in it is
    what a reprint shows (there is no catalog to recompute from)."""
    record = new_batch(sessions, clock, pharmacy)
    with sessions() as s:
        stored = printing.worksheet_to_print(s, pharmacy.technician, record.batch_number, clock())
    assert [row.quantity for row in stored.record.rows] == ["3.600", "2.400", "6.000", "108.000"]


def verified(sessions, clock, pharmacy, record):
    """A patient label is printed only for a verified batch (issue 28, observation 7)."""
    weigh_all(sessions, clock, pharmacy, record)
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())
        return batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())


def test_the_label_is_printed_from_the_record_and_a_reprint_says_so(sessions, clock, pharmacy):
    record = verified(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    stock = LABEL_STOCKS[PHARMACY.label_stock]
    with sessions.begin() as s:
        first = pdf_text(stored_label_pdf(printing.label_to_print(s, pharmacy.technician, record.batch_number, clock()), PHARMACY, stock))
        printing.record_print(s, pharmacy.technician, record.batch_number, printing.PRINT_LABEL, clock())
    with sessions.begin() as s:
        second = pdf_text(stored_label_pdf(printing.label_to_print(s, pharmacy.pharmacist, record.batch_number, clock()), PHARMACY, stock))
    assert "Apply 1 g to the knee three times a day" in first and "Refills 2" in first and f"Lot {record.batch_number}" in first
    assert "REPRINT" not in first and "REPRINT 2026-11-23 09:00 UTC by paula" in second
    # BUD: 14 days, the day of compounding counted as day 1: 2026-11-23 + 13 = 2026-12-06
    assert "Use by 2026-12-06" in second


def test_a_batch_recorded_without_documents_is_refused_in_words(sessions, clock, catalog):
    plain = make_pharmacy(sessions, clock, catalog)
    record = new_batch(sessions, clock, plain)
    with sessions.begin() as s, pytest.raises(NotStored, match="recorded without its worksheet and label"):
        printing.worksheet_to_print(s, plain.technician, record.batch_number, clock())
    with sessions() as s:
        assert printing.prints_made(s, record.id, printing.PRINT_WORKSHEET) == 0


def test_a_label_needs_the_prescription_fields_frozen(sessions, clock, pharmacy, catalog):
    library = FormulaLibrary(sessions, clock)
    plan = evaluate(parse_formula(library.version(pharmacy.version_id).data), catalog, TODAY)
    pharmacy.plan = plan_with_documents(plan, parse_order({}), catalog, TODAY, None)
    record = verified(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s, pytest.raises(NotStored, match="without the label's directions"):
        printing.label_to_print(s, pharmacy.technician, record.batch_number, clock())
    with sessions() as s:
        text = pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.technician, record.batch_number, clock()), PHARMACY))
    assert "accepted range ______ to ______ g" in text  # no final-weight tolerance frozen: blank, not a guess


# --------------------------------------------------------------------------- checked by


def prepared(sessions, clock, pharmacy, **kwargs):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy, **kwargs))
    with sessions.begin() as s:
        return batches.sign_prepared(s, credentials_of(pharmacy.technician), record.batch_number, clock())


def test_the_checker_is_not_the_preparer_nor_an_administrator(sessions, clock, pharmacy):
    draft = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match="after it is prepared"):
        batches.sign_checked(s, credentials_of(pharmacy.pharmacist), draft.batch_number, clock())
    record = prepared(sessions, clock, pharmacy, rx="RX-2")
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="tess prepared this batch; someone else checks"):
        batches.sign_checked(s, credentials_of(pharmacy.technician), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="administrator"):
        batches.sign_checked(s, credentials_of(pharmacy.admin), record.batch_number, clock())
    clock.advance(minutes=10)
    with sessions.begin() as s:
        checked = batches.sign_checked(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    assert checked.checked_by == "Paula Pharmacist, RPh" and checked.checked_at == clock() and checked.status is Status.PREPARED
    with sessions.begin() as s, pytest.raises(RecordError, match="already checked"):
        batches.sign_checked(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="not once it is verified"):
        batches.sign_checked(s, credentials_of(pharmacy.second_pharmacist), record.batch_number, clock())
    with sessions() as s:
        assert trail_check.problems(s) == []


def test_the_preparer_verifies_only_when_the_pharmacy_allows_it(sessions, clock, pharmacy):
    record = weigh_all(sessions, clock, pharmacy, new_batch(sessions, clock, pharmacy))
    with sessions.begin() as s:
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="paula prepared this batch; another pharmacist"):
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock(), allow_self_verification=False)
    with sessions.begin() as s:
        assert batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock(), allow_self_verification=True).status is Status.VERIFIED


# --------------------------------------------------------------------------- amendments


def test_an_amendment_is_made_by_a_pharmacist_with_a_reason_and_linked_both_ways(sessions, clock, pharmacy):
    record = prepared(sessions, clock, pharmacy)
    with sessions.begin() as s:
        batches.verify(s, credentials_of(pharmacy.pharmacist), record.batch_number, clock())
    with sessions() as s:
        remaining_after_batch = {line.name: get_lot(s, pharmacy.lots[line.name].id).remaining for line in record.lines}
    # 500 g received − 3.6 g drawn = 496.4 g diclofenac sodium left
    assert remaining_after_batch["diclofenac sodium"] == Decimal("496.4")
    with sessions.begin() as s, pytest.raises(PermissionRefused, match="only a pharmacist may amend"):
        batches.amend(s, pharmacy.technician, record.batch_number, "wrong weight recorded", clock())
    with sessions.begin() as s, pytest.raises(RecordError, match="give the reason"):
        batches.amend(s, pharmacy.pharmacist, record.batch_number, "  ", clock())
    with sessions.begin() as s:
        amendment = batches.amend(s, pharmacy.second_pharmacist, record.batch_number, "line 1 weighed 3.610 g, not 3.600 g", clock())
    assert amendment.amends == record.batch_number and amendment.amendment_reason == "line 1 weighed 3.610 g, not 3.600 g"
    assert amendment.status is Status.DRAFT and [line.actual for line in amendment.lines] == [line.actual for line in record.lines]
    with sessions.begin() as s:
        batches.enter_weight(s, pharmacy.pharmacist, amendment.batch_number, 1, "3.610", clock())
        batches.sign_prepared(s, credentials_of(pharmacy.pharmacist), amendment.batch_number, clock())
    with sessions() as s:
        original = batches.batch_record(s, record.batch_number)
        left = {line.name: get_lot(s, pharmacy.lots[line.name].id).remaining for line in record.lines}
    assert original.amended_by == (amendment.batch_number,) and original.status is Status.VERIFIED
    # the correction gives back 3.600 g and draws 3.610 g: 496.4 + 3.6 − 3.61 = 496.39 g; the other lots unchanged
    assert left["diclofenac sodium"] == Decimal("496.39")
    assert all(left[name] == remaining_after_batch[name] for name in left if name != "diclofenac sodium")
    with sessions() as s:
        text = pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.pharmacist, amendment.batch_number, clock()), PHARMACY))
    assert f"Amends batch {record.batch_number}: line 1 weighed 3.610 g, not 3.600 g" in text


def test_a_draft_is_not_amended(sessions, clock, pharmacy):
    draft = new_batch(sessions, clock, pharmacy)
    with sessions.begin() as s, pytest.raises(RecordError, match="only a verified or dispensed batch is amended"):
        batches.amend(s, pharmacy.pharmacist, draft.batch_number, "typo", clock())
    assert dt.date(2026, 11, 23) == TODAY



def test_nothing_is_printed_while_a_warning_is_not_acknowledged(sessions, clock, pharmacy):
    from compounder.calc.batch_document import Unacknowledged, stored_findings
    from compounder.records.batches import FindingDecision

    message = "a warning added to the stored plan by this test"
    pharmacy.plan = copy.deepcopy(pharmacy.plan)
    pharmacy.plan["findings"].append({"severity": "warning", "code": "LONG_USE", "message": message, "line": 1})
    # The records refuse to make the batch without the acknowledgement (tests/records/test_patient_screening.py);
    # a stored plan read back without one is not printed either.
    with pytest.raises(Unacknowledged, match=r"no pharmacist has acknowledged \(warning LONG_USE\)"):
        stored_findings(pharmacy.plan, (), "261123-002")
    with sessions.begin() as s:
        record = batches.create_batch(
            s, pharmacy.technician, formula_version_id=pharmacy.version_id, patient=pharmacy.patient, rx_number="RX-1001",
            prescriber="Dr. A. Smith", plan=pharmacy.plan, compounded_on=clock().date(), tolerance_percent="5", now=clock(),
            acknowledgements=[FindingDecision("LONG_USE", credentials_of(pharmacy.pharmacist), "prescriber confirmed 30 days")],
        )
    with sessions() as s:
        text = pdf_text(stored_worksheet_pdf(printing.worksheet_to_print(s, pharmacy.technician, record.batch_number, clock()), PHARMACY))
    assert "LONG_USE" in text
    assert "acknowledged by Paula Pharmacist, RPh (pharmacist), 2026-11-23 09:00 UTC: prescriber confirmed 30 days" in text
