"""A batch's signatures and status moves: prepared (every lot and weight entered; the lots drawn
down), checked, verified by a pharmacist, dispensed, or rejected with a reason. A signature is
of the record as shown (``shown``, its content hash): a batch changed since is refused. The
rules come from ``compounder.records.policy``; this module persists the move and audits it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.surplus import surplus
from compounder.records import aliquot_rows, audit
from compounder.records.batch_decisions import refuse_undecided
from compounder.records.batch_rows import BatchRecord, batch_record, batch_row, line_rows
from compounder.records.edit_versions import EditConflict, changed_by
from compounder.records.lots import draw, give_back, to_grams
from compounder.records.model import Batch, BatchLine
from compounder.records.policy import (
    Actor,
    RecordError,
    Status,
    check_checker,
    check_transition,
)
from compounder.records.quality_logs import refuse_without_competency
from compounder.records.rows import existing
from compounder.records.signing import Credentials, signer


def sign_prepared(session: Session, credentials: Credentials, batch_number: str, now: dt.datetime, *, shown: str | None = None) -> BatchRecord:
    """The preparer's signature: every line needs its lot and its weight; the lots are drawn down.
    ``shown``: the ``content_hash`` of the record the preparer saw; the signature is refused when
    the batch is no longer that (a weight overwritten by another workstation)."""
    actor = signer(session, credentials)  # the password checked now, the account as it is now
    row = batch_row(session, batch_number)
    refuse_unless_as_shown(session, row, shown)
    check_transition(Status(row.status), Status.PREPARED, actor, preparer_id=None)
    refuse_undecided(session, row)
    refuse_without_competency(session, actor, row.plan, now.astimezone().date())  # the pharmacy's competency rule (quality_logs)
    lines = line_rows(session, row)
    steps = aliquot_rows.rows_of(session, [line.id for line in lines])
    missing = [f"line {line.position} ({line.name}): {'lot' if line.lot_id is None else 'weight'}" for line in lines if line.lot_id is None or (line.actual_ug is None and line.id not in steps)]
    missing += [
        f"line {line.position} ({line.name}): aliquot {step.step} weighing" for line in lines for step in steps.get(line.id, []) if step.actual_ug is None
    ]
    if missing:
        raise RecordError("before signing, enter " + "; ".join(missing))
    _refuse_without_reasons(session, lines, steps)
    base_lot = next((line.lot_id for line in lines if line.role == "base"), None)
    amended_rows = line_rows(session, existing(session, Batch, row.amends_id, "amended batch")) if row.amends_id else []
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
    return move(session, actor, row, Status.PREPARED, now)


def _refuse_without_reasons(session: Session, lines: list[BatchLine], steps: dict) -> None:
    """The pharmacy's weighing policy: no preparer's signature while a line it requires scanned
    was not (nor confirmed by hand by a pharmacist), or a weight it requires from the balance was
    typed without a pharmacist's signed reason."""
    from compounder.records.weighing_policy import Weighed, missing_reasons, weighing_policy

    policy = weighing_policy(session)
    if not (policy.scan_required or policy.balance_required):
        return
    weights = []
    for line in lines:
        what = f"line {line.position} ({line.name})"
        if line.id in steps:
            weights += [Weighed(f"{what}, aliquot {step.step}", step.source, step.weight_reason) for step in steps[line.id]]
        else:
            weights.append(Weighed(what, line.weight_source, line.weight_reason))
    missing = missing_reasons(policy, [(f"line {line.position} ({line.name})", line.identity) for line in lines], weights)
    if missing:
        raise RecordError("the pharmacy's weighing policy holds the signature back: " + "; ".join(missing))


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


