"""What the compounding record holds beyond the weighing (USP <795>, 2023, "Compounding
Records"): the quality-control results entered against the master formula's procedures, the
deviations with a reason and a pharmacist's decision, and the link from a remake to the batch it
replaces.

The results a batch needs are its master formula version's (``calc.master_record.qc_checks``):
the final weight against the theoretical (the yield worked out, ``calc.qc_results``) and the
appearance always, the pH where the master formula gives a range. ``refuse_unfinished`` is asked
at verification: a result missing or failed, or a deviation without a pharmacist's acceptance,
holds the verification back, naming each. Every write is audited like the batch's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compounder.calc.balance_grams import plan_grams
from compounder.calc.batch_document import QcLine, final_weight_tolerance, initials
from compounder.calc.master_record import MasterRecord, parse_ph, record_of
from compounder.calc.master_record import qc_checks as master_qc_checks
from compounder.calc.qc_results import CHECK_WORDS, final_weight, ph_text
from compounder.records import audit
from compounder.records.batch_rows import batch_row
from compounder.records.lots import to_ug
from compounder.records.model import Batch, MasterFormulaVersion, User
from compounder.records.model_formulation import BatchDeviation, BatchQcResult, BatchRemake
from compounder.records.people import current_actor
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, Status, parse_weight
from compounder.records.rows import existing

#: A batch whose QC results and deviations may still be written.
_OPEN = (Status.DRAFT, Status.PREPARED)


@dataclass(frozen=True)
class QcResult:
    kind: str  # final_weight, appearance, ph
    passed: bool
    result: str
    by: str
    at: dt.datetime
    yield_percent: Decimal | None = None

    @property
    def words(self) -> str:
        return CHECK_WORDS[self.kind]


@dataclass(frozen=True)
class QcAsked:
    """A check the master formula asks of the batch, with its specification as the bench reads it."""

    kind: str
    specification: str

    @property
    def words(self) -> str:
        return CHECK_WORDS[self.kind]


@dataclass(frozen=True)
class DeviationRecord:
    number: int
    description: str
    reason: str
    recorded_by: str
    recorded_at: dt.datetime
    decision: str | None  # accepted, rejected; None: no pharmacist has decided
    decision_note: str | None
    decided_by: str | None
    decided_at: dt.datetime | None

    def text(self) -> str:
        decided = (f"{self.decision} by {self.decided_by} {self.decided_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
                   + (f": {self.decision_note}" if self.decision_note else "")) if self.decision and self.decided_at else "no pharmacist's decision yet"
        return f"Deviation {self.number}: {self.description} — reason: {self.reason} (recorded by {self.recorded_by}); {decided}"


@dataclass(frozen=True)
class CompoundingDetails:
    """The QC asked and entered, the deviations and the remake links of one batch, as plain values."""

    asked: tuple[QcAsked, ...]
    results: tuple[QcResult, ...]
    deviations: tuple[DeviationRecord, ...]
    remake_of: str | None = None  # the batch number this batch replaces
    remake_reason: str | None = None
    replaced_by: str | None = None  # the remake made in place of this batch

    def result(self, kind: str) -> QcResult | None:
        return next((r for r in self.results if r.kind == kind), None)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(asked.words for asked in self.asked if self.result(asked.kind) is None)


def master_record_of(session: Session, row: Batch) -> MasterRecord:
    version = existing(session, MasterFormulaVersion, row.formula_version_id, "master formula version")
    return record_of(version.data)


def theoretical_grams(row: Batch) -> Decimal:
    """The weight the batch should come to: the plan's prepared grams, as the worksheet prints it."""
    prepared = (row.plan.get("batch") or {}).get("prepared_grams")
    if prepared is None:
        raise RecordError(f"batch {row.batch_number}'s plan holds no prepared weight; its final weight cannot be checked against it")
    return plan_grams(prepared)


def asked(session: Session, row: Batch) -> tuple[QcAsked, ...]:
    """The checks the batch's master formula asks, with what each must show."""
    record = master_record_of(session, row)
    qc = record.quality_control
    found = []
    for kind in master_qc_checks(record):
        if kind == "final_weight":
            theoretical, tolerance = theoretical_grams(row), final_weight_tolerance(row.plan)
            within = (f"accepted within ± {tolerance.normalize():f} %" if tolerance is not None
                      else "no final-weight tolerance set: judged against the SOP")
            spec = f"theoretical {theoretical.normalize():f} g, {within}; the yield is worked out"
        elif kind == "appearance":
            spec = (qc.appearance if qc is not None and qc.appearance else None) or "as the master formula describes it (no appearance written in it)"
        else:
            assert qc is not None and qc.ph is not None
            spec = f"pH {qc.ph.text()}"
        found.append(QcAsked(kind, spec))
    return tuple(found)


