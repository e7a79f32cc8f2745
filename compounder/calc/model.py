"""The engine's values: what the reference catalog holds, what a pharmacist writes, what the
engine answers.

All are frozen dataclasses, so the window, the PDFs, the command line and the batch records
show the same numbers from the same objects. Quantities are pint quantities of the one
registry in ``compounder.calc.units``.

(Over 400 lines: these are the domain's value types and nothing else (no logic
beyond a few derived properties), in three sections that refer to one another (a line of the
answer names the catalog's ``Substance`` and the formula's ``Directions``); a reader learns the
engine's vocabulary from this one file, and every layer above imports its names from here. Code
that works on them lives in its own module (``compute``, ``rules``, ``bud``, ``balance_grams``).)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Generic, Literal, TypeVar

from compounder.calc.aliquot import Aliquot
from compounder.calc.units import MG, Quantity

T = TypeVar("T")

Role = Literal["active", "excipient", "base"]


# --------------------------------------------------------------------------- reference catalog


@dataclass(frozen=True)
class Source:
    """Where a number in the reference data comes from."""

    id: str
    title: str
    kind: str  # primary | secondary | computed
    url: str | None = None

    def cite(self) -> str:
        return f"{self.title} ({self.url})" if self.url else self.title


@dataclass(frozen=True)
class Sourced(Generic[T]):
    """A reference value with its source; an unknown value is ``None`` where this would be."""

    value: T
    source: Source | None = None
    note: str | None = None


@dataclass(frozen=True)
class Density:
    """A density known as one value, or only as a range (USP gives specific-gravity ranges)."""

    value: Quantity | None
    low: Quantity | None = None
    high: Quantity | None = None
    source: Source | None = None

    def describe(self) -> str:
        from compounder.calc.units import format_quantity

        if self.value is not None:
            return format_quantity(self.value)
        return f"{format_quantity(self.low)}–{format_quantity(self.high)}" if self.low and self.high else "unknown"


@dataclass(frozen=True)
class StrengthRange:
    """Typical strengths seen in practice, as a fraction of the product, of the form ``as_form``."""

    low: Quantity
    high: Quantity
    as_form: str
    source: Source | None = None


@dataclass(frozen=True)
class Limit:
    """A hard limit (strength or daily amount) expressed as an amount of the form ``as_form``."""

    value: Quantity
    as_form: str
    source: Source | None = None
    note: str | None = None
    # A limit for children only (lidocaine 4.5 mg/kg): it holds below this age, with its source.
    below_age: Sourced[int] | None = None


@dataclass(frozen=True)
class Caution:
    text: str
    source: Source | None = None
    # A label warning only for preparations with a controlled active of these DEA schedules
    # (21 CFR 290.5's transfer caution: CII-CIV); empty for every label.
    schedules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlledLimit:
    """Refills and the months within which a prescription may be filled, for DEA schedules."""

    schedules: tuple[str, ...]
    max_refills: int
    fill_within_months: int | None = None
    source: Source | None = None


@dataclass(frozen=True)
class Substance:
    """A parent moiety with what is known of its use on the skin."""

    name: str
    therapeutic_class: str
    typical_strength: StrengthRange | None = None
    max_strength: Limit | None = None
    # The strongest a label or a published formula on file makes it, where that is above the
    # typical range's top (lidocaine 7 %, Pliaglis); the plausibility check's yardstick.
    highest_published: Limit | None = None
    daily_max: Limit | None = None
    daily_max_per_kg: Limit | None = None
    cautions: tuple[Caution, ...] = ()
    controlled_schedule: Sourced[str] | None = None  # DEA schedule ("CIII", "CIV"), None where not controlled
    # The form the drug's products state their strength as, where that is a salt (diclofenac
    # sodium): a strength written as the free moiety then asks which is meant.
    labelled_as: Sourced[str] | None = None
    # The screening classes that apply (keys of Catalog.screening_classes); where none does,
    # screening_none says why (every active in the reference data has one or the other).
    screening_classes: tuple[str, ...] = ()
    screening_none: str | None = None


@dataclass(frozen=True)
class Form:
    """Something a pharmacist writes a strength as, or weighs: a salt, a hydrate, a free base,
    or an excipient."""

    name: str
    role: Literal["active", "excipient"]
    substance: str  # parent moiety's name; an excipient is its own
    physical_form: str  # powder | crystalline solid | liquid | oleoresin | unknown
    formula: str | None = None
    molecular_weight: Sourced[Quantity] | None = None
    density: Density | None = None
    aliases: tuple[str, ...] = ()
    excipient_role: str | None = None

    @property
    def is_solid(self) -> bool:
        """Counts toward a base's powder load; a form not on file counts, to be safe."""
        return self.physical_form in ("powder", "crystalline solid", "unknown")


