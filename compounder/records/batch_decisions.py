"""A pharmacist's signed decisions on a batch plan's findings: each warning acknowledged and each
overridable error overridden, with a reason, bound to the numbers the finding named
(``compounder.calc.finding_numbers``). A change to those numbers voids the decision and the
batch waits until a pharmacist decides again. Used by ``batches`` (make, decide again, amend),
``batch_rows`` (what a record shows undecided) and ``batch_signoff`` (no signature while one is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.finding_numbers import fingerprints
from compounder.calc.prescription import Acknowledgement
from compounder.records import audit
from compounder.records.model import Batch, BatchAcknowledgement, User
from compounder.records.policy import Actor, RecordError, Role, may_decide_finding
from compounder.records.signing import Credentials
from compounder.records.signing import signer as signing_account


@dataclass(frozen=True)
class FindingDecision:
    """A pharmacist's signed decision on one finding of the plan: a warning acknowledged, or an
    error overridden. ``signer``: the pharmacist's user name and password as typed when they
    decided, checked in the transaction that stores the decision (``signing.signer``); ``reason``
    is printed on the worksheet."""

    code: str
    signer: Credentials
    reason: str
    # The numbers the pharmacist saw (``compounder.calc.finding_numbers.fingerprints`` of the plan
    # shown); a decision made at other numbers than the batch's is refused. None: the batch's own.
    fingerprint: str | None = None


@dataclass(frozen=True)
class CheckedDecision:
    code: str
    severity: str
    message: str
    signer: Actor
    reason: str
    fingerprint: str | None = None


def decided_findings(plan: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Code → (severity, message) of the plan's findings a pharmacist must decide on: errors
    (overridden) and warnings (acknowledged). An error outranks a warning of the same code;
    messages of one code on several lines are joined."""
    found: dict[str, tuple[str, str]] = {}
    for f in plan.get("findings", []):
        severity = f.get("severity")
        if severity not in ("error", "warning"):
            continue
        code = f["code"]
        if code in found and found[code][0] == "error" and severity == "warning":
            continue
        if code in found and found[code][0] == severity:
            found[code] = (severity, f"{found[code][1]} / {f.get('message', '')}")
        else:
            found[code] = (severity, f.get("message", ""))
    return found


def check_decisions(session: Session, plan: dict[str, Any], decisions: Sequence[FindingDecision]) -> list[CheckedDecision]:
    """Every error overridden and every warning acknowledged by an active pharmacist with a real
    reason, or ``RecordError``/``PermissionRefused`` saying what is missing or who may not sign."""
    needed = decided_findings(plan)
    fixed = sorted({f["code"] for f in plan.get("findings", []) if f.get("severity") == "error" and not f.get("patient")})
    if fixed:
        raise RecordError(f"the plan has error findings ({', '.join(fixed)}); correct the formula or the prescription as each finding says (only an error about the patient or the daily amount may be overridden)")
    numbers = fingerprints(plan)
    checked: dict[str, CheckedDecision] = {}
    for decision in decisions:
        one = check_one(session, needed, numbers, decision)
        if one.code in checked:
            raise RecordError(f"{one.code} is decided twice; one pharmacist signs each finding")
        checked[one.code] = one
    errors = sorted(code for code, (severity, _) in needed.items() if severity == "error" and code not in checked)
    if errors:
        raise RecordError(
            f"the plan has error findings ({', '.join(errors)}); correct the formula or the prescription as each finding says, or a pharmacist overrides each with the reason"
        )
    warnings = sorted(code for code, (severity, _) in needed.items() if severity == "warning" and code not in checked)
    if warnings:
        raise RecordError(f"warnings not acknowledged ({', '.join(warnings)}); a pharmacist acknowledges each with the reason")
    return list(checked.values())


def void_changed_decisions(session: Session, actor: Actor, batch_id: int, plan: dict[str, Any], now: dt.datetime) -> list[str]:
    """Void every stored decision whose finding's numbers changed in ``plan`` (or whose finding is
    gone), in the audit trail; the codes voided. A pharmacist decides again (``decide_again``)."""
    numbers = fingerprints(plan)
    voided = []
    for row in session.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == batch_id, BatchAcknowledgement.voided_at.is_(None))):
        if numbers.get(row.code) != row.fingerprint:
            old = audit.snapshot(session, "batch_acknowledgement", row.id)
            row.voided_at = now
            audit.record(session, actor, "void", "batch_acknowledgement", row.id, old, now)
            voided.append(row.code)
    return sorted(voided)