def enter_result(session: Session, actor: Actor, batch_number: str, kind: str, now: dt.datetime, *,
                 weight: str | Decimal | None = None, observed: str | None = None, conforms: bool | None = None,
                 ph: str | Decimal | None = None) -> QcResult:
    """Enter (or correct, before verification) one QC result of a draft or prepared batch:
    ``final_weight`` with ``weight`` (grams; ``conforms`` too where no final-weight tolerance was
    frozen with the batch), ``appearance`` with what was ``observed`` and
    whether it ``conforms``, ``ph`` with the reading. Refused naming the field."""
    actor = current_actor(session, actor)
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not compound; sign in as a technician or pharmacist")
    row = _open_row(session, batch_number)
    wanted = {item.kind: item for item in asked(session, row)}
    if kind not in CHECK_WORDS:
        raise RecordError(f"check: {kind!r} is not a QC check; give final_weight, appearance or ph")
    if kind not in wanted:
        raise RecordError(f"check: the master formula of batch {batch_number} asks no {CHECK_WORDS[kind]} (it gives no range)")
    values: dict[str, object] = {"actual_ug": None, "theoretical_ug": None, "yield_percent": None, "ph": None}
    if kind == "final_weight":
        if weight is None or (isinstance(weight, str) and not weight.strip()):
            raise RecordError("final weight: give the finished preparation's weight in grams, e.g. 29.87")
        actual = parse_weight(weight)
        if actual <= 0:
            raise RecordError("final weight: a weight above 0 g; weigh the finished preparation")
        theoretical, tolerance = theoretical_grams(row), final_weight_tolerance(row.plan)
        if tolerance is None and conforms is None:
            raise RecordError("final weight: no final-weight tolerance was set when the batch was made; say whether the weight is "
                              "within the SOP's range")
        found = final_weight(theoretical, actual, tolerance, conforms)
        passed, text = found.passed, found.text()
        values.update(actual_ug=to_ug(actual), theoretical_ug=to_ug(theoretical), yield_percent=found.yield_percent)
    elif kind == "appearance":
        if not observed or not observed.strip():
            raise RecordError("appearance: say what the preparation looks like (colour, texture, uniformity)")
        if conforms is None:
            raise RecordError("appearance: say whether it conforms to the specification")
        passed, text = conforms, " ".join(observed.split()) + ("" if conforms else " — does NOT conform")
    else:
        reading = parse_ph(ph, "pH") if ph is not None else None
        if reading is None:
            raise RecordError("pH: give the meter's reading, e.g. 6.4")
        accepted = master_record_of(session, row).quality_control
        assert accepted is not None and accepted.ph is not None
        passed, text = accepted.ph.holds(reading), ph_text(reading, accepted.ph)
        values["ph"] = reading
    stored = session.scalars(select(BatchQcResult).where(BatchQcResult.batch_id == row.id, BatchQcResult.kind == kind)).first()
    old = audit.snapshot(session, "batch_qc_result", stored.id) if stored is not None else None
    if stored is None:
        stored = BatchQcResult(batch_id=row.id, kind=kind, passed=passed, result=text, entered_by=actor.id, entered_at=now, **values)
        session.add(stored)
    else:
        stored.passed, stored.result, stored.entered_by, stored.entered_at = passed, text, actor.id, now
        for column, value in values.items():
            setattr(stored, column, value)
    session.flush()
    audit.record(session, actor, "enter QC result", "batch_qc_result", stored.id, old, now)
    return _result(session, stored)


def record_deviation(session: Session, actor: Actor, batch_number: str, description: str, reason: str, now: dt.datetime) -> DeviationRecord:
    """A deviation from the master formula or procedure on a draft or prepared batch, with its reason."""
    actor = current_actor(session, actor)
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not compound; sign in as a technician or pharmacist")
    row = _open_row(session, batch_number)
    if not description or not description.strip():
        raise RecordError("deviation: say what was done differently from the master formula")
    if not reason or not reason.strip():
        raise RecordError("reason: say why the deviation was made")
    number = (session.scalar(select(func.max(BatchDeviation.number)).where(BatchDeviation.batch_id == row.id)) or 0) + 1
    deviation = BatchDeviation(batch_id=row.id, number=number, description=" ".join(description.split()), reason=" ".join(reason.split()),
                               recorded_by=actor.id, recorded_at=now)
    session.add(deviation)
    session.flush()
    audit.record(session, actor, "record deviation", "batch_deviation", deviation.id, None, now)
    return _deviation(session, deviation)


