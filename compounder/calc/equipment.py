"""The pharmacy's own balances: the certified minimum weighable quantity from each one's calibration.

The reference data gives every balance a minimum weighable quantity worked out from its
readability (USP <41>: 820 × d, the least it can be). A balance's calibration certificate states
the real one, from the repeatability measured on that instrument; where the pharmacy has entered
it (its equipment list, in the pharmacy settings) it replaces the fallback, and the worksheet says
which of the two it used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from compounder.calc.balance_grams import grams_of, plain
from compounder.calc.catalog import Catalog
from compounder.calc.errors import InputError
from compounder.calc.model import Balance, Source, Sourced
from compounder.calc.units import MASS, Quantity, format_quantity

CERTIFIED = Source(
    "pharmacy-equipment-list",
    "certified minimum weighable quantity from this balance's calibration (pharmacy equipment list)",
    "primary",
)
# The reference data's source for 820 × readability (USP <41>); a balance using it has no
# certified value of its own.
COMPUTED_820D = "usp41-820d-computed"


def with_certified_minimums(catalog: Catalog, minimums: Mapping[str, Quantity]) -> Catalog:
    """The catalog with each named balance's minimum weighable quantity replaced by the certified
    one; refuses (naming the setting) a balance that is not on file or a value that is not a mass."""
    if not minimums:
        return catalog
    certified: dict[str, Quantity] = {}
    for name, value in minimums.items():
        balance = catalog.balance(name, f"balances.{name}")
        if value.dimensionality != MASS or value.magnitude <= 0:
            raise InputError(f"balances.{name}", f"{value!r} is not a minimum weighable quantity; give a mass such as \"0.05 g\"")
        certified[balance.name] = value
    balances = tuple(
        dataclasses.replace(b, minimum_weighable=Sourced(certified[b.name], CERTIFIED)) if b.name in certified else b
        for b in catalog.balances
    )
    return dataclasses.replace(catalog, balances=balances)


def minimum_basis(balance: Balance) -> str:
    """Which minimum weighable quantity the plan used, in words for the worksheet."""
    value = format_quantity(balance.minimum_weighable.value.to("g"), 4)
    source = balance.minimum_weighable.source
    if source is not None and source.id == CERTIFIED.id:
        return f"minimum weighable quantity {value}, certified (the balance's calibration, pharmacy equipment list)"
    if source is not None and source.id == COMPUTED_820D:
        return (
            f"minimum weighable quantity {value} = 820 × readability (USP <41> fallback: "
            "no certified value for this balance in the pharmacy settings)"
        )
    cited = f" ({source.title})" if source is not None else ""
    return f"minimum weighable quantity {value}{cited}; no certified value for this balance in the pharmacy settings"


def certified_minimum(catalog: Catalog, minimums: Mapping[str, Quantity], balance_name: str) -> Decimal | None:
    """The minimum weighable quantity in grams the pharmacy's settings certify now for the balance
    named ``balance_name`` (as a plan names it); None when they certify none for it. Read at the
    moment of weighing, so a new certification applies at once."""
    for name, value in minimums.items():
        if catalog.balance(name, f"balances.{name}").name == balance_name:
            return plain(grams_of(value))
    return None