@dataclass(frozen=True)
class Base:
    """A vehicle the actives go into; it fills the batch to weight."""

    name: str
    maker: str | None
    dosage_form: str  # cream | gel | ointment
    contains_water: Sourced[bool] | None = None
    preserved: Sourced[bool] | None = None
    density: Sourced[Quantity] | None = None
    max_powder_load: Sourced[Quantity] | None = None
    aliases: tuple[str, ...] = ()
    notes: str | None = None


#: USP <795> (2023): a preparation with a water activity of 0.60 or more is aqueous.
AQUEOUS_WATER_ACTIVITY = 0.60


@dataclass(frozen=True)
class BaseDescription:
    """The pharmacy's description of one base, with what it rests on."""

    base: str
    reference: str
    contains_water: bool | None = None
    water_activity: float | None = None
    preserved: bool | None = None

    @property
    def aqueous(self) -> bool | None:
        """Aqueous by USP <795>: the water activity where it is given, else whether it contains water."""
        if self.water_activity is not None:
            return self.water_activity >= AQUEOUS_WATER_ACTIVITY
        return self.contains_water

    def source(self, where: str) -> Source:
        """The source the BUD cites: who described the base, and on what reference."""
        return Source("pharmacy-base-description", f"{where}'s description of {self.base}: {self.reference}", "primary")


@dataclass(frozen=True)
class StabilityReference:
    """A stability study (or the maker's data) for one master formula: the days it supports."""

    days: int
    reference: str


@dataclass(frozen=True)
class Balance:
    name: str
    readability: Sourced[Quantity]
    minimum_weighable: Sourced[Quantity]
    sensitivity: Sourced[Quantity] | None = None


@dataclass(frozen=True)
class BudCategory:
    """A USP <795> beyond-use-date category."""

    key: str
    contains_water: bool
    preserved: bool | None
    days: int
    storage: str
    source: Source | None = None


@dataclass(frozen=True)
class ScreeningTerm:
    """A patient fact a screening rule can name: an allergy, a condition or a medicine."""

    key: str
    kind: Literal["allergy", "condition", "medication"]
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningRule:
    """Actives of a class (or named substances) against one patient fact."""

    code: str
    severity: str
    advice: str
    source: Source | None = None
    therapeutic_class: str | None = None
    substances: tuple[str, ...] = ()
    screening_class: str | None = None  # the class this rule acts on (narrowed by ``substances`` where given)
    allergy: str | None = None
    condition: str | None = None
    medication: str | None = None
    age_at_least: int | None = None
    supply_days_over: int | None = None

    def applies_to(self, substance: Substance) -> bool:
        if self.screening_class is not None and self.screening_class not in substance.screening_classes:
            return False
        if self.therapeutic_class is not None:
            return substance.therapeutic_class == self.therapeutic_class
        if self.substances:
            return substance.name in self.substances
        return self.screening_class is not None


@dataclass(frozen=True)
class CommercialProduct:
    """A commercially available product: its actives as (form, strength as a fraction) pairs."""

    name: str
    actives: tuple[tuple[str, Quantity], ...]
    source: Source | None = None


@dataclass(frozen=True)
class ScreeningClass:
    """A class of actives the screening rules act on."""

    key: str
    name: str


# --------------------------------------------------------------------------- the formula


@dataclass(frozen=True)
class FormulaLine:
    """One active or excipient as the pharmacist writes it.

    ``ingredient`` names the form the strength is written as; ``stock`` the form actually
    weighed (default: the same).
    """

    ingredient: str
    strength: Quantity
    role: Literal["active", "excipient"] = "active"
    stock: str | None = None
    potency: Quantity | None = None
    lot: str | None = None
    expires: dt.date | None = None
    manufacturer: str | None = None
    # The form the strength is meant as, stated by the pharmacist where products are labelled as
    # a salt and the strength is written as the free moiety; it must be the ingredient's form.
    basis: str | None = None


@dataclass(frozen=True)
class Directions:
    amount: Quantity  # per application: g, mL or click
    times_per_day: float
    area: str | None = None


@dataclass(frozen=True)
class Formula:
    """What the pharmacist writes: a batch of a base with its actives and excipients."""

    quantity: Quantity  # labelled batch quantity, mass or volume
    base: str
    lines: tuple[FormulaLine, ...] = ()
    name: str | None = None
    excess: Quantity | None = None
    density: Quantity | None = None  # the finished product's, if known
    balance: str | None = None
    directions: Directions | None = None
    compounded_on: dt.date | None = None
    base_lot: str | None = None
    base_expires: dt.date | None = None
    # The master formula's own description of its base, and its stability reference (issue #23).
    base_description: BaseDescription | None = None
    stability: StabilityReference | None = None

    def field_of(self, index: int) -> str:
        """The input path of line ``index``: ``actives[0]`` or ``excipients[1]``."""
        return self.fields()[index]

    def fields(self) -> tuple[str, ...]:
        """The input path of every line, in one pass."""
        seen: dict[str, int] = {}  # lines of each role so far
        paths = []
        for line in self.lines:
            group = "actives" if line.role == "active" else "excipients"
            paths.append(f"{group}[{seen.get(line.role, 0)}]")
            seen[line.role] = seen.get(line.role, 0) + 1
        return tuple(paths)


