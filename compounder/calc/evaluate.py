"""One call from a formula to the full answer: quantities, findings and beyond-use date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from compounder.calc.bud import beyond_use_date
from compounder.calc.catalog import Catalog
from compounder.calc.compute import compute
from compounder.calc.model import BatchPlan, Formula
from compounder.calc.rules import check


def evaluate(formula: Formula, catalog: Catalog, today: dt.date) -> BatchPlan:
    """Compute the batch, check it and date it.

    ``today`` is the compounding date when the formula gives none; it is passed in (never read
    from the clock here) so results are reproducible.
    """
    compounded_on = formula.compounded_on or today
    plan = compute(formula, catalog)
    findings = tuple(check(plan, catalog, compounded_on))
    bud = beyond_use_date(plan, catalog, compounded_on)
    return dataclasses.replace(plan, findings=findings, bud=bud)
