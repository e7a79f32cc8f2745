"""quality logs, and the contact and prescription details a recall needs

Adds the tables of ``compounder.records.model_quality`` (issue 25): ``balance`` (the pharmacy's
registered balances, with the daily check's tolerance and the calibration and certificate due
dates), ``balance_check`` and ``balance_check_weight`` (each daily verification with its test
weights), ``equipment_entry`` (equipment and cleaning log), ``competency`` (training and competency
per person and dosage form), ``complaint`` (complaints and adverse events), ``sop`` (the SOP
register), ``patient_contact`` (address and phone) and ``prescription_detail`` (prescriber NPI, DEA
number, date written). All new: existing rows are not touched, and a database with no registered
balance weighs as before (``compounder.records.quality_balance``).

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from compounder.records.column_types import UtcDateTime
from compounder.records.model import ExactDecimal

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _user(table: str, name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("app_user.id", name=op.f(f"fk_{table}_{name}_app_user")), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "balance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tolerance_percent", ExactDecimal(), nullable=False),
        sa.Column("calibration_due", sa.Date(), nullable=True),
        sa.Column("certificate_due", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user("balance", "created_by", True),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance")),
        sa.UniqueConstraint("code", name=op.f("uq_balance_code")),
    )
    op.create_table(
        "balance_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("balance_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("checked_at", UtcDateTime(), nullable=False),
        _user("balance_check", "user_id"),
        sa.Column("tolerance_percent", ExactDecimal(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["balance_id"], ["balance.id"], name=op.f("fk_balance_check_balance_id_balance"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_check")),
    )
    op.create_index(op.f("ix_balance_check_balance_id"), "balance_check", ["balance_id"])
    op.create_table(
        "balance_check_weight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.String(200), nullable=False),
        sa.Column("nominal_ug", sa.BigInteger(), nullable=False),
        sa.Column("read_ug", sa.BigInteger(), nullable=False),
        sa.Column("deviation_percent", ExactDecimal(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["balance_check.id"], name=op.f("fk_balance_check_weight_check_id_balance_check"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_check_weight")),
    )
    op.create_index(op.f("ix_balance_check_weight_check_id"), "balance_check_weight", ["check_id"])
    op.create_table(
        "equipment_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _user("equipment_entry", "user_id"),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('cleaning', 'maintenance', 'check')", name=op.f("ck_equipment_entry_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_entry")),
    )
    op.create_table(
        "competency",
        sa.Column("id", sa.Integer(), nullable=False),
        _user("competency", "person_id"),
        sa.Column("dosage_form", sa.String(64), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        _user("competency", "assessor_id"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency")),
    )
    op.create_index(op.f("ix_competency_person_id"), "competency", ["person_id"])
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("medwatch_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        _user("complaint", "user_id"),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('complaint', 'adverse event')", name=op.f("ck_complaint_kind")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_complaint_batch_id_batch"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
    )
    op.create_index(op.f("ix_complaint_batch_id"), "complaint", ["batch_id"])
    op.create_table(
        "sop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        _user("sop", "user_id"),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sop")),
        sa.UniqueConstraint("code", name=op.f("uq_sop_code")),
    )
    op.create_table(
        "patient_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _user("patient_contact", "updated_by", True),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_contact_patient_id_patient"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_contact")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_contact_patient_id")),
    )
    op.create_table(
        "prescription_detail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("prescriber_npi", sa.String(10), nullable=True),
        sa.Column("prescriber_dea", sa.String(9), nullable=True),
        sa.Column("written_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _user("prescription_detail", "updated_by", True),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_prescription_detail_batch_id_batch"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_detail")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_prescription_detail_batch_id")),
    )


def downgrade() -> None:
    for table in ("prescription_detail", "patient_contact", "sop", "complaint", "competency", "equipment_entry", "balance_check_weight",
                  "balance_check", "balance"):
        op.drop_table(table)
