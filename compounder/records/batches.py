"""Batches (compounding records): made from an approved master formula version with the
engine's plan frozen as printed, lots assigned per line, actual weights entered, signed by the
preparer and verified by a pharmacist, then dispensed, or rejected with a reason.

The rules come from ``compounder.records.policy``; this module persists what they allow, writes
the audit trail, and hands out plain ``BatchRecord`` values. Every function works on a session
the caller commits, so one user action is one transaction.

The batch's parts live in their own modules — ``batch_rows`` (the record as read),
``batch_decisions`` (findings acknowledged or overridden), ``batch_signoff`` (signatures and
status moves), ``batch_numbers`` (the day's numbers) — and are named here too, so ``records.batches`` stays the one place the window,
the command line and the weighing station call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import plan_grams, whole_micrograms
from compounder.calc.finding_numbers import fingerprints
from compounder.calc.surplus import surplus
from compounder.calc.units import Q_, format_quantity
from compounder.records import aliquot_rows, audit
from compounder.records.batch_decisions import (
    CheckedDecision,
    FindingDecision,
    batch_acknowledgements,
    check_decisions,
    check_one,
    decided_findings,
    decisions_of,
    store_decisions,
    undecided,
    undecided_findings,
    void_changed_decisions,
)
from compounder.records.batch_numbers import allocate_batch_number
from compounder.records.batch_rows import BatchRecord, LineRecord, batch_record, batch_row, editable_row, line_row, line_rows
from compounder.records.batch_signoff import dispense, reject, sign_checked, sign_prepared, verify
from compounder.records.edit_versions import refuse_if_changed
from compounder.records.lots import get_lot, to_grams, to_ug
from compounder.records.minimum_weight import refuse_under_minimum
from compounder.records.model import (
    Batch,
    BatchAcknowledgement,
    BatchLine,
    MasterFormulaVersion,
    Patient,
)
from compounder.records.people import PatientInfo, current_actor
from compounder.records.policy import (
    Actor,
    RecordError,
    Status,
    deviation,
    may_amend,
    may_create_batches,
    parse_weight,
)
from compounder.records.quality_balance import refuse_unless_checked
from compounder.records.rows import existing
from compounder.records.weighing_policy import SignedReason, batch_tolerance, typed_weight_reason

__all__ = [
    "BatchRecord", "CheckedDecision", "FindingDecision", "LineRecord", "allocate_batch_number", "amend", "assign_lot",
    "batch_acknowledgements", "batch_record", "batch_row", "check_decisions", "create_batch", "decided_findings", "decide_again", "dispense",
    "editable_row", "enter_weight", "line_row", "line_rows", "potency_text", "record_surplus", "refuse_if_line_changed",
    "reject", "replace_plan", "sign_checked", "sign_prepared", "store_decisions", "undecided", "undecided_findings", "verify",
    "void_changed_decisions",
]


def create_batch(
    session: Session, actor: Actor, *, formula_version_id: int, patient: PatientInfo, rx_number: str, prescriber: str,
    plan: dict[str, Any], compounded_on: dt.date, tolerance_percent: str | Decimal | None, now: dt.datetime,
    amends: str | None = None, amendment_reason: str | None = None, acknowledgements: Sequence[FindingDecision] = (),
    carried_decisions: Sequence[CheckedDecision] | None = None,
) -> BatchRecord:
    """A draft batch from an approved formula version. ``plan`` is the engine's result as JSON
    (``compounder.calc.plan_data.plan_to_json``), exactly as printed on the worksheet; it is stored, never
    recomputed. A batch is refused while an error finding is not overridden or a warning not
    acknowledged by a pharmacist (``acknowledgements``); each decision is stored with the batch,
    in the audit trail. ``compounder.records.screening.make_batch`` screens the plan for the
    patient's stored profile first. The weighing tolerance is the pharmacy's as an administrator
    stored it (``weighing_policy.batch_tolerance``): ``tolerance_percent`` None takes it, another
    one is refused; until one is stored, the settings file's is given."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    may_create_batches(actor)
    tolerance = batch_tolerance(session, tolerance_percent)
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
        amended = batch_row(session, amends)
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
        target = plan_grams(line["grams_rounded"])
        line_row = BatchLine(batch_id=row.id, position=position, name=line["name"], role=line["role"], target_ug=to_ug(target), out_of_tolerance=False)
        session.add(line_row)
        session.flush()
        audit.record(session, actor, "create", "batch_line", line_row.id, None, now)
        aliquot_rows.create_rows(session, actor, line_row, line, plan, now)
    store_decisions(session, row.id, decisions, now)
    return batch_record(session, row.batch_number)


