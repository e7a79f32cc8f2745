"""The independent (blind) double check in the records (issue 24): the pharmacy's setting (on by
default, every active; an administrator switches it off or widens it, audited), each check a
verifying pharmacist makes (stored and audited whatever the outcome), and the gate
``batch_signoff.verify`` asks: no verification without a matching check, by the verifier, of
the plan as it stands.

The comparison itself is ``compounder.calc.blind_check``. A check is stored in its own
transaction before the verification is attempted, so a mismatch stays on record although the
batch is not verified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.blind_check import SCOPES, BlindCheck, Kind, Scope, Wanted, compare, wanted_figures
from compounder.calc.errors import InputError
from compounder.records import audit
from compounder.records.model import Batch, PharmacyRule, User
from compounder.records.model_blind import BlindCheckEntry
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, Status

#: The ``pharmacy_rule`` row that holds the setting: {"on": true, "lines": "actives"}.
RULE = "blind_check"


@dataclass(frozen=True)
class BlindCheckRule:
    """Whether verification waits for the blind check, and which lines it asks; ``changed``:
    who stored it and when (None: never stored, the default)."""

    on: bool = True
    lines: Scope = "actives"
    changed: tuple[str, dt.datetime] | None = None

    @property
    def text(self) -> str:
        if not self.on:
            return "off: the verifying pharmacist sees the preparer's figures at once"
        return "on, " + ("every active" if self.lines == "actives" else "every line") + ": the grams to weigh, and the mg/g or mg per click the label states"


@dataclass(frozen=True)
class Outcome:
    """A stored check: the comparison, and who made it."""

    batch_number: str
    by: str
    check: BlindCheck

    @property
    def matches(self) -> bool:
        return self.check.matches


def blind_check_rule(session: Session) -> BlindCheckRule:
    """The pharmacy's setting as the records hold it (on, every active, until an administrator changes it)."""
    row = session.scalars(select(PharmacyRule).where(PharmacyRule.name == RULE)).first()
    if row is None:
        return BlindCheckRule()
    value = json.loads(row.value)
    who = session.get(User, row.changed_by) if row.changed_by is not None else None
    lines: Scope = "all" if value.get("lines") == "all" else "actives"
    return BlindCheckRule(bool(value.get("on", True)), lines, (who.username if who else "?", row.changed_at))


def set_blind_check_rule(session: Session, actor: Actor, on: bool, lines: str, now: dt.datetime) -> BlindCheckRule:
    """Store the setting, audited; only a signed-in administrator, as the account is now."""
    from compounder.records.people import current_actor

    actor = current_actor(session, actor)
    if actor.role is not Role.ADMINISTRATOR:
        raise PermissionRefused(f"only an administrator switches the blind check on or off; {actor.username} is a {actor.role.value}")
    if lines not in SCOPES:
        raise RecordError(f"blind check lines: {lines!r} is not one of {', '.join(SCOPES)} (every active, or every line)")
    value = json.dumps({"on": bool(on), "lines": lines}, sort_keys=True)
    row = session.scalars(select(PharmacyRule).where(PharmacyRule.name == RULE).with_for_update()).first()
    if row is not None and row.value == value:
        return blind_check_rule(session)
    old = audit.snapshot(session, "pharmacy_rule", row.id) if row is not None else None
    if row is None:
        row = PharmacyRule(name=RULE, value=value, changed_at=now, changed_by=actor.id)
        session.add(row)
    else:
        row.value, row.changed_at, row.changed_by = value, now, actor.id
    session.flush()
    audit.record(session, actor, "blind check " + ("on" if on else "switched off"), "pharmacy_rule", row.id, old, now)
    return blind_check_rule(session)


def plan_hash(plan: Mapping) -> str:
    """The SHA-256 of a stored plan in canonical JSON: what a check is of."""
    return hashlib.sha256(audit.canonical(plan).encode()).hexdigest()


def figures_wanted(session: Session, batch_number: str) -> tuple[Wanted, ...]:
    """The figures the pharmacy's setting asks of this batch (none when the check is off)."""
    rule = blind_check_rule(session)
    if not rule.on:
        return ()
    return wanted_figures(_batch(session, batch_number).plan, rule.lines)


