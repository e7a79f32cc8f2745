"""Beyond-use date by USP <795> category, capped by the earliest lot expiry."""

from __future__ import annotations

import datetime as dt

from compounder.calc.catalog import Catalog
from compounder.calc.model import BatchPlan, BeyondUseDate


def beyond_use_date(plan: BatchPlan, catalog: Catalog, compounded_on: dt.date) -> BeyondUseDate:
    """The BUD of the batch.

    The category comes from whether the base contains water and is preserved; where either is
    not on file the shorter, safer category is used and the reason says so.

    Day counting is the engine's own, stated in the reason: USP <795> (2023) dates the BUD from the
    date and time compounding begins; the engine counts the day of compounding as day 1, so a
    35-day BUD ends 34 days after it, never later than USP's count.
    """
    base = catalog.base(plan.formula.base)
    notes: list[str] = []
    if base.contains_water is None:
        contains_water = True
        notes.append(f"water content of {base.name} not on file, treated as aqueous")
    else:
        contains_water = base.contains_water.value
    preserved: bool | None = None
    if contains_water:
        if base.preserved is None:
            preserved = False
            notes.append(f"preservative in {base.name} not on file, treated as not preserved")
        else:
            preserved = base.preserved.value
    category = catalog.bud_category(contains_water, preserved)
    kind = "nonaqueous" if not contains_water else ("preserved aqueous" if preserved else "nonpreserved aqueous")
    rests_on = [
        f"{what} of {base.name}: {fact.source.title}"
        for what, fact in (("water content", base.contains_water), ("preservative", base.preserved))
        if fact is not None and fact.source is not None and fact.source.id == "pharmacy-base-description"
    ]
    days = category.days
    reason = (
        f"USP <795> Pharmaceutical Compounding—Nonsterile Preparations (2023), Table 4, {kind} preparation: "
        f"{category.days} days; this program counts the day of compounding as day 1, one day inside USP's count "
        "from the date of compounding"
    )
    study = plan.formula.stability
    if study is not None:
        limit = catalog.study_bud_limit
        if limit is None:
            notes.append(f"the master formula's stability reference ({study.reference}, {study.days} days) is not used: "
                         "no ceiling for a study-supported BUD is on file")
        else:
            days = min(study.days, limit.value)
            capped = f", capped at USP <795>'s {limit.value} days" if study.days > limit.value else ""
            reason = (
                f"the master formula's stability reference: {study.reference}, {study.days} days{capped} "
                f"(USP <795> 2023 allows a BUD beyond Table 4 when a study of the formula supports it); "
                "this program counts the day of compounding as day 1"
            )
    date = compounded_on + dt.timedelta(days=days - 1)
    if rests_on:
        reason += "; it rests on the " + "; the ".join(rests_on)
    if notes:
        reason += "; " + "; ".join(notes)

    expiring = [(line.expires, line) for line in plan.lines if line.expires is not None]
    if expiring:
        expires, earliest = min(expiring, key=lambda pair: pair[0])
        if expires < date:
            lot = f" lot {earliest.lot}" if earliest.lot else ""
            reason += f"; capped at the earliest component expiry, {earliest.name}{lot} on {expires.isoformat()}"
            date = expires
    days = (date - compounded_on).days + 1
    return BeyondUseDate(
        date=date, days=max(days, 0), reason=reason, storage=category.storage, category=category.key, source=category.source
    )
