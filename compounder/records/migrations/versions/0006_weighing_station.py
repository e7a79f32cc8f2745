"""weighing station: how each line was weighed and confirmed, and every scan and reading

Adds to ``batch_line`` where the weight came from (balance or typed), the balance's ID, and how
the container was confirmed (scanned or by hand); adds ``weighing_event``, one append-only row
per scan, confirmation by hand and recorded weight.

Revision ID: 0006
Revises: 0004 (to be re-chained after 0005)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_line") as batch:
        batch.add_column(sa.Column("weight_source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("balance_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("identity", sa.String(16), nullable=True))
    op.create_table(
        "weighing_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("scanned", sa.Text(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("actual_ug", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(16), nullable=True),
        sa.Column("reading", sa.Text(), nullable=True),
        sa.Column("balance_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('scan', 'hand', 'weight')", name=op.f("ck_weighing_event_kind")),
        sa.CheckConstraint("source IS NULL OR source IN ('balance', 'typed')", name=op.f("ck_weighing_event_source")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_weighing_event_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["lot_id"], ["ingredient_lot.id"], name=op.f("fk_weighing_event_lot_id_ingredient_lot")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_weighing_event_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighing_event")),
    )
    op.create_index(op.f("ix_weighing_event_batch_id"), "weighing_event", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_weighing_event_batch_id"), table_name="weighing_event")
    op.drop_table("weighing_event")
    with op.batch_alter_table("batch_line") as batch:
        batch.drop_column("identity")
        batch.drop_column("balance_id")
        batch.drop_column("weight_source")
