"""The master formulation record's own elements (USP <795>, 2023, "Master Formulation Records"),
kept in the formula's data under ``master_record`` so that they are versioned, compared and
approved with the rest of the formula.

What the formula already says (its name, the actives' strengths, the base and so the dosage
form, each ingredient and its amount, the compounding steps, the calculations and the
beyond-use date the engine works out) is not asked again. What only the pharmacy can write is
here: each ingredient's relevant characteristics, the container–closure system, the equipment,
the physical description, the reference supporting the beyond-use date, the labelling
requirements, the quality-control procedures and anything else needed to repeat the
preparation. A formula written before these existed has none: each is shown as missing
(``missing_elements``), never filled in by the program.

Pure: no Qt, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from compounder.calc.errors import InputError
from compounder.calc.fields import text_item

KEY = "master_record"

#: The element keys a ``master_record`` object takes, with the words a pharmacist reads.
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("characteristics", "relevant characteristics of each ingredient"),
    ("container_closure", "container–closure system"),
    ("equipment", "equipment"),
    ("description", "physical description of the preparation"),
    ("bud_reference", "reference supporting the beyond-use date and storage"),
    ("labelling", "labelling requirements"),
    ("quality_control", "quality-control procedures"),
    ("notes", "other information needed to repeat the preparation"),
)
_QC_KEYS = ("appearance", "ph")
_PH_RANGE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})?)\s*(?:to|-|–)\s*(\d{1,2}(?:\.\d{1,2})?)\s*$")
PH_EXAMPLE = '"5.5 to 7.0"'


@dataclass(frozen=True)
class PhRange:
    """An accepted pH range, both ends included, as the master formula gives it."""

    low: Decimal
    high: Decimal

    def text(self) -> str:
        return f"{self.low:f} to {self.high:f}"

    def holds(self, ph: Decimal) -> bool:
        return self.low <= ph <= self.high


@dataclass(frozen=True)
class QualityControl:
    """The checks the master formula asks of every batch. The final weight against the
    theoretical is always asked; appearance against ``appearance`` (None: the worksheet's
    general words); the pH only where a range is given."""

    appearance: str | None = None
    ph: PhRange | None = None


@dataclass(frozen=True)
class MasterRecord:
    """The elements as written; None (or empty) where the pharmacy has not written one."""

    characteristics: dict[str, str] = field(default_factory=dict)  # ingredient (as the formula names it) → its characteristics
    container_closure: str | None = None
    equipment: tuple[str, ...] = ()
    description: str | None = None
    bud_reference: str | None = None
    labelling: str | None = None
    quality_control: QualityControl | None = None
    notes: str | None = None


def parse_ph_range(value: Any, where: str) -> PhRange:
    if not isinstance(value, str) or not (match := _PH_RANGE.match(value)):
        raise InputError(where, f"{value!r} is not a pH range; write it as {PH_EXAMPLE}")
    low, high = Decimal(match.group(1)), Decimal(match.group(2))
    if not (Decimal(0) <= low < high <= Decimal(14)):
        raise InputError(where, f"{value!r}: give a low end below the high end, both from 0 to 14, e.g. {PH_EXAMPLE}")
    return PhRange(low, high)


def parse_ph(value: Any, where: str) -> Decimal:
    """A pH measured: a number from 0 to 14 with at most two decimals."""
    try:
        ph = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(where, f"{value!r} is not a pH; give the meter's reading, e.g. 6.4") from None
    if not ph.is_finite() or not Decimal(0) <= ph <= Decimal(14) or ph.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InputError(where, f"{value!r} is not a pH reading; give 0 to 14 with at most two decimals, e.g. 6.4")
    return ph


def parse_master_record(data: Any) -> MasterRecord:
    """The ``master_record`` object of a formula's data (absent: every element missing); raises
    ``InputError`` naming the element."""
    if data is None:
        return MasterRecord()
    if not isinstance(data, Mapping):
        raise InputError(KEY, "must be an object with " + ", ".join(key for key, _ in ELEMENTS))
    unknown = sorted(set(data) - {key for key, _ in ELEMENTS})
    if unknown:
        raise InputError(f"{KEY}.{unknown[0]}", "unknown element; a master record takes " + ", ".join(key for key, _ in ELEMENTS))

    def text(key: str) -> str | None:
        value = data.get(key)
        return None if value is None else text_item(value, f"{KEY}.{key}")

    characteristics: dict[str, str] = {}
    raw = data.get("characteristics")
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise InputError(f"{KEY}.characteristics", 'must be an object such as {"lidocaine": "USP grade, fine white powder"}')
        for name, value in raw.items():
            characteristics[text_item(name, f"{KEY}.characteristics")] = text_item(value, f"{KEY}.characteristics.{name}")
    equipment = data.get("equipment")
    if equipment is not None and not isinstance(equipment, list):
        raise InputError(f"{KEY}.equipment", 'must be a list such as ["electronic balance", "ointment mill"]')
    return MasterRecord(
        characteristics=characteristics,
        container_closure=text("container_closure"),
        equipment=tuple(text_item(item, f"{KEY}.equipment[{i}]") for i, item in enumerate(equipment or [])),
        description=text("description"),
        bud_reference=text("bud_reference"),
        labelling=text("labelling"),
        quality_control=_quality_control(data.get("quality_control")),
        notes=text("notes"),
    )


def _quality_control(value: Any) -> QualityControl | None:
    if value is None:
        return None
    where = f"{KEY}.quality_control"
    if not isinstance(value, Mapping):
        raise InputError(where, f'must be an object such as {{"appearance": "smooth white cream", "ph": {PH_EXAMPLE}}}')
    unknown = sorted(set(value) - set(_QC_KEYS))
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", "unknown check; the final weight is always checked, and a master formula "
                         "may give the appearance and a pH range (appearance, ph)")
    appearance = value.get("appearance")
    ph = value.get("ph")
    return QualityControl(
        appearance=None if appearance is None else text_item(appearance, f"{where}.appearance"),
        ph=None if ph is None else parse_ph_range(ph, f"{where}.ph"),
    )


def record_of(formula: Mapping[str, Any]) -> MasterRecord:
    """The master record of a formula's data."""
    return parse_master_record(formula.get(KEY))


