"""The master formulation record of a library formula: its elements written as a new version
(``write_record``: approved again before batches use it, like any change to the formula), and
the words that name a version with its approval on every record made from it.

The elements themselves are the formula's data (``calc.master_record``): versioned, compared in
the approval review and audited with the formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from compounder.calc import parse_formula
from compounder.calc.master_record import KEY, parse_master_record
from compounder.records.boundary import reading
from compounder.records.library import FormulaLibrary, FormulaVersion, LibraryEntry, LibraryError
from compounder.records.policy import Actor


def with_record(data: Mapping[str, Any], elements: Mapping[str, Any] | None, steps: list[str] | None) -> dict[str, Any]:
    """``data`` with the master record's ``elements`` (empty ones left out) and compounding ``steps``
    (None: as they were; []: none written); refused naming the field (``InputError``)."""
    kept = {key: value for key, value in (elements or {}).items() if value not in (None, "", [], {})}
    qc = kept.get("quality_control")
    if isinstance(qc, Mapping):
        kept["quality_control"] = {key: value for key, value in qc.items() if value not in (None, "")}
        if not kept["quality_control"]:
            kept.pop("quality_control")
    new = {key: value for key, value in data.items() if key != KEY}
    if kept:
        new[KEY] = kept
    if steps is not None:
        new.pop("steps", None)
        if steps:
            new["steps"] = list(steps)
    parse_master_record(new.get(KEY))
    parse_formula(new)
    return new


def write_record(library: FormulaLibrary, entry_id: int, elements: Mapping[str, Any] | None, steps: list[str] | None,
                 actor: Actor | None, *, based_on: int | None) -> LibraryEntry:
    """The formula with these elements saved as its next version (waits for a pharmacist's approval)."""
    entry = library.get(entry_id)
    if entry.read_only:
        raise LibraryError(f'"{entry.name}" is a reference formula and cannot be changed; save it to the library under a new name, '
                           "then write its master formulation record")
    return library.update(entry_id, with_record(entry.data, elements, steps), actor=actor, based_on=based_on)


def approval_text(session: Session, version_id: int) -> str:
    """"Name, version 3 — approved by Paula Pharmacist, RPh 2026-11-23 09:00 UTC" (or "— not approved")."""
    from compounder.records.model import MasterFormulaVersion, User
    from compounder.records.rows import existing

    version = existing(session, MasterFormulaVersion, version_id, "master formula version")
    text = f"{version.name}, version {version.version}"
    if version.approved_at is None:
        return text + " — not approved"
    user = session.get(User, version.approved_by) if version.approved_by is not None else None
    who = user.full_name if user is not None else "the workstation (no one signed in)"
    return text + f" — approved by {who} {version.approved_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def version_approval_text(library_sessions, version: FormulaVersion) -> str:
    with reading(library_sessions) as session:
        return approval_text(session, version.id)
