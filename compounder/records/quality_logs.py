"""The quality logs other than the balance's (issue 25): equipment and cleaning, training and
competency per person, complaints and adverse events, and the SOP register. Each entry is
audited with the person who made it (signed in with their password); each log has its effect:

- competency: the pharmacy's rule ``competency_rule`` (``off``, the default, so a pharmacy that
  has recorded no competency works as before; ``warn``; ``refuse``) applies when the preparer
  signs a batch: a preparer without a current competency for the batch's dosage form is warned
  (``competency_gap``) or refused (``refuse_without_competency``);
- complaints: a serious adverse event without a MedWatch report date carries the reminder
  (``MEDWATCH_REMINDER``) in the log, its report and the command line;
- SOPs: a review due within ``REVIEW_WARN_DAYS`` or overdue is named (``sop_warnings``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from compounder.records import audit
from compounder.records.edit_versions import refuse_if_changed
from compounder.records.model import Batch, PharmacyRule, User
from compounder.records.model_quality import (
    COMPLAINT_KINDS,
    EQUIPMENT_KINDS,
    Competency,
    Complaint,
    EquipmentEntry,
    StandardProcedure,
)
from compounder.records.people import current_actor
from compounder.records.pharmacy_rules import stored_rule
from compounder.records.policy import Actor, PermissionRefused, RecordError, Role, may_manage_users

REVIEW_WARN_DAYS = 30
COMPETENCY_RULES = ("off", "warn", "refuse")
COMPETENCY_RULE = "competency_rule"
#: FDA asks compounders to report serious adverse events through MedWatch (Form FDA 3500, or 3500A
#: for mandatory reporters); USP <795> asks that complaints and adverse events be reviewed and reported.
MEDWATCH_REMINDER = "serious adverse event: report it to FDA MedWatch (fda.gov/medwatch, Form FDA 3500) and enter the date reported"


def _text(value: str | None, field: str, *, required: bool = True, limit: int = 2000) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise RecordError(f"{field}: required")
        return None
    if len(text) > limit:
        raise RecordError(f"{field}: at most {limit} characters")
    return text


def _req(value: str | None, field: str, *, limit: int = 2000) -> str:
    text = _text(value, field, limit=limit)
    assert text is not None
    return text


def _add(session: Session, actor: Actor, row: Any, action: str, now: dt.datetime) -> None:
    session.add(row)
    session.flush()
    audit.record(session, actor, action, row.__tablename__, row.id, None, now)


def _not_technician(actor: Actor, what: str) -> None:
    if actor.role is Role.TECHNICIAN:
        raise PermissionRefused(f"{actor.username} is a technician: a pharmacist or an administrator {what}")


def _user_name(session: Session, user_id: int) -> str:
    return session.scalar(select(User.full_name).where(User.id == user_id)) or "?"


# ---- equipment and cleaning ----------------------------------------------------------------

@dataclass(frozen=True)
class EquipmentRow:
    id: int
    equipment: str
    kind: str
    done_on: dt.date
    note: str
    by: str


def log_equipment(session: Session, actor: Actor, equipment: str, kind: str, done_on: dt.date, note: str, now: dt.datetime) -> EquipmentRow:
    """An entry in the equipment and cleaning log (``kind``: cleaning, maintenance or check)."""
    actor = current_actor(session, actor)
    if kind not in EQUIPMENT_KINDS:
        raise RecordError(f"kind: {kind!r}; give one of {', '.join(EQUIPMENT_KINDS)}")
    row = EquipmentEntry(equipment=_req(equipment, "equipment", limit=200), kind=kind, done_on=done_on, note=_req(note, "what was done"),
                         user_id=actor.id, at=now)
    _add(session, actor, row, f"equipment {kind}", now)
    return EquipmentRow(row.id, row.equipment, row.kind, row.done_on, row.note, _user_name(session, actor.id))


def equipment_log(session: Session, *, since: dt.date | None = None) -> list[EquipmentRow]:
    query = select(EquipmentEntry, User.full_name).join(User, User.id == EquipmentEntry.user_id)
    if since is not None:
        query = query.where(EquipmentEntry.done_on >= since)
    return [EquipmentRow(r.id, r.equipment, r.kind, r.done_on, r.note, name) for r, name in session.execute(query.order_by(EquipmentEntry.done_on, EquipmentEntry.id))]


# ---- training and competency ---------------------------------------------------------------

@dataclass(frozen=True)
class CompetencyRow:
    id: int
    person: str
    username: str
    dosage_form: str
    assessed_on: dt.date
    valid_until: dt.date
    assessor: str
    note: str | None


def record_competency(
    session: Session, assessor: Actor, username: str, dosage_form: str, assessed_on: dt.date, valid_until: dt.date, now: dt.datetime,
    *, note: str | None = None,
) -> CompetencyRow:
    """A pharmacist records that ``username`` was assessed competent to prepare ``dosage_form``
    (cream, gel, ointment…) on ``assessed_on``, until ``valid_until``."""
    assessor = current_actor(session, assessor)
    if assessor.role is not Role.PHARMACIST:
        raise PermissionRefused(f"{assessor.username} is a {assessor.role.value}: a pharmacist assesses and signs a competency")
    person = session.scalar(select(User).where(User.username == username.strip()))
    if person is None:
        raise RecordError(f"person: no user {username.strip()!r}")
    form = _req(dosage_form, "dosage form", limit=64)
    if valid_until <= assessed_on:
        raise RecordError(f"valid until: {valid_until.isoformat()} is not after the assessment on {assessed_on.isoformat()}")
    row = Competency(person_id=person.id, dosage_form=form.lower(), assessed_on=assessed_on, valid_until=valid_until, assessor_id=assessor.id,
                     note=_text(note, "note", required=False), at=now)
    _add(session, assessor, row, "record competency", now)
    return competencies(session, username=person.username)[-1]


def competencies(session: Session, *, username: str | None = None) -> list[CompetencyRow]:
    person, assessor = aliased(User), aliased(User)
    query = (
        select(Competency, person.full_name, person.username, assessor.full_name)
        .join(person, person.id == Competency.person_id).join(assessor, assessor.id == Competency.assessor_id)
    )
    if username is not None:
        query = query.where(person.username == username.strip())
    return [
        CompetencyRow(c.id, name, user, c.dosage_form, c.assessed_on, c.valid_until, by, c.note)
        for c, name, user, by in session.execute(query.order_by(person.username, Competency.dosage_form, Competency.id))
    ]


def competency_rule(session: Session) -> str:
    stored = stored_rule(session, COMPETENCY_RULE)
    return str(stored[0]) if stored is not None else "off"


def set_competency_rule(session: Session, actor: Actor, value: str, now: dt.datetime) -> None:
    """An administrator sets what a missing competency does when a preparer signs: off, warn, refuse."""
    actor = current_actor(session, actor)
    may_manage_users(actor)
    if value not in COMPETENCY_RULES:
        raise RecordError(f"competency rule: {value!r}; give one of {', '.join(COMPETENCY_RULES)}")
    row = session.scalar(select(PharmacyRule).where(PharmacyRule.name == COMPETENCY_RULE).with_for_update())
    old = audit.snapshot(session, "pharmacy_rule", row.id) if row is not None else None
    if row is None:
        row = PharmacyRule(name=COMPETENCY_RULE, value=json.dumps(value), changed_at=now, changed_by=actor.id)
        session.add(row)
    else:
        row.value, row.changed_at, row.changed_by = json.dumps(value), now, actor.id
    session.flush()
    audit.record(session, actor, "change rule", "pharmacy_rule", row.id, old, now)


def batch_dosage_form(plan: Mapping[str, Any]) -> str | None:
    """The dosage form the batch's stored worksheet names (None for a batch stored without it)."""
    documents = plan.get("documents")
    worksheet = documents.get("worksheet") if isinstance(documents, Mapping) else None
    form = worksheet.get("dosage_form") if isinstance(worksheet, Mapping) else None
    return str(form).lower() if form else None


