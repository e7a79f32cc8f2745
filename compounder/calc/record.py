"""The compounding record (batch worksheet) as values: every field and number the sheet prints.

Numbers are formatted here, rounded to the balance, so the PDF, the window and the stored batch
record show the same digits; the renderer only lays them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compounder.calc.balance_grams import format_grams
from compounder.calc.catalog import Catalog
from compounder.calc.equipment import minimum_basis
from compounder.calc.errors import InputError
from compounder.calc.labeling import controlled_statements
from compounder.calc.model import BatchPlan, Directions, PlanLine
from compounder.calc.patient import PatientProfile
from compounder.calc.prescription import Order, check_dates, require
from compounder.calc.procedure import Check, aliquot_text, checks, steps
from compounder.calc.release import AcknowledgedFinding, release
from compounder.calc.units import Quantity, format_quantity


@dataclass(frozen=True)
class WeighRow:
    """One line of the ingredient table."""

    number: int
    role: str
    weigh: str  # the stock form weighed, or the base
    provides: str  # "lidocaine 6.000 g (5 %)", or "q.s. to 120.000 g"
    manufacturer: str
    lot: str
    expires: str
    potency: str
    quantity: str  # rounded to the balance, e.g. "7.432"
    unit: str
    trail: str
    aliquot: str | None  # the aliquot procedure, for a quantity below the minimum weighable
    # Each weighing of the aliquot besides the portion (which is ``quantity``): (what, grams as
    # the balance shows them), each with its own actual-weight cell on the sheet.
    aliquot_weighings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CompoundingRecord:
    formula_name: str
    formula_version: str
    dosage_form: str
    base: str
    batch_number: str
    rx_number: str
    patient: str
    date_of_birth: str
    prescriber: str
    compounded_on: dt.date
    beyond_use: dt.date
    beyond_use_days: int
    beyond_use_reason: str
    storage: str
    quantity: str  # labelled
    prepared: str  # with the excess, e.g. "126.000 g (120 g + 5 % excess)"
    container: str
    rows: tuple[WeighRow, ...]
    total: str
    balance: str
    balance_detail: str
    steps: tuple[str, ...]
    checks: tuple[Check, ...]
    findings: tuple[AcknowledgedFinding, ...]
    patient_facts: PatientFacts | None = None  # what the patient screening used, when it ran
    controlled: tuple[str, ...] = ()  # one line per controlled active: "C-III: ketamine (DEA Schedule III …)"
    dose_check: str = ""  # the structured directions the daily amounts were checked with, "" when none


@dataclass(frozen=True)
class PatientFacts:
    """The patient facts the screening used, as printed: each part "not recorded", "none known"
    or the coded terms by name."""

    age: str
    weight: str
    allergies: str
    conditions: str
    medications: str
    medication_notes: str


NOT_GIVEN = "—"
NOT_RECORDED = "not recorded"
NONE_KNOWN = "none known"


def patient_facts(patient: PatientProfile, catalog: Catalog, compounded_on: dt.date) -> PatientFacts:
    names = {t.key: t.name for t in catalog.screening_terms}

    def coded(keys: frozenset[str] | None) -> str:
        if keys is None:
            return NOT_RECORDED
        return "; ".join(sorted(names.get(k, k) for k in keys)) or NONE_KNOWN

    age = patient.age_on(compounded_on)
    return PatientFacts(
        age=NOT_RECORDED if age is None or patient.date_of_birth is None else f"{age} years on {compounded_on.isoformat()} (born {patient.date_of_birth.isoformat()})",
        weight=NOT_RECORDED if patient.weight is None else f"{patient.weight.m_as('kg'):g} kg",
        allergies=coded(patient.allergies),
        conditions=coded(patient.conditions),
        medications=coded(patient.medications),
        medication_notes=patient.medication_notes or NOT_GIVEN,
    )


def decision_text(ack) -> str:
    """One acknowledgement or override as printed: "OVERRIDDEN by Paula P., RPh (pharmacist),
    2026-11-23 09:00 UTC: reason"."""
    who = ack.by + (f" ({ack.role})" if ack.role else "")
    when = f", {ack.at.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC" if ack.at is not None else ""
    if not ack.verified:  # as the formula file says: nobody's signature vouches for the name
        return f"{ack.action} (unverified: as typed in the formula file, not signed in the records) by {who}{when}: {ack.reason}"
    return f"{ack.action} by {who}{when}: {ack.reason}"


