"""lot quarantine and release, lot events, controlled-substance receipts

Adds ``lot_status`` (a lot received from now on waits in quarantine until a pharmacist reviews
its certificate of analysis and releases it), ``lot_event`` (corrections, adjustments, losses,
thefts, destructions and voids, each signed with a reason) and ``controlled_receipt`` (the
supplier, its DEA number and the invoice of a controlled substance received). No rows are
written: a lot received before has no status row and counts as released (it was, on receipt,
under the rules of the time), and its stock on hand is its receipt less what the prepared
batches drew, which ``remaining_ug`` already is.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("coa_assay_percent", sa.String(length=40), nullable=True),
        sa.Column("coa_expires", sa.Date(), nullable=True),
        sa.Column("identity_confirmed", sa.Boolean(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('quarantined', 'released', 'voided')", name=op.f("ck_lot_status_status")),
        sa.ForeignKeyConstraint(["lot_id"], ["ingredient_lot.id"], name=op.f("fk_lot_status_lot_id_ingredient_lot"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["app_user.id"], name=op.f("fk_lot_status_reviewed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_status")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_lot_status_lot_id")),
    )
    op.create_table(
        "lot_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quantity_ug", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("loss_type", sa.String(64), nullable=True),
        sa.Column("police", sa.Text(), nullable=True),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("witness_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('correction', 'adjustment', 'loss', 'theft', 'destruction', 'void')", name=op.f("ck_lot_event_kind")),
        sa.CheckConstraint("kind NOT IN ('loss', 'theft', 'destruction') OR quantity_ug < 0", name=op.f("ck_lot_event_takes_away")),
        sa.CheckConstraint("kind <> 'destruction' OR (witness_id IS NOT NULL AND witness_id <> user_id)", name=op.f("ck_lot_event_witnessed")),
        sa.ForeignKeyConstraint(["lot_id"], ["ingredient_lot.id"], name=op.f("fk_lot_event_lot_id_ingredient_lot"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_lot_event_user_id_app_user")),
        sa.ForeignKeyConstraint(["witness_id"], ["app_user.id"], name=op.f("fk_lot_event_witness_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_event")),
    )
    op.create_index(op.f("ix_lot_event_lot_id"), "lot_event", ["lot_id"])
    op.create_table(
        "controlled_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(8), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("supplier_address", sa.Text(), nullable=False),
        sa.Column("supplier_dea", sa.String(9), nullable=False),
        sa.Column("invoice_number", sa.String(64), nullable=False),
        sa.Column("order_form", sa.String(64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["ingredient_lot.id"], name=op.f("fk_controlled_receipt_lot_id_ingredient_lot"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_controlled_receipt_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_receipt")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_controlled_receipt_lot_id")),
    )


def downgrade() -> None:
    op.drop_table("controlled_receipt")
    op.drop_index(op.f("ix_lot_event_lot_id"), table_name="lot_event")
    op.drop_table("lot_event")
    op.drop_table("lot_status")
