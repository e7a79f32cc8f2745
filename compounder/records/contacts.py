"""The contact and prescription details a recall needs (issue 25): a patient's address and
phone, and the prescriber's NPI and DEA number and the date the prescription was written, kept
beside the patient and the batch (``model_quality.PatientContact``, ``PrescriptionDetail``),
audited. NPI and DEA numbers are refused when their check digit does not match
(``compounder.calc.prescriber_ids``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from compounder.calc.errors import InputError
from compounder.calc.prescriber_ids import parse_dea, parse_npi
from compounder.records import audit
from compounder.records.edit_versions import refuse_if_changed, version_of
from compounder.records.model import Batch, Patient
from compounder.records.model_quality import PatientContact, PrescriptionDetail
from compounder.records.patients import may_edit_profiles
from compounder.records.people import current_actor
from compounder.records.policy import Actor, RecordError

_PHONE = re.compile(r"\+?[0-9 ()./-]{7,40}")
MAX_ADDRESS = 500


@dataclass(frozen=True)
class Contact:
    address: str
    phone: str
    version: int


@dataclass(frozen=True)
class Prescription:
    npi: str | None
    dea: str | None
    written_on: dt.date | None


def parse_phone(text: str) -> str:
    phone = " ".join(text.split())
    if not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 7:
        raise RecordError(f"phone: {text.strip()!r}; give a number of at least 7 digits, e.g. (555) 010-2030 or +1 555 010 2030")
    return phone


def set_contact(
    session: Session, actor: Actor, patient_id: int, address: str, phone: str, now: dt.datetime, *, expected_version: int | None = None,
) -> Contact:
    """Record (or change) how to reach the patient; both the address and the phone are asked for,
    so that a recall reaches someone."""
    actor = current_actor(session, actor)
    may_edit_profiles(actor)
    if session.get(Patient, patient_id) is None:
        raise RecordError(f"no patient number {patient_id}")
    where = "\n".join(line.strip() for line in address.strip().splitlines() if line.strip())
    if not where:
        raise RecordError("address: required (street, city, state and ZIP code), so that a recall can reach the patient")
    if len(where) > MAX_ADDRESS:
        raise RecordError(f"address: at most {MAX_ADDRESS} characters")
    number = parse_phone(phone)
    row = session.scalar(select(PatientContact).where(PatientContact.patient_id == patient_id).with_for_update())
    if row is not None:
        refuse_if_changed(session, row, expected_version, "the patient's contact details")
    old = audit.snapshot(session, "patient_contact", row.id) if row is not None else None
    if row is None:
        row = PatientContact(patient_id=patient_id)
        session.add(row)
    row.address, row.phone, row.updated_at, row.updated_by = where, number, now, actor.id
    session.flush()
    audit.record(session, actor, "patient contact", "patient_contact", row.id, old, now)
    return Contact(row.address, row.phone, version_of(row))


def contact(session: Session, patient_id: int) -> Contact | None:
    row = session.scalar(select(PatientContact).where(PatientContact.patient_id == patient_id))
    return None if row is None else Contact(row.address, row.phone, version_of(row))


def set_prescription(
    session: Session, actor: Actor, batch_number: str, now: dt.datetime, *, npi: str | None = None, dea: str | None = None,
    written_on: dt.date | None = None,
) -> Prescription:
    """Record the prescriber's NPI and DEA number and the date written for the batch's
    prescription (each check digit verified; the date written is not after the batch was made)."""
    actor = current_actor(session, actor)
    may_edit_profiles(actor)
    batch = session.scalar(select(Batch).where(Batch.batch_number == batch_number.strip()))
    if batch is None:
        raise RecordError(f"no batch {batch_number.strip()}")
    try:
        npi_value = parse_npi(npi, "prescriber NPI") if npi and npi.strip() else None
        dea_value = parse_dea(dea, "prescriber DEA number") if dea and dea.strip() else None
    except InputError as error:
        raise RecordError(str(error)) from None
    if written_on is not None and written_on > batch.compounded_on:
        raise RecordError(f"date written: {written_on.isoformat()} is after the batch was compounded ({batch.compounded_on.isoformat()})")
    row = session.scalar(select(PrescriptionDetail).where(PrescriptionDetail.batch_id == batch.id).with_for_update())
    old = audit.snapshot(session, "prescription_detail", row.id) if row is not None else None
    if row is None:
        row = PrescriptionDetail(batch_id=batch.id)
        session.add(row)
    row.prescriber_npi, row.prescriber_dea, row.written_on = npi_value, dea_value, written_on
    row.updated_at, row.updated_by = now, actor.id
    session.flush()
    audit.record(session, actor, "prescription details", "prescription_detail", row.id, old, now)
    return Prescription(row.prescriber_npi, row.prescriber_dea, row.written_on)


def prescription(session: Session, batch_number: str) -> Prescription | None:
    row = session.scalar(
        select(PrescriptionDetail).join(Batch, Batch.id == PrescriptionDetail.batch_id).where(Batch.batch_number == batch_number.strip())
    )
    return None if row is None else Prescription(row.prescriber_npi, row.prescriber_dea, row.written_on)