def compounding_record(
    plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date, tolerance: Quantity | None,
    patient: PatientProfile | None = None,
) -> CompoundingRecord:
    """The worksheet of ``plan``; raises ``InputError`` for missing fields and ``BatchBlocked``
    for a batch that has errors or unacknowledged warnings."""
    require(order, "worksheet")
    check_dates(order, compounded_on)
    findings = release(plan, order)
    if plan.bud is None:
        raise InputError("compounded_on", "the batch has no beyond-use date; evaluate the formula with its compounding date")
    base = catalog.base(plan.formula.base)
    formula = plan.formula
    rx = order.prescription
    assert (  # require() refused an order without any of these
        order.batch_number is not None and rx.patient is not None and rx.rx_number is not None and rx.prescriber is not None
    ), "required for a worksheet"
    balance = plan.balance
    digits_text = format_grams(plan.total, balance)
    excess = formula.excess
    prepared = f"{format_grams(plan.prepared, balance)} g"
    if excess is not None and excess.magnitude:
        prepared += f" ({format_quantity(formula.quantity, 6)} + {format_quantity(excess.to('percent'), 4)} excess)"
    rows = tuple(_row(index + 1, line, plan, base.name) for index, line in enumerate(plan.lines))
    name = formula.name or " / ".join(
        f"{line.written_as} {_strength(line)}" for line in plan.lines if line.role == "active"
    ) + f" in {base.name}"
    return CompoundingRecord(
        formula_name=name,
        formula_version=order.formula_version or NOT_GIVEN,
        dosage_form=base.dosage_form,
        base=base.name,
        batch_number=order.batch_number,
        rx_number=rx.rx_number,
        patient=rx.patient,
        date_of_birth=rx.date_of_birth.isoformat() if rx.date_of_birth else NOT_GIVEN,
        prescriber=rx.prescriber,
        compounded_on=compounded_on,
        beyond_use=plan.bud.date,
        beyond_use_days=plan.bud.days,
        beyond_use_reason=plan.bud.reason,
        storage=plan.bud.storage,
        quantity=format_quantity(formula.quantity, 6),
        prepared=prepared,
        container=order.container.name if order.container else NOT_GIVEN,
        rows=rows,
        total=digits_text,
        balance=balance.name,
        balance_detail=_balance_detail(balance),
        steps=steps(plan, order, catalog),
        checks=checks(plan, order, catalog, tolerance),
        findings=findings,
        patient_facts=patient_facts(patient, catalog, compounded_on) if patient is not None else None,
        controlled=controlled_statements(plan, catalog),
        dose_check=dose_check_text(formula.directions),
    )


def dose_check_text(directions: Directions | None) -> str:
    """The directions the daily amounts were checked with, as the worksheet prints them: "3 g × 3
    a day (to the knee)"; "" when none were given."""
    if directions is None:
        return ""
    area = f" ({directions.area})" if directions.area else ""
    return f"{format_quantity(directions.amount)} × {directions.times_per_day:g} a day{area}"


def _row(number: int, line: PlanLine, plan: BatchPlan, base: str) -> WeighRow:
    balance = plan.balance
    trail = "; ".join(step.text for step in line.trail)
    if line.role == "base":
        provides = f"q.s. to {format_grams(plan.prepared, balance)} g"
    else:
        potency = line.potency.to("dimensionless").magnitude if line.potency is not None else 1.0
        written = line.grams * potency / line.salt_factor
        provides = f"{line.written_as} {written.to('g').magnitude:.3f} g ({_strength(line)})"
    scheme = line.aliquot
    weighings: tuple[tuple[str, str], ...] = ()
    if scheme is not None:
        provides += f", in a {format_grams(scheme.portion, balance)} g portion of the aliquot mixture"
        weighings = (
            (f"{line.name} for the aliquot ({scheme.multiple} × {format_grams(scheme.needed, balance)} g)", format_grams(scheme.weigh, balance)),
            (f"{base} to dilute the aliquot to {format_grams(scheme.mixture, balance)} g", format_grams(scheme.diluent, balance)),
        )
    return WeighRow(
        number=number,
        role=line.role,
        weigh=line.name,
        provides=provides,
        # Left blank when the file does not give them: the pharmacist writes them in at the bench.
        manufacturer=line.manufacturer or "",
        lot=line.lot or "",
        expires=line.expires.isoformat() if line.expires else "",
        potency=format_quantity(line.potency.to("percent"), 4) if line.potency is not None else ("" if line.role == "base" else NOT_GIVEN),
        quantity=format_grams(line.into_batch, balance),
        unit="g",
        trail=trail,
        aliquot=aliquot_text(line.name, scheme, base, balance) if scheme is not None else None,
        aliquot_weighings=weighings,
    )


def _strength(line: PlanLine) -> str:
    """The strength as written, which compute sets on every active and excipient line."""
    if line.strength is None:
        raise ValueError(f"{line.name!r} has no strength: the base line has none")
    return format_quantity(line.strength, 4)


def _balance_detail(balance) -> str:
    readability = f"readability {format_quantity(balance.readability.value.to('g'), 4)}"
    minimum = minimum_basis(balance)
    return minimum if readability in balance.name else f"{readability}; {minimum}"