def record_check(session: Session, actor: Actor, batch_number: str, entered: Mapping[tuple[int, Kind], str], now: dt.datetime) -> Outcome:
    """Compare the verifying pharmacist's own figures with the batch's plan and store the check
    (who, what they typed, what the plan said), match or mismatch. Refused, with nothing stored,
    when the check is off, the batch is not prepared, the actor is not a pharmacist, or a figure
    is missing or not a figure (``RecordError`` naming it)."""
    from compounder.records.people import current_actor

    actor = current_actor(session, actor)
    row = _batch(session, batch_number)
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist makes the blind check; {actor.username} is a {actor.role.value}")
    if Status(row.status) is not Status.PREPARED:
        raise RecordError(f"batch {batch_number} is {row.status}: the blind check is made on a prepared batch, before it is verified")
    rule = blind_check_rule(session)
    if not rule.on:
        raise RecordError("the pharmacy has switched the blind check off; verify the batch as it is shown")
    wanted = wanted_figures(row.plan, rule.lines)
    try:
        check = compare(wanted, entered)
    except InputError as error:
        raise RecordError(f"blind check: {error.field}: {error.message}") from None
    entry = BlindCheckEntry(
        batch_id=row.id, user_id=actor.id, at=now, matched=check.matches, figures=json.dumps(check.as_data(), sort_keys=True),
        plan_hash=plan_hash(row.plan),
    )
    session.add(entry)
    session.flush()
    audit.record(session, actor, "blind check " + ("matched" if check.matches else "MISMATCH"), "blind_check", entry.id, None, now)
    return Outcome(batch_number, actor.username, check)


def refuse_without_match(session: Session, actor: Actor, row: Batch) -> None:
    """The gate before a verification: with the check on, this pharmacist's last check of the
    batch must have matched every figure, on the plan as it stands now."""
    rule = blind_check_rule(session)
    if not rule.on or not wanted_figures(row.plan, rule.lines):  # off, or no line the setting names (no active)
        return
    last = session.scalars(
        select(BlindCheckEntry).where(BlindCheckEntry.batch_id == row.id, BlindCheckEntry.user_id == actor.id)
        .order_by(BlindCheckEntry.id.desc()).limit(1)
    ).first()
    if last is None:
        raise RecordError(
            f"batch {row.batch_number}: the blind check comes first: enter the figures you worked out yourself "
            "(the grams to weigh of each active, and its mg/g or mg per click where the label states one)"
        )
    if last.plan_hash != plan_hash(row.plan):
        raise RecordError(f"batch {row.batch_number}: its plan changed since your blind check; make the check again on the plan as it is")
    if not last.matched:
        differ = [f"line {f['line']} ({f['name']}) {f['figure']}: you {f['typed']}, the plan {f['shown']}" for f in json.loads(last.figures) if not f["matches"]]
        raise RecordError(f"batch {row.batch_number}: your blind check did not match ({'; '.join(differ)}); it is not verified")


@dataclass(frozen=True)
class Standing:
    """Where a pharmacist stands with a batch's blind check: ``needed`` (the figures ``wanted``
    are to be typed before the preparer's are shown), or not (the check is off, or their last
    check of the plan as it stands matched)."""

    needed: bool
    wanted: tuple[Wanted, ...]


def standing(session: Session, actor: Actor, batch_number: str) -> Standing:
    """Whether ``actor`` must make the blind check of this prepared batch before seeing its
    figures: a pharmacist, with the check on and no matching check of the plan as it stands."""
    row = _batch(session, batch_number)
    if actor.role is not Role.PHARMACIST or Status(row.status) is not Status.PREPARED:
        return Standing(False, ())
    try:
        refuse_without_match(session, actor, row)
    except RecordError:
        return Standing(True, figures_wanted(session, batch_number))
    return Standing(False, ())


def checks_of(session: Session, batch_number: str) -> list[dict]:
    """Every blind check of a batch, oldest first: who, when, matched, the figures (for the
    verify view, the worksheet and ``batches show``)."""
    row = _batch(session, batch_number)
    found = session.execute(
        select(BlindCheckEntry, User.username).join(User, User.id == BlindCheckEntry.user_id)
        .where(BlindCheckEntry.batch_id == row.id).order_by(BlindCheckEntry.id)
    ).all()
    return [{"by": username, "at": entry.at, "matched": entry.matched, "figures": json.loads(entry.figures)} for entry, username in found]


def check_lines(session: Session, batch_number: str) -> tuple[str, ...]:
    """Each blind check in one line, as the worksheet and the verify view print it: "Blind check
    by paula, 2026-11-23 09:00 UTC: matched (line 1 lidocaine 2.526 g)"."""
    lines = []
    for check in checks_of(session, batch_number):
        when = check["at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        figures = ", ".join(f"line {f['line']} {f['name']} {f['typed']}" + ("" if f["matches"] else f" (plan {f['shown']})") for f in check["figures"])
        lines.append(f"Blind check by {check['by']}, {when}: {'matched' if check['matched'] else 'DID NOT MATCH'} ({figures})")
    return tuple(lines)


def _batch(session: Session, batch_number: str) -> Batch:
    from compounder.records.batch_rows import batch_row

    return batch_row(session, batch_number)