def ingredient_names(formula: Mapping[str, Any]) -> list[str]:
    """The ingredients whose characteristics the record asks for: each active and excipient as
    the formula names it, then the base."""
    names = [str(line.get("ingredient")) for group in ("actives", "excipients") for line in formula.get(group) or []
             if isinstance(line, Mapping) and line.get("ingredient")]
    if formula.get("base"):
        names.append(str(formula["base"]))
    return names


def missing_elements(formula: Mapping[str, Any]) -> list[str]:
    """The elements the pharmacy has not written, in the record's order, in words: what the
    printed record and the editor mark as missing. (The steps are the formula's ``steps``.)"""
    record = record_of(formula)
    missing = [f"relevant characteristics of {name}" for name in ingredient_names(formula) if name not in record.characteristics]
    checks = (
        ("container_closure", record.container_closure), ("equipment", record.equipment), ("steps", formula.get("steps")),
        ("description", record.description), ("bud_reference", record.bud_reference), ("labelling", record.labelling),
        ("quality_control", record.quality_control),
    )
    words = dict(ELEMENTS) | {"steps": "compounding steps"}
    missing += [words[key] for key, value in checks if not value]
    return missing


def qc_checks(record: MasterRecord) -> tuple[str, ...]:
    """The quality-control results a batch of this formula needs before it is verified:
    ``final_weight`` and ``appearance`` always, ``ph`` where the master formula gives a range."""
    qc = record.quality_control
    return ("final_weight", "appearance", *(("ph",) if qc is not None and qc.ph is not None else ()))