def decide_deviation(session: Session, actor: Actor, batch_number: str, number: int, decision: str, note: str | None,
                     now: dt.datetime) -> DeviationRecord:
    """A pharmacist's decision on a deviation: ``accepted`` (the batch may be verified with it) or
    ``rejected`` (it may not: reject the batch). Only a pharmacist decides."""
    actor = current_actor(session, actor)
    if actor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"only a pharmacist decides on a deviation; {actor.username} is a {actor.role.value}")
    if decision not in ("accepted", "rejected"):
        raise RecordError(f"decision: {decision!r}; give accepted or rejected")
    if decision == "rejected" and not (note and note.strip()):
        raise RecordError("note: say why the deviation is not acceptable")
    row = _open_row(session, batch_number)
    deviation = session.scalars(select(BatchDeviation).where(BatchDeviation.batch_id == row.id, BatchDeviation.number == number)).first()
    if deviation is None:
        raise RecordError(f"deviation: batch {batch_number} has no deviation {number}")
    old = audit.snapshot(session, "batch_deviation", deviation.id)
    deviation.decision, deviation.decision_note = decision, " ".join(note.split()) if note and note.strip() else None
    deviation.decided_by, deviation.decided_at = actor.id, now
    audit.record(session, actor, "decide deviation", "batch_deviation", deviation.id, old, now)
    return _deviation(session, deviation)


def link_remake(session: Session, actor: Actor, batch_number: str, replaces: str, reason: str, now: dt.datetime) -> None:
    """Batch ``batch_number`` (a draft) is made again in place of ``replaces`` (a batch for the same
    patient that was rejected, or verified or dispensed and then lost or spoiled), with the reason."""
    actor = current_actor(session, actor)
    if actor.role is Role.ADMINISTRATOR:
        raise PermissionRefused("an administrator account does not compound; sign in as a technician or pharmacist")
    row = batch_row(session, batch_number)
    if Status(row.status) is not Status.DRAFT:
        raise RecordError(f"batch {batch_number} is {row.status}; a remake is linked while it is a draft")
    original = batch_row(session, replaces.strip())
    if original.id == row.id:
        raise RecordError("replaces: a batch does not replace itself")
    if original.patient_id != row.patient_id:
        raise RecordError(f"replaces: batch {original.batch_number} was made for another patient")
    if Status(original.status) not in (Status.REJECTED, Status.VERIFIED, Status.DISPENSED):
        raise RecordError(f"replaces: batch {original.batch_number} is {original.status}; a remake replaces a rejected, verified or dispensed batch")
    if not reason or not reason.strip():
        raise RecordError("reason: say why the batch is made again")
    taken = session.scalars(select(BatchRemake).where((BatchRemake.replaces_id == original.id) | (BatchRemake.batch_id == row.id))).first()
    if taken is not None:
        other = existing(session, Batch, taken.batch_id, "batch").batch_number
        raise RecordError(f"replaces: batch {original.batch_number if taken.replaces_id == original.id else batch_number} is already "
                          f"linked (remake {other})")
    link = BatchRemake(batch_id=row.id, replaces_id=original.id, reason=" ".join(reason.split()), linked_by=actor.id, linked_at=now)
    session.add(link)
    session.flush()
    audit.record(session, actor, "link remake", "batch_remake", link.id, None, now)


def copy_results(session: Session, actor: Actor, original: Batch, amendment: Batch, now: dt.datetime) -> None:
    """An amendment (the same preparation, its record corrected) carries the original's QC results."""
    for result in session.scalars(select(BatchQcResult).where(BatchQcResult.batch_id == original.id).order_by(BatchQcResult.id)).all():
        copied = BatchQcResult(
            batch_id=amendment.id, kind=result.kind, passed=result.passed, result=result.result, actual_ug=result.actual_ug,
            theoretical_ug=result.theoretical_ug, yield_percent=result.yield_percent, ph=result.ph, entered_by=result.entered_by,
            entered_at=result.entered_at,
        )
        session.add(copied)
        session.flush()
        audit.record(session, actor, "copy from amended", "batch_qc_result", copied.id, None, now)


