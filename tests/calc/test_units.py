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


def test_quantity_in_builds_what_pint_builds_from_a_number_and_a_unit():
    """Issue #27 (the catalog's snapshot at start-up): the number kept as given, the unit's own
    container, the registry's Quantity class; anything but a plain int or float goes through pint."""
    from decimal import Decimal

    from compounder.calc.units import MG_PER_ML, Q_, G, quantity_in

    for magnitude, unit in ((5, G), (2.5, MG_PER_ML), (0.1, G)):
        built, pints = quantity_in(magnitude, unit), Q_(magnitude, unit)
        assert type(built) is type(pints) and type(built.magnitude) is type(magnitude)
        assert built.magnitude == pints.magnitude == magnitude and built._units == pints._units  # noqa: SLF001
        assert built.to(unit * 1000).magnitude == pints.to(unit * 1000).magnitude
    assert quantity_in(Decimal("1.5"), G) == Q_(Decimal("1.5"), G)  # pint's own path
    with pytest.raises(TypeError):
        quantity_in(True, G)  # pint refuses a bool as a magnitude; so does this
