"""Reading the formula file: every unusable field refused by name; a written formula reads back equal."""

from __future__ import annotations

import pytest

from compounder.calc import InputError, formula_to_data, parse_formula
from tests.calc.formulas import active, formula


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"batch": "0 g"}, "batch"),
        ({"batch": "abc"}, "batch"),
        ({"excess": "-5 %"}, "excess"),
        ({"excess": "100 %"}, "excess"),
        ({"density": "12 g/mL"}, "density"),
        ({"compounded_on": "23/11/2026"}, "compounded_on"),
        ({"directions": {"amount": "1 g", "times_per_day": 0}}, "directions.times_per_day"),
        ({"directions": {"amount": "1 g", "times_per_day": "3"}}, "directions.times_per_day"),
        ({"directions": {"amount": "1 %", "times_per_day": 3}}, "directions.amount"),
        ({"actives": [{"ingredient": "lidocaine"}]}, "actives[0].strength"),
        ({"actives": [{"strength": "5 %"}]}, "actives[0].ingredient"),
        ({"actives": [active("lidocaine", "100 %")]}, "actives[0].strength"),
        ({"actives": [active("lidocaine", "5 %", potency="0 %")]}, "actives[0].potency"),
        ({"actives": [active("lidocaine", "5 %", potency="150 %")]}, "actives[0].potency"),
        ({"actives": [active("lidocaine", "5 %", expires="June 2027")]}, "actives[0].expires"),
        ({"actives": [active("lidocaine", "5 %", colour="red")]}, "actives[0].colour"),
        ({"actives": "lidocaine 5 %"}, "actives"),
        ({"bacth": "120 g"}, "bacth"),
    ],
)
def test_unusable_fields_are_named(change, field):
    data = formula(active("lidocaine", "5 %"))
    data.update(change)
    with pytest.raises(InputError) as error:
        parse_formula(data)
    assert error.value.field == field


def test_missing_batch_and_base_are_named():
    for key in ("batch", "base"):
        data = formula(active("lidocaine", "5 %"))
        del data[key]
        with pytest.raises(InputError) as error:
            parse_formula(data)
        assert error.value.field == key


def test_not_an_object():
    with pytest.raises(InputError):
        parse_formula(["batch", "120 g"])


def test_round_trip():
    data = formula(
        active("lidocaine", "5 %", stock="lidocaine hydrochloride monohydrate", potency="99.5 %", lot="L1", expires="2027-06-30"),
        active("ketoprofen", "100 mg/mL"),
        name="Test cream",
        excess="5 %",
        density="1.02 g/mL",
        directions={"amount": "4 click", "times_per_day": 3, "area": "knee"},
        excipients=[{"ingredient": "ethoxydiglycol", "strength": "2 mL"}],
    )
    first = parse_formula(data)
    assert parse_formula(formula_to_data(first)) == first