def competency_gap(session: Session, user_id: int, dosage_form: str | None, on: dt.date) -> str | None:
    """Why the person has no current competency for the dosage form on ``on`` (None: they have)."""
    username = session.scalar(select(User.username).where(User.id == user_id)) or "?"
    if dosage_form is None:
        return f"{username}: the batch's dosage form is not stored, so no competency can be matched to it"
    current = session.scalar(
        select(Competency.id).where(Competency.person_id == user_id, Competency.dosage_form == dosage_form,
                                    Competency.assessed_on <= on, Competency.valid_until >= on).limit(1)
    )
    if current is not None:
        return None
    return f"{username} has no current competency to prepare a {dosage_form} (training and competency log)"


def refuse_without_competency(session: Session, actor: Actor, plan: Mapping[str, Any], on: dt.date) -> str | None:
    """Under the rule ``refuse``, the preparer's signature without a current competency is
    refused; under ``warn`` the gap is returned to be shown; under ``off`` nothing is checked."""
    rule = competency_rule(session)
    if rule == "off":
        return None
    gap = competency_gap(session, actor.id, batch_dosage_form(plan), on)
    if gap is not None and rule == "refuse":
        raise PermissionRefused(f"{gap}; the pharmacy's rule refuses the preparer's signature until a pharmacist records one")
    return gap


