"""Plausibility as an error (issue #23): a strength far beyond anything published, a batch far
larger than the prescription, and a prescribed active nothing on file checks each stop the batch
until a pharmacist overrides them in the records with a reason; the reference master formulas,
prescribed sensibly, raise none of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compounder.calc import Severity, assess
from compounder.calc.release import overridable
from tests.calc.formulas import active, formula
from tests.conftest import TODAY

FORMULAS = Path(__file__).resolve().parents[2] / "data" / "formulas"
PLAUSIBILITY = {"STRENGTH_IMPLAUSIBLE", "BATCH_FAR_ABOVE_PRESCRIPTION", "STRENGTH_UNCHECKED"}


def prescribed(data, quantity="120 g", amount="1 g", times=3, **rx):
    """``data`` with a prescription for an adult and the directions the dose checks use."""
    return {
        **data,
        "directions": {"amount": amount, "times_per_day": times},
        "prescription": {
            "patient": "Jane Doe", "rx_number": "RX-104233", "prescriber": "Dr. A. Smith", "quantity": quantity,
            "refills": 0, "written_on": "2026-11-20", "directions": f"apply {amount} {_words(times)} to the painful area",
            **rx,
        },
    }


def _words(times: int) -> str:
    return {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}[times]


def findings(catalog, data):
    result = assess(data, catalog, TODAY)
    assert not result.errors, result.errors
    return result.plan.findings


def one(found, code):
    [finding] = [f for f in found if f.code == code]
    return finding


def test_cyclobenzaprine_hcl_20_percent_is_an_error_not_a_range_warning(catalog):
    # Highest on file: cyclobenzaprine HCl 2 % (US Pharmacist 2024; de Groot). 20 % / 2 % = 10 times,
    # more than the 2-fold limit: an error (it printed after one acknowledgement before).
    found = findings(catalog, prescribed(formula(active("cyclobenzaprine hydrochloride", "20 %"))))
    error = one(found, "STRENGTH_IMPLAUSIBLE")
    assert error.severity is Severity.ERROR and overridable(error)
    assert "10.0 times" in error.message and "2 % cyclobenzaprine hydrochloride" in error.message
    assert "US Pharmacist" in error.message  # the figure's source
    assert "STRENGTH_OUTSIDE_TYPICAL_RANGE" not in {f.code for f in found}


def test_lidocaine_50_percent_once_daily_is_an_error(catalog):
    # Highest labelled topical lidocaine on file: Pliaglis 7 %. 50 / 7 = 7.1 times > 2.
    found = findings(catalog, prescribed(formula(active("lidocaine", "50 %")), times=1))
    error = one(found, "STRENGTH_IMPLAUSIBLE")
    assert "7.1 times" in error.message and "7 % lidocaine" in error.message and "PLIAGLIS" in error.message


def test_twice_the_highest_published_is_still_only_a_warning(catalog):
    # lidocaine 14 % = 2 × 7 %: not more than twice; above the typical 2–5 %: a warning.
    found = {f.code for f in findings(catalog, prescribed(formula(active("lidocaine", "14 %"))))}
    assert "STRENGTH_IMPLAUSIBLE" not in found and "STRENGTH_OUTSIDE_TYPICAL_RANGE" in found


@pytest.mark.parametrize(
    ("ingredient", "code", "times"),
    [
        # tetracaine: OTC monograph M017 1–2 %, Pliaglis 7 %: 20 / 7 = 2.9 times > 2
        ("tetracaine", "STRENGTH_IMPLAUSIBLE", "2.9 times"),
        # bupivacaine: one published formula, 1 % (de Groot): 20 / 1 = 20 times
        ("bupivacaine", "STRENGTH_IMPLAUSIBLE", "20.0 times"),
        # tramadol: no range, no published strength, no maximum on file
        ("tramadol", "STRENGTH_UNCHECKED", None),
    ],
)
def test_actives_without_a_range_at_20_percent_with_a_prescription_are_errors(catalog, ingredient, code, times):
    # 5 g four times a day, with a prescription: before, only information findings and exit 0.
    found = findings(catalog, prescribed(formula(active(ingredient, "20 %")), amount="5 g", times=4))
    error = one(found, code)
    assert error.severity is Severity.ERROR and overridable(error)
    if times:
        assert times in error.message


def test_an_active_nothing_checks_stays_information_in_a_master_formula(catalog):
    found = findings(catalog, formula(active("tramadol", "2 %")))
    assert "STRENGTH_UNCHECKED" not in {f.code for f in found}
    assert one(found, "STRENGTH_RANGE_UNKNOWN").severity is Severity.INFO


def test_a_1200_g_batch_for_a_120_g_prescription_is_an_error(catalog):
    # 1200 g / 120 g = 10 times the quantity prescribed, more than 3 times: an error.
    data = prescribed(formula(active("ketoprofen", "10 %"), batch="1200 g"), quantity="120 g")
    error = one(findings(catalog, data), "BATCH_FAR_ABOVE_PRESCRIPTION")
    assert error.severity is Severity.ERROR and overridable(error)
    assert "1200 g" in error.message and "10.0 times" in error.message and "120 g" in error.message


@pytest.mark.parametrize(("batch", "quantity", "refused"), [("100 g", "60 g", False), ("120 g", "40 g", False), ("130 g", "40 g", True)])
def test_a_batch_up_to_three_times_the_prescription_passes(catalog, batch, quantity, refused):
    # 100 / 60 = 1.67 and 120 / 40 = 3.0 times pass (a standard master batch for a smaller fill);
    # 130 / 40 = 3.25 times is more than 3: an error.
    data = prescribed(formula(active("ketoprofen", "10 %"), batch=batch), quantity=quantity)
    assert ("BATCH_FAR_ABOVE_PRESCRIPTION" in {f.code for f in findings(catalog, data)}) is refused


def test_an_override_in_a_formula_file_is_not_enough(catalog):
    # Only a pharmacist signed in to the records overrides: a file's "override" is refused.
    from compounder.calc import InputError
    from compounder.calc.prescription import parse_order
    from compounder.calc.release import release

    data = prescribed(formula(active("cyclobenzaprine hydrochloride", "20 %")))
    data["acknowledged"] = [{"code": "STRENGTH_IMPLAUSIBLE", "by": "J. Kim", "reason": "prescriber confirmed by phone", "override": True}]
    plan = assess(data, catalog, TODAY).plan
    with pytest.raises(InputError, match="only from the records"):
        release(plan, parse_order(data))


def reference_formulas():
    return sorted(FORMULAS.glob("*.json"))


@pytest.mark.parametrize("path", reference_formulas(), ids=lambda p: p.stem)
def test_every_reference_master_formula_prescribed_sensibly_raises_no_error(catalog, path):
    # 120 g, 1 g three times a day, for a 70 kg adult with nothing known against it.
    data = prescribed(json.loads(path.read_text()))
    data["compounded_on"] = "2026-11-23"
    data["patient"] = {"date_of_birth": "1970-01-01", "weight": "70 kg", "allergies": [], "conditions": [], "medications": []}
    found = findings(catalog, data)
    assert not [f for f in found if f.severity is Severity.ERROR], [f.message for f in found]
    assert not PLAUSIBILITY & {f.code for f in found}
