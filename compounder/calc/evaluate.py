"""One call from a formula to the full answer: quantities, findings and beyond-use date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from compounder.calc.base_description import with_base_descriptions
from compounder.calc.bud import beyond_use_date
from compounder.calc.catalog import Catalog
from compounder.calc.compute import compute
from compounder.calc.controlled import check_controlled
from compounder.calc.copies import essentially_a_copy
from compounder.calc.daily import work_out_daily_doses
from compounder.calc.errors import InputError
from compounder.calc.model import BatchPlan, Finding, Formula, Severity
from compounder.calc.patient import PatientProfile
from compounder.calc.prescription import Order
from compounder.calc.rules import check
from compounder.calc.screening import screen
from compounder.calc.strength_rules import daily_checks_needed, unchecked_strengths
from compounder.calc.units import Quantity


def evaluate(
    formula: Formula,
    catalog: Catalog,
    today: dt.date,
    patient: PatientProfile | None = None,
    dispensed: Quantity | None = None,
    refills: int | None = None,
    max_excess: Quantity | None = None,
    order: Order | None = None,
) -> BatchPlan:
    """Compute the batch, check it (and, given a patient, screen it for them) and date it.

    ``today`` is the compounding date when the formula gives none; it is passed in (never read
    from the clock here) so results are reproducible. ``dispensed`` and ``refills`` (from the
    prescription) size the supply for the short-term-use checks. ``max_excess`` is the
    pharmacy's ceiling on an overage (its settings; none when not set). ``order`` (the
    prescription and container) is checked against the plan, and a prescription for a named
    patient with no screening profile is reported as not screened.
    """
    compounded_on = formula.compounded_on or today
    if patient is not None and patient.date_of_birth is not None and patient.date_of_birth > compounded_on:
        # An age below zero would pass every age check silently.
        from_prescription = order is not None and order.prescription.date_of_birth == patient.date_of_birth
        raise InputError(
            "prescription.date_of_birth" if from_prescription else "patient.date_of_birth",
            f"{patient.date_of_birth.isoformat()} is after the compounding date {compounded_on.isoformat()}; check the patient's date of birth",
        )
    plan = compute(formula, catalog)
    plan = dataclasses.replace(plan, daily=work_out_daily_doses(plan, catalog))  # once: the checks and the window's panel read them
    findings = check(plan, catalog, compounded_on, max_excess)
    if patient is not None:
        findings = sorted([*findings, *screen(plan, patient, catalog, compounded_on, dispensed, refills)], key=lambda f: f.severity.rank)
    described = formula.base_description
    bud_catalog = with_base_descriptions(catalog, (described,), "this master formula") if described is not None else catalog
    bud = beyond_use_date(plan, bud_catalog, compounded_on)
    plan = dataclasses.replace(plan, bud=bud)
    if order is not None:
        from compounder.calc.prescription_checks import check_prescription  # with the first prescription, not at start-up

        findings = [*findings, *check_prescription(plan, order), *check_controlled(plan, order, catalog, compounded_on)]
        if patient is None and order.prescription.patient is not None:
            findings.append(not_screened(order.prescription.patient))
    prescribed = patient is not None or (order is not None and order.prescription.patient is not None)
    findings += essentially_a_copy(plan, catalog, prescribed)
    if prescribed:
        # Prescribed for a patient (a prescription, or a patient section without one): the
        # daily amount must be checkable, and a strength nothing on file checks is an error.
        findings += daily_checks_needed(plan, catalog)
        unchecked = list(unchecked_strengths(plan, catalog))
        lines = {f.line for f in unchecked}
        findings = [f for f in findings if not (f.code == "STRENGTH_RANGE_UNKNOWN" and f.line in lines)] + unchecked
    return dataclasses.replace(plan, findings=tuple(sorted(findings, key=lambda f: f.severity.rank)))


def not_screened(patient: str) -> Finding:
    """Said plainly, so that no one takes a batch without findings about the patient as a clean screening."""
    return Finding(
        Severity.INFO,
        "PATIENT_NOT_SCREENED",
        f"patient not screened: {patient} has no screening profile (date of birth, weight, allergies, conditions, "
        "medicines), so no patient check was made",
        patient=True,
    )
