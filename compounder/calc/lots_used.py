"""The lots actually used, put into the formula before it is computed: the lot record is the
source of each line's assay (potency), lot number and expiry; a master formula's potency is only
a default until a lot is chosen.

Lines are numbered as a batch numbers them: 1 to n for the formula's actives and excipients in
order, n + 1 for the base.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from compounder.calc.errors import InputError
from compounder.calc.model import Formula
from compounder.calc.units import Q_, Quantity


@dataclasses.dataclass(frozen=True)
class LotFacts:
    """What the lot record says about a lot: its number, its certificate-of-analysis assay in %
    (None when none was recorded at receipt: the formula's potency stays), its expiry."""

    lot_number: str
    potency_percent: Decimal | None
    expires: dt.date


def potency(lot: LotFacts) -> Quantity | None:
    return None if lot.potency_percent is None else Q_(float(lot.potency_percent), "percent")


def with_lots(formula: Formula, chosen: Mapping[int, LotFacts]) -> Formula:
    """``formula`` with each chosen lot's potency, number and expiry on its line (``chosen`` maps
    a line's position to its lot). A position the formula does not have raises ``InputError``."""
    if not chosen:
        return formula
    base_position = len(formula.lines) + 1
    lines = list(formula.lines)
    base_lot, base_expires = formula.base_lot, formula.base_expires
    for position, lot in chosen.items():
        if position == base_position:
            base_lot, base_expires = lot.lot_number, lot.expires
            continue
        if not 1 <= position < base_position:
            raise InputError("lots", f"line {position}: the formula has lines 1 to {base_position}")
        line = lines[position - 1]
        assay = potency(lot)
        lines[position - 1] = dataclasses.replace(
            line, potency=assay if assay is not None else line.potency, lot=lot.lot_number, expires=lot.expires
        )
    return dataclasses.replace(formula, lines=tuple(lines), base_lot=base_lot, base_expires=base_expires)
