"""Grams as the balance shows them: rounded to its readability, half away from zero."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from compounder.calc.model import Balance
from compounder.calc.units import Quantity, ureg


def _step(balance: Balance) -> Decimal:
    return Decimal(repr(float(balance.readability.value.to(ureg.gram).magnitude))).normalize()


def rounded_grams(grams: Quantity, balance: Balance) -> Decimal:
    """``grams`` rounded to the balance's readability (0.01 g → 7.43), as an exact decimal."""
    step = _step(balance)
    value = Decimal(repr(float(grams.to(ureg.gram).magnitude)))
    with localcontext() as context:
        context.prec = 60  # enough for any batch the formula reader lets through
        return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(step)


def format_grams(grams: Quantity, balance: Balance) -> str:
    """Text of the rounded grams with exactly the balance's decimals: "7.430"."""
    return f"{rounded_grams(grams, balance):f}"


def decimals(balance: Balance) -> int:
    exponent = _step(balance).as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': a NaN or infinite readability
        raise ValueError(f"balance {balance.name!r} has no finite readability")
    return max(0, -exponent)
