"""The numbered versions of a master formula: written, read, and which one new batches use.

Every distinct content of a formula is kept as a ``MasterFormulaVersion`` (written in the audit
trail); a batch points at the version it was made from. The version offered for new batches is
the newest one a pharmacist approved, provided its name does not contradict its content (issue
28, observation 8): a version saved before names were checked, whose name states a strength its
content does not make ("…lidocaine 5 %…" holding 4 %), is not offered — its approval stands in
the records as it was given, but it reads as withdrawn until a version whose name agrees with
its content is approved (``compounder.calc.formula_name``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compounder.records.edit_versions import EditConflict
from compounder.records.policy import Actor

if TYPE_CHECKING:
    from compounder.records.model import MasterFormula, MasterFormulaVersion


class LibraryError(Exception):
    """An operation the library refuses, in words for the pharmacist."""


@dataclass(frozen=True)
class FormulaVersion:
    id: int
    master_formula_id: int
    version: int
    name: str
    data: dict[str, Any]
    created_at: dt.datetime
    approved_at: dt.datetime | None
    created_by: int | None = None
    approved_by: int | None = None

    @property
    def label(self) -> str:
        return f"{self.name}, version {self.version}"

    @property
    def name_problem(self) -> str | None:
        """What in the name the content contradicts (a version saved before names were checked)."""
        from compounder.calc.formula_name import name_problem  # with the first name checked: the window starts without it

        return name_problem(self.name, self.data)


def as_version(row: MasterFormulaVersion) -> FormulaVersion:
    return FormulaVersion(
        id=row.id, master_formula_id=row.master_formula_id, version=row.version, name=row.name, data=dict(row.data),
        created_at=row.created_at, approved_at=row.approved_at, created_by=row.created_by, approved_by=row.approved_by,
    )


def refuse_contradicting_name(name: str, data: dict[str, Any]) -> None:
    """``LibraryError`` naming the field when ``name`` states a strength ``data`` contradicts."""
    from compounder.calc.formula_name import name_problem

    problem = name_problem(name, data)
    if problem is not None:
        raise LibraryError(f'name: "{name}" does not match the formula: {problem}')


def approved_version(session: Session, entry_id: int) -> FormulaVersion | None:
    """The version offered for new batches: the newest approved one, unless its name contradicts
    its content (then none is offered: falling back to an older one would make batches from a
    formula the pharmacy had replaced)."""
    from compounder.calc.formula_name import name_problem
    from compounder.records.model import MasterFormulaVersion

    row = session.scalars(
        select(MasterFormulaVersion)
        .where(MasterFormulaVersion.master_formula_id == entry_id, MasterFormulaVersion.approved_at.is_not(None))
        .order_by(MasterFormulaVersion.version.desc())
        .limit(1)
    ).first()
    if row is None or name_problem(row.name, row.data) is not None:
        return None
    return as_version(row)


def latest(session: Session, entry_id: int) -> MasterFormulaVersion:
    from compounder.records.model import MasterFormulaVersion

    return session.scalars(
        select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == entry_id).order_by(MasterFormulaVersion.version.desc()).limit(1)
    ).one()


def newest_number(session: Session, entry_id: int) -> int:
    from compounder.records.model import MasterFormulaVersion

    return session.scalar(select(func.max(MasterFormulaVersion.version)).where(MasterFormulaVersion.master_formula_id == entry_id)) or 0


def refuse_if_newer(session: Session, row: MasterFormula, seen: int | None) -> None:
    """``EditConflict`` when the formula has a version after ``seen``: who saved it, when, what changed."""
    if seen is None:
        return
    from compounder.records.model import MasterFormulaVersion, User

    newest = latest(session, row.id)
    if newest.version == seen:
        return
    before = session.scalars(
        select(MasterFormulaVersion).where(MasterFormulaVersion.master_formula_id == row.id, MasterFormulaVersion.version == seen)
    ).first()
    author = session.get(User, newest.created_by) if newest.created_by is not None else None
    who = author.username if author is not None else ("the reference data" if row.origin == "reference" else "a workstation nobody was signed in to")
    from compounder.calc.formula_diff import describe, formula_diff  # with the first conflict: the window starts without it

    changes = describe(formula_diff(before.data if before is not None else {}, newest.data))
    raise EditConflict(
        f'"{row.name}" was changed by {who} at {newest.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC since you opened it '
        f"(version {newest.version}, you edited version {seen}{': ' + changes if changes else ''}); nothing was saved — "
        "reload it, or apply your change again on the newest", newest.version)


def new_version(session: Session, row: MasterFormula, now: dt.datetime, actor: Actor | None, system: str = "(workstation)") -> None:
    """The next version of ``row``. Called after the formula row itself was written (flushed) in
    this transaction, which locks it: a second workstation saving the same formula waits, then
    reads the version number this one committed (PostgreSQL READ COMMITTED; SQLite: one writer)."""
    from compounder.records import audit
    from compounder.records.model import MasterFormulaVersion

    version = MasterFormulaVersion(
        master_formula_id=row.id, version=newest_number(session, row.id) + 1, name=row.name, data=dict(row.data), created_at=now,
        created_by=actor.id if actor else None, approved_at=None,
    )
    session.add(version)
    session.flush()
    audit.record(session, actor, "create", "master_formula_version", version.id, None, now, system=system)
