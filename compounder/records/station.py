"""The weighing station's records: each scan (confirmed or refused), each confirmation by hand,
each weight (read from the balance or typed), kept as an append-only ``weighing_event`` in the
audit trail, and the line's weight, its source and its confirmation on the batch line.

The decisions are the engine's (``compounder.calc.scan``, ``compounder.calc.balance_reading``);
this module looks up the lots a code may be, persists what was decided, and refuses what must
not be recorded. Every function works on a session the caller commits: a refused scan is a
recorded event, not an exception, so committing keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import to_grams, to_ug
from compounder.calc.balance_reading import Reading, ReadingRefused, recordable_grams
from compounder.calc.scan import (
    LotFacts,
    ScanDecision,
    ScanError,
    decide_scan,
    parse_scan,
)
from compounder.records import aliquot_rows, aliquot_steps, audit, batches, signing
from compounder.records.model import Batch, BatchLine, IngredientLot, WeighingEvent
from compounder.records.people import current_actor
from compounder.records.policy import (
    EDITABLE,
    Actor,
    PermissionRefused,
    RecordError,
    Role,
    Status,
    check_reason,
    parse_weight,
)
from compounder.records.rows import existing
from compounder.records.signing import Credentials
from compounder.records.weighing_policy import SignedReason


@dataclass(frozen=True)
class Event:
    """A weighing event as the history and the worksheet show it."""

    position: int
    kind: str
    accepted: bool
    outcome: str
    message: str
    scanned: str | None
    grams: Decimal | None
    source: str | None
    balance_id: str | None
    reason: str | None
    user_id: int
    at: dt.datetime


def _facts(row: IngredientLot) -> LotFacts:
    return LotFacts(row.id, row.stock_form, row.lot_number, row.expires)


def _open_line(session: Session, batch_number: str, position: int) -> tuple[Batch, BatchLine]:
    row = session.scalar(select(Batch).where(Batch.batch_number == batch_number.strip()))
    if row is None:
        raise RecordError(f"no batch {batch_number}")
    if Status(row.status) not in EDITABLE:
        raise RecordError(f"batch {batch_number} is {row.status}; weighing is done on a draft batch")
    line = session.scalar(select(BatchLine).where(BatchLine.batch_id == row.id, BatchLine.position == position))
    if line is None:
        raise RecordError(f"batch {batch_number} has no line {position}")
    return row, line


def _event(session: Session, actor: Actor, batch: Batch, position: int, now: dt.datetime, **values) -> WeighingEvent:
    event = WeighingEvent(batch_id=batch.id, position=position, user_id=actor.id, at=now, **values)
    session.add(event)
    session.flush()
    audit.record(session, actor, f"weighing {values['kind']}", "weighing_event", event.id, None, now)
    return event


def confirm_scan(session: Session, actor: Actor, batch_number: str, position: int, text: str, now: dt.datetime) -> ScanDecision:
    """Decide whether the scanned container is the line's; record the scan either way. A line
    without a lot takes the scanned lot (``batches.assign_lot`` checks it once more)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    batch, line = _open_line(session, batch_number, position)
    try:
        scan = parse_scan(text)
    except ScanError as error:
        decision = ScanDecision(False, "unreadable", f"REFUSED: {error.message}")
    else:
        if scan.kind == "pharmacy":
            query = select(IngredientLot).where(IngredientLot.id == scan.lot_id)
        else:
            query = select(IngredientLot).where(IngredientLot.lot_number == scan.lot_number)
        candidates = [_facts(row) for row in session.scalars(query.order_by(IngredientLot.id))]
        assigned = _facts(existing(session, IngredientLot, line.lot_id, "ingredient lot")) if line.lot_id is not None else None
        decision = decide_scan(
            scan, position=position, line_name=line.name, assigned=assigned, candidates=candidates, on=batch.compounded_on,
            beyond_use=batch.beyond_use,
        )
    _event(
        session, actor, batch, position, now, kind="scan", accepted=decision.accepted, outcome=decision.outcome,
        message=decision.message, scanned=text.strip("\r\n"), lot_id=decision.lot.id if decision.lot else None,
    )
    if decision.accepted:
        assert decision.lot is not None
        if line.lot_id is None:
            batches.assign_lot(session, actor, batch_number, position, decision.lot.id, now)
        _set_identity(session, actor, line, "scanned", now)
    return decision


def confirm_by_hand(
    session: Session, credentials: Credentials, batch_number: str, position: int, reason: str, now: dt.datetime, *, at_station: Actor | None = None,
) -> None:
    """A pharmacist confirms the line's container without a scan (a torn label, a code that
    will not read), saying why. ``credentials``: the pharmacist who signs for it (user name and
    password typed at the moment), checked here, in the write's own transaction: the
    password, then active, not locked, a pharmacist. ``at_station``: who the station is signed in
    as, named in the event when someone else. The line must have its lot chosen."""
    signer = signing.signer(session, credentials)  # the password checked in this write; the account as it is now
    if signer.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{signer.username} is a {signer.role.value}: only a pharmacist confirms a container by hand")
    why = check_reason(reason)
    batch, line = _open_line(session, batch_number, position)
    if line.lot_id is None:
        raise RecordError(f"line {position} ({line.name}) has no lot yet; choose the lot first")
    message = f"Line {position} confirmed by hand by {signer.username}, signed with their password"
    if at_station is not None and at_station.id != signer.id:
        message += f" at the station signed in as {at_station.username}"
    _event(session, signer, batch, position, now, kind="hand", accepted=True, outcome="by hand", message=message, lot_id=line.lot_id, reason=why)
    _set_identity(session, signer, line, "by hand", now)


