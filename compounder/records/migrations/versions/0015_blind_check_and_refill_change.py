"""the independent double check at verification, and the signed refill comparison

Adds ``blind_check`` (each time a verifying pharmacist typed their own figures for a batch: what
they typed, what the plan said, whether all matched; kept whatever the outcome) and
``refill_change`` (the comparison of a refill with the patient's last batch on the Rx, signed by
a pharmacist; one per batch). Both new, empty, audited from their first row (issue 24). Whether
the pharmacy checks blind, and which lines, is a ``pharmacy_rule`` row ("blind_check"): none
stored means on, every active.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from compounder.records.column_types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blind_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("plan_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_blind_check_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_blind_check_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_check")),
    )
    op.create_index(op.f("ix_blind_check_batch_id"), "blind_check", ["batch_id"])
    op.create_table(
        "refill_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("previous_batch", sa.String(32), nullable=False),
        sa.Column("previous_version", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_refill_change_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["signed_by"], ["app_user.id"], name=op.f("fk_refill_change_signed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refill_change")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_refill_change_batch_id")),
    )


def downgrade() -> None:
    op.drop_table("refill_change")
    op.drop_index(op.f("ix_blind_check_batch_id"), table_name="blind_check")
    op.drop_table("blind_check")
