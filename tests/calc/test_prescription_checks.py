"""The prescription against the formula, with the numbers worked out by hand; the small catalog's
Test cream is preserved and aqueous: a 35-day beyond-use date (USP <795>)."""

from __future__ import annotations

import pytest

from compounder.calc import Q_, Severity, evaluate, parse_formula
from compounder.calc.equipment import minimum_basis, with_certified_minimums
from compounder.calc.errors import InputError
from compounder.calc.patient import screening_inputs
from compounder.calc.prescription import parse_order
from compounder.calc.prescription_checks import (
    amount_per_application,
    container_capacity,
    times_per_day,
)
from tests.calc.formulas import active, formula
from tests.calc.small_catalog import small_catalog
from tests.conftest import TODAY


def plan_of(data, catalog=None):
    catalog = catalog or small_catalog()
    inputs = screening_inputs(data, catalog)
    return evaluate(parse_formula(data), catalog, TODAY, inputs.patient, inputs.dispensed, inputs.refills, order=inputs.order)


def by_code(plan, code):
    return [f for f in plan.findings if f.code == code]


def rx(**prescription):
    return {"patient": "Jane Doe", "rx_number": "RX-1", "prescriber": "Dr. A", **prescription}


@pytest.mark.parametrize(
    ("words", "times"),
    [("Apply 1 g to the knee three times daily", 3), ("apply TID", 3), ("apply b.i.d. to the back", 2), ("apply every 8 hours", 3),
     ("apply q12h", 2), ("apply 4 times a day", 4), ("apply three to four times daily", 4), ("apply once a day", 1)],
)
def test_frequencies_read_from_the_label_words(words, times):
    assert times_per_day(words)[0] == times


@pytest.mark.parametrize("words", ["apply as directed", "apply daily", "apply twice daily and three times daily on bad days"])
def test_frequencies_not_read_are_not_guessed(words):
    assert times_per_day(words) is None


def test_label_three_times_daily_against_two_a_day_is_a_warning():
    data = formula(active("lidocaine", "5 %"), base="Test cream", directions={"amount": "1 g", "times_per_day": 2},
                   prescription=rx(directions="Apply 1 g to the knee three times daily"))
    [warning] = by_code(plan_of(data), "DIRECTIONS_MISMATCH")
    assert warning.severity is Severity.WARNING
    assert "label says three times daily; dose check uses 2 a day" in warning.message
    # the same frequency is quiet
    data["directions"]["times_per_day"] = 3
    assert not by_code(plan_of(data), "DIRECTIONS_MISMATCH")


def test_label_amount_against_the_structured_amount():
    # label 2 clicks = 2 × 0.25 mL = 0.5 mL; the dose check uses 1 click (0.25 mL): a mismatch
    assert amount_per_application("apply 2 clicks twice daily")[0] == Q_(2, "click")
    data = formula(active("lidocaine", "5 %"), base="Test cream", density="1 g/mL", directions={"amount": "1 click", "times_per_day": 2},
                   prescription=rx(directions="apply 2 clicks twice daily"))
    [warning] = by_code(plan_of(data), "DIRECTIONS_MISMATCH")
    assert "label says 2 clicks an application; dose check uses 1 click" in warning.message
    # 4 clicks = 1 mL = 1 g at 1 g/mL: the same amount, quiet
    data["directions"]["amount"] = "1 g"
    data["prescription"]["directions"] = "apply 4 clicks twice daily"
    assert not by_code(plan_of(data), "DIRECTIONS_MISMATCH")