# --------------------------------------------------------------------------- the answer


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """Something the pharmacist must see: an error blocks the batch, a warning needs a look."""

    severity: Severity
    code: str
    message: str
    line: int | None = None  # index into BatchPlan.lines
    source: Source | None = None
    # A finding about this patient or this prescription (the patient screening's, a daily amount
    # for these directions, a strength or batch size far beyond what is published). Only such an
    # error may be overridden by a pharmacist, signed in the records with the reason; an error of
    # the formula itself is corrected, never overridden.
    patient: bool = False


@dataclass(frozen=True)
class TrailStep:
    """One step of how a line's grams were reached, in words and numbers."""

    text: str
    value: Quantity


@dataclass(frozen=True)
class Doses:
    """Amount of the moiety the strength is written as, per gram, click and day."""

    per_gram: Quantity
    per_ml: Quantity | None
    per_click: Quantity | None
    per_day: Quantity | None


@dataclass(frozen=True)
class PlanLine:
    """One line of the batch: what to weigh and how that was reached."""

    role: Role
    name: str  # the stock form weighed (or the base)
    grams: Quantity  # exact; display rounding is the balance's job
    written_as: str | None = None
    substance: str | None = None
    strength: Quantity | None = None
    strength_fraction: Quantity | None = None  # of the written form, w/w of the product
    salt_factor: float = 1.0
    potency: Quantity | None = None
    lot: str | None = None
    expires: dt.date | None = None
    manufacturer: str | None = None
    trail: tuple[TrailStep, ...] = ()
    doses: Doses | None = None
    field: str | None = None
    basis: str | None = None  # the form the pharmacist stated the strength is meant as (FormulaLine.basis)
    # The aliquot that delivers ``grams`` when it is below the balance's minimum weighable
    # quantity; the diluent its portion carries is taken off the base line.
    aliquot: Aliquot | None = None

    @property
    def into_batch(self) -> Quantity:
        """What this line puts into the batch: its grams, or its aliquot portion (the grams and
        the diluent they carry)."""
        return self.aliquot.portion if self.aliquot is not None else self.grams


@dataclass(frozen=True)
class BeyondUseDate:
    date: dt.date
    days: int
    reason: str
    storage: str
    category: str
    source: Source | None = None


@dataclass(frozen=True)
class DailyDose:
    """One active's amount a day, and where known the labeled maximum it is compared with.

    ``per_day`` is of the form the strength is written as; ``compared`` is what the daily-maximum
    check compares with the maximum: the drug's total a day over all its lines, as the form the
    maximum is written as (by molecular weights), or ``None`` when there is nothing to compare
    with. ``above_maximum`` is that check's verdict. ``note`` says why, in words, when no
    comparison is made (or that a total of several lines is compared).
    """

    line: int  # index into BatchPlan.lines
    written_as: str
    per_day: Quantity | None
    maximum: Limit | None
    compared: Quantity | None
    note: str | None = None
    above_maximum: bool = False

    @property
    def fraction_of_maximum(self) -> float | None:
        if self.compared is None or self.maximum is None:
            return None
        return float(self.compared.to(MG).magnitude / self.maximum.value.to(MG).magnitude)


@dataclass(frozen=True)
class BatchPlan:
    """The engine's answer for a formula: lines to weigh, totals, doses, BUD and findings."""

    formula: Formula
    labelled: Quantity  # labelled batch mass
    prepared: Quantity  # mass prepared, with the excess
    density: Quantity | None
    density_source: str | None
    lines: tuple[PlanLine, ...]
    balance: Balance
    bud: BeyondUseDate | None = None
    findings: tuple[Finding, ...] = field(default=())
    # Each active's amount a day against its labeled maximum, worked out once by ``evaluate``
    # (``daily.work_out_daily_doses``) and read by the daily-maximum check and the window's panel;
    # None on a plan from ``compute`` alone (``daily.daily_doses`` then works them out).
    daily: tuple[DailyDose, ...] | None = field(default=None, compare=False, repr=False)

    @cached_property  # a sum of every line's quantity, asked for by the checks, the window and the documents
    def total(self) -> Quantity:
        """What goes into the batch, aliquot portions counted whole: the prepared weight."""
        return sum((line.into_batch for line in self.lines[1:]), self.lines[0].into_batch)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def base_line(self) -> PlanLine:
        return next(line for line in self.lines if line.role == "base")
