"""The rows of an aliquot line's three weighings: made with the batch, read back as plain values.

Kept apart from ``batches`` (which makes and reads the batch) and ``aliquot_steps`` (which
records a weighing) so neither grows and neither imports the other in a circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.aliquot_weighing import STEPS, step_targets
from compounder.calc.balance_grams import to_grams, to_ug
from compounder.records import audit
from compounder.records.edit_versions import version_of
from compounder.records.model import AliquotWeighing, BatchLine, User
from compounder.records.policy import Actor


@dataclass(frozen=True)
class StepRecord:
    """One aliquot weighing as the record holds it."""

    step: str  # "ingredient", "diluent" or "portion"
    target: Decimal  # grams: as printed, then adapted to the weighings before it (as it stood when weighed)
    actual: Decimal | None
    deviation_percent: Decimal | None
    out_of_tolerance: bool
    source: str | None  # "balance" or "typed"
    balance_id: str | None
    by: str | None  # user name
    by_name: str | None  # full name, for the initials
    at: dt.datetime | None
    # A typed weighing's signed reason, where the pharmacy requires the balance (and who signed it).
    reason: str | None = None
    reason_by: str | None = None
    version: int = 0  # the row's version: a weighing is entered on top of the one shown (``expected_version``)

    @property
    def how_weighed(self) -> str:
        if self.source == "typed" and self.reason:
            return f"typed — {self.reason_by or 'a pharmacist'}: {self.reason}"
        return {"balance": f"balance {self.balance_id}", "typed": "typed"}.get(self.source or "", "")


def create_rows(session: Session, actor: Actor, line: BatchLine, plan_line: dict[str, Any], plan: dict[str, Any], now: dt.datetime) -> None:
    """The three weighings of an aliquot line of a new batch, each with its target as printed;
    nothing for a line weighed directly."""
    scheme = plan_line.get("aliquot")
    if not scheme:
        return
    targets = step_targets(scheme, plan["balance"]["readability_grams"])
    for step in STEPS:
        row = AliquotWeighing(batch_line_id=line.id, step=step, target_ug=to_ug(targets[step]), out_of_tolerance=False)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "aliquot_weighing", row.id, None, now)


def rows_of(session: Session, line_ids: Iterable[int]) -> dict[int, list[AliquotWeighing]]:
    """Line id → its weighings in order (ingredient, diluent, portion); lines without are absent."""
    ids = list(line_ids)
    found: dict[int, list[AliquotWeighing]] = {}
    if not ids:
        return found
    for row in session.scalars(select(AliquotWeighing).where(AliquotWeighing.batch_line_id.in_(ids))):
        found.setdefault(row.batch_line_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda row: STEPS.index(row.step))
    return found


def step_records(session: Session, rows: list[AliquotWeighing]) -> tuple[StepRecord, ...]:
    user_ids = {row.user_id for row in rows if row.user_id is not None} | {row.weight_reason_by for row in rows if row.weight_reason_by is not None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return tuple(
        StepRecord(
            step=row.step, target=to_grams(row.target_ug), actual=None if row.actual_ug is None else to_grams(row.actual_ug),
            deviation_percent=row.deviation_percent, out_of_tolerance=row.out_of_tolerance, source=row.source,
            balance_id=row.balance_id, by=users[row.user_id].username if row.user_id in users else None,
            by_name=users[row.user_id].full_name if row.user_id in users else None, at=row.at, reason=row.weight_reason,
            reason_by=users[row.weight_reason_by].full_name if row.weight_reason_by in users else None, version=version_of(row),
        )
        for row in rows
    )


def copy_rows(session: Session, actor: Actor, from_line_id: int, to_line_id: int, now: dt.datetime) -> None:
    """An amendment starts from the amended batch's aliquot weighings, as it does from its lines'
    weights: each weighing with its target as it stood when it was weighed (adapted to the
    weighings before it, ``aliquot_steps``), not the plan's."""
    old = {row.step: row for row in rows_of(session, [from_line_id]).get(from_line_id, [])}
    for row in rows_of(session, [to_line_id]).get(to_line_id, []):
        source = old.get(row.step)
        if source is None or (source.actual_ug is None and source.target_ug == row.target_ug):
            continue
        before = audit.snapshot(session, "aliquot_weighing", row.id)
        for column in ("target_ug", "actual_ug", "deviation_percent", "out_of_tolerance", "source", "balance_id", "user_id", "at", "weight_reason",
                       "weight_reason_by"):
            setattr(row, column, getattr(source, column))
        audit.record(session, actor, "copy from amended", "aliquot_weighing", row.id, before, now)
