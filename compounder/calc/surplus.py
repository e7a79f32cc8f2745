"""What a batch makes beyond the quantity the prescription dispenses: the batch quantity against
the quantity to dispense, so the difference is recorded and its disposition asked for, never left
unaccounted (a worksheet saying 120 g made while the label says 42 g dispensed).

Works on the plan as a batch stores it (``plan_data``) and the order's formula-file data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compounder.calc.balance_grams import grams_of, plan_grams
from compounder.calc.errors import InputError
from compounder.calc.units import MASS, VOLUME, parse_quantity

_MG = Decimal("0.001")  # grams are compared and said to the milligram


@dataclass(frozen=True)
class Surplus:
    """``made`` grams (the batch's labelled quantity), ``dispensed`` grams (the prescription's),
    ``beyond`` = made − dispensed, all in grams to the milligram."""

    made: Decimal
    dispensed: Decimal
    beyond: Decimal

    def text(self) -> str:
        return f"made {self.made.normalize():f} g; dispensed {self.dispensed.normalize():f} g; {self.beyond.normalize():f} g made beyond the prescription"


def surplus(plan: Mapping[str, Any], order: Mapping[str, Any] | None) -> Surplus | None:
    """The surplus of a batch, None when it makes no more than it dispenses or when the quantity to
    dispense is not known (no order, no quantity, a volume with no density)."""
    quantity = ((order or {}).get("prescription") or {}).get("quantity")
    made = (plan.get("batch") or {}).get("labelled_grams")
    if quantity is None or made is None:
        return None
    try:
        dispensed = parse_quantity(quantity, "prescription.quantity", (MASS, VOLUME))
    except InputError:
        return None  # the order was checked when the batch was made; an unreadable one says nothing here
    if dispensed.dimensionality != MASS:
        density = (plan.get("batch") or {}).get("density")
        if density is None:
            return None
        dispensed = dispensed * parse_quantity(density, "density", ("[mass] / [length] ** 3",))
    grams = grams_of(dispensed).quantize(_MG)
    made_grams = plan_grams(made).quantize(_MG)
    beyond = made_grams - grams
    return Surplus(made_grams, grams, beyond) if beyond > 0 else None
