"""The registry's conversion shortcut (``compounder.calc.units._Quantity.to``) gives pint's own
numbers to the last bit, and leaves to pint everything it does not take."""

from __future__ import annotations

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounder.calc.units import G_PER_ML, MG, MG_PER_DAY, MG_PER_G, MG_PER_ML, ML, PERCENT, Q_, G, ureg

PAIRS = [
    (G, MG), (MG, G), (PERCENT, MG_PER_G), (MG_PER_G, PERCENT), (G_PER_ML, MG_PER_ML), (ML, ureg.liter),
    (ureg.kilogram, G), (ureg.microgram, MG), (MG_PER_DAY, ureg.gram / ureg.day), (PERCENT, ureg.dimensionless),
]


def pints_own(quantity: pint.Quantity, unit: pint.Unit) -> pint.Quantity:
    """pint's conversion, past the shortcut: pint's own ``Quantity.to``."""
    return pint.Quantity.to(quantity, unit)


@given(
    magnitude=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False) | st.integers(-10**6, 10**6),
    pair=st.sampled_from(PAIRS),
)
def test_the_shortcut_gives_pints_number_to_the_last_bit(magnitude, pair):
    source, target = pair
    quantity = Q_(magnitude, source)
    fast, own = quantity.to(target), pints_own(quantity, target)
    assert fast.magnitude == own.magnitude and type(fast.magnitude) is type(own.magnitude)
    assert fast.units == own.units == target
    assert quantity.m_as(target) == own.magnitude


def test_worked_conversions():
    assert Q_(3.6, G).to(MG).magnitude == pytest.approx(3600.0)  # 3.6 g × 1000 mg/g
    assert Q_(5.0, PERCENT).to(MG_PER_G).magnitude == pytest.approx(50.0)  # 5/100 g/g = 0.05 g/g = 50 mg/g
    assert Q_(1.02, G_PER_ML).to(MG_PER_ML).magnitude == pytest.approx(1020.0)  # 1.02 g/mL × 1000 mg/g
    assert Q_(250.0, MG).m_as(G) == pytest.approx(0.25)  # 250 mg / 1000 mg/g


def test_the_same_unit_keeps_the_number_as_it_is():
    converted = Q_(2, G).to(G)
    assert converted.magnitude == 2 and type(converted.magnitude) is int  # pint multiplies by nothing either


def test_what_the_shortcut_does_not_take_goes_to_pint():
    assert Q_(3.6, G).to("mg").magnitude == pints_own(Q_(3.6, G), MG).magnitude  # a unit as text
    with pytest.raises(pint.DimensionalityError):
        Q_(1.0, G).to(ML)  # no density: pint says why
    with pytest.raises(pint.DimensionalityError):
        Q_(1.0, G).to(ML)  # and again, from the cache of refusals (none is kept)


@given(
    magnitude=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False) | st.integers(-10**6, 10**6),
    unit=st.sampled_from([G, MG, ML, PERCENT, MG_PER_G, G_PER_ML, MG_PER_DAY, ureg.dimensionless]),
)
def test_a_number_times_a_unit_is_pints_quantity(magnitude, unit):
    fast, own = magnitude * unit, pint.Unit.__mul__(unit, magnitude)
    assert fast.magnitude == own.magnitude and type(fast.magnitude) is type(own.magnitude)
    assert fast.units == own.units and isinstance(fast, pint.Quantity)
    assert (unit * magnitude).magnitude == own.magnitude


def test_a_named_unit_is_made_once_and_unknown_names_are_still_refused():
    assert ureg.gram is ureg.gram and ureg.gram == G
    assert (3.6 * ureg.gram).to(MG).magnitude == pytest.approx(3600.0)  # 3.6 g × 1000 mg/g
    with pytest.raises(pint.UndefinedUnitError):
        ureg.furlong_per_fortnight  # noqa: B018 - the attribute access is the test
    with pytest.raises(AttributeError):
        ureg._not_a_unit  # noqa: B018
