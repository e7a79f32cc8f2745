"""Batches (compounding records): made from an approved master formula version with the
engine's plan frozen as printed, lots assigned per line, actual weights entered, signed by the
preparer and verified by a pharmacist, then dispensed, or rejected with a reason.

The rules come from ``compounder.records.policy``; this module persists what they allow, writes
the audit trail, and hands out plain ``BatchRecord`` values. Every function works on a session
the caller commits, so one user action is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.finding_numbers import fingerprints
from compounder.calc.prescription import Acknowledgement
from compounder.calc.surplus import Surplus, surplus
from compounder.calc.units import Q_, format_quantity
from compounder.records import aliquot_rows, audit
from compounder.records.aliquot_rows import StepRecord
from compounder.records.edit_versions import EditConflict, changed_by, content_hash, refuse_if_changed
from compounder.records.lots import draw, get_lot, give_back, to_grams, to_ug
from compounder.records.minimum_weight import refuse_under_minimum
from compounder.records.model import (
    Batch,
    BatchAcknowledgement,
    BatchCounter,
    BatchLine,
    IngredientLot,
    MasterFormulaVersion,
    Patient,
    User,
)
from compounder.records.people import PatientInfo, current_actor, full_name
from compounder.records.policy import (
    EDITABLE,
    Actor,
    RecordError,
    Role,
    Status,
    batch_day,
    check_checker,
    check_transition,
    deviation,
    format_batch_number,
    may_amend,
    may_create_batches,
    may_decide_finding,
    parse_tolerance,
    parse_weight,
)
from compounder.records.rows import existing

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


@dataclass(frozen=True)
class LineRecord:
    position: int
    name: str
    role: str
    target: Decimal  # grams, as printed
    lot_id: int | None
    lot_number: str | None
    actual: Decimal | None
    deviation_percent: Decimal | None
    out_of_tolerance: bool
    weight_source: str | None = None  # "balance" or "typed" (the weighing station)
    balance_id: str | None = None
    identity: str | None = None  # the container "scanned" or confirmed "by hand"
    # An aliquot line's three weighings (ingredient, diluent, portion); () for a line weighed
    # directly, and for an aliquot line of a batch made before they were recorded.
    steps: tuple[StepRecord, ...] = ()
    version: int = 0  # the line's row version: a change is made on top of the one seen (``expected_version``)

    def step(self, name: str) -> StepRecord | None:
        return next((step for step in self.steps if step.step == name), None)

    @property
    def next_step(self) -> StepRecord | None:
        """The aliquot weighing to record next (None when all are, or the line has none)."""
        return next((step for step in self.steps if step.actual is None), None)


@dataclass(frozen=True)
class BatchRecord:
    id: int
    batch_number: str
    formula_version_id: int
    formula_name: str
    formula_version: int
    patient: PatientInfo
    rx_number: str
    prescriber: str
    plan: dict[str, Any]  # the engine's result as printed, frozen
    compounded_on: dt.date
    beyond_use: dt.date
    tolerance_percent: Decimal
    status: Status
    prepared_by: str | None
    prepared_at: dt.datetime | None
    verified_by: str | None
    verified_at: dt.datetime | None
    dispensed_by: str | None
    rejected_by: str | None
    reject_reason: str | None
    amends: str | None  # the batch number this one corrects
    lines: tuple[LineRecord, ...]
    checked_by: str | None = None
    checked_at: dt.datetime | None = None
    prepared_by_id: int | None = None
    amendment_reason: str | None = None
    amended_by: tuple[str, ...] = ()  # the batch numbers of the amendments that correct this one
    # The pharmacists' signed decisions on the plan's findings (warnings acknowledged, errors
    # overridden), as the worksheet prints them.
    acknowledgements: tuple[Acknowledgement, ...] = ()
    # Why the plan's findings are not all decided (a decision voided by a change to its numbers),
    # for a draft or prepared batch; () when they are.
    undecided: tuple[str, ...] = ()
    # What the batch makes beyond the prescription's quantity to dispense (None: nothing), and
    # what becomes of it as recorded (None: not yet; verification waits for it).
    surplus: Surplus | None = None
    surplus_disposition: str | None = None

    @property
    def out_of_tolerance(self) -> tuple[LineRecord, ...]:
        return tuple(line for line in self.lines if line.out_of_tolerance)

    @property
    def content_hash(self) -> str:
        """What a signature is of: the batch, its status and every line's lot and weights as shown.
        ``sign_prepared``/``verify`` given it refuse a batch that changed since."""
        return content_hash([
            self.batch_number, self.status.value, self.formula_version_id, self.patient.id, str(self.tolerance_percent),
            [[line.position, line.name, line.lot_id, str(line.actual), [[step.step, str(step.actual)] for step in line.steps]] for line in self.lines],
        ])


def allocate_batch_number(session: Session, on: dt.date, actor: Actor | None = None, now: dt.datetime | None = None) -> str:
    """The next ``YYMMDD-NNN`` for the day, from one atomic statement in the saving transaction:
    ``INSERT … ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last`` (SQLite 3.35+
    and PostgreSQL). The day's counter row stays locked until the transaction ends, so two
    workstations never get the same number, and a number of a transaction that fails is used
    again by the next."""
    day = batch_day(on)
    sequence = session.execute(_counter_upsert(session, day).returning(BatchCounter.last)).scalar_one()
    # Audited, so a counter set back by hand (to hand out a number twice) is found by `db check`;
    # the state before is known exactly: the statement added one.
    old = {"day": day, "last": sequence - 1} if sequence > 1 else None
    audit.record(session, actor, "next batch number", "batch_counter", int(day), old, now or dt.datetime.now(dt.UTC))
    return format_batch_number(on, sequence)


def _counter_upsert(session: Session, day: str) -> PostgresInsert | SqliteInsert:
    """The day's counter row inserted at 1, or its ``last`` raised by one, in the database's own
    dialect (imported here: the other dialect's module is not loaded for nothing)."""
    name = session.get_bind().dialect.name
    conflict: dict[str, Any] = {"index_elements": [BatchCounter.day], "set_": {"last": BatchCounter.last + 1}}
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert(BatchCounter).values(day=day, last=1).on_conflict_do_update(**conflict)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(BatchCounter).values(day=day, last=1).on_conflict_do_update(**conflict)
    raise RecordError(f"batch numbers cannot be allocated on a {name} database")  # pragma: no cover - open_database accepts only these two


def create_batch(
    session: Session, actor: Actor, *, formula_version_id: int, patient: PatientInfo, rx_number: str, prescriber: str,
    plan: dict[str, Any], compounded_on: dt.date, tolerance_percent: str | Decimal, now: dt.datetime,
    amends: str | None = None, amendment_reason: str | None = None, acknowledgements: Sequence[FindingDecision] = (),
    carried_decisions: Sequence[_Checked] | None = None,
) -> BatchRecord:
    """A draft batch from an approved formula version. ``plan`` is the engine's result as JSON
    (``compounder.calc.plan_data.plan_to_json``), exactly as printed on the worksheet; it is stored, never
    recomputed. A batch is refused while an error finding is not overridden or a warning not
    acknowledged by a pharmacist (``acknowledgements``); each decision is stored with the batch,
    in the audit trail. ``compounder.records.screening.make_batch`` screens the plan for the
    patient's stored profile first."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    may_create_batches(actor)
    tolerance = parse_tolerance(tolerance_percent)
    version = session.get(MasterFormulaVersion, formula_version_id)
    if version is None:
        raise RecordError(f"no master formula version {formula_version_id}")
    if version.approved_at is None:
        raise RecordError(f"{version.name}, version {version.version}, is not approved; a pharmacist approves it before batches are made")
    # An amendment carries the amended batch's signed decisions over with its plan (``amend``).
    decisions = check_decisions(session, plan, acknowledgements) if carried_decisions is None else list(carried_decisions)
    if not plan.get("lines"):
        raise RecordError("the plan has no lines to weigh")
    bud = (plan.get("bud") or {}).get("date")
    if not bud:
        raise RecordError("the plan has no beyond-use date")
    for field, value in (("Rx number", rx_number), ("prescriber", prescriber)):
        if not value or not value.strip():
            raise RecordError(f"give the {field}")
    amended = None
    reason = None
    if amends is not None:
        amended = _batch(session, amends)
        if Status(amended.status) not in (Status.VERIFIED, Status.DISPENSED):
            raise RecordError(f"batch {amends} is {amended.status}; only a verified or dispensed batch is amended (change the draft itself)")
        if not amendment_reason or not amendment_reason.strip():
            raise RecordError("give the reason for the amendment")
        reason = amendment_reason.strip()
    row = Batch(
        batch_number=allocate_batch_number(session, compounded_on, actor, now), formula_version_id=version.id, patient_id=patient.id,
        rx_number=rx_number.strip(), prescriber=prescriber.strip(), plan=plan, compounded_on=compounded_on,
        beyond_use=dt.date.fromisoformat(bud), tolerance_percent=tolerance, status=Status.DRAFT.value,
        created_at=now, created_by=actor.id, amends_id=amended.id if amended else None,
        amendment_reason=reason,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "amend" if amended else "create", "batch", row.id, None, now)
    for position, line in enumerate(plan["lines"], start=1):
        target = Decimal(str(line["grams_rounded"]))
        line_row = BatchLine(batch_id=row.id, position=position, name=line["name"], role=line["role"], target_ug=to_ug(target), out_of_tolerance=False)
        session.add(line_row)
        session.flush()
        audit.record(session, actor, "create", "batch_line", line_row.id, None, now)
        aliquot_rows.create_rows(session, actor, line_row, line, plan, now)
    store_decisions(session, row.id, decisions, now)
    return batch_record(session, row.batch_number)


# --------------------------------------------------------------------------- findings: acknowledged, overridden


@dataclass(frozen=True)
class FindingDecision:
    """A pharmacist's signed decision on one finding of the plan: a warning acknowledged, or an
    error overridden. ``signer`` is who signed in to make it (checked again against the users
    table when the batch is saved); ``reason`` is printed on the worksheet."""

    code: str
    signer: Actor
    reason: str
    # The numbers the pharmacist saw (``compounder.calc.finding_numbers.fingerprints`` of the plan
    # shown); a decision made at other numbers than the batch's is refused. None: the batch's own.
    fingerprint: str | None = None


@dataclass(frozen=True)
class _Checked:
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


def check_decisions(session: Session, plan: dict[str, Any], decisions: Sequence[FindingDecision]) -> list[_Checked]:
    """Every error overridden and every warning acknowledged by an active pharmacist with a real
    reason, or ``RecordError``/``PermissionRefused`` saying what is missing or who may not sign."""
    needed = decided_findings(plan)
    fixed = sorted({f["code"] for f in plan.get("findings", []) if f.get("severity") == "error" and not f.get("patient")})
    if fixed:
        raise RecordError(f"the plan has error findings ({', '.join(fixed)}); correct the formula or the prescription as each finding says (only an error about the patient or the daily amount may be overridden)")
    numbers = fingerprints(plan)
    checked: dict[str, _Checked] = {}
    for decision in decisions:
        one = _check_one(session, needed, numbers, decision)
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


def decide_again(session: Session, batch_number: str, decisions: Sequence[FindingDecision], now: dt.datetime) -> BatchRecord:
    """A pharmacist's new decision on findings of a draft or prepared batch whose earlier decision
    was voided (or never made): the same checks as when the batch is made, the row kept (its
    earlier signer, reason and numbers are in the audit trail)."""
    row = _batch(session, batch_number)
    if Status(row.status) not in (Status.DRAFT, Status.PREPARED):
        raise RecordError(f"batch {batch_number} is {row.status}; its decisions no longer change")
    stored = {r.code: r for r in session.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == row.id))}
    needed, numbers = decided_findings(row.plan), fingerprints(row.plan)
    checked: dict[str, _Checked] = {}
    for one in (_check_one(session, needed, numbers, decision) for decision in decisions):
        if one.code in checked:
            raise RecordError(f"{one.code} is decided twice; one pharmacist signs each finding")
        checked[one.code] = one
    for decision in checked.values():
        existing = stored.get(decision.code)
        if existing is None:
            store_decisions(session, row.id, [decision], now)
            continue
        old = audit.snapshot(session, "batch_acknowledgement", existing.id)
        existing.severity, existing.message, existing.reason = decision.severity, decision.message, decision.reason
        existing.action = "overridden" if decision.severity == "error" else "acknowledged"
        existing.user_id, existing.at, existing.fingerprint, existing.voided_at = decision.signer.id, now, decision.fingerprint, None
        audit.record(session, decision.signer, "override again" if decision.severity == "error" else "acknowledge again", "batch_acknowledgement", existing.id, old, now)
    return batch_record(session, batch_number)


def _refuse_undecided(session: Session, row: Batch) -> None:
    problems = undecided(session, row.id, row.plan)
    if problems:
        raise RecordError(f"batch {row.batch_number}: " + "; ".join(problems) + "; a pharmacist decides again")


def _check_one(session: Session, needed: dict[str, tuple[str, str]], numbers: dict[str, str], decision: FindingDecision) -> _Checked:
    """One decision: on a finding of the plan, at the plan's numbers, by an active pharmacist with a reason."""
    code = decision.code.strip().upper()
    if code not in needed:
        codes = ", ".join(sorted(needed)) or "none"
        raise RecordError(f"{code} is not a warning or error of this batch (those are: {codes}); the formula or the profile changed, look again")
    severity, message = needed[code]
    if decision.fingerprint is not None and decision.fingerprint != numbers[code]:
        raise RecordError(f"{code} was decided on other numbers than the batch's; the finding now reads: {message} — a pharmacist decides again")
    user = session.get(User, decision.signer.id)
    if user is None:
        raise RecordError(f"no user {decision.signer.username!r}")
    signer = Actor(user.id, user.username, Role(user.role))
    reason = may_decide_finding(signer, active=user.active, severity=severity, code=code, reason=decision.reason)
    return _Checked(code, severity, message, signer, reason, numbers[code])


def store_decisions(session: Session, batch_id: int, decisions: Sequence[_Checked], now: dt.datetime) -> None:
    for decision in decisions:
        row = BatchAcknowledgement(
            batch_id=batch_id, code=decision.code, severity=decision.severity, message=decision.message,
            action="overridden" if decision.severity == "error" else "acknowledged", reason=decision.reason,
            user_id=decision.signer.id, at=now, fingerprint=decision.fingerprint,
        )
        session.add(row)
        session.flush()
        audit.record(session, decision.signer, "override" if decision.severity == "error" else "acknowledge", "batch_acknowledgement", row.id, None, now)


def _decisions_of(session: Session, batch_id: int) -> list[_Checked]:
    """A batch's stored decisions, to carry over to its amendment (same plan, same findings, the
    same pharmacists' signatures and reasons)."""
    rows = session.execute(
        select(BatchAcknowledgement, User).join(User, User.id == BatchAcknowledgement.user_id)
        .where(BatchAcknowledgement.batch_id == batch_id).order_by(BatchAcknowledgement.id)
    ).all()
    return [
        _Checked(row.code, row.severity, row.message, Actor(user.id, user.username, Role(user.role)), row.reason, row.fingerprint)
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


def refuse_if_line_changed(session: Session, batch_number: str, position: int, expected_version: int | None) -> None:
    """``EditConflict`` when line ``position`` is no longer at the version shown (None: nothing to compare)."""
    row = _editable(session, batch_number)
    line = _line(session, row, position)
    refuse_if_changed(session, line, expected_version, f"line {position} ({line.name}) of batch {row.batch_number}")


def assign_lot(session: Session, actor: Actor, batch_number: str, position: int, lot_id: int, now: dt.datetime, *,
               expected_version: int | None = None) -> BatchRecord:
    """Use this lot for a line; it must be of the line's stock form, usable on the batch's day,
    and not expire before the batch's beyond-use date. ``expected_version``: the line's version
    as shown; a line changed since is refused (``EditConflict``)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _editable(session, batch_number)
    line = _line(session, row, position)
    refuse_if_changed(session, line, expected_version, f"line {position} ({line.name}) of batch {row.batch_number}")
    lot = get_lot(session, lot_id)
    if lot.stock_form.lower() != line.name.lower():
        raise RecordError(f"lot {lot.lot_number} is {lot.stock_form}; line {position} weighs {line.name}")
    problem = lot.problem(row.compounded_on, beyond_use=row.beyond_use)
    if problem:
        raise RecordError(f"lot {lot.lot_number} of {lot.stock_form} cannot be used: {problem}")
    planned = _planned_potency_text(row.plan, position) or potency_text(Decimal(100))  # none given: taken as 100 %
    if lot.potency_percent is not None and line.role != "base" and planned != potency_text(lot.potency_percent):
        at = planned
        raise RecordError(
            f"lot {lot.lot_number} of {lot.stock_form} assays {lot.potency_percent:f} % (its certificate of analysis); "
            f"line {position}'s target was worked out at {at}: choose the lot so the target is worked out again from it"
        )
    old = audit.snapshot(session, "batch_line", line.id)
    if line.lot_id != lot.id:
        line.identity = None  # a scan confirmed the container of the other lot, not this one
    line.lot_id = lot.id
    audit.record(session, actor, "assign lot", "batch_line", line.id, old, now)
    return batch_record(session, batch_number)


def _planned_potency_text(plan: dict[str, Any], position: int) -> str | None:
    """The potency line ``position``'s target was worked out with, as the plan prints it
    ("95 %"); None when none was used."""
    lines = plan.get("lines") or []
    return lines[position - 1].get("potency") if 0 < position <= len(lines) else None


def potency_text(percent: Decimal) -> str:
    """A lot's assay as a plan prints a potency (``plan_data``: four significant figures)."""
    return format_quantity(Q_(float(percent), "percent"), 4)


def replace_plan(session: Session, actor: Actor, batch_number: str, plan: dict[str, Any], now: dt.datetime) -> BatchRecord:
    """A draft's plan worked out again (a lot chosen with another assay or expiry): its targets,
    aliquot targets and beyond-use date from ``plan``. Refused once anything has been weighed:
    a weight taken against the old target would stand against a new one."""
    actor = current_actor(session, actor)
    row = _batch(session, batch_number)
    if Status(row.status) is not Status.DRAFT:
        raise RecordError(f"batch {batch_number} is {row.status}; its plan no longer changes")
    lines = _lines(session, row)
    steps = aliquot_rows.rows_of(session, [line.id for line in lines])
    weighed = [line for line in lines if line.actual_ug is not None or any(step.actual_ug is not None for step in steps.get(line.id, []))]
    if weighed:
        names = ", ".join(f"line {line.position} ({line.name})" for line in weighed)
        raise RecordError(f"batch {batch_number} has weights entered ({names}); reject it and make it again with this lot")
    if len(plan["lines"]) != len(lines):
        raise RecordError(f"batch {batch_number}: the plan worked out again has {len(plan['lines'])} lines, the batch {len(lines)}")
    bud = (plan.get("bud") or {}).get("date")
    if not bud:
        raise RecordError("the plan has no beyond-use date")
    old = audit.snapshot(session, "batch", row.id, lock=True)
    row.plan = plan
    row.beyond_use = dt.date.fromisoformat(bud)
    audit.record(session, actor, "work out again", "batch", row.id, old, now)
    for line, planned in zip(lines, plan["lines"], strict=True):
        target = to_ug(Decimal(str(planned["grams_rounded"])))
        rows = steps.get(line.id, [])
        if bool(rows) != bool(planned.get("aliquot")):
            raise RecordError(f"line {line.position} ({line.name}) would change between weighed directly and made by aliquot; make the batch again")
        if rows:
            from compounder.calc.aliquot_weighing import step_targets

            targets = step_targets(planned["aliquot"], plan["balance"]["readability_grams"])
            for step in rows:
                before = audit.snapshot(session, "aliquot_weighing", step.id)
                step.target_ug = to_ug(targets[step.step])
                audit.record(session, actor, "work out again", "aliquot_weighing", step.id, before, now)
        if line.target_ug != target:
            before = audit.snapshot(session, "batch_line", line.id)
            line.target_ug = target
            audit.record(session, actor, "work out again", "batch_line", line.id, before, now)
    return batch_record(session, batch_number)


def record_surplus(session: Session, actor: Actor, batch_number: str, disposition: str, now: dt.datetime) -> BatchRecord:
    """What becomes of what the batch makes beyond the quantity dispensed (discarded, kept…), on a
    draft or prepared batch that makes more than it dispenses; audited, printed on the worksheet."""
    actor = current_actor(session, actor)
    row = _batch(session, batch_number)
    if Status(row.status) not in (Status.DRAFT, Status.PREPARED):
        raise RecordError(f"batch {batch_number} is {row.status}; its record no longer changes")
    made_beyond = surplus(row.plan, row.plan.get("order"))
    if made_beyond is None:
        raise RecordError(f"batch {batch_number} makes no more than the prescription dispenses (or its quantity to dispense is not on record)")
    if not disposition or not disposition.strip():
        raise RecordError(f"disposition: say what becomes of the {made_beyond.beyond.normalize():f} g made beyond the prescription")
    old = audit.snapshot(session, "batch", row.id, lock=True)
    row.surplus_disposition = disposition.strip()
    audit.record(session, actor, "surplus disposition", "batch", row.id, old, now)
    return batch_record(session, batch_number)


def enter_weight(
    session: Session, actor: Actor, batch_number: str, position: int, weight: str | Decimal, now: dt.datetime, *,
    source: str = "typed", balance_id: str | None = None, minimum_weighable: Decimal | None = None,
    expected_version: int | None = None,
) -> BatchRecord:
    """The weight the balance showed for a line; its deviation from the target is worked out
    and a line outside the batch's tolerance is flagged. ``source`` is "typed" unless the
    weighing station read it from the balance ``balance_id``. ``minimum_weighable`` is the
    balance's minimum as the pharmacy certifies it now (``calc.equipment.certified_minimum``).
    ``expected_version``: the line's version as shown; a weight entered meanwhile by another
    workstation is never overwritten unseen (``EditConflict``)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _editable(session, batch_number)
    line = _line(session, row, position)
    refuse_if_changed(session, line, expected_version, f"line {position} ({line.name}) of batch {row.batch_number}")
    if aliquot_rows.rows_of(session, [line.id]):
        raise RecordError(f"line {position} ({line.name}) is made by aliquot: record its three weighings (ingredient, diluent, portion)")
    actual = parse_weight(weight)
    if to_ug(actual) != actual * 1_000_000:
        raise RecordError(f"{weight!r}: a weight is entered to at most 6 decimals (micrograms)")
    refuse_under_minimum(row.plan, position, line.name, to_grams(line.target_ug), actual, current=minimum_weighable)
    found = deviation(to_grams(line.target_ug), actual, row.tolerance_percent)
    old = audit.snapshot(session, "batch_line", line.id)
    line.actual_ug = to_ug(actual)
    line.deviation_percent = found.percent
    line.out_of_tolerance = found.out_of_tolerance
    line.weight_source, line.balance_id = source, balance_id if source == "balance" else None
    audit.record(session, actor, "weigh", "batch_line", line.id, old, now)
    return batch_record(session, batch_number)


def sign_prepared(session: Session, actor: Actor, batch_number: str, now: dt.datetime, *, shown: str | None = None) -> BatchRecord:
    """The preparer's signature: every line needs its lot and its weight; the lots are drawn down.
    ``shown``: the ``content_hash`` of the record the preparer saw; the signature is refused when
    the batch is no longer that (a weight overwritten by another workstation)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _batch(session, batch_number)
    _refuse_unless_as_shown(session, row, shown)
    check_transition(Status(row.status), Status.PREPARED, actor, preparer_id=None)
    _refuse_undecided(session, row)
    lines = _lines(session, row)
    steps = aliquot_rows.rows_of(session, [line.id for line in lines])
    missing = [f"line {line.position} ({line.name}): {'lot' if line.lot_id is None else 'weight'}" for line in lines if line.lot_id is None or (line.actual_ug is None and line.id not in steps)]
    missing += [
        f"line {line.position} ({line.name}): aliquot {step.step} weighing" for line in lines for step in steps.get(line.id, []) if step.actual_ug is None
    ]
    if missing:
        raise RecordError("before signing, enter " + "; ".join(missing))
    base_lot = next((line.lot_id for line in lines if line.role == "base"), None)
    amended_rows = _lines(session, existing(session, Batch, row.amends_id, "amended batch")) if row.amends_id else []
    amended = {line.position: line for line in amended_rows}
    amended_steps = aliquot_rows.rows_of(session, [line.id for line in amended_rows])
    amended_base = next((line.lot_id for line in amended_rows if line.role == "base"), None)
    for line in lines:
        drawn = _drawn(line, steps.get(line.id, []), base_lot)
        before = amended.get(line.position)
        if before is not None:
            earlier = _drawn(before, amended_steps.get(before.id, []), amended_base)
            if earlier == drawn:
                continue  # as the amended batch drew it: nothing more was taken from the lot
            # The correction replaces what the amended batch recorded: that amount goes back first.
            for lot_id, ug in earlier:
                give_back(session, actor, lot_id, to_grams(ug), now, f"correction by {row.batch_number}")
        for lot_id, ug in drawn:
            draw(session, actor, lot_id, to_grams(ug), row.compounded_on, now, f"draw for {row.batch_number}")
    return _move(session, actor, row, Status.PREPARED, now)


def _drawn(line: BatchLine, steps: list, base_lot: int | None) -> list[tuple[int, int]]:
    """(lot, micrograms) a line takes from stock: its weight; for an aliquot line, the whole
    ingredient weighed for the aliquot (the mixture left over is discarded, not returned) from
    its lot, and the diluent from the base's lot."""
    if not steps:
        return [(line.lot_id, line.actual_ug)] if line.lot_id is not None and line.actual_ug else []
    actual = {step.step: step.actual_ug for step in steps}
    drawn = [(line.lot_id, actual["ingredient"])] if line.lot_id is not None and actual.get("ingredient") else []
    if base_lot is not None and actual.get("diluent"):
        drawn.append((base_lot, actual["diluent"]))
    return drawn


def verify(session: Session, actor: Actor, batch_number: str, now: dt.datetime, *, allow_self_verification: bool = False,
           shown: str | None = None) -> BatchRecord:
    """A pharmacist's verification; by default not the preparer's. A batch with a line outside
    tolerance is not verified: reject it (and make it again) instead. ``shown`` as for
    ``sign_prepared``: the verification is of the record the pharmacist saw."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _batch(session, batch_number)
    _refuse_unless_as_shown(session, row, shown)
    # Once an administrator stored the rule in the records, it is the rule (a settings file
    # edited by hand cannot turn self-verification on).
    from compounder.records.pharmacy_rules import allows_self_verification

    stored = allows_self_verification(session)
    allowed = stored if stored is not None else allow_self_verification
    check_transition(Status(row.status), Status.VERIFIED, actor, preparer_id=row.prepared_by, allow_self_verification=allowed)
    _refuse_undecided(session, row)
    made_beyond = surplus(row.plan, row.plan.get("order"))
    if made_beyond is not None and not row.surplus_disposition:
        raise RecordError(
            f"batch {batch_number}: {made_beyond.text()}; record what becomes of the {made_beyond.beyond.normalize():f} g "
            "(e.g. discarded, kept for the next fill) before it is verified"
        )
    outside = [line for line in _lines(session, row) if line.out_of_tolerance]
    if outside:
        steps = aliquot_rows.rows_of(session, [line.id for line in outside])

        def said(line: BatchLine) -> str:
            text = f"line {line.position} ({line.name}, {line.deviation_percent} %"
            off = [f"aliquot {step.step} {step.deviation_percent} %" for step in steps.get(line.id, []) if step.out_of_tolerance]
            return text + "".join(f"; {part}" for part in off) + ")"

        names = ", ".join(said(line) for line in outside)
        raise RecordError(f"outside the {row.tolerance_percent} % tolerance: {names}; reject the batch with the reason")
    return _move(session, actor, row, Status.VERIFIED, now)


def sign_checked(session: Session, actor: Actor, batch_number: str, now: dt.datetime) -> BatchRecord:
    """The checker's signature: someone other than the preparer (technician or pharmacist) has
    checked the lots and weighings of a prepared batch, before it is verified."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _batch(session, batch_number)
    check_checker(Status(row.status), actor, preparer_id=row.prepared_by, checked=row.checked_at is not None)
    old = audit.snapshot(session, "batch", row.id)
    row.checked_at = now
    row.checked_by = actor.id
    audit.record(session, actor, "checked", "batch", row.id, old, now)
    return batch_record(session, row.batch_number)


def amend(session: Session, actor: Actor, batch_number: str, reason: str, now: dt.datetime) -> BatchRecord:
    """A pharmacist's correction of a verified or dispensed batch: a new draft batch that
    references it, with the same frozen plan, formula version, patient, Rx and tolerance, and
    the original's lots and weights to correct. The original is never changed."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    original = _batch(session, batch_number)
    may_amend(actor, Status(original.status), reason)
    patient = existing(session, Patient, original.patient_id, "patient")
    record = create_batch(
        session, actor, formula_version_id=original.formula_version_id,
        patient=PatientInfo(patient.id, patient.name, patient.date_of_birth), rx_number=original.rx_number,
        prescriber=original.prescriber, plan=original.plan, compounded_on=original.compounded_on,
        tolerance_percent=original.tolerance_percent, now=now, amends=original.batch_number, amendment_reason=reason,
        carried_decisions=_decisions_of(session, original.id),
    )
    if original.surplus_disposition:  # the same plan and order: what becomes of the surplus stands
        copied = _batch(session, record.batch_number)
        before = audit.snapshot(session, "batch", copied.id)
        copied.surplus_disposition = original.surplus_disposition
        audit.record(session, actor, "surplus disposition", "batch", copied.id, before, now)
    for old_line in _lines(session, original):
        if old_line.lot_id is not None:
            line = _line(session, _batch(session, record.batch_number), old_line.position)
            before = audit.snapshot(session, "batch_line", line.id)
            line.lot_id = old_line.lot_id
            # An aliquot line of a batch stored before its weighings were recorded has one weight and
            # no weighings: the correction weighs the aliquot's three, so that weight is not carried.
            predating = bool(aliquot_rows.rows_of(session, [line.id])) and not aliquot_rows.rows_of(session, [old_line.id])
            if old_line.actual_ug is not None and not predating:
                found = deviation(to_grams(line.target_ug), to_grams(old_line.actual_ug), original.tolerance_percent)
                line.actual_ug = old_line.actual_ug
                line.deviation_percent = found.percent
                line.out_of_tolerance = found.out_of_tolerance
                line.weight_source, line.balance_id, line.identity = old_line.weight_source, old_line.balance_id, old_line.identity
            audit.record(session, actor, "copy from amended", "batch_line", line.id, before, now)
            aliquot_rows.copy_rows(session, actor, old_line.id, line.id, now)
    return batch_record(session, record.batch_number)


def dispense(session: Session, actor: Actor, batch_number: str, now: dt.datetime) -> BatchRecord:
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _batch(session, batch_number)
    check_transition(Status(row.status), Status.DISPENSED, actor, preparer_id=row.prepared_by)
    return _move(session, actor, row, Status.DISPENSED, now)


def reject(session: Session, actor: Actor, batch_number: str, reason: str, now: dt.datetime) -> BatchRecord:
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = _batch(session, batch_number)
    check_transition(Status(row.status), Status.REJECTED, actor, preparer_id=row.prepared_by, reason=reason)
    return _move(session, actor, row, Status.REJECTED, now, reject_reason=reason.strip())


def batch_record(session: Session, batch_number: str) -> BatchRecord:
    row = _batch(session, batch_number)
    version = existing(session, MasterFormulaVersion, row.formula_version_id, "master formula version")
    patient = existing(session, Patient, row.patient_id, "patient")
    rows = _lines(session, row)
    lot_ids = {line.lot_id for line in rows if line.lot_id is not None}
    lots = dict(session.execute(select(IngredientLot.id, IngredientLot.lot_number).where(IngredientLot.id.in_(lot_ids))).all()) if lot_ids else {}
    steps = aliquot_rows.rows_of(session, [line.id for line in rows])
    lines = []
    for line in rows:
        lines.append(
            LineRecord(
                position=line.position, name=line.name, role=line.role, target=to_grams(line.target_ug), lot_id=line.lot_id,
                lot_number=None if line.lot_id is None else lots.get(line.lot_id), actual=None if line.actual_ug is None else to_grams(line.actual_ug),
                deviation_percent=line.deviation_percent, out_of_tolerance=line.out_of_tolerance,
                weight_source=line.weight_source, balance_id=line.balance_id, identity=line.identity,
                steps=aliquot_rows.step_records(session, steps.get(line.id, [])), version=line.row_version or 0,
            )
        )
    amends = session.scalar(select(Batch.batch_number).where(Batch.id == row.amends_id)) if row.amends_id else None
    amended_by = tuple(session.scalars(select(Batch.batch_number).where(Batch.amends_id == row.id).order_by(Batch.id)))
    return BatchRecord(
        id=row.id, batch_number=row.batch_number, formula_version_id=version.id, formula_name=version.name, formula_version=version.version,
        patient=PatientInfo(patient.id, patient.name, patient.date_of_birth), rx_number=row.rx_number, prescriber=row.prescriber,
        plan=row.plan, compounded_on=row.compounded_on, beyond_use=row.beyond_use, tolerance_percent=row.tolerance_percent,
        status=Status(row.status), prepared_by=full_name(session, row.prepared_by), prepared_at=row.prepared_at,
        verified_by=full_name(session, row.verified_by), verified_at=row.verified_at, dispensed_by=full_name(session, row.dispensed_by),
        rejected_by=full_name(session, row.rejected_by), reject_reason=row.reject_reason, amends=amends, lines=tuple(lines),
        checked_by=full_name(session, row.checked_by), checked_at=row.checked_at, prepared_by_id=row.prepared_by,
        amendment_reason=row.amendment_reason, amended_by=amended_by,
        acknowledgements=batch_acknowledgements(session, row.id),
        undecided=tuple(undecided(session, row.id, row.plan)) if Status(row.status) in (Status.DRAFT, Status.PREPARED) else (),
        surplus=surplus(row.plan, row.plan.get("order")), surplus_disposition=row.surplus_disposition,
    )


def _move(session: Session, actor: Actor, row: Batch, target: Status, now: dt.datetime, **changes: Any) -> BatchRecord:
    old = audit.snapshot(session, "batch", row.id, lock=True)
    for column, value in changes.items():
        setattr(row, column, value)
    row.status = target.value
    setattr(row, f"{target.value}_at", now)
    setattr(row, f"{target.value}_by", actor.id)
    audit.record(session, actor, target.value, "batch", row.id, old, now)
    return batch_record(session, row.batch_number)


def _batch(session: Session, batch_number: str) -> Batch:
    row = session.scalar(select(Batch).where(Batch.batch_number == batch_number.strip()))
    if row is None:
        raise RecordError(f"no batch {batch_number}")
    return row


def _editable(session: Session, batch_number: str) -> Batch:
    row = _batch(session, batch_number)
    if Status(row.status) not in EDITABLE:
        hint = "make an amendment that references it" if row.status in ("verified", "dispensed") else "it can no longer change"
        raise RecordError(f"batch {batch_number} is {row.status}; {hint}")
    return row


def _lines(session: Session, row: Batch) -> list[BatchLine]:
    return list(session.scalars(select(BatchLine).where(BatchLine.batch_id == row.id).order_by(BatchLine.position)))


def _refuse_unless_as_shown(session: Session, row: Batch, shown: str | None) -> None:
    if shown is None:
        return
    session.refresh(row, with_for_update=True)  # PostgreSQL: no change slips in between the check and the signature
    if batch_record(session, row.batch_number).content_hash == shown:
        return
    from compounder.records.model import AuditEntry

    line_ids = [line.id for line in _lines(session, row)]
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "batch_line", AuditEntry.row_id.in_(line_ids)).order_by(AuditEntry.sequence.desc()).limit(1)
    ).first()
    where = ""
    if last is not None:
        line = next(line for line in _lines(session, row) if line.id == last.row_id)
        where = f": line {line.position} ({line.name}) was changed {changed_by(session, 'batch_line', line.id)}"
    raise EditConflict(f"batch {row.batch_number} changed since it was shown{where}; nothing was signed — reload it and sign what you see",
                       row.row_version or 0)


def _line(session: Session, row: Batch, position: int) -> BatchLine:
    # Locked (PostgreSQL) and read afresh: the version compared is the one the change is made to.
    query = select(BatchLine).where(BatchLine.batch_id == row.id, BatchLine.position == position)
    line = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if line is None:
        raise RecordError(f"batch {row.batch_number} has no line {position}")
    return line
