"""What the patient label must say, decided here so that every renderer prints the same words.

The label names each active by the form its strength is written as (so the salt is stated when
the strength is the salt's), with that strength as a concentration of the product; the dosage
form from the base; the directions as prescribed and, for a click dispenser, what one click
holds; and the warnings that apply: those every topical preparation carries and each active's
cautions from the reference database, each with its source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compounder.calc.catalog import Catalog
from compounder.calc.controlled import controlled_actives
from compounder.calc.errors import InputError
from compounder.calc.model import BatchPlan, Caution, PlanLine
from compounder.calc.prescription import Order, check_dates, require
from compounder.calc.units import DIMENSIONLESS, MASS_PER_VOLUME, Quantity, format_quantity

STATEMENT = "Compounded preparation"


@dataclass(frozen=True)
class LabelActive:
    name: str  # the form the strength is written as: "diclofenac sodium", "lidocaine"
    strength: str  # "3 %", "50 mg/g"


@dataclass(frozen=True)
class LabelContent:
    """Every statement on a patient label, as text, in the order a pharmacist reads it."""

    patient: str
    rx_number: str
    prescriber: str
    date_filled: dt.date
    actives: tuple[LabelActive, ...]
    dosage_form: str
    quantity: str
    refills: int
    directions: str
    per_click: str | None  # "1 click (0.25 mL) contains diclofenac sodium 7.5 mg, ..."
    beyond_use: dt.date
    storage: str
    lot: str
    statement: str
    warnings: tuple[Caution, ...]
    controlled: tuple[str, ...] = ()  # "C-III: ketamine (DEA Schedule III controlled substance)"

    @property
    def drug(self) -> str:
        """"Diclofenac sodium 3 %, lidocaine 5 % cream"."""
        names = ", ".join(f"{a.name} {a.strength}" for a in self.actives)
        text = f"{names} {self.dosage_form}" if names else self.dosage_form
        return text[:1].upper() + text[1:]


def label_content(plan: BatchPlan, order: Order, catalog: Catalog, compounded_on: dt.date) -> LabelContent:
    """The label of ``plan`` for ``order``'s prescription; ``InputError`` when it cannot be made right."""
    require(order, "label")
    check_dates(order, compounded_on)
    rx = order.prescription
    assert (  # require() refused an order without any of these
        order.batch_number is not None and rx.patient is not None and rx.rx_number is not None and rx.prescriber is not None
        and rx.directions is not None and rx.quantity is not None and rx.refills is not None
    ), "required for a label"
    base = catalog.base(plan.formula.base)
    _check_quantity(plan, rx.quantity)
    if plan.bud is None:
        raise InputError("compounded_on", "the batch has no beyond-use date; evaluate the formula with its compounding date")
    actives = [line for line in plan.lines if line.role == "active"]
    return LabelContent(
        patient=rx.patient,
        rx_number=rx.rx_number,
        prescriber=rx.prescriber,
        date_filled=compounded_on,
        actives=tuple(label_active(line, catalog) for line in actives),
        dosage_form=base.dosage_form,
        quantity=format_quantity(rx.quantity, 6),
        refills=rx.refills,
        directions=rx.directions,
        per_click=_per_click(plan, order, actives),
        beyond_use=plan.bud.date,
        storage=plan.bud.storage,
        lot=order.batch_number,
        statement=STATEMENT,
        warnings=label_warnings(plan, catalog),
        controlled=controlled_statements(plan, catalog, short=True),
    )


_ROMAN = {"CI": "I", "CII": "II", "CIII": "III", "CIV": "IV", "CV": "V"}


def controlled_statements(plan: BatchPlan, catalog: Catalog, short: bool = False) -> tuple[str, ...]:
    """One line for each active that is a controlled substance, highest schedule first:
    "C-III: ketamine (DEA Schedule III controlled substance, 21 CFR 1308.13)", or on the small
    label ``short``: "C-III controlled substance: ketamine". The schedule is the reference
    database's, with its source (21 CFR 1308.11-1308.15)."""
    found: dict[str, str] = {}
    for line in plan.lines:
        if line.role != "active" or not line.substance:
            continue
        substance = catalog.substance(line.substance)
        if substance is None or substance.controlled_schedule is None:
            continue
        roman = _ROMAN[substance.controlled_schedule.value]
        found[substance.name] = (
            f"C-{roman} controlled substance: {substance.name}" if short
            else f"C-{roman}: {substance.name} (DEA Schedule {roman} controlled substance{_cfr(roman)})"
        )
    order = list(_ROMAN.values())
    return tuple(sorted(found.values(), key=lambda text: order.index(text[2:].split(None, 1)[0].rstrip(":"))))


def _cfr(roman: str) -> str:
    """The section of 21 CFR part 1308 that lists the schedule (1308.11 for I … 1308.15 for V)."""
    return f", 21 CFR 1308.1{list(_ROMAN.values()).index(roman) + 1}"


