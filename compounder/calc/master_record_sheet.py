"""What the printed master formulation record says, element by element (USP <795>, 2023): the
formula worked out for its batch quantity (ingredients with their amounts and calculations,
dosage form, beyond-use date and storage) and the elements the pharmacy wrote
(``calc.master_record``), each one it has not written marked missing rather than filled in.

Pure: formula data, a catalog and a date in; plain values out (``documents.master_record`` lays
them out).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounder.calc.batch_document import freeze_documents
from compounder.calc.catalog import Catalog
from compounder.calc.evaluate import evaluate
from compounder.calc.formula_file import parse_formula
from compounder.calc.master_record import ELEMENTS, KEY, ingredient_names, missing_elements, qc_checks, record_of
from compounder.calc.prescription import Prescription, parse_order
from compounder.calc.qc_results import CHECK_WORDS

MISSING = "MISSING — not written in this master formula"


@dataclass(frozen=True)
class Ingredient:
    name: str  # as the formula names it
    weighed: str  # the stock form weighed
    role: str  # active, excipient, base
    amount: str  # "3.600 g" for the batch quantity
    provides: str
    characteristics: str | None  # None: missing


@dataclass(frozen=True)
class MasterRecordSheet:
    name: str
    version: str  # "Name, version 3 — approved by … " or "… — not approved"
    strength: str
    dosage_form: str
    base: str
    batch: str  # the batch quantity and what is prepared
    ingredients: tuple[Ingredient, ...]
    calculations: tuple[str, ...]
    container_closure: str | None
    equipment: tuple[str, ...]
    steps: tuple[str, ...]
    steps_written: bool  # False: the formula has none; the worksheet prints Compounder's default steps
    description: str | None
    beyond_use: str  # "14 days"
    beyond_use_reason: str
    storage: str
    bud_reference: str | None
    labelling: str | None
    qc: tuple[tuple[str, str], ...]  # (check, specification)
    qc_written: bool
    notes: str | None
    missing: tuple[str, ...]


def master_record_sheet(data: Mapping[str, Any], version: str, catalog: Catalog, on: dt.date,
                        final_weight_tolerance: Any = None) -> MasterRecordSheet:
    """The master formulation record of formula ``data`` for its batch quantity, worked out as of ``on``."""
    plan = evaluate(parse_formula(data), catalog, on)
    order = parse_order({key: value for key, value in data.items() if key in ("steps", "checks", "container")})
    order = dataclasses.replace(order, prescription=Prescription(patient="-", rx_number="-", prescriber="-"))
    worksheet = freeze_documents(plan, order, catalog, on, final_weight_tolerance)["worksheet"]
    record = record_of(data)
    names = ingredient_names(data)
    ingredients = []
    for line, row in zip(plan.lines, worksheet["rows"], strict=True):
        written = line.written_as if line.role != "base" else line.name
        name = next((n for n in names if n.casefold() == str(written).casefold()), str(written))
        ingredients.append(Ingredient(
            name=name, weighed=row["weigh"], role=line.role, amount=f"{row['quantity']} {row['unit']}", provides=row["provides"],
            characteristics=record.characteristics.get(name),
        ))
    qc = record.quality_control
    checks = []
    for kind in qc_checks(record):
        if kind == "final_weight":
            spec = next((c["specification"] for c in worksheet["checks"] if c["name"] == "Final weight"), "against the theoretical weight")
        elif kind == "appearance":
            spec = qc.appearance if qc is not None and qc.appearance else MISSING
        else:
            assert qc is not None and qc.ph is not None
            spec = f"pH {qc.ph.text()}"
        checks.append((CHECK_WORDS[kind][:1].upper() + CHECK_WORDS[kind][1:] if kind != "ph" else "pH", spec))
    checks += [(c["name"], c["specification"]) for c in worksheet["checks"] if c["name"] not in ("Appearance", "Final weight")]
    strength = ", ".join(f"{line.get('ingredient')} {line.get('strength')}" for line in data.get("actives") or [] if isinstance(line, Mapping))
    return MasterRecordSheet(
        name=worksheet["formula_name"], version=version, strength=strength, dosage_form=worksheet["dosage_form"], base=worksheet["base"],
        batch=f"{worksheet['quantity']}; prepare {worksheet['prepared']}", ingredients=tuple(ingredients),
        calculations=tuple(row["trail"] for row in worksheet["rows"]),
        container_closure=record.container_closure, equipment=record.equipment, steps=tuple(worksheet["steps"]),
        steps_written=bool(data.get("steps")), description=record.description,
        beyond_use=f"{worksheet['beyond_use_days']} days from the compounding date", beyond_use_reason=worksheet["beyond_use_reason"],
        storage=worksheet["storage"], bud_reference=record.bud_reference, labelling=record.labelling, qc=tuple(checks),
        qc_written=qc is not None, notes=record.notes, missing=tuple(missing_elements(data)),
    )


__all__ = ["ELEMENTS", "KEY", "MISSING", "Ingredient", "MasterRecordSheet", "master_record_sheet"]