def _set_identity(session: Session, actor: Actor, line: BatchLine, identity: str, now: dt.datetime) -> None:
    old = audit.snapshot(session, "batch_line", line.id)
    line.identity = identity
    audit.record(session, actor, "confirm container", "batch_line", line.id, old, now)


def record_reading(
    session: Session, actor: Actor, batch_number: str, position: int, reading: Reading | None, now: dt.datetime, monotonic_now: float,
    *, step: str | None = None, minimum_weighable: Decimal | None = None,
) -> batches.BatchRecord:
    """Put the balance's stable, fresh reading into the line's actual weight, or into the
    aliquot line's weighing ``step`` (``RecordError`` otherwise, saying why: unstable, stale,
    overload, disconnected, the step ahead not recorded…). ``minimum_weighable``: the balance's
    minimum as the pharmacy certifies it at this moment (``batches.enter_weight``)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    batch, line = _open_line(session, batch_number, position)
    _confirmed(line)
    _step_given(session, line, step)
    try:
        grams = recordable_grams(reading, monotonic_now)
    except ReadingRefused as error:
        raise RecordError(str(error)) from None
    assert reading is not None
    record = _enter(
        session, actor, batch_number, position, step, grams, now, source="balance", balance_id=reading.balance_id, minimum_weighable=minimum_weighable,
    )
    _weighed(session, actor, batch, record, position, now, grams, step, source="balance", reading=reading.detail, balance_id=reading.balance_id)
    return record


def record_typed(
    session: Session, actor: Actor, batch_number: str, position: int, typed: str, now: dt.datetime, *, step: str | None = None,
    minimum_weighable: Decimal | None = None, signed: SignedReason | None = None, balance_id: str | None = None,
) -> batches.BatchRecord:
    """A weight typed at the station (no balance, or it failed), recorded as typed; where the
    pharmacy requires the balance, with a pharmacist's ``signed`` reason (``weighing_policy``).
    ``balance_id``: the balance it was read from (the station's), checked against the balance log
    (``quality_balance``)."""
    actor = current_actor(session, actor)  # as the account is now, not as it signed in
    batch, line = _open_line(session, batch_number, position)
    _confirmed(line)
    _step_given(session, line, step)
    grams = parse_weight(typed)
    record = _enter(
        session, actor, batch_number, position, step, grams, now, source="typed", balance_id=balance_id, minimum_weighable=minimum_weighable, signed=signed,
    )
    _weighed(session, actor, batch, record, position, now, grams, step, source="typed", reading=typed.strip(), balance_id=None,
             reason=signed.reason if signed is not None else None)
    return record


def _step_given(session: Session, line: BatchLine, step: str | None) -> None:
    """An aliquot line is weighed step by step; a line weighed directly has no steps."""
    aliquot = bool(aliquot_rows.rows_of(session, [line.id]))
    if aliquot and step is None:
        raise RecordError(f"line {line.position} ({line.name}) is made by aliquot: say which of its weighings this is (ingredient, diluent, portion)")
    if not aliquot and step is not None:
        raise RecordError(f"line {line.position} ({line.name}) is weighed directly, not by aliquot")


def _enter(session, actor, batch_number, position, step, grams, now, **source) -> batches.BatchRecord:
    if step is None:
        return batches.enter_weight(session, actor, batch_number, position, grams, now, **source)
    return aliquot_steps.enter_step(session, actor, batch_number, position, step, grams, now, **source)


def _confirmed(line: BatchLine) -> None:
    if line.identity is None:
        raise RecordError(f"line {line.position} ({line.name}): scan the container first (or a pharmacist confirms it by hand)")


def _weighed(session, actor, batch, record: batches.BatchRecord, position: int, now, grams: Decimal, step: str | None, **values) -> None:
    line = record.lines[position - 1]
    if step is not None:
        weighed = line.step(step)
        assert weighed is not None
        state = f"outside ± {record.tolerance_percent} %" if weighed.out_of_tolerance else "within tolerance"
        message = f"Line {position}, aliquot {step}: {grams} g {values['source']}, {weighed.deviation_percent:+} % ({state})"
        if step == "portion" and line.actual is not None:
            message += f"; drug delivered {line.actual} g, {line.deviation_percent:+} %"
        _event(
            session, actor, batch, position, now, kind="weight", accepted=True, outcome="recorded", message=message,
            lot_id=line.lot_id, actual_ug=to_ug(grams), **values,
        )
        return
    state = f"outside ± {record.tolerance_percent} %" if line.out_of_tolerance else "within tolerance"
    _event(
        session, actor, batch, position, now, kind="weight", accepted=True, outcome="recorded",
        message=f"Line {position}: {grams} g {values['source']}, {line.deviation_percent:+} % ({state})" if line.deviation_percent is not None else f"Line {position}: {grams} g",
        lot_id=line.lot_id, actual_ug=to_ug(grams), **values,
    )


def events(session: Session, batch_number: str) -> list[Event]:
    batch = session.scalar(select(Batch).where(Batch.batch_number == batch_number.strip()))
    if batch is None:
        raise RecordError(f"no batch {batch_number}")
    rows = session.scalars(select(WeighingEvent).where(WeighingEvent.batch_id == batch.id).order_by(WeighingEvent.id))
    return [
        Event(
            r.position, r.kind, r.accepted, r.outcome, r.message, r.scanned, None if r.actual_ug is None else to_grams(r.actual_ug),
            r.source, r.balance_id, r.reason, r.user_id, r.at,
        )
        for r in rows
    ]
