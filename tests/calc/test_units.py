"""Parsing what a pharmacist types: accepted quantities and refusals that name the field."""

from __future__ import annotations

import pytest

from compounder.calc import InputError
from compounder.calc.units import DIMENSIONLESS, MASS, MASS_PER_VOLUME, VOLUME, format_quantity, parse_quantity, ureg

STRENGTH = (DIMENSIONLESS, MASS_PER_VOLUME, MASS, VOLUME)


@pytest.mark.parametrize(
    ("text", "magnitude", "unit"),
    [
        ("5 %", 5, "percent"),
        ("5%", 5, "percent"),
        ("5 % w/w", 5, "percent"),
        ("0.5 % w/v", 0.5, "percent_w_v"),
        ("50 mg/g", 50, "mg/g"),
        ("20 mg/mL", 20, "mg/mL"),
        ("20 mg/ml", 20, "mg/mL"),
        ("2.4 g", 2.4, "g"),
        ("250 mcg", 250, "microgram"),
        ("5 mL", 5, "mL"),
        (".5 g", 0.5, "g"),
    ],
)
def test_accepted(text, magnitude, unit):
    quantity = parse_quantity(text, "strength", STRENGTH)
    assert quantity.magnitude == pytest.approx(magnitude)
    assert quantity.units == ureg.Unit(unit)


def test_percent_and_mg_per_g_are_the_same_fraction():
    # 5 % = 0.05 = 50 mg / 1000 mg
    assert parse_quantity("5 %", "f", STRENGTH).to("dimensionless").magnitude == pytest.approx(0.05)
    assert parse_quantity("50 mg/g", "f", STRENGTH).to("dimensionless").magnitude == pytest.approx(0.05)


def test_a_click_is_a_quarter_millilitre():
    assert parse_quantity("4 click", "f", (VOLUME,)).to("mL").magnitude == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("abc", "not a number with a unit"),
        ("-3 g", "more than zero"),
        ("0 g", "more than zero"),
        ("nan g", "not a finite number"),
        ("inf %", "not a finite number"),
        ("1e400 g", "not a finite number"),
        ("5", "has no unit"),
        ("5 oz", "not one Compounder knows"),
        ("2,5 %", "decimal point"),
        ("5 % v/v", "not understood"),
        ("", "not a number"),
    ],
)
def test_refused_with_the_field_named(text, words):
    with pytest.raises(InputError) as error:
        parse_quantity(text, "actives[0].strength", (MASS,))
    assert error.value.field == "actives[0].strength"
    assert words in error.value.message
    assert "120 g" in error.value.message or "decimal point" in error.value.message or "more than zero" in error.value.message


def test_wrong_dimension_names_what_is_accepted():
    with pytest.raises(InputError) as error:
        parse_quantity("5 mL", "batch", (MASS,))
    assert "a volume" in error.value.message and "a mass such as 120 g" in error.value.message


@pytest.mark.parametrize("value", [5, 5.0, None, True, ["5 g"]])
def test_non_text_is_refused(value):
    with pytest.raises(InputError):
        parse_quantity(value, "batch", (MASS,))


def test_display_form():
    assert format_quantity(parse_quantity("0.5 % w/v", "f", STRENGTH)) == "0.5 % w/v"
    assert format_quantity(parse_quantity("20 mg/mL", "f", STRENGTH)) == "20 mg/mL"
    assert format_quantity(parse_quantity("1.02 g/mL", "f", (MASS_PER_VOLUME,))) == "1.02 g/mL"