def competency_warning(session: Session, user_id: int, batch_number: str, on: dt.date) -> str | None:
    """Under the rule ``warn``: the gap to show the preparer of ``batch_number`` (None otherwise)."""
    if competency_rule(session) != "warn":
        return None
    plan = session.scalar(select(Batch.plan).where(Batch.batch_number == batch_number.strip()))
    return competency_gap(session, user_id, batch_dosage_form(plan or {}), on)


# ---- complaints and adverse events -----------------------------------------------------------

@dataclass(frozen=True)
class ComplaintRow:
    id: int
    kind: str
    received_on: dt.date
    batch_number: str | None
    reported_by: str
    description: str
    serious: bool
    medwatch_on: dt.date | None
    outcome: str | None
    recorded_by: str
    version: int

    @property
    def reminder(self) -> str | None:
        return MEDWATCH_REMINDER if self.serious and self.kind == "adverse event" and self.medwatch_on is None else None


def record_complaint(
    session: Session, actor: Actor, kind: str, received_on: dt.date, reported_by: str, description: str, now: dt.datetime, *,
    batch_number: str | None = None, serious: bool = False,
) -> ComplaintRow:
    """A complaint or adverse event, with the batch when known. ``serious`` applies to an adverse
    event (death, hospitalisation, disability, life-threatening…: FDA MedWatch's "serious")."""
    actor = current_actor(session, actor)
    if kind not in COMPLAINT_KINDS:
        raise RecordError(f"kind: {kind!r}; give one of {', '.join(COMPLAINT_KINDS)}")
    if serious and kind != "adverse event":
        raise RecordError("serious: only an adverse event is marked serious (it is reported to MedWatch)")
    batch_id = None
    if batch_number is not None and batch_number.strip():
        batch_id = session.scalar(select(Batch.id).where(Batch.batch_number == batch_number.strip()))
        if batch_id is None:
            raise RecordError(f"batch: no batch {batch_number.strip()}")
    row = Complaint(kind=kind, received_on=received_on, batch_id=batch_id, reported_by=_req(reported_by, "reported by", limit=200),
                    description=_req(description, "description"), serious=serious, user_id=actor.id, at=now)
    _add(session, actor, row, f"record {kind}", now)
    return complaint(session, row.id)


