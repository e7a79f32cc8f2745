"""Checks of the preparation against the patient it is for.

The rules are data (the reference database's screening rules, each with its source); this
module only matches them. Every finding names the patient fact and the ingredient that
triggered it; a fact a rule needs but the profile lacks is reported as unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from compounder.calc.catalog import Catalog
from compounder.calc.compute import application_grams
from compounder.calc.model import BatchPlan, Finding, ScreeningRule, Severity, Substance
from compounder.calc.moiety import moieties, total_mg_per_day
from compounder.calc.patient import PatientProfile
from compounder.calc.units import Quantity, magnitude_in, ureg

_FACT_WORDS = {"allergy": "allergy", "condition": "condition", "medication": "takes"}


def screen(
    plan: BatchPlan,
    patient: PatientProfile,
    catalog: Catalog,
    compounded_on: dt.date,
    dispensed: Quantity | None = None,
    refills: int | None = None,
) -> list[Finding]:
    """Patient findings for the plan; ``dispensed`` and ``refills`` size the supply."""
    actives: dict[str, tuple[int, str, Substance]] = {}
    for index, line in enumerate(plan.lines):
        substance = catalog.substance(line.substance) if line.role == "active" and line.substance else None
        if substance is not None:
            actives.setdefault(substance.name, (index, line.written_as or line.name, substance))
    findings: list[Finding] = []
    for rule in catalog.screening_rules:
        for index, written, substance in actives.values():
            if rule.applies_to(substance):
                findings.extend(_apply(rule, index, written, plan, patient, catalog, compounded_on, dispensed, refills))
    findings.extend(_not_recorded(patient, catalog, actives))
    findings.extend(_weight_limits(plan, patient, catalog, compounded_on))
    return findings


_PART_NAMES = {"allergy": "allergies", "condition": "conditions", "medication": "medicines"}


def _not_recorded(patient: PatientProfile, catalog: Catalog, actives: dict) -> Iterator[Finding]:
    """One information finding per active and part of the profile that was not recorded
    (``None``, as opposed to "none known") while a rule for that active needs it."""
    names = {t.key: t.name for t in catalog.screening_terms}
    for index, written, substance in actives.values():
        for kind in ("allergy", "condition", "medication"):
            if patient.coded(kind) is not None:
                continue
            needed = sorted({names.get(getattr(rule, kind), getattr(rule, kind)) for rule in catalog.screening_rules
                             if getattr(rule, kind) is not None and rule.applies_to(substance)})
            if needed:
                part = _PART_NAMES[kind]
                yield Finding(
                    Severity.INFO, f"{part.upper()}_NOT_RECORDED",
                    f"{written}: the patient's {part} are not recorded, so the check{'s' if len(needed) > 1 else ''} for "
                    f"{', '.join(needed)} {'were' if len(needed) > 1 else 'was'} not made",
                    line=index, patient=True,
                )


def _apply(rule: ScreeningRule, index: int, written: str, plan: BatchPlan, patient: PatientProfile, catalog: Catalog,
           compounded_on: dt.date, dispensed: Quantity | None, refills: int | None) -> Iterator[Finding]:
    severity = Severity(rule.severity)
    cite = f" ({rule.source.cite()})" if rule.source else ""
    for kind in ("allergy", "condition", "medication"):
        key = getattr(rule, kind)
        if key is not None and patient.has(kind, key):
            term = next(t for t in catalog.screening_terms if t.key == key)
            fact = f"patient {_FACT_WORDS[kind]} {term.name}" if kind == "medication" else f"patient {kind}: {term.name}"
            yield Finding(severity, rule.code, f"{written} with {fact}: {rule.advice}{cite}", line=index, source=rule.source, patient=True)
    if rule.age_at_least is not None:
        age = patient.age_on(compounded_on)
        if age is None:
            yield Finding(Severity.INFO, f"{rule.code}_AGE_UNKNOWN", f"{written}: the patient's date of birth is not on file, so the check for patients {rule.age_at_least} and older was not made", line=index, patient=True)
        elif age >= rule.age_at_least:
            yield Finding(severity, rule.code, f"{written} for a patient aged {age} ({rule.age_at_least} or older): {rule.advice}{cite}", line=index, source=rule.source, patient=True)
    if rule.supply_days_over is not None:
        days = _supply_days(plan, dispensed, refills)
        if days is None:
            if dispensed is not None:
                yield Finding(Severity.INFO, f"{rule.code}_UNKNOWN", f"{written}: the days of supply cannot be worked out (directions or density missing), so the short-term-use check was not made", line=index, patient=True)
        elif days > rule.supply_days_over:
            assert dispensed is not None, "_supply_days gives None when nothing is dispensed"
            total = magnitude_in(dispensed, ureg.gram) * (1 + (refills or 0)) if dispensed.dimensionality == ureg.gram.dimensionality else None
            amount = f"{total:g} g" if total is not None else "the quantity dispensed"
            yield Finding(
                severity, rule.code,
                f"{written}: {amount} with {refills or 0} refill(s) lasts {days:.0f} days at the directed use, more than {rule.supply_days_over} days: {rule.advice}{cite}",
                line=index, source=rule.source, patient=True,
            )


def _supply_days(plan: BatchPlan, dispensed: Quantity | None, refills: int | None) -> float | None:
    directions = plan.formula.directions
    if dispensed is None or directions is None:
        return None
    per_application = application_grams(directions.amount, plan.density)
    quantity = application_grams(dispensed, plan.density)
    if per_application is None or quantity is None:
        return None
    per_day = magnitude_in(per_application, ureg.gram) * directions.times_per_day
    return magnitude_in(quantity, ureg.gram) * (1 + (refills or 0)) / per_day


def _weight_limits(plan: BatchPlan, patient: PatientProfile, catalog: Catalog, compounded_on: dt.date) -> Iterator[Finding]:
    """The daily amount against a per-kilogram limit (lidocaine 4.5 mg/kg) for this patient, on
    the total of the drug's lines (lidocaine and lidocaine HCl in one cream add up). A limit for
    children holds only below its age: an adult is held to the label's adult daily maximum (the
    rules' daily check); with the age unknown it is applied, and the finding says why."""
    for group in moieties(plan.lines, catalog):
        substance, index = group.substance, group.first
        written = group.written() if len(group.lines) > 1 else (group.lines[0].written_as or group.lines[0].name)
        limit = substance.daily_max_per_kg
        if limit is None:
            continue
        age = patient.age_on(compounded_on)
        paediatric = ""
        if limit.below_age is not None:
            if age is not None and age >= limit.below_age.value:
                continue  # an adult: the per-kg figure is the label's paediatric limit
            paediatric = (
                f" (a limit for patients under {limit.below_age.value}: the patient is {age})" if age is not None
                else f" (a limit for patients under {limit.below_age.value}; the date of birth is not on file, so it is applied)"
            )
        if any(line.doses is None or line.doses.per_day is None for line in group.lines):
            if plan.formula.directions is None:
                yield Finding(
                    Severity.INFO, "WEIGHT_LIMIT_UNCHECKED",
                    f"{written}: no directions (amount and times a day), so the daily amount is not checked against "
                    f"{limit.value.m_as('mg/kg'):g} mg/kg{paediatric}",
                    line=index, patient=True,
                )
            continue
        if patient.weight is None:
            yield Finding(Severity.INFO, "WEIGHT_LIMIT_UNKNOWN", f"{written}: the patient's weight is not on file, so the daily amount is not checked against {limit.value.m_as('mg/kg'):g} mg/kg", line=index, patient=True)
            continue
        total = total_mg_per_day(group, limit.as_form, catalog)
        if total is None:
            continue
        per_day = total
        weight_kg = patient.weight.m_as(ureg.kilogram)
        maximum = limit.value.m_as("mg/kg") * weight_kg
        if per_day > maximum * (1 + 1e-9):
            cite = f" ({limit.source.cite()})" if limit.source else ""
            yield Finding(
                Severity.WARNING, "DAILY_AMOUNT_ABOVE_WEIGHT_LIMIT",
                f"{written}: {per_day:.1f} mg {limit.as_form} a day is above {limit.value.m_as('mg/kg'):g} mg/kg × {weight_kg:g} kg "
                f"(patient weight) = {maximum:.1f} mg{paediatric}{cite}",
                line=index, source=limit.source, patient=True,
            )