def details(session: Session, row: Batch) -> CompoundingDetails:
    """The batch's QC asked and entered, deviations and remake links."""
    results = session.scalars(select(BatchQcResult).where(BatchQcResult.batch_id == row.id).order_by(BatchQcResult.id))
    deviations = session.scalars(select(BatchDeviation).where(BatchDeviation.batch_id == row.id).order_by(BatchDeviation.number))
    remake = session.scalars(select(BatchRemake).where(BatchRemake.batch_id == row.id)).first()
    replaced = session.scalars(select(BatchRemake).where(BatchRemake.replaces_id == row.id)).first()
    try:
        wanted = asked(session, row)
    except RecordError:
        wanted = ()
    return CompoundingDetails(
        asked=wanted, results=tuple(_result(session, r) for r in results), deviations=tuple(_deviation(session, d) for d in deviations),
        remake_of=existing(session, Batch, remake.replaces_id, "batch").batch_number if remake else None,
        remake_reason=remake.reason if remake else None,
        replaced_by=existing(session, Batch, replaced.batch_id, "batch").batch_number if replaced else None,
    )


def approved_version_text(session: Session, row: Batch) -> str:
    """The master formula version the batch was made from and its approval, as the compounding
    record names it (``master_records.approval_text``)."""
    from compounder.records.master_records import approval_text

    return approval_text(session, row.formula_version_id)


def worksheet_parts(session: Session, row: Batch) -> dict[str, Any]:
    """What the stored worksheet prints of this record (``calc.batch_document.stored_worksheet``'s
    keyword arguments): time of preparation, QC asked and entered, deviations, remake links."""
    found = details(session, row)
    qc = []
    for item in found.asked:
        result = found.result(item.kind)
        qc.append(QcLine(item.words, item.specification, result.result if result else "", result.passed if result else None,
                         f"{initials(result.by) or result.by} {_utc(result.at)}" if result else ""))
    remake = []
    if found.remake_of:
        remake.append(f"Remake of batch {found.remake_of}: {found.remake_reason}")
    if found.replaced_by:
        remake.append(f"Replaced by remake {found.replaced_by}")
    prepared = (f"{_utc(row.prepared_at)} (the preparer's signature, by the records' clock)" if row.prepared_at is not None
                else "not prepared yet")
    return {"preparation_time": prepared, "qc": qc, "deviations": [d.text() for d in found.deviations], "remake": "; ".join(remake)}


def _utc(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def refuse_unfinished(session: Session, row: Batch) -> None:
    """``RecordError`` naming each QC result missing or failed and each deviation no pharmacist
    accepted: the batch is not verified until the record is complete."""
    found = details(session, row)
    problems = []
    if found.missing:
        problems.append("QC results missing: " + ", ".join(found.missing) + " (enter them against the master formula's procedures)")
    failed = [f"{r.words} ({r.result})" for r in found.results if not r.passed and r.kind in {a.kind for a in found.asked}]
    if failed:
        problems.append("QC failed: " + "; ".join(failed) + " — reject the batch with the reason")
    undecided = [str(d.number) for d in found.deviations if d.decision is None]
    if undecided:
        problems.append(f"deviation {', '.join(undecided)} without a pharmacist's decision")
    rejected = [str(d.number) for d in found.deviations if d.decision == "rejected"]
    if rejected:
        problems.append(f"deviation {', '.join(rejected)} rejected by a pharmacist — reject the batch")
    if problems:
        raise RecordError(f"batch {row.batch_number} is not verified: " + "; ".join(problems))


def _open_row(session: Session, batch_number: str) -> Batch:
    row = batch_row(session, batch_number)
    if Status(row.status) not in _OPEN:
        raise RecordError(f"batch {batch_number} is {row.status}; its QC results and deviations no longer change")
    return row


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.full_name if user is not None else "—"


def _result(session: Session, row: BatchQcResult) -> QcResult:
    return QcResult(row.kind, row.passed, row.result, _name(session, row.entered_by), row.entered_at, row.yield_percent)


def _deviation(session: Session, row: BatchDeviation) -> DeviationRecord:
    return DeviationRecord(row.number, row.description, row.reason, _name(session, row.recorded_by), row.recorded_at, row.decision,
                           row.decision_note, _name(session, row.decided_by) if row.decided_by else None, row.decided_at)


__all__ = ["CompoundingDetails", "DeviationRecord", "QcAsked", "QcResult", "asked", "decide_deviation", "details", "enter_result",
           "link_remake", "record_deviation", "refuse_unfinished", "worksheet_parts"]
