"""aliquot weighings: each of an aliquot line's three weighings with its own target and actual

Adds ``aliquot_weighing``: for each aliquot line of a batch, the ingredient for the aliquot, the
diluent and the portion of the mixture, each with its target (as printed), actual, deviation,
source (balance ID or typed), who and when. Batches made before have no rows: their reprint
says the steps were not recorded in Compounder.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aliquot_weighing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_line_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("target_ug", sa.BigInteger(), nullable=False),
        sa.Column("actual_ug", sa.BigInteger(), nullable=True),
        sa.Column("deviation_percent", sa.String(length=40), nullable=True),
        sa.Column("out_of_tolerance", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=True),
        sa.Column("balance_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("step IN ('ingredient', 'diluent', 'portion')", name=op.f("ck_aliquot_weighing_step")),
        sa.CheckConstraint("actual_ug IS NULL OR actual_ug >= 0", name=op.f("ck_aliquot_weighing_actual_not_negative")),
        sa.CheckConstraint("source IS NULL OR source IN ('balance', 'typed')", name=op.f("ck_aliquot_weighing_source")),
        sa.ForeignKeyConstraint(["batch_line_id"], ["batch_line.id"], name=op.f("fk_aliquot_weighing_batch_line_id_batch_line"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_aliquot_weighing_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aliquot_weighing")),
        sa.UniqueConstraint("batch_line_id", "step", name="uq_aliquot_weighing_step"),
    )


def downgrade() -> None:
    op.drop_table("aliquot_weighing")
