"""The formula library: master formulas kept in the pharmacy database.

Entries are handed out as plain ``LibraryEntry`` values, so callers never hold a session.
Reference formulas (shipped in ``data/formulas``) are read-only; the pharmacy saves its own
copies. A reference formula, like the pharmacy's own, is offered for batches only once a
pharmacist has approved it. Changing a pharmacy formula withdraws its approval: an approval is of the formula as
it stood.

Every distinct content of a formula is kept as a numbered ``MasterFormulaVersion``
(``formula_versions``); a batch points at the version it was made from, and ``approved_version``
is the one offered for new batches. A name that states a strength its content contradicts is
refused when a version is saved (issue 28, observation 8; ``compounder.calc.formula_name`` says
why the typed name is checked rather than derived). A technician may save (draft) a version;
only a pharmacist approves one, after seeing what changed (``formula_approval``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import JSON, String, column, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from compounder.records.boundary import reading, transaction
from compounder.records.formula_versions import FormulaVersion as FormulaVersion
from compounder.records.formula_versions import LibraryError as LibraryError
from compounder.records.formula_versions import (
    approved_version,
    as_version,
    new_version,
    newest_number,
    refuse_contradicting_name,
    refuse_if_newer,
)
from compounder.records.policy import Actor, RecordError, may_approve_formulas

# The mapped classes, the audit trail and the people are imported in the functions that use them:
# the window is built with a library before it shows, and loading the records' model then would
# cost ~30 ms of every start-up (the model's ~140 columns mapped), for nothing the first window needs.
if TYPE_CHECKING:
    from compounder.records.formula_approval import ApprovalReview
    from compounder.records.model import MasterFormula
    from compounder.records.signing import Credentials

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class LibraryEntry:
    id: int
    name: str
    origin: str  # reference | pharmacy
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    approved_at: dt.datetime | None  # None too when the name contradicts the content: not approved-looking
    version: int = 0  # the newest version's number
    name_problem: str | None = None  # what in the name the content contradicts (saved before names were checked)

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

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The records the library reads (for the words that name a version's approval)."""
        return self._sessions

    def entries(self) -> list[LibraryEntry]:
        """Every master formula, reference ones first, then by name."""
        from compounder.records.model import MasterFormula

        with reading(self._sessions) as session:
            rows = session.scalars(select(MasterFormula).order_by(MasterFormula.origin.desc(), MasterFormula.name, MasterFormula.id))
            return [_entry(row, session) for row in rows]

    def get(self, entry_id: int) -> LibraryEntry:
        from compounder.records.model import MasterFormula

        with reading(self._sessions) as session:
            row = session.get(MasterFormula, entry_id)
            if row is None:
                raise LibraryError(f"no master formula number {entry_id} in the library")
            return _entry(row, session)

    def add(self, name: str, data: dict[str, Any], actor: Actor | None = None) -> LibraryEntry:
        """A new pharmacy master formula."""
        from compounder.records import audit
        from compounder.records.model import MasterFormula

        name = _name(name)
        refuse_contradicting_name(name, data)
        now = self._clock()
        with transaction(self._sessions) as session:
            actor = _acting(session, actor)
            row = MasterFormula(name=name, data=_with_name(data, name), origin="pharmacy", created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor, "create", "master_formula", row.id, None, now, system="(workstation)")
            new_version(session, row, now, actor)
            return _entry(row, session)

    def update(self, entry_id: int, data: dict[str, Any], name: str | None = None, actor: Actor | None = None, *,
               based_on: int | None = None) -> LibraryEntry:
        """Replace a pharmacy formula's data; its approval is withdrawn if the data changed.
        ``based_on``: the version the person edited; when the formula has a newer one (another
        workstation saved meanwhile) the save is refused (``EditConflict``), never made on top."""
        from compounder.records import audit

        with transaction(self._sessions) as session:
            actor = _acting(session, actor)
            row = self._writable(session, entry_id)
            refuse_if_newer(session, row, based_on)
            name = _name(name) if name is not None else row.name
            data = _with_name(data, name)
            if data != row.data or name != row.name:
                refuse_contradicting_name(name, data)
                old = audit.snapshot(session, "master_formula", row.id)
                row.data = data
                row.name = name
                row.updated_at = self._clock()
                row.approved_at = None
                audit.record(session, actor, "change", "master_formula", row.id, old, row.updated_at, system="(workstation)")
                new_version(session, row, row.updated_at, actor)
            session.flush()
            return _entry(row, session)

    def approve(self, entry_id: int, signer: Credentials | None = None, *, version: int | None = None,
                shown: dict[str, Any] | None = None) -> LibraryEntry:
        """Mark a pharmacy formula approved as it stands (its newest version). The caller checks
        it has no error first and shows ``review`` to the pharmacist. ``signer``: the
        pharmacist's user name and password, typed at the moment, checked in the approval's own
        transaction (``signing.signer``); None only in a library with no accounts at all. A
        refused password rolls back (the caller counts it: ``signing.count_refusal``). ``version`` and
        its content as shown (``shown``, the formula's data) bind the approval
        (``formula_approval.approve_newest``): another newest version, other content, or a name
        its content contradicts is refused and nothing is approved."""
        from compounder.records.formula_approval import approve_newest
        from compounder.records.model import MasterFormula
        from compounder.records.people import has_accounts
        from compounder.records.signing import signer as signing_account

        with transaction(self._sessions) as session:
            actor: Actor | None = None
            if signer is not None:
                actor = signing_account(session, signer)
                try:
                    may_approve_formulas(actor)
                except RecordError as error:
                    raise LibraryError(str(error)) from None
            elif has_accounts(session):
                raise LibraryError("a pharmacist signs the approval with their user name and password")
            approve_newest(session, entry_id, actor, self._clock(), version=version, shown=shown)
            row = session.get(MasterFormula, entry_id)
            assert row is not None  # approve_newest refused a missing one
            return _entry(row, session)

    def review(self, entry_id: int) -> ApprovalReview:
        """What a pharmacist approving ``entry_id`` now is shown: its newest version, what changed
        since the version last approved, and the content's hash the approval is bound to."""
        from compounder.records.formula_approval import review

        with reading(self._sessions) as session:
            self.get(entry_id)  # refuses a formula not in the library, in the library's words
            return review(session, entry_id)

    def preview_review(self, entry_id: int | None, name: str, data: dict[str, Any]) -> ApprovalReview:
        """What a pharmacist approving ``data`` under ``name`` is shown before it is saved: as a
        new version of ``entry_id``, or version 1 of a new formula (``entry_id`` None)."""
        from compounder.records.formula_approval import preview

        with reading(self._sessions) as session:
            if entry_id is not None:
                self.get(entry_id)
            return preview(session, entry_id, _name(name), data, self._clock())

    def versions(self, entry_id: int) -> list[FormulaVersion]:
        """Every version of a master formula, oldest first."""
        from compounder.records.model import MasterFormulaVersion

        with reading(self._sessions) as session:
            rows = session.scalars(
                select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == entry_id).order_by(MasterFormulaVersion.version)
            )
            return [as_version(row) for row in rows]

    def version(self, version_id: int) -> FormulaVersion:
        from compounder.records.model import MasterFormulaVersion

        with reading(self._sessions) as session:
            row = session.get(MasterFormulaVersion, version_id)
            if row is None:
                raise LibraryError(f"no master formula version {version_id}")
            return as_version(row)

    def approved_version(self, entry_id: int) -> FormulaVersion | None:
        """The version offered for new batches: the newest one a pharmacist approved."""
        with reading(self._sessions) as session:
            return approved_version(session, entry_id)

    def delete(self, entry_id: int, actor: Actor | None = None) -> None:
        """Remove a pharmacy formula and its versions; refused once a batch was made from it."""
        from compounder.records import audit
        from compounder.records.model import Batch, MasterFormulaVersion

        with transaction(self._sessions) as session:
            actor = _acting(session, actor)
            row = self._writable(session, entry_id)
            versions = session.scalars(select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == row.id)).all()
            used = session.scalar(select(func.count()).select_from(Batch).where(Batch.formula_version_id.in_([v.id for v in versions])))
            if used:
                raise LibraryError(f'"{row.name}" cannot be deleted: {used} batch record(s) were made from it')
            now = self._clock()
            for version in versions:
                old = audit.snapshot(session, "master_formula_version", version.id)
                session.delete(version)
                session.flush()
                audit.record(session, actor, "delete", "master_formula_version", version.id, old, now, system="(workstation)")
            old = audit.snapshot(session, "master_formula", row.id)
            session.delete(row)
            session.flush()
            audit.record(session, actor, "delete", "master_formula", row.id, old, now, system="(workstation)")

    def sync_reference(self, formulas: Iterable[ReferenceFormula]) -> None:
        """Put the shipped reference formulas in the library, updating any that changed.

        A shipped formula is not approved by shipping it: each new version waits for a
        pharmacist's approval like the pharmacy's own, and until then new batches keep to the
        version approved before (if any)."""
        formulas = tuple(formulas)
        if self._reference_is_current(formulas):
            return
        from compounder.records import audit
        from compounder.records.model import MasterFormula

        now = self._clock()
        with transaction(self._sessions) as session:
            existing = {row.reference_key: row for row in session.scalars(select(MasterFormula).where(MasterFormula.origin == "reference"))}
            for formula in formulas:
                row = existing.get(formula.key)
                if row is None:
                    row = MasterFormula(
                        name=formula.name, data=formula.data, origin="reference", reference_key=formula.key,
                        created_at=now, updated_at=now,
                    )
                    session.add(row)
                    session.flush()
                    audit.record(session, None, "create", "master_formula", row.id, None, now, system="(reference data)")
                    new_version(session, row, now, None, system="(reference data)")
                elif row.data != formula.data or row.name != formula.name:
                    old = audit.snapshot(session, "master_formula", row.id)
                    row.name, row.data, row.updated_at, row.approved_at = formula.name, formula.data, now, None
                    audit.record(session, None, "change", "master_formula", row.id, old, now, system="(reference data)")
                    new_version(session, row, now, None, system="(reference data)")

    def _reference_is_current(self, formulas: tuple[ReferenceFormula, ...]) -> bool:
        """Whether the library holds every one of ``formulas`` as shipped: the check made at every
        start-up, in plain SQL with typed columns (the JSON read as the model reads it), so that
        neither the records' model nor its mappers are loaded before the window shows."""
        query = text("SELECT reference_key, name, data FROM master_formula WHERE origin = 'reference'").columns(
            column("reference_key", String), column("name", String), column("data", JSON),
        )
        with reading(self._sessions) as session:
            stored = {key: (name, data) for key, name, data in session.execute(query)}
        return all(stored.get(formula.key) == (formula.name, formula.data) for formula in formulas)

    @staticmethod
    def _writable(session: Session, entry_id: int) -> MasterFormula:
        from compounder.records.model import MasterFormula

        row = session.get(MasterFormula, entry_id, with_for_update=True)
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


def _entry(row: MasterFormula, session: Session | None = None) -> LibraryEntry:
    from compounder.calc.formula_name import name_problem  # with the first entry listed: the window starts without it

    problem = name_problem(row.name, row.data)
    return LibraryEntry(
        id=row.id, name=row.name, origin=row.origin, data=dict(row.data),
        created_at=row.created_at, updated_at=row.updated_at, approved_at=row.approved_at if problem is None else None,
        version=newest_number(session, row.id) if session is not None else 0, name_problem=problem,
    )


@overload
def _acting(session: Session, actor: Actor) -> Actor: ...


@overload
def _acting(session: Session, actor: None) -> None: ...


@overload
def _acting(session: Session, actor: Actor | None) -> Actor | None: ...


def _acting(session: Session, actor: Actor | None) -> Actor | None:
    """The signed-in user as the database has them now (``current_actor``), in the library's
    words: an account switched off, locked or removed since signing in does not act. ``None``
    (the workstation itself, for the shipped formulas) stays ``None``."""
    from compounder.records.people import current_actor

    if actor is None:
        return None
    try:
        return current_actor(session, actor)
    except RecordError as error:
        raise LibraryError(str(error)) from None
