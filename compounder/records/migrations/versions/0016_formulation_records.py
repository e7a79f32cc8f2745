"""the compounding record's QC results, deviations and remake links; the lot's supplier

Adds ``batch_qc_result`` (a batch's final weight with its yield, appearance and pH as entered
against the master formula's quality-control procedures), ``batch_deviation`` (a departure, its
reason and a pharmacist's decision), ``batch_remake`` (a batch made again in place of another)
and ``ingredient_lot.supplier`` (who sold the lot, beside its manufacturer) (issue 25).
Existing batches have no results, deviations or links; existing lots no supplier (shown as not
recorded). The master formulation record's own elements live in the formula's data
(``master_record``): a formula written before has none, and each shows as missing.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingredient_lot") as batch:
        batch.add_column(sa.Column("supplier", sa.String(200), nullable=True))
    op.create_table(
        "batch_qc_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("actual_ug", sa.BigInteger(), nullable=True),
        sa.Column("theoretical_ug", sa.BigInteger(), nullable=True),
        sa.Column("yield_percent", sa.String(length=40), nullable=True),
        sa.Column("ph", sa.String(length=40), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('final_weight', 'appearance', 'ph')", name=op.f("ck_batch_qc_result_kind")),
        sa.CheckConstraint("actual_ug IS NULL OR actual_ug > 0", name=op.f("ck_batch_qc_result_actual_positive")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_batch_qc_result_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["entered_by"], ["app_user.id"], name=op.f("fk_batch_qc_result_entered_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_qc_result")),
        sa.UniqueConstraint("batch_id", "kind", name="uq_batch_qc_result_kind"),
    )
    op.create_index(op.f("ix_batch_qc_result_batch_id"), "batch_qc_result", ["batch_id"])
    op.create_table(
        "batch_deviation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("decision IS NULL OR decision IN ('accepted', 'rejected')", name=op.f("ck_batch_deviation_decision")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_batch_deviation_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"], name=op.f("fk_batch_deviation_recorded_by_app_user")),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], name=op.f("fk_batch_deviation_decided_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_deviation")),
        sa.UniqueConstraint("batch_id", "number", name="uq_batch_deviation_number"),
    )
    op.create_index(op.f("ix_batch_deviation_batch_id"), "batch_deviation", ["batch_id"])
    op.create_table(
        "batch_remake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_batch_remake_batch_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["replaces_id"], ["batch.id"], name=op.f("fk_batch_remake_replaces_id_batch"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["linked_by"], ["app_user.id"], name=op.f("fk_batch_remake_linked_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_remake")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_batch_remake_batch_id")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_batch_remake_replaces_id")),
    )


def downgrade() -> None:
    op.drop_table("batch_remake")
    op.drop_index(op.f("ix_batch_deviation_batch_id"), table_name="batch_deviation")
    op.drop_table("batch_deviation")
    op.drop_index(op.f("ix_batch_qc_result_batch_id"), table_name="batch_qc_result")
    op.drop_table("batch_qc_result")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35 drops a plain column in place; a batch copy would drop and re-create
        # ingredient_lot, which the batches' lines refer to (refused with foreign keys on).
        op.execute("ALTER TABLE ingredient_lot DROP COLUMN supplier")
    else:
        op.drop_column("ingredient_lot", "supplier")
