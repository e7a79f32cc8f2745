"""One call from a formula to the full answer: quantities, findings and beyond-use date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from compounder.calc.bud import beyond_use_date
from compounder.calc.catalog import Catalog
from compounder.calc.compute import compute
from compounder.calc.model import BatchPlan, Formula
from compounder.calc.patient import PatientProfile
from compounder.calc.rules import check
from compounder.calc.screening import screen
from compounder.calc.units import Quantity


def evaluate(
    formula: Formula,
    catalog: Catalog,
    today: dt.date,
    patient: PatientProfile | None = None,
    dispensed: Quantity | None = None,
    refills: int | None = None,
    max_excess: Quantity | None = None,
) -> BatchPlan:
    """Compute the batch, check it (and, given a patient, screen it for them) and date it.

    ``today`` is the compounding date when the formula gives none; it is passed in (never read
    from the clock here) so results are reproducible. ``dispensed`` and ``refills`` (from the
    prescription) size the supply for the short-term-use checks. ``max_excess`` is the
    pharmacy's ceiling on an overage (its settings; none when not set).
    """
    compounded_on = formula.compounded_on or today
    plan = compute(formula, catalog)
    findings = check(plan, catalog, compounded_on, max_excess)
    if patient is not None:
        findings = sorted([*findings, *screen(plan, patient, catalog, compounded_on, dispensed, refills)], key=lambda f: f.severity.rank)
    findings = tuple(findings)
    bud = beyond_use_date(plan, catalog, compounded_on)
    return dataclasses.replace(plan, findings=findings, bud=bud)