def test_60_g_will_not_go_into_a_35_ml_topi_click():
    # 60 g at 1.0 g/mL = 60 mL > 35 mL: an error
    assert container_capacity("Topi-CLICK 35 mL") == Q_(35, "mL")
    data = formula(active("lidocaine", "5 %"), base="Test cream", batch="60 g", density="1.0 g/mL",
                   container="Topi-CLICK 35 mL", prescription=rx(quantity="60 g"))
    [error] = by_code(plan_of(data), "CONTAINER_TOO_SMALL")
    assert error.severity is Severity.ERROR
    assert "prescription.quantity: 60 g (60.0 mL at 1 g/mL) will not go into the Topi-CLICK 35 mL" in error.message
    # 35 g at 1.0 g/mL = 35 mL: fits
    data["prescription"]["quantity"] = "35 g"
    assert not by_code(plan_of(data), "CONTAINER_TOO_SMALL")
    # 35 g at 0.95 g/mL = 36.84 mL: does not
    data["density"] = "0.95 g/mL"
    [error] = by_code(plan_of(data), "CONTAINER_TOO_SMALL")
    assert "35 g (36.8 mL at 0.95 g/mL)" in error.message  # 35 / 0.95 = 36.84


def test_container_capacity_without_a_density_is_said_not_checked():
    data = formula(active("lidocaine", "5 %"), base="Test cream", container="Topi-CLICK 35 mL", prescription=rx(quantity="60 g"))
    [info] = by_code(plan_of(data), "CONTAINER_CAPACITY_UNCHECKED")
    assert info.severity is Severity.INFO and "density is unknown" in info.message


def test_days_supply_longer_than_the_beyond_use_date_is_a_warning_with_both_numbers():
    # 120 g at 1 g × 3 a day = 3 g a day → 120 / 3 = 40 days > the 35-day BUD (preserved aqueous)
    data = formula(active("lidocaine", "5 %"), base="Test cream", directions={"amount": "1 g", "times_per_day": 3},
                   prescription=rx(quantity="120 g"))
    plan = plan_of(data)
    assert plan.bud.days == 35
    [warning] = by_code(plan, "SUPPLY_BEYOND_BUD")
    assert warning.severity is Severity.WARNING
    assert "lasts 40.0 days, longer than the beyond-use date of 35 days" in warning.message
    assert "dispense at most 105 g" in warning.message  # 3 g × 35 days
    # 105 g lasts 35 days: quiet
    data["prescription"]["quantity"] = "105 g"
    assert not by_code(plan_of(data), "SUPPLY_BEYOND_BUD")


def test_days_supply_without_directions_says_it_was_not_checked():
    # 120 g dispensed against the 35-day BUD, but no amount and times a day: the days of supply
    # cannot be worked out, and the pharmacist is told so (an INFO line, no acknowledgement needed)
    data = formula(active("lidocaine", "5 %"), base="Test cream", prescription=rx(quantity="120 g"))
    plan = plan_of(data)
    assert plan.bud.days == 35
    [info] = by_code(plan, "SUPPLY_UNCHECKED")
    assert info.severity is Severity.INFO
    assert info.message == (
        "prescription.quantity: 120 g is not compared with the beyond-use date of 35 days: no directions "
        "(amount and times a day) to work out the days of supply; give the directions"
    )
    assert not by_code(plan, "SUPPLY_BEYOND_BUD")
    # with the directions given the check is made (120 / 3 = 40 days > 35) and the INFO line goes
    data["directions"] = {"amount": "1 g", "times_per_day": 3}
    plan = plan_of(data)
    assert by_code(plan, "SUPPLY_BEYOND_BUD") and not by_code(plan, "SUPPLY_UNCHECKED")