def amend(session: Session, actor: Actor, batch_number: str, reason: str, now: dt.datetime) -> BatchRecord:
    """A pharmacist's correction of a verified or dispensed batch: a new draft batch that
    references it, with the same frozen plan, formula version, patient, Rx and tolerance, and
    the original's lots and weights to correct. The original is never changed."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    original = batch_row(session, batch_number)
    may_amend(actor, Status(original.status), reason)
    patient = existing(session, Patient, original.patient_id, "patient")
    record = create_batch(
        session, actor, formula_version_id=original.formula_version_id,
        patient=PatientInfo(patient.id, patient.name, patient.date_of_birth), rx_number=original.rx_number,
        prescriber=original.prescriber, plan=original.plan, compounded_on=original.compounded_on,
        tolerance_percent=_amended_tolerance(session, original.tolerance_percent), now=now, amends=original.batch_number,
        amendment_reason=reason,
        carried_decisions=decisions_of(session, original.id),
    )
    if original.surplus_disposition:  # the same plan and order: what becomes of the surplus stands
        copied = batch_row(session, record.batch_number)
        before = audit.snapshot(session, "batch", copied.id)
        copied.surplus_disposition = original.surplus_disposition
        audit.record(session, actor, "surplus disposition", "batch", copied.id, before, now)
    for old_line in line_rows(session, original):
        if old_line.lot_id is not None:
            line = line_row(session, batch_row(session, record.batch_number), old_line.position)
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
                line.weight_reason, line.weight_reason_by = old_line.weight_reason, old_line.weight_reason_by
            audit.record(session, actor, "copy from amended", "batch_line", line.id, before, now)
            aliquot_rows.copy_rows(session, actor, old_line.id, line.id, now)
    from compounder.records.compounding_qc import copy_results

    copy_results(session, actor, original, batch_row(session, record.batch_number), now)  # the same preparation: its QC results stand
    return batch_record(session, record.batch_number)


def _amended_tolerance(session: Session, original: Decimal) -> Decimal:
    """An amendment is made at the pharmacy's tolerance as it is now (the original's until one is stored)."""
    from compounder.records.weighing_policy import weighing_policy

    return weighing_policy(session).tolerance_percent or original


def decide_again(session: Session, batch_number: str, decisions: Sequence[FindingDecision], now: dt.datetime) -> BatchRecord:
    """A pharmacist's new decision on findings of a draft or prepared batch whose earlier decision
    was voided (or never made): the same checks as when the batch is made, the row kept (its
    earlier signer, reason and numbers are in the audit trail)."""
    row = batch_row(session, batch_number)
    if Status(row.status) not in (Status.DRAFT, Status.PREPARED):
        raise RecordError(f"batch {batch_number} is {row.status}; its decisions no longer change")
    stored = {r.code: r for r in session.scalars(select(BatchAcknowledgement).where(BatchAcknowledgement.batch_id == row.id))}
    needed, numbers = decided_findings(row.plan), fingerprints(row.plan)
    checked: dict[str, CheckedDecision] = {}
    for one in (check_one(session, needed, numbers, decision) for decision in decisions):
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


def refuse_if_line_changed(session: Session, batch_number: str, position: int, expected_version: int | None) -> None:
    """``EditConflict`` when line ``position`` is no longer at the version shown (None: nothing to compare)."""
    row = editable_row(session, batch_number)
    line = line_row(session, row, position)
    refuse_if_changed(session, line, expected_version, f"line {position} ({line.name}) of batch {row.batch_number}")


def assign_lot(session: Session, actor: Actor, batch_number: str, position: int, lot_id: int, now: dt.datetime, *,
               expected_version: int | None = None) -> BatchRecord:
    """Use this lot for a line; it must be of the line's stock form, usable on the batch's day,
    and not expire before the batch's beyond-use date. ``expected_version``: the line's version
    as shown; a line changed since is refused (``EditConflict``)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = editable_row(session, batch_number)
    line = line_row(session, row, position)
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