def verify(session: Session, credentials: Credentials, batch_number: str, now: dt.datetime, *, allow_self_verification: bool = False,
           shown: str | None = None) -> BatchRecord:
    """A pharmacist's verification; by default not the preparer's. A batch with a line outside
    tolerance is not verified: reject it (and make it again) instead. ``shown`` as for
    ``sign_prepared``: the verification is of the record the pharmacist saw."""
    actor = signer(session, credentials)  # the password checked now, the account as it is now
    row = batch_row(session, batch_number)
    refuse_unless_as_shown(session, row, shown)
    # Once an administrator stored the rule in the records, it is the rule (a settings file
    # edited by hand cannot turn self-verification on).
    from compounder.records.pharmacy_rules import allows_self_verification

    stored = allows_self_verification(session)
    allowed = stored if stored is not None else allow_self_verification
    check_transition(Status(row.status), Status.VERIFIED, actor, preparer_id=row.prepared_by, allow_self_verification=allowed)
    refuse_undecided(session, row)
    from compounder.records.blind_check import refuse_without_match

    refuse_without_match(session, actor, row)  # the verifier's own figures matched the plan (issue 24)
    from compounder.records.refill_signoff import refuse_unsigned

    refuse_unsigned(session, row)  # a refill to a changed formula: its changes signed by a pharmacist
    made_beyond = surplus(row.plan, row.plan.get("order"))
    if made_beyond is not None and not row.surplus_disposition:
        raise RecordError(
            f"batch {batch_number}: {made_beyond.text()}; record what becomes of the {made_beyond.beyond.normalize():f} g "
            "(e.g. discarded, kept for the next fill) before it is verified"
        )
    outside = [line for line in line_rows(session, row) if line.out_of_tolerance]
    if outside:
        steps = aliquot_rows.rows_of(session, [line.id for line in outside])

        def said(line: BatchLine) -> str:
            text = f"line {line.position} ({line.name}, {line.deviation_percent} %"
            off = [f"aliquot {step.step} {step.deviation_percent} %" for step in steps.get(line.id, []) if step.out_of_tolerance]
            return text + "".join(f"; {part}" for part in off) + ")"

        names = ", ".join(said(line) for line in outside)
        raise RecordError(f"outside the {row.tolerance_percent} % tolerance: {names}; reject the batch with the reason")
    from compounder.records.compounding_qc import refuse_unfinished

    refuse_unfinished(session, row)  # the QC results the master formula asks, and the deviations decided (issue 25)
    return move(session, actor, row, Status.VERIFIED, now)


def sign_checked(session: Session, credentials: Credentials, batch_number: str, now: dt.datetime) -> BatchRecord:
    """The checker's signature: someone other than the preparer (technician or pharmacist) has
    checked the lots and weighings of a prepared batch, before it is verified."""
    actor = signer(session, credentials)  # the password checked now, the account as it is now
    row = batch_row(session, batch_number)
    check_checker(Status(row.status), actor, preparer_id=row.prepared_by, checked=row.checked_at is not None)
    old = audit.snapshot(session, "batch", row.id)
    row.checked_at = now
    row.checked_by = actor.id
    audit.record(session, actor, "checked", "batch", row.id, old, now)
    return batch_record(session, row.batch_number)


def dispense(session: Session, credentials: Credentials, batch_number: str, now: dt.datetime) -> BatchRecord:
    actor = signer(session, credentials)  # the password checked now, the account as it is now
    row = batch_row(session, batch_number)
    check_transition(Status(row.status), Status.DISPENSED, actor, preparer_id=row.prepared_by)
    return move(session, actor, row, Status.DISPENSED, now)


def reject(session: Session, credentials: Credentials, batch_number: str, reason: str, now: dt.datetime) -> BatchRecord:
    actor = signer(session, credentials)  # the password checked now, the account as it is now
    row = batch_row(session, batch_number)
    check_transition(Status(row.status), Status.REJECTED, actor, preparer_id=row.prepared_by, reason=reason)
    return move(session, actor, row, Status.REJECTED, now, reject_reason=reason.strip())


def move(session: Session, actor: Actor, row: Batch, target: Status, now: dt.datetime, **changes: Any) -> BatchRecord:
    old = audit.snapshot(session, "batch", row.id, lock=True)
    for column, value in changes.items():
        setattr(row, column, value)
    row.status = target.value
    setattr(row, f"{target.value}_at", now)
    setattr(row, f"{target.value}_by", actor.id)
    audit.record(session, actor, target.value, "batch", row.id, old, now)
    return batch_record(session, row.batch_number)


def refuse_unless_as_shown(session: Session, row: Batch, shown: str | None) -> None:
    if shown is None:
        return
    session.refresh(row, with_for_update=True)  # PostgreSQL: no change slips in between the check and the signature
    if batch_record(session, row.batch_number).content_hash == shown:
        return
    from compounder.records.model import AuditEntry

    line_ids = [line.id for line in line_rows(session, row)]
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "batch_line", AuditEntry.row_id.in_(line_ids)).order_by(AuditEntry.sequence.desc()).limit(1)
    ).first()
    where = ""
    if last is not None:
        line = next(line for line in line_rows(session, row) if line.id == last.row_id)
        where = f": line {line.position} ({line.name}) was changed {changed_by(session, 'batch_line', line.id)}"
    raise EditConflict(f"batch {row.batch_number} changed since it was shown{where}; nothing was signed — reload it and sign what you see",
                       row.row_version or 0)
