"""Each active's daily amount set against its labeled daily maximum, for display.

The rule that warns above the maximum is ``rules._daily_amounts``; this module gives the same
comparison as values, one per active, so a window can show "150 mg of 1000 mg (15 %)".
"""

from __future__ import annotations

from dataclasses import dataclass

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, Limit
from compounder.calc.moiety import moieties, total_mg_per_day
from compounder.calc.moiety import ratio as _ratio
from compounder.calc.rule_basics import SLACK as _SLACK
from compounder.calc.units import MG, Q_, Quantity, ureg

_DAY = ureg.day


@dataclass(frozen=True)
class DailyDose:
    """One active's amount a day, and where known the labeled maximum it is compared with.

    ``per_day`` is of the form the strength is written as; ``compared`` is the same amount
    re-expressed as the form the maximum is written as (by molecular weights), or ``None``
    when there is nothing to compare with. ``note`` says why, in words, when no comparison is made.
    """

    line: int  # index into BatchPlan.lines
    written_as: str
    per_day: Quantity | None
    maximum: Limit | None
    compared: Quantity | None
    note: str | None = None

    @property
    def fraction_of_maximum(self) -> float | None:
        if self.compared is None or self.maximum is None:
            return None
        return float(self.compared.to(MG).magnitude / self.maximum.value.to(MG).magnitude)

    @property
    def above_maximum(self) -> bool:
        fraction = self.fraction_of_maximum
        return fraction is not None and fraction > 1 + _SLACK


def daily_doses(plan: BatchPlan, catalog: Catalog) -> tuple[DailyDose, ...]:
    """One entry per active line of the plan, in plan order."""
    doses: list[DailyDose] = []
    directions = plan.formula.directions
    groups = {i: group for group in moieties(plan.lines, catalog) if len(group.lines) > 1 for i in group.indexes}
    totals: dict[tuple[str, str], float | None] = {}  # one sum per drug, not one per line of it
    for index, line in enumerate(plan.lines):
        if line.role != "active" or line.doses is None:
            continue
        if line.written_as is None:  # compute sets it on every active line
            raise ValueError(f"active line {line.name!r} has no written form")
        substance = catalog.substance(line.substance) if line.substance else None
        limit = substance.daily_max if substance is not None else None
        per_day = line.doses.per_day * _DAY if line.doses.per_day is not None else None
        if directions is None:
            doses.append(DailyDose(index, line.written_as, None, limit, None, "no directions given"))
            continue
        if per_day is None:
            doses.append(DailyDose(index, line.written_as, None, limit, None, "the product's density is needed to turn the application into grams"))
            continue
        if limit is None:
            doses.append(DailyDose(index, line.written_as, per_day.to(MG), None, None, "no labeled daily maximum on file"))
            continue
        ratio = _ratio(catalog.form(line.written_as, "ingredient"), limit.as_form, catalog)
        if ratio is None:
            doses.append(DailyDose(index, line.written_as, per_day.to(MG), limit, None, f"a molecular weight needed to compare with {limit.as_form} is not on file"))
            continue
        group = groups.get(index)
        if group is not None:
            # one drug in several lines: the limit holds for their total, as the rule checks it
            key = (group.substance.name, limit.as_form)
            if key not in totals:
                totals[key] = total_mg_per_day(group, limit.as_form, catalog)
            total = totals[key]
            if total is not None:
                doses.append(DailyDose(index, line.written_as, per_day.to(MG), limit, Q_(total, MG),
                                       f"the total of the {len(group.lines)} lines of {group.substance.name} is compared"))
                continue
        doses.append(DailyDose(index, line.written_as, per_day.to(MG), limit, (per_day * ratio).to(MG)))
    return tuple(doses)