def label_active(line: PlanLine, catalog: Catalog) -> LabelActive:
    """The active as the label names it. Where the drug's products are labelled as a salt and
    the strength is the free moiety's (stated with "basis"), the label says so and gives the salt
    equivalent, so nobody reads "diclofenac 3 %" as diclofenac sodium 3 %."""
    name, strength = _written_as(line), label_strength(line)
    substance = catalog.substance(line.substance) if line.substance else None
    labelled = substance.labelled_as if substance is not None else None
    if labelled is not None and labelled.value != name and line.strength_fraction is not None:
        from compounder.calc.moiety import ratio

        factor = ratio(catalog.form(name, "ingredient"), labelled.value, catalog)
        if factor is not None:
            equivalent = f"{(line.strength_fraction * factor).to('percent').magnitude:.4g} %"
            strength = f"{strength} (free-{name} basis; = {equivalent} {labelled.value})"
    return LabelActive(name, strength)


def label_strength(line: PlanLine) -> str:
    """The strength as a concentration of the product, as the pharmacist wrote it where it is one.

    A strength written as an amount in the batch ("2.4 g") is not a strength a patient can use,
    so it is shown as its share of the product (% w/w).
    """
    strength = line.strength
    if strength is None:
        raise ValueError(f"{line.name!r} has no strength: the base line has none")
    if strength.dimensionality in (DIMENSIONLESS, MASS_PER_VOLUME):
        return format_quantity(strength, 4)
    return format_quantity(_fraction(line).to("percent"), 4)


def _written_as(line: PlanLine) -> str:
    """The form an active's strength is written as, which compute sets on every active line."""
    if line.written_as is None:
        raise ValueError(f"{line.name!r} has no written form: the base line has none")
    return line.written_as


def _fraction(line: PlanLine) -> Quantity:
    """An active's w/w fraction of the product, which compute sets on every active line."""
    if line.strength_fraction is None:
        raise ValueError(f"{line.name!r} has no fraction of the product: the base line has none")
    return line.strength_fraction


def label_warnings(plan: BatchPlan, catalog: Catalog) -> tuple[Caution, ...]:
    """Warnings every topical label carries, then each active's cautions, each text once."""
    seen: set[str] = set()
    found: list[Caution] = []
    schedules = {s.controlled_schedule.value for s in controlled_actives(plan, catalog).values() if s.controlled_schedule}
    cautions = [c for c in catalog.label_warnings if not c.schedules or schedules & set(c.schedules)]
    for line in plan.lines:
        if line.role == "active" and line.substance:
            substance = catalog.substance(line.substance)
            if substance is not None:
                cautions.extend(substance.cautions)
    for caution in cautions:
        key = " ".join(caution.text.casefold().split())
        if key not in seen:
            seen.add(key)
            found.append(caution)
    return tuple(found)


def _per_click(plan: BatchPlan, order: Order, actives: list[PlanLine]) -> str | None:
    container = order.container
    if container is None or not container.is_click_dispenser:
        return None
    assert container.click_volume is not None, "a click dispenser has a click volume"
    if plan.density is None:
        raise InputError(
            "density",
            f"the label states what one click of the {container.name} holds, and the product's density is unknown; "
            'give "density" (e.g. "1.02 g/mL")',
        )
    parts = []
    for line in actives:
        per_click = (plan.density * container.click_volume * _fraction(line)).to("mg")
        parts.append(f"{line.written_as} {_mg(per_click)}")
    volume = format_quantity(container.click_volume.to("mL"), 3)
    return f"1 click ({volume}) contains " + ", ".join(parts)


def _mg(quantity: Quantity) -> str:
    """Milligrams to three significant figures, in µg below 1 mg ("7.5 mg", "13.8 mg", "250 µg")."""
    mg = quantity.to("mg").magnitude
    if mg < 1:
        return f"{float(f'{mg * 1000:.3g}'):g} µg"
    return f"{float(f'{mg:.3g}'):g} mg"


def _check_quantity(plan: BatchPlan, quantity: Quantity) -> None:
    """The quantity dispensed cannot be more than the batch's labelled quantity."""
    dispensed = quantity
    if quantity.dimensionality != plan.labelled.dimensionality:
        if plan.density is None:
            raise InputError(
                "prescription.quantity",
                f"{format_quantity(quantity)} is a volume and the product's density is unknown, so it cannot be compared with the batch; "
                'give the quantity as a mass (e.g. "120 g") or give "density"',
            )
        dispensed = quantity * plan.density
    if dispensed.to("g").magnitude > plan.labelled.to("g").magnitude * (1 + 1e-9):
        raise InputError(
            "prescription.quantity",
            f"{format_quantity(quantity)} is more than this batch makes ({format_quantity(plan.formula.quantity)}); "
            "compound a larger batch or dispense less",
        )