def replace_plan(session: Session, actor: Actor, batch_number: str, plan: dict[str, Any], now: dt.datetime, *,
                 again: str = "with this lot") -> BatchRecord:
    """A draft's plan worked out again (a lot chosen with another assay or expiry, the order
    changed on the workbench): its targets, aliquot targets and beyond-use date from ``plan``.
    Refused once anything has been weighed: a weight taken against the old target would stand
    against a new one (``again`` ends the refusal: what the batch is to be made again with)."""
    actor = current_actor(session, actor)
    row = batch_row(session, batch_number)
    if Status(row.status) is not Status.DRAFT:
        raise RecordError(f"batch {batch_number} is {row.status}; its plan no longer changes")
    lines = line_rows(session, row)
    steps = aliquot_rows.rows_of(session, [line.id for line in lines])
    weighed = [line for line in lines if line.actual_ug is not None or any(step.actual_ug is not None for step in steps.get(line.id, []))]
    if weighed:
        names = ", ".join(f"line {line.position} ({line.name})" for line in weighed)
        raise RecordError(f"batch {batch_number} has weights entered ({names}); reject it and make it again {again}")
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
        target = to_ug(plan_grams(planned["grams_rounded"]))
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
    row = batch_row(session, batch_number)
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
    expected_version: int | None = None, signed: SignedReason | None = None,
) -> BatchRecord:
    """The weight the balance showed for a line; its deviation from the target is worked out
    and a line outside the batch's tolerance is flagged. ``source`` is "typed" unless the
    weighing station read it from the balance ``balance_id``. ``minimum_weighable`` is the
    balance's minimum as the pharmacy certifies it now (``calc.equipment.certified_minimum``).
    ``balance_id`` also names a typed weight's balance, checked against the balance log (``quality_balance``).
    ``expected_version``: the line's version as shown; a weight entered meanwhile by another
    workstation is never overwritten unseen (``EditConflict``). ``signed``: a pharmacist's signed
    reason for a typed weight, which the pharmacy's policy needs where it requires the balance
    (``weighing_policy``); stored with the weight."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    row = editable_row(session, batch_number)
    line = line_row(session, row, position)
    refuse_if_changed(session, line, expected_version, f"line {position} ({line.name}) of batch {row.batch_number}")
    if aliquot_rows.rows_of(session, [line.id]):
        raise RecordError(f"line {position} ({line.name}) is made by aliquot: record its three weighings (ingredient, diluent, portion)")
    actual = parse_weight(weight)
    refuse_unless_checked(session, balance_id, now, f"line {position} ({line.name}): a weight")
    why = typed_weight_reason(session, signed, source, f"line {position} ({line.name}): a weight")
    if not whole_micrograms(actual):
        raise RecordError(f"{weight!r}: a weight is entered to at most 6 decimals (micrograms)")
    refuse_under_minimum(row.plan, position, line.name, to_grams(line.target_ug), actual, current=minimum_weighable)
    found = deviation(to_grams(line.target_ug), actual, row.tolerance_percent)
    old = audit.snapshot(session, "batch_line", line.id)
    line.actual_ug = to_ug(actual)
    line.deviation_percent = found.percent
    line.out_of_tolerance = found.out_of_tolerance
    line.weight_source, line.balance_id = source, balance_id if source == "balance" else None
    line.weight_reason, line.weight_reason_by = (why.reason, why.signer.id) if why is not None else (None, None)
    audit.record(session, actor, "weigh", "batch_line", line.id, old, now)
    return batch_record(session, batch_number)
