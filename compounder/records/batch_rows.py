"""A batch as the rest of the program sees it (``BatchRecord``, ``LineRecord``: plain values read
from the rows) and the row lookups every batch operation starts from (the batch, refused when
it is no longer editable; its lines, one locked and read afresh). Reading only: the changes
are made in ``batches`` and ``batch_signoff``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.prescription import Acknowledgement
from compounder.calc.surplus import Surplus, surplus
from compounder.records import aliquot_rows
from compounder.records.aliquot_rows import StepRecord
from compounder.records.batch_decisions import batch_acknowledgements, undecided
from compounder.records.edit_versions import content_hash
from compounder.records.lots import to_grams
from compounder.records.model import (
    Batch,
    BatchLine,
    IngredientLot,
    MasterFormulaVersion,
    Patient,
    User,
    WeighingEvent,
)
from compounder.records.people import PatientInfo, full_name
from compounder.records.policy import EDITABLE, RecordError, Status
from compounder.records.rows import existing


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
    # For the verify view (issue 28, observation 9): the lot's assay (its certificate of analysis;
    # None: none recorded), a typed weight's signed reason and who signed it, and the reason a
    # pharmacist confirmed the container by hand and who.
    lot_potency_percent: Decimal | None = None
    weight_reason: str | None = None
    weight_reason_by: str | None = None
    identity_reason: str | None = None
    identity_by: str | None = None

    @property
    def weight_source_text(self) -> str:
        """Where the weight came from, in words (``weighing_policy.source_text``)."""
        from compounder.records.weighing_policy import source_text

        if self.steps:
            return "; ".join(f"{step.step}: {step.how_weighed or '—'}" for step in self.steps)
        return "" if self.actual is None else source_text(self.weight_source, self.balance_id, self.weight_reason, self.weight_reason_by)

    @property
    def identity_text(self) -> str:
        from compounder.records.weighing_policy import identity_text

        return "" if self.lot_id is None else identity_text(self.identity, self.identity_reason, self.identity_by)

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
    dispensed_at: dt.datetime | None = None
    rejected_at: dt.datetime | None = None
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


def batch_record(session: Session, batch_number: str) -> BatchRecord:
    row = batch_row(session, batch_number)
    version = existing(session, MasterFormulaVersion, row.formula_version_id, "master formula version")
    patient = existing(session, Patient, row.patient_id, "patient")
    rows = line_rows(session, row)
    lot_ids = {line.lot_id for line in rows if line.lot_id is not None}
    found = session.execute(select(IngredientLot.id, IngredientLot.lot_number, IngredientLot.potency_percent).where(IngredientLot.id.in_(lot_ids))).all() if lot_ids else []
    lots = {lot_id: number for lot_id, number, _ in found}
    potency = {lot_id: percent for lot_id, _, percent in found}
    steps = aliquot_rows.rows_of(session, [line.id for line in rows])
    signers = {line.weight_reason_by for line in rows if line.weight_reason_by is not None}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(signers))).all()) if signers else {}
    by_hand = _by_hand(session, row.id)
    lines = []
    for line in rows:
        hand_reason, hand_by = by_hand.get(line.position, (None, None)) if line.identity == "by hand" else (None, None)
        lines.append(
            LineRecord(
                position=line.position, name=line.name, role=line.role, target=to_grams(line.target_ug), lot_id=line.lot_id,
                lot_number=None if line.lot_id is None else lots.get(line.lot_id), actual=None if line.actual_ug is None else to_grams(line.actual_ug),
                deviation_percent=line.deviation_percent, out_of_tolerance=line.out_of_tolerance,
                weight_source=line.weight_source, balance_id=line.balance_id, identity=line.identity,
                steps=aliquot_rows.step_records(session, steps.get(line.id, [])), version=line.row_version or 0,
                lot_potency_percent=potency.get(line.lot_id) if line.lot_id is not None else None, weight_reason=line.weight_reason,
                weight_reason_by=names.get(line.weight_reason_by) if line.weight_reason_by is not None else None,
                identity_reason=hand_reason, identity_by=hand_by,
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
        dispensed_at=row.dispensed_at, rejected_at=row.rejected_at, amendment_reason=row.amendment_reason, amended_by=amended_by,
        acknowledgements=batch_acknowledgements(session, row.id),
        undecided=tuple(undecided(session, row.id, row.plan)) if Status(row.status) in (Status.DRAFT, Status.PREPARED) else (),
        surplus=surplus(row.plan, row.plan.get("order")), surplus_disposition=row.surplus_disposition,
    )


def _by_hand(session: Session, batch_id: int) -> dict[int, tuple[str | None, str | None]]:
    """Line position → (reason, full name) of the latest confirmation by hand at the station."""
    rows = session.execute(
        select(WeighingEvent.position, WeighingEvent.reason, User.full_name).join(User, User.id == WeighingEvent.user_id)
        .where(WeighingEvent.batch_id == batch_id, WeighingEvent.kind == "hand", WeighingEvent.accepted.is_(True)).order_by(WeighingEvent.id)
    ).all()
    return {position: (reason, full_name) for position, reason, full_name in rows}


def batch_row(session: Session, batch_number: str) -> Batch:
    row = session.scalar(select(Batch).where(Batch.batch_number == batch_number.strip()))
    if row is None:
        raise RecordError(f"no batch {batch_number}")
    return row


def editable_row(session: Session, batch_number: str) -> Batch:
    row = batch_row(session, batch_number)
    if Status(row.status) not in EDITABLE:
        hint = "make an amendment that references it" if row.status in ("verified", "dispensed") else "it can no longer change"
        raise RecordError(f"batch {batch_number} is {row.status}; {hint}")
    return row


def line_rows(session: Session, row: Batch) -> list[BatchLine]:
    return list(session.scalars(select(BatchLine).where(BatchLine.batch_id == row.id).order_by(BatchLine.position)))


def line_row(session: Session, row: Batch, position: int) -> BatchLine:
    # Locked (PostgreSQL) and read afresh: the version compared is the one the change is made to.
    query = select(BatchLine).where(BatchLine.batch_id == row.id, BatchLine.position == position)
    line = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if line is None:
        raise RecordError(f"batch {row.batch_number} has no line {position}")
    return line