def close_complaint(
    session: Session, actor: Actor, complaint_id: int, now: dt.datetime, *, outcome: str | None = None, medwatch_on: dt.date | None = None,
    expected_version: int | None = None,
) -> ComplaintRow:
    """A pharmacist records the outcome (investigation, action taken) and, for a serious adverse
    event, the date it was reported to MedWatch."""
    actor = current_actor(session, actor)
    _not_technician(actor, "records a complaint's outcome or its MedWatch report")
    row = session.get(Complaint, complaint_id)
    if row is None:
        raise RecordError(f"no complaint number {complaint_id}")
    refuse_if_changed(session, row, expected_version, f"complaint {complaint_id}")
    old = audit.snapshot(session, "complaint", row.id, lock=True)
    if outcome is not None:
        row.outcome = _req(outcome, "outcome")
    if medwatch_on is not None:
        if medwatch_on < row.received_on:
            raise RecordError(f"MedWatch report date: {medwatch_on.isoformat()} is before the complaint was received ({row.received_on.isoformat()})")
        row.medwatch_on = medwatch_on
    audit.record(session, actor, "update complaint", "complaint", row.id, old, now)
    return complaint(session, row.id)


def complaint(session: Session, complaint_id: int) -> ComplaintRow:
    found = [c for c in complaints(session) if c.id == complaint_id]
    if not found:
        raise RecordError(f"no complaint number {complaint_id}")
    return found[0]


def complaints(session: Session) -> list[ComplaintRow]:
    query = (
        select(Complaint, Batch.batch_number, User.full_name)
        .outerjoin(Batch, Batch.id == Complaint.batch_id).join(User, User.id == Complaint.user_id)
        .order_by(Complaint.received_on, Complaint.id)
    )
    return [
        ComplaintRow(c.id, c.kind, c.received_on, number, c.reported_by, c.description, c.serious, c.medwatch_on, c.outcome, by, c.row_version or 0)
        for c, number, by in session.execute(query)
    ]


# ---- SOP register ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SopRow:
    code: str
    title: str
    version: str
    effective_on: dt.date
    review_due: dt.date
    recorded_by: str


def register_sop(
    session: Session, actor: Actor, code: str, title: str, version: str, effective_on: dt.date, review_due: dt.date, now: dt.datetime,
) -> SopRow:
    """Enter an SOP in the register, or record its new version or review (same code)."""
    actor = current_actor(session, actor)
    _not_technician(actor, "keeps the SOP register")
    code_text = _req(code, "SOP code", limit=64)
    if review_due <= effective_on:
        raise RecordError(f"review due: {review_due.isoformat()} is not after the SOP took effect ({effective_on.isoformat()})")
    row = session.scalar(select(StandardProcedure).where(StandardProcedure.code == code_text).with_for_update())
    old = audit.snapshot(session, "sop", row.id) if row is not None else None
    if row is None:
        row = StandardProcedure(code=code_text)
        session.add(row)
    row.title, row.version = _req(title, "title", limit=200), _req(version, "version", limit=32)
    row.effective_on, row.review_due, row.user_id, row.at = effective_on, review_due, actor.id, now
    session.flush()
    audit.record(session, actor, "register SOP" if old is None else "review SOP", "sop", row.id, old, now)
    return SopRow(row.code, row.title, row.version, row.effective_on, row.review_due, _user_name(session, actor.id))


def sops(session: Session) -> list[SopRow]:
    query = select(StandardProcedure, User.full_name).join(User, User.id == StandardProcedure.user_id).order_by(StandardProcedure.code)
    return [SopRow(s.code, s.title, s.version, s.effective_on, s.review_due, by) for s, by in session.execute(query)]


def sop_warning(row: SopRow, today: dt.date) -> str | None:
    if row.review_due < today:
        return f"SOP {row.code} ({row.title}): review overdue since {row.review_due.isoformat()}"
    if (row.review_due - today).days <= REVIEW_WARN_DAYS:
        return f"SOP {row.code} ({row.title}): review due {row.review_due.isoformat()} (in {(row.review_due - today).days} days)"
    return None


def sop_warnings(session: Session, today: dt.date) -> list[str]:
    return [warning for row in sops(session) if (warning := sop_warning(row, today)) is not None]
