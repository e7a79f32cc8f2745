"""Printing a stored batch: its worksheet and label from the frozen plan, never recomputed.

``worksheet_to_print`` and ``label_to_print`` only read. Once the document has been printed,
``record_print`` writes it in the audit trail (action ``print worksheet`` / ``print label`` on
the batch's row, which it leaves unchanged); a print after the first of the same document is a
reprint, and says so with the time and the person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compounder.calc.batch_document import (
    BatchIdentity,
    PrintMark,
    Signature,
    StoredWorksheet,
    WeighedLine,
    WeighedStep,
    initials,
    stored_label,
    stored_worksheet,
)
from compounder.calc.labeling import LabelContent
from compounder.calc.prescription import Acknowledgement
from compounder.records import audit
from compounder.records.batches import BatchRecord, batch_acknowledgements, batch_record, batch_row
from compounder.records.lots import get_lot
from compounder.records.model import AuditEntry
from compounder.records.policy import Actor, RecordError, Status

PRINT_WORKSHEET = "print worksheet"
PRINT_LABEL = "print label"

T = TypeVar("T")


def prints_made(session: Session, batch_id: int, action: str) -> int:
    """How many times this document of the batch has been printed (from the audit trail)."""
    return session.scalars(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "batch", AuditEntry.row_id == batch_id, AuditEntry.action == action
        )
    ).one()


def identity(record: BatchRecord) -> BatchIdentity:
    return BatchIdentity(
        batch_number=record.batch_number, formula_version=f"{record.formula_name}, version {record.formula_version}",
        patient=record.patient.name, date_of_birth=record.patient.date_of_birth, rx_number=record.rx_number,
        prescriber=record.prescriber, compounded_on=record.compounded_on, beyond_use=record.beyond_use,
    )


def acknowledgements(session: Session, batch_id: int) -> list[Acknowledgement]:
    """The batch's signed decisions (acknowledged or OVERRIDDEN, by whom, role, when, why)."""
    return list(batch_acknowledgements(session, batch_id))


def _printing(session: Session, actor: Actor, batch_number: str, action: str, now: dt.datetime, make: Callable[[BatchRecord, PrintMark], T]) -> T:
    record = batch_record(session, batch_number)
    mark = PrintMark(reprint=prints_made(session, record.id, action) > 0, at=now, by=actor.username)
    return make(record, mark)


def record_print(session: Session, actor: Actor, batch_number: str, action: str, now: dt.datetime) -> None:
    """Write a print that was made in the audit trail (``PRINT_WORKSHEET`` or ``PRINT_LABEL``)."""
    if action not in (PRINT_WORKSHEET, PRINT_LABEL):
        raise ValueError(action)
    record = batch_record(session, batch_number)
    audit.record(session, actor, action, "batch", record.id, audit.snapshot(session, "batch", record.id), now)


def surplus_line(record: BatchRecord) -> str:
    """The worksheet's line on what the batch makes beyond the quantity dispensed ("" when nothing)."""
    if record.surplus is None:
        return ""
    disposition = record.surplus_disposition or "disposition not recorded yet (the batch is not verified until it is)"
    return f"Quantities: {record.surplus.text()}: {disposition}"


def worksheet_to_print(session: Session, actor: Actor, batch_number: str, now: dt.datetime) -> StoredWorksheet:
    """The stored batch's worksheet with its lots, weights and signatures."""

    def make(record: BatchRecord, mark: PrintMark) -> StoredWorksheet:
        lots = {line.lot_id: get_lot(session, line.lot_id) for line in record.lines if line.lot_id is not None}
        lines = [
            WeighedLine(
                position=line.position, lot=line.lot_number, manufacturer=lots[line.lot_id].manufacturer if line.lot_id else None,
                expires=lots[line.lot_id].expires if line.lot_id else None, actual=line.actual,
                deviation_percent=line.deviation_percent, out_of_tolerance=line.out_of_tolerance,
                weight_source=line.weight_source, balance_id=line.balance_id, identity=line.identity, target=line.target,
                weight_reason=f"{line.weight_reason_by}: {line.weight_reason}" if line.weight_reason else None,
                identity_reason=f"{line.identity_by}: {line.identity_reason}" if line.identity_reason else None,
                supplier=lots[line.lot_id].supplier if line.lot_id else None,
                steps=tuple(
                    WeighedStep(
                        step.step, step.target, step.actual, step.deviation_percent, step.out_of_tolerance, step.how_weighed,
                        initials(step.by_name), step.at,
                    )
                    for step in line.steps
                ),
            )
            for line in record.lines
        ]
        signatures = [
            Signature("Prepared by", record.prepared_by, record.prepared_at),
            Signature("Checked by", record.checked_by, record.checked_at),
            Signature("Verified by (pharmacist)", record.verified_by, record.verified_at),
        ]
        from compounder.calc.batch_document import SignedChanges
        from compounder.records.blind_check import check_lines
        from compounder.records.compounding_qc import approved_version_text, worksheet_parts
        from compounder.records.refill_signoff import signed_change

        change = signed_change(session, record.batch_number)
        row = batch_row(session, record.batch_number)  # issue 25: the version's approval, QC, deviations, remake
        named = dataclasses.replace(identity(record), formula_version=approved_version_text(session, row))
        return stored_worksheet(
            record.plan, named, **worksheet_parts(session, row), tolerance_percent=record.tolerance_percent, lines=lines, signatures=signatures,
            status=record.status.value, mark=mark, acknowledged=acknowledgements(session, record.id),
            amends=record.amends, amendment_reason=record.amendment_reason, surplus=surplus_line(record),
            refill_changes=None if change is None else SignedChanges(change.heading, change.changes, change.signature),
            blind_checks=check_lines(session, record.batch_number),
        )

    return _printing(session, actor, batch_number, PRINT_WORKSHEET, now, make)


#: A patient label is printed only for a batch a pharmacist verified (and then dispensed).
LABELLED = (Status.VERIFIED, Status.DISPENSED)


def label_to_print(session: Session, actor: Actor, batch_number: str, now: dt.datetime) -> LabelContent:
    """The stored batch's label as frozen; refused for a batch not verified, and always for a
    rejected one (it never leaves the pharmacy). A print after the first is marked a reprint."""
    record = batch_record(session, batch_number)
    if record.status is Status.REJECTED:
        raise RecordError(f"batch {record.batch_number} was rejected ({record.reject_reason}); a rejected batch never gets a patient label")
    if record.status not in LABELLED:
        raise RecordError(f"batch {record.batch_number} is {record.status.value}; a patient label is printed only once a pharmacist has verified the batch")
    return _printing(session, actor, batch_number, PRINT_LABEL, now, lambda record, mark: stored_label(record.plan, identity(record), mark, acknowledgements(session, record.id)))
