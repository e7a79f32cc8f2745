"""Actives grouped by moiety: a limit holds for the drug, however many lines it is written in.

Lidocaine 10 % written as four lines of 2.5 %, or lidocaine 6 % plus lidocaine HCl 6 %, is one
drug on the skin. Each line's strength (and daily amount) is turned into the form a limit is
written as with the molecular weights on file, and the lines are added up before any limit is
compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compounder.calc.catalog import Catalog
from compounder.calc.model import Form, PlanLine, Substance
from compounder.calc.units import MG_PER_DAY, ONE, magnitude_in


@dataclass(frozen=True)
class MoietyLines:
    """The active lines of one substance, by index into the plan's lines."""

    substance: Substance
    indexes: tuple[int, ...]
    lines: tuple[PlanLine, ...]

    @property
    def first(self) -> int:
        return self.indexes[0]

    def written(self) -> str:
        """"lidocaine 6 % + lidocaine hydrochloride 6 %" (or the one line's form and strength)."""
        from compounder.calc.units import format_quantity

        return " + ".join(f"{line.written_as} {format_quantity(line.strength)}" for line in self.lines if line.strength is not None)


def moieties(lines: tuple[PlanLine, ...], catalog: Catalog) -> list[MoietyLines]:
    """Active lines whose substance is on file, grouped by substance in order of first line."""
    groups: dict[str, tuple[Substance, list[int]]] = {}
    for index, line in enumerate(lines):
        if line.role != "active" or line.substance is None:
            continue
        substance = catalog.substance(line.substance)
        if substance is None:
            continue
        groups.setdefault(substance.name, (substance, []))[1].append(index)
    return [
        MoietyLines(substance, tuple(indexes), tuple(lines[i] for i in indexes)) for substance, indexes in groups.values()
    ]


def ratio(written: Form, target_name: str, catalog: Catalog) -> float | None:
    """Grams of the form a limit is written as per gram of the written form (molecular weights);
    ``None`` when a molecular weight needed is not on file."""
    target = catalog.form(target_name, "limit")
    if target.name == written.name:
        return 1.0
    if target.molecular_weight is None or written.molecular_weight is None:
        return None
    return float((target.molecular_weight.value / written.molecular_weight.value).to(ONE).magnitude)


def _total(group: MoietyLines, target: str, catalog: Catalog, amount: Callable[[PlanLine], float | None]) -> float | None:
    total = 0.0
    for line in group.lines:
        value = amount(line)
        factor = ratio(catalog.form(line.written_as or line.name, "ingredient"), target, catalog)
        if value is None or factor is None:
            return None
        total += value * factor
    return total


def total_fraction(group: MoietyLines, target: str, catalog: Catalog) -> float | None:
    """The moiety's strength in the whole product, w/w, expressed as the form ``target``;
    ``None`` when a line cannot be converted to it."""
    return _total(
        group, target, catalog,
        lambda line: None if line.strength_fraction is None else magnitude_in(line.strength_fraction, ONE),
    )


def total_mg_per_day(group: MoietyLines, target: str, catalog: Catalog) -> float | None:
    """Milligrams of ``target`` a day from all the group's lines; ``None`` when any line's daily
    amount is unknown or cannot be converted."""
    return _total(
        group, target, catalog,
        lambda line: None if line.doses is None or line.doses.per_day is None else magnitude_in(line.doses.per_day, MG_PER_DAY),
    )
