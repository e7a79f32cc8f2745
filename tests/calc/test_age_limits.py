"""Age-specific limits apply to their ages, and a patient section without a prescription gets the
daily checks (issue #23)."""

from __future__ import annotations

from compounder.calc import Severity, assess
from tests.calc.formulas import active, formula
from tests.conftest import TODAY


def findings(catalog, data):
    result = assess(data, catalog, TODAY)
    assert not result.errors, result.errors
    return {f.code: f for f in result.plan.findings}


def lidocaine(strength, born, amount="5 g", times=2, weight="70 kg"):
    data = formula(active("lidocaine", strength), directions={"amount": amount, "times_per_day": times})
    data["patient"] = {"date_of_birth": born, "weight": weight, "allergies": [], "conditions": [], "medications": []}
    return data


def test_the_paediatric_mg_per_kg_limit_is_not_applied_to_an_adult(catalog):
    # 70 kg adult (born 1970): lidocaine 5 % × 5 g × 2 a day = 500 mg a day. Before: a warning at
    # 4.5 mg/kg × 70 kg = 315 mg. The adult limit is the label's 850 mg a day: 500 mg is under it.
    found = findings(catalog, lidocaine("5 %", "1970-01-01"))
    assert "DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT" not in found and "DAILY_AMOUNT_ABOVE_MAXIMUM" not in found


def test_an_adult_above_the_labelled_daily_maximum_is_still_an_error(catalog):
    # 5 % × 10 g × 2 = 1000 mg a day > 850 mg (Lidocaine Ointment USP 5 % label)
    found = findings(catalog, lidocaine("5 %", "1970-01-01", amount="10 g"))
    assert found["DAILY_AMOUNT_ABOVE_MAXIMUM"].severity is Severity.ERROR


def test_the_paediatric_limit_applies_to_a_child(catalog):
    # 10 years old, 30 kg: 4.5 mg/kg × 30 kg = 135 mg; 5 % × 2 g × 2 = 200 mg a day > 135 mg
    found = findings(catalog, lidocaine("5 %", "2016-06-01", amount="2 g", weight="30 kg"))
    warning = found["DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT"]
    assert "135.0 mg" in warning.message and "under 17" in warning.message and "the patient is 10" in warning.message


def test_with_the_age_unknown_the_paediatric_limit_is_applied_and_says_why(catalog):
    data = lidocaine("5 %", None)
    del data["patient"]["date_of_birth"]
    warning = findings(catalog, data)["DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT"]
    assert "date of birth is not on file" in warning.message


def test_a_patient_section_without_a_prescription_gets_the_daily_check(catalog):
    # lidocaine 20 % for a 70 kg patient, no prescription, no directions: before, only a range
    # warning and exit 0. Above the typical 2–5 % with no maximum strength on file, the labelled
    # 850 mg a day is the only limit left: the directions are needed (an error).
    data = formula(active("lidocaine", "20 %"))
    data["patient"] = {"date_of_birth": "1970-01-01", "weight": "70 kg"}
    found = findings(catalog, data)
    assert found["DAILY_CHECK_NEEDED"].severity is Severity.ERROR and "directions" in found["DAILY_CHECK_NEEDED"].message
