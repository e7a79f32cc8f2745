"""What the worksheet says of the engine's checks: a patient not screened, and which minimum
weighable quantity the balance used."""

from __future__ import annotations

from compounder.calc import Q_
from compounder.calc.equipment import with_certified_minimums
from compounder.calc.patient import PatientProfile
from compounder.calc.record import compounding_record
from compounder.documents.worksheet import WorksheetRenderer
from tests.documents.helpers import evaluated, issue_formula, pharmacy
from tests.pdf_text import pages_text

BALANCE = "Electronic balance, readability 0.001 g"


def worksheet_text(catalog, data, patient=None) -> str:
    plan, order, compounded_on = evaluated(catalog, data)
    record = compounding_record(plan, order, catalog, compounded_on, pharmacy().final_weight_tolerance, patient=patient)
    return " ".join(pages_text(WorksheetRenderer(record, pharmacy()).render()))


def test_a_patient_without_a_profile_is_plainly_not_screened(catalog):
    text = worksheet_text(catalog, issue_formula())
    assert "Patient not screened: no screening profile" in text
    screened = worksheet_text(catalog, issue_formula(), patient=PatientProfile(allergies=frozenset()))
    assert "Patient not screened" not in screened and "Patient screened" in screened


def test_the_worksheet_names_the_minimum_weighable_quantity_it_used(catalog):
    fallback = worksheet_text(catalog, issue_formula())
    assert "minimum weighable quantity 0.82 g = 820 × readability (USP <41> fallback" in fallback
    certified = with_certified_minimums(catalog, {BALANCE: Q_(0.1, "g")})
    text = worksheet_text(certified, issue_formula())
    assert "minimum weighable quantity 0.1 g, certified (the balance's calibration, pharmacy equipment list)" in text
