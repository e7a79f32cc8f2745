"""Each active's daily amount set against its labeled daily maximum, worked out once per plan.

``evaluate`` works them out (``work_out_daily_doses``) and keeps them on the plan
(``BatchPlan.daily``); the daily-maximum check (``rules._daily_amounts``) and the window's panel
read the same values, so the panel's "of maximum" and the check's error come from one number and
an edit does not pay for the conversions twice.
"""

from __future__ import annotations

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, DailyDose
from compounder.calc.moiety import moieties, total_mg_per_day
from compounder.calc.moiety import ratio as _ratio
from compounder.calc.rule_basics import SLACK as _SLACK
from compounder.calc.units import MG, MG_PER_DAY, Q_, magnitude_in

__all__ = ["DailyDose", "daily_doses", "work_out_daily_doses"]


def daily_doses(plan: BatchPlan, catalog: Catalog) -> tuple[DailyDose, ...]:
    """One entry per active line of the plan, in plan order: the plan's own (``evaluate`` keeps
    them on it), else worked out now (a plan from ``compute`` alone)."""
    return plan.daily if plan.daily is not None else work_out_daily_doses(plan, catalog)


def work_out_daily_doses(plan: BatchPlan, catalog: Catalog) -> tuple[DailyDose, ...]:
    """One entry per active line of the plan, in plan order.

    A drug's labeled maximum holds for its total a day over all its lines, so every line of a
    drug compares that total (worked out once per drug, as ``moiety.total_mg_per_day``); when one
    of its lines cannot be converted to the form the maximum is written as, none is compared.
    """
    doses: list[DailyDose] = []
    directions = plan.formula.directions
    groups = {i: group for group in moieties(plan.lines, catalog) for i in group.indexes}
    totals: dict[tuple[str, str], float | None] = {}  # one sum per drug, not one per line of it
    for index, line in enumerate(plan.lines):
        if line.role != "active" or line.doses is None:
            continue
        if line.written_as is None:  # compute sets it on every active line
            raise ValueError(f"active line {line.name!r} has no written form")
        substance = catalog.substance(line.substance) if line.substance else None
        limit = substance.daily_max if substance is not None else None
        # compute gives per_day in mg/day: its magnitude is the mg a day, as (per_day × 1 day).to(mg) would give it
        per_day = Q_(magnitude_in(line.doses.per_day, MG_PER_DAY), MG) if line.doses.per_day is not None else None
        if directions is None:
            doses.append(DailyDose(index, line.written_as, None, limit, None, "no directions given"))
            continue
        if per_day is None:
            doses.append(DailyDose(index, line.written_as, None, limit, None, "the product's density is needed to turn the application into grams"))
            continue
        if limit is None:
            doses.append(DailyDose(index, line.written_as, per_day, None, None, "no labeled daily maximum on file"))
            continue
        group = groups.get(index)
        if group is None:  # moieties groups every active line whose substance is on file, as this one's is
            raise ValueError(f"active line {line.name!r} is in no moiety group")
        if _ratio(catalog.form(line.written_as, "ingredient"), limit.as_form, catalog) is None:
            doses.append(DailyDose(index, line.written_as, per_day, limit, None, f"a molecular weight needed to compare with {limit.as_form} is not on file"))
            continue
        key = (group.substance.name, limit.as_form)
        if key not in totals:
            totals[key] = total_mg_per_day(group, limit.as_form, catalog)
        total = totals[key]
        several = len(group.lines) > 1
        if total is None:  # another line of the drug cannot be converted: its total is unknown
            doses.append(DailyDose(index, line.written_as, per_day, limit, None,
                                   f"a molecular weight needed to compare the total of the {len(group.lines)} lines of "
                                   f"{group.substance.name} with {limit.as_form} is not on file"))
            continue
        above = total > magnitude_in(limit.value, MG) * (1 + _SLACK)  # the daily-maximum check's comparison
        note = f"the total of the {len(group.lines)} lines of {group.substance.name} is compared" if several else None
        doses.append(DailyDose(index, line.written_as, per_day, limit, Q_(total, MG), note, above))
    return tuple(doses)
