"""The quality logs' tables (issue 25): registered balances and their daily checks with test
weights, the equipment and cleaning log, training and competency per person, complaints and
adverse events, the SOP register, and the contact and prescription details a recall needs
(patient address and phone; prescriber NPI, DEA number and the date the prescription was written).

On the records' one ``Base`` (``compounder.records.model``), so the audit trail replays them and
Alembic sees them (migration 0018). Every row is audited (``compounder.records.audit.AUDITED``).
"""

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compounder.records.model import Base, IntPk, Name, Percent, Timestamp, UserRef, Versioned

EQUIPMENT_KINDS = ("cleaning", "maintenance", "check")
COMPLAINT_KINDS = ("complaint", "adverse event")


class Balance(Versioned, Base):
    """A balance the pharmacy registered: ``code`` is the ID the balance sends with each reading
    (the station's configured balance ID, ``settings.balance_id``), and the one a typed weight
    names. ``tolerance_percent``: how far a test weight's reading may be from its value in the
    daily check, as the pharmacy's SOP sets it."""

    __tablename__ = "balance"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[Name]
    tolerance_percent: Mapped[Percent]
    calibration_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    certificate_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[Timestamp]
    created_by: Mapped[UserRef]


class BalanceCheck(Base):
    """One daily verification of a balance, append-only: who, when, the day it counts for, and
    whether every test weight read within the balance's tolerance."""

    __tablename__ = "balance_check"

    id: Mapped[IntPk]
    balance_id: Mapped[int] = mapped_column(ForeignKey("balance.id", ondelete="RESTRICT"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    checked_at: Mapped[Timestamp]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    tolerance_percent: Mapped[Percent]  # the balance's at the time of the check
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class BalanceCheckWeight(Base):
    """One test weight of a check: which weight, its value, what the balance read (micrograms)."""

    __tablename__ = "balance_check_weight"

    id: Mapped[IntPk]
    check_id: Mapped[int] = mapped_column(ForeignKey("balance_check.id", ondelete="RESTRICT"), index=True)
    weight: Mapped[Name]  # the test weight's identification, e.g. "100 g class F1, cert. 4411"
    nominal_ug: Mapped[int] = mapped_column(BigInteger)
    read_ug: Mapped[int] = mapped_column(BigInteger)
    deviation_percent: Mapped[Percent]
    passed: Mapped[bool] = mapped_column(Boolean)


class EquipmentEntry(Base):
    """One entry of the equipment and cleaning log, append-only."""

    __tablename__ = "equipment_entry"
    __table_args__ = (CheckConstraint("kind IN ('cleaning', 'maintenance', 'check')", name="kind"),)

    id: Mapped[IntPk]
    equipment: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(16))
    done_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]


class Competency(Base):
    """A person's assessed competency to prepare a dosage form, until ``valid_until``; signed by
    the pharmacist who assessed it."""

    __tablename__ = "competency"

    id: Mapped[IntPk]
    person_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    dosage_form: Mapped[str] = mapped_column(String(64))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[Timestamp]


class Complaint(Versioned, Base):
    """A complaint or adverse event, with the batch it is about when known; a serious adverse
    event waits for its MedWatch report date."""

    __tablename__ = "complaint"
    __table_args__ = (CheckConstraint("kind IN ('complaint', 'adverse event')", name="kind"),)

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[dt.date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), nullable=True, index=True)
    reported_by: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    serious: Mapped[bool] = mapped_column(Boolean)
    medwatch_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]


class StandardProcedure(Versioned, Base):
    """An SOP in the register: its code, title, version in force and when it is next reviewed."""

    __tablename__ = "sop"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[Name]
    version: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    review_due: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[Timestamp]


class PatientContact(Versioned, Base):
    """How to reach a patient (a recall must reach someone): postal address and phone."""

    __tablename__ = "patient_contact"

    id: Mapped[IntPk]
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="RESTRICT"), unique=True)
    address: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[Timestamp]
    updated_by: Mapped[UserRef]


class PrescriptionDetail(Versioned, Base):
    """The prescription behind a batch: the prescriber's NPI and DEA number (check digits
    validated, ``compounder.calc.prescriber_ids``) and the date it was written."""

    __tablename__ = "prescription_detail"

    id: Mapped[IntPk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="RESTRICT"), unique=True)
    prescriber_npi: Mapped[str | None] = mapped_column(String(10), nullable=True)
    prescriber_dea: Mapped[str | None] = mapped_column(String(9), nullable=True)
    written_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[Timestamp]
    updated_by: Mapped[UserRef]


__all__ = [
    "Balance", "BalanceCheck", "BalanceCheckWeight", "Competency", "Complaint", "EquipmentEntry", "PatientContact",
    "PrescriptionDetail", "StandardProcedure",
]