def test_days_supply_without_the_density_says_it_was_not_checked():
    # 1 click an application cannot be turned into grams without the product's density
    data = formula(active("lidocaine", "5 %"), base="Test cream", directions={"amount": "1 click", "times_per_day": 3},
                   prescription=rx(quantity="120 g"))
    [info] = by_code(plan_of(data), "SUPPLY_UNCHECKED")
    assert info.severity is Severity.INFO
    assert info.message == (
        "prescription.quantity: 120 g is not compared with the beyond-use date of 35 days: the product's density "
        "is unknown; give the density or the amount per application in grams"
    )
    # the amount in grams and the quantity in mL: now the quantity is what needs the density
    data["directions"]["amount"] = "1 g"
    data["prescription"]["quantity"] = "120 mL"
    [info] = by_code(plan_of(data), "SUPPLY_UNCHECKED")
    assert info.message.endswith("the product's density is unknown; give the density or the quantity in grams")
    # with the density: 120 mL × 1 g/mL = 120 g at 3 g a day = 40 days > 35, checked
    data["density"] = "1 g/mL"
    plan = plan_of(data)
    assert "lasts 40.0 days" in by_code(plan, "SUPPLY_BEYOND_BUD")[0].message
    assert not by_code(plan, "SUPPLY_UNCHECKED")


def test_a_formula_without_a_prescription_says_nothing_of_the_supply():
    # no order, no quantity dispensed: there is no days-of-supply check to speak of
    plan = plan_of(formula(active("lidocaine", "5 %"), base="Test cream"))
    assert not by_code(plan, "SUPPLY_UNCHECKED") and not by_code(plan, "SUPPLY_BEYOND_BUD")


def test_the_prescription_date_of_birth_feeds_the_screening_and_no_profile_says_not_screened():
    catalog = small_catalog()
    # no patient section and no date of birth: said plainly
    plan = plan_of(formula(active("lidocaine", "5 %"), base="Test cream", prescription=rx()), catalog)
    [info] = by_code(plan, "PATIENT_NOT_SCREENED")
    assert info.message.startswith("patient not screened: Jane Doe")
    # a date of birth on the prescription is a profile of the age: screened (the rest "not recorded")
    data = formula(active("lidocaine", "5 %"), base="Test cream", prescription=rx(date_of_birth="1948-03-02"))
    inputs = screening_inputs(data, catalog)
    assert inputs.patient is not None and inputs.patient.age_on(TODAY) == 78  # 2026-11-23 − 1948-03-02
    assert not by_code(plan_of(data, catalog), "PATIENT_NOT_SCREENED")
    # it completes a profile without one, and one that disagrees is refused naming the field
    data["patient"] = {"allergies": []}
    assert screening_inputs(data, catalog).patient.date_of_birth.isoformat() == "1948-03-02"
    data["patient"] = {"date_of_birth": "1950-01-01"}
    with pytest.raises(InputError) as refused:
        screening_inputs(data, catalog)
    assert refused.value.field == "prescription.date_of_birth"


def test_certified_minimum_replaces_820_times_readability():
    catalog = small_catalog()
    balance = catalog.balances[0]
    certified = with_certified_minimums(catalog, {balance.name: Q_(0.05, "g")})
    assert certified.balance(balance.name).minimum_weighable.value == Q_(0.05, "g")
    assert "certified" in minimum_basis(certified.balance(balance.name))
    # capsaicin 0.075 % of 100 g = 0.075 g: below 0.82 g (aliquot), above a certified 0.05 g (weighed directly)
    data = formula(active("capsaicin", "0.075 %"), base="Test cream", batch="100 g")
    assert plan_of(data, catalog).lines[0].aliquot is not None
    assert plan_of(data, certified).lines[0].aliquot is None
    with pytest.raises(InputError) as unknown:
        with_certified_minimums(catalog, {"No such balance": Q_(0.05, "g")})
    assert unknown.value.field == "balances.No such balance"


def test_the_820d_fallback_is_named_on_the_worksheet(catalog):
    balance = catalog.balance("Electronic balance, readability 0.001 g")
    assert minimum_basis(balance) == (
        "minimum weighable quantity 0.82 g = 820 × readability (USP <41> fallback: no certified value for this balance in the pharmacy settings)"
    )


def test_order_keys_only_checked_when_given():
    data = formula(active("lidocaine", "5 %"), base="Test cream")
    assert screening_inputs(data, small_catalog()).order is None
    assert parse_order(data).container is None