def undecided(session: Session, batch_id: int, plan: dict[str, Any]) -> list[str]:
    """Why the batch's findings are not all decided, one sentence each ([] when they are): a
    decision voided by a change to its numbers, or none made. A decision stored before decisions
    were bound to numbers stands as it was made."""
    rows = {row.code: row for row in session.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == batch_id))}
    numbers = fingerprints(plan)
    problems = []
    for code, (severity, message) in sorted(decided_findings(plan).items()):
        row = rows.get(code)
        what = "overridden" if severity == "error" else "acknowledged"
        if row is None:
            problems.append(f"{code} is not {what} ({message})")
        elif row.voided_at is not None or (row.fingerprint is not None and row.fingerprint != numbers[code]):
            problems.append(f"{code} was {what} at other numbers and is void; the finding now reads: {message}")
    return problems


def undecided_findings(session: Session, batch_id: int, plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, severity, message) of each finding ``undecided`` names, for a pharmacist to decide again."""
    waiting = {text.split(" ", 1)[0] for text in undecided(session, batch_id, plan)}
    return [(code, severity, message) for code, (severity, message) in sorted(decided_findings(plan).items()) if code in waiting]


def refuse_undecided(session: Session, row: Batch) -> None:
    problems = undecided(session, row.id, row.plan)
    if problems:
        raise RecordError(f"batch {row.batch_number}: " + "; ".join(problems) + "; a pharmacist decides again")


def check_one(session: Session, needed: dict[str, tuple[str, str]], numbers: dict[str, str], decision: FindingDecision) -> CheckedDecision:
    """One decision: on a finding of the plan, at the plan's numbers, by an active pharmacist with a reason."""
    signer = signing_account(session, decision.signer)  # the password first, in the write that stores the decision
    code = decision.code.strip().upper()
    if code not in needed:
        codes = ", ".join(sorted(needed)) or "none"
        raise RecordError(f"{code} is not a warning or error of this batch (those are: {codes}); the formula or the profile changed, look again")
    severity, message = needed[code]
    if decision.fingerprint is not None and decision.fingerprint != numbers[code]:
        raise RecordError(f"{code} was decided on other numbers than the batch's; the finding now reads: {message} — a pharmacist decides again")
    reason = may_decide_finding(signer, active=True, severity=severity, code=code, reason=decision.reason)
    return CheckedDecision(code, severity, message, signer, reason, numbers[code])


def store_decisions(session: Session, batch_id: int, decisions: Sequence[CheckedDecision], now: dt.datetime) -> None:
    for decision in decisions:
        row = BatchAcknowledgement(
            batch_id=batch_id, code=decision.code, severity=decision.severity, message=decision.message,
            action="overridden" if decision.severity == "error" else "acknowledged", reason=decision.reason,
            user_id=decision.signer.id, at=now, fingerprint=decision.fingerprint,
        )
        session.add(row)
        session.flush()
        audit.record(session, decision.signer, "override" if decision.severity == "error" else "acknowledge", "batch_acknowledgement", row.id, None, now)


def decisions_of(session: Session, batch_id: int) -> list[CheckedDecision]:
    """A batch's stored decisions, to carry over to its amendment (same plan, same findings, the
    same pharmacists' signatures and reasons)."""
    rows = session.execute(
        select(BatchAcknowledgement, User).join(User, User.id == BatchAcknowledgement.user_id)
        .where(BatchAcknowledgement.batch_id == batch_id).order_by(BatchAcknowledgement.id)
    ).all()
    return [
        CheckedDecision(row.code, row.severity, row.message, Actor(user.id, user.username, Role(user.role)), row.reason, row.fingerprint)
        for row, user in rows if row.voided_at is None
    ]


def batch_acknowledgements(session: Session, batch_id: int) -> tuple[Acknowledgement, ...]:
    """The batch's stored decisions as the worksheet prints them: who (name), role, when, why."""
    rows = session.execute(
        select(BatchAcknowledgement, User.full_name, User.role).join(User, User.id == BatchAcknowledgement.user_id)
        .where(BatchAcknowledgement.batch_id == batch_id, BatchAcknowledgement.voided_at.is_(None)).order_by(BatchAcknowledgement.id)
    ).all()
    return tuple(
        Acknowledgement(code=row.code, by=name, reason=row.reason, override=row.action == "overridden", role=role, at=row.at, verified=True)
        for row, name, role in rows
    )
