"""A batch made from the workbench: what the pharmacist composed and checked there, handed to the
records so nothing is typed twice (issue 28, observations 2 and 5).

``WorkbenchOrder`` holds the formula on screen, the prescription and the dose-check directions, as
formula-file data. ``matching_version`` finds the approved master formula version with the same
content (lots, expiries and manufacturers are the batch's, not the formula's, and are not
compared); when there is none, ``save_draft`` keeps the formula as a new version for a pharmacist
to approve (only a pharmacist approves). ``chosen_lots`` finds the lot records of the lot numbers
typed on the lines; ``open_draft`` the draft batch this prescription already has, if any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.records.library import FormulaLibrary, FormulaVersion, LibraryEntry
from compounder.records.policy import Actor

#: The keys of a line, and of the formula, that are one batch's (the lot in hand), not the master formula's.
_LINE_BATCH_KEYS = ("lot", "expires", "manufacturer")
_FORMULA_BATCH_KEYS = ("name", "compounded_on", "base_lot", "base_expires", "formula_version", "container", "directions")


@dataclass(frozen=True)
class WorkbenchOrder:
    """The workbench's formula and prescription, as formula-file data."""

    formula: dict[str, Any]  # the master formula's keys (no prescription, batch number or acknowledgements)
    name: str
    entry_id: int | None = None  # the library entry the window shows, when it came from the library
    prescription: dict[str, Any] = field(default_factory=dict)  # formula-file "prescription"
    container: str | None = None
    directions: dict[str, Any] | None = None  # the dose-check directions (formula-file "directions")


def comparable(data: Mapping[str, Any]) -> dict[str, Any]:
    """The master formula's content without what belongs to one batch."""
    kept = {key: value for key, value in data.items() if key not in _FORMULA_BATCH_KEYS}
    for group in ("actives", "excipients"):
        if isinstance(kept.get(group), list):
            kept[group] = [
                {k: v for k, v in line.items() if k not in _LINE_BATCH_KEYS} if isinstance(line, Mapping) else line for line in kept[group]
            ]
    return kept


def matching_version(library: FormulaLibrary, order: WorkbenchOrder) -> FormulaVersion | None:
    """The approved version whose content is the formula on screen (its own entry first), or None."""
    wanted = comparable(order.formula)
    ids = [order.entry_id] if order.entry_id is not None else []
    ids += [entry.id for entry in library.entries() if entry.id != order.entry_id]
    for entry_id in ids:
        version = library.approved_version(entry_id)
        if version is not None and comparable(version.data) == wanted:
            return version
    return None


def save_draft(library: FormulaLibrary, order: WorkbenchOrder, actor: Actor | None) -> LibraryEntry:
    """The formula on screen kept as a new, unapproved version: of its own pharmacy entry, or a new
    entry (a reference formula is read-only)."""
    if order.entry_id is not None:
        entry = library.get(order.entry_id)
        if not entry.read_only:
            return library.update(entry.id, order.formula, actor=actor, based_on=entry.version)
    return library.add(order.name or "Formula from the workbench", order.formula, actor)


def chosen_lots(session: Session, formula: Mapping[str, Any]) -> dict[int, int]:
    """Line position (actives, excipients, then the base) → the lot record of the lot number typed
    on it, when the records hold exactly one lot of that number for that stock form."""
    from compounder.records.lots import lots

    lines = [*(formula.get("actives") or []), *(formula.get("excipients") or [])]
    wanted = [(line.get("stock") or line.get("ingredient"), line.get("lot")) for line in lines if isinstance(line, Mapping)]
    wanted.append((formula.get("base"), formula.get("base_lot")))
    found: dict[int, int] = {}
    for position, (stock_form, lot_number) in enumerate(wanted, start=1):
        if not stock_form or not lot_number:
            continue
        matches = lots(session, stock_form=str(stock_form), lot_number=str(lot_number))
        if len(matches) == 1:
            found[position] = matches[0].id
    return found


def open_draft(session: Session, patient_name: str, date_of_birth: dt.date | None, rx_number: str) -> str | None:
    """The newest draft batch for this patient and Rx number, or None."""
    from compounder.records.model import Batch, Patient
    from compounder.records.people import search_key
    from compounder.records.policy import Status

    query = (
        select(Batch.batch_number).join(Patient, Patient.id == Batch.patient_id)
        .where(Patient.search_key == search_key(patient_name), Batch.rx_number == rx_number.strip(), Batch.status == Status.DRAFT.value)
        .order_by(Batch.id.desc()).limit(1)
    )
    if date_of_birth is not None:
        query = query.where(Patient.date_of_birth == date_of_birth)
    return session.scalar(query)
