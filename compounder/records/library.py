"""The formula library: master formulas kept in the pharmacy database.

Entries are handed out as plain ``LibraryEntry`` values, so callers never hold a session.
Reference formulas (shipped in ``data/formulas``) are read-only; the pharmacy saves its own
copies. Changing a pharmacy formula withdraws its approval: an approval is of the formula as
it stood.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from compounder.records.model import MasterFormula

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LibraryError(Exception):
    """An operation the library refuses, in words for the pharmacist."""


@dataclass(frozen=True)
class LibraryEntry:
    id: int
    name: str
    origin: str  # reference | pharmacy
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    approved_at: dt.datetime | None

    @property
    def read_only(self) -> bool:
        return self.origin == "reference"


@dataclass(frozen=True)
class ReferenceFormula:
    key: str  # the file's stem
    name: str
    data: dict[str, Any]


def reference_formulas() -> tuple[ReferenceFormula, ...]:
    """The master formulas shipped with Compounder (``data/formulas/*.json``), by file name."""
    folder = files("compounder.refdata").joinpath("formulas")
    found = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            data = json.loads(item.read_text(encoding="utf-8"))
            found.append(ReferenceFormula(key=item.name.removesuffix(".json"), name=data["name"], data=data))
    return tuple(found)


class FormulaLibrary:
    """Master formulas in the database; the clock is passed in so tests control timestamps."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def entries(self) -> list[LibraryEntry]:
        """Every master formula, reference ones first, then by name."""
        with self._sessions() as session:
            rows = session.scalars(select(MasterFormula).order_by(MasterFormula.origin.desc(), MasterFormula.name, MasterFormula.id))
            return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> LibraryEntry:
        with self._sessions() as session:
            row = session.get(MasterFormula, entry_id)
            if row is None:
                raise LibraryError(f"no master formula number {entry_id} in the library")
            return _entry(row)

    def add(self, name: str, data: dict[str, Any]) -> LibraryEntry:
        """A new pharmacy master formula."""
        name = _name(name)
        now = self._clock()
        with self._sessions.begin() as session:
            row = MasterFormula(name=name, data=_with_name(data, name), origin="pharmacy", created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _entry(row)

    def update(self, entry_id: int, data: dict[str, Any], name: str | None = None) -> LibraryEntry:
        """Replace a pharmacy formula's data; its approval is withdrawn if the data changed."""
        with self._sessions.begin() as session:
            row = self._writable(session, entry_id)
            name = _name(name) if name is not None else row.name
            data = _with_name(data, name)
            if data != row.data or name != row.name:
                row.data = data
                row.name = name
                row.updated_at = self._clock()
                row.approved_at = None
            session.flush()
            return _entry(row)

    def approve(self, entry_id: int) -> LibraryEntry:
        """Mark a pharmacy formula approved as it stands. The caller checks it has no error first."""
        with self._sessions.begin() as session:
            row = self._writable(session, entry_id)
            row.approved_at = self._clock()
            session.flush()
            return _entry(row)

    def delete(self, entry_id: int) -> None:
        with self._sessions.begin() as session:
            session.delete(self._writable(session, entry_id))

    def sync_reference(self, formulas: Iterable[ReferenceFormula]) -> None:
        """Put the shipped reference formulas in the library, updating any that changed."""
        now = self._clock()
        with self._sessions.begin() as session:
            existing = {row.reference_key: row for row in session.scalars(select(MasterFormula).where(MasterFormula.origin == "reference"))}
            for formula in formulas:
                row = existing.get(formula.key)
                if row is None:
                    session.add(
                        MasterFormula(
                            name=formula.name, data=formula.data, origin="reference", reference_key=formula.key,
                            created_at=now, updated_at=now,
                        )
                    )
                elif row.data != formula.data or row.name != formula.name:
                    row.name, row.data, row.updated_at = formula.name, formula.data, now

    @staticmethod
    def _writable(session: Session, entry_id: int) -> MasterFormula:
        row = session.get(MasterFormula, entry_id)
        if row is None:
            raise LibraryError(f"no master formula number {entry_id} in the library")
        if row.origin == "reference":
            raise LibraryError(f'"{row.name}" is a reference formula and cannot be changed; save it to the library under a new name')
        return row


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise LibraryError("give the master formula a name")
    return name.strip()


def _with_name(data: dict[str, Any], name: str) -> dict[str, Any]:
    return {"name": name, **{k: v for k, v in data.items() if k != "name"}}


def _entry(row: MasterFormula) -> LibraryEntry:
    return LibraryEntry(
        id=row.id, name=row.name, origin=row.origin, data=dict(row.data),
        created_at=row.created_at, updated_at=row.updated_at, approved_at=row.approved_at,
    )
