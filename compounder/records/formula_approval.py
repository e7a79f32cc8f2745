"""A pharmacist's approval of a master formula version: what they review, and the approval itself.

Issue 28, observation 8: approval was a Yes/No on the name. Now the pharmacist is shown what
changed (``review``: the version to approve against the version new batches use today, the one
last approved, or the whole formula when none was), and the approval is of exactly that version
and content: ``approve`` is refused when the newest version is another, or its content is not
the content shown (``content_hash``), or its name contradicts its content. Only a pharmacist
approves (``policy.may_approve_formulas``, checked again as the account stands in the database);
a technician drafts: saving a version needs no approval right, and withdraws nothing batches use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.formula_diff import Change, formula_diff
from compounder.records.edit_versions import EditConflict, content_hash
from compounder.records.formula_versions import (
    FormulaVersion,
    LibraryError,
    as_version,
    latest,
    refuse_contradicting_name,
    refuse_if_newer,
)
from compounder.records.policy import Actor


@dataclass(frozen=True)
class ApprovalReview:
    """What a pharmacist sees before approving: the newest version, the one it is compared with,
    the changes, and the content's hash (the approval is bound to it)."""

    version: FormulaVersion  # the version to approve: the newest
    since: FormulaVersion | None  # the newest approved version before it; None: never approved
    changes: tuple[Change, ...]
    content_hash: str
    name_problem: str | None  # the name contradicts the content: it cannot be approved

    @property
    def heading(self) -> str:
        shown = f"“{self.version.name}”, version {self.version.version}"
        if self.since is None:
            return f"{shown}: never approved before — the whole formula is new to review"
        skipped = self.version.version - self.since.version - 1
        between = f" (version{'s' if skipped > 1 else ''} in between never approved)" if skipped > 0 else ""
        approved = self.since.approved_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if self.since.approved_at else ""
        return f"{shown}: what changed since version {self.since.version}, approved {approved}{between}"

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


def review(session: Session, entry_id: int) -> ApprovalReview:
    """The newest version of formula ``entry_id`` against the newest version approved before it."""
    from compounder.records.model import MasterFormulaVersion

    newest = latest(session, entry_id)
    since = session.scalars(
        select(MasterFormulaVersion)
        .where(MasterFormulaVersion.master_formula_id == entry_id, MasterFormulaVersion.approved_at.is_not(None),
               MasterFormulaVersion.version < newest.version)
        .order_by(MasterFormulaVersion.version.desc())
        .limit(1)
    ).first()
    version = as_version(newest)
    return ApprovalReview(
        version=version, since=as_version(since) if since is not None else None,
        changes=formula_diff(since.data if since is not None else None, newest.data),
        content_hash=content_hash(newest.data), name_problem=version.name_problem,
    )


def preview(session: Session, entry_id: int | None, name: str, data: dict[str, Any], now: dt.datetime) -> ApprovalReview:
    """What a pharmacist approving content not saved yet is shown, before anything is saved: the
    version saving it makes (``entry_id``'s next, or version 1 of a new formula) against the
    newest version approved, or the whole formula when none was. Saved, it is ``review``'s."""
    from compounder.records.model import MasterFormulaVersion

    content = {"name": name, **{key: value for key, value in data.items() if key != "name"}}
    since = None
    number = 1
    if entry_id is not None:
        number = latest(session, entry_id).version + 1
        since = session.scalars(
            select(MasterFormulaVersion)
            .where(MasterFormulaVersion.master_formula_id == entry_id, MasterFormulaVersion.approved_at.is_not(None))
            .order_by(MasterFormulaVersion.version.desc())
            .limit(1)
        ).first()
    version = FormulaVersion(id=0, master_formula_id=entry_id or 0, version=number, name=name, data=content, created_at=now, approved_at=None)
    return ApprovalReview(
        version=version, since=as_version(since) if since is not None else None,
        changes=formula_diff(since.data if since is not None else None, content),
        content_hash=content_hash(content), name_problem=version.name_problem,
    )


def approve_newest(session: Session, entry_id: int, actor: Actor | None, now: dt.datetime, *,
                   version: int | None, shown: dict[str, Any] | None) -> None:
    """Approve the newest version of ``entry_id`` in ``session``'s transaction. ``version`` and
    ``shown`` (its content as the pharmacist saw it) bind the approval: another newest version,
    or other content, is an ``EditConflict`` and nothing is approved."""
    from compounder.records import audit
    from compounder.records.model import MasterFormula

    row = session.get(MasterFormula, entry_id, with_for_update=True)  # a reference formula is approved like any other
    if row is None:
        raise LibraryError(f"no master formula number {entry_id} in the library")
    refuse_if_newer(session, row, version)
    newest = latest(session, row.id)
    if shown is not None and content_hash({"name": row.name, **{k: v for k, v in shown.items() if k != "name"}}) != content_hash(newest.data):
        raise EditConflict(f'"{row.name}" as shown is not its newest version {newest.version}: '
                           "nothing was approved — reload it and approve what you see", newest.version)
    refuse_contradicting_name(newest.name, newest.data)
    old_formula = audit.snapshot(session, "master_formula", row.id)
    row.approved_at = now
    audit.record(session, actor, "approve", "master_formula", row.id, old_formula, now, system="(workstation)")
    old = audit.snapshot(session, "master_formula_version", newest.id)
    newest.approved_at, newest.approved_by = now, actor.id if actor else None
    audit.record(session, actor, "approve", "master_formula_version", newest.id, old, now, system="(workstation)")
    session.flush()
