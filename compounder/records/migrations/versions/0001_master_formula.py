"""master_formula: the formula library

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "master_formula",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("reference_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("origin IN ('reference', 'pharmacy')", name=op.f("ck_master_formula_origin")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_formula")),
        sa.UniqueConstraint("reference_key", name=op.f("uq_master_formula_reference_key")),
    )


def downgrade() -> None:
    op.drop_table("master_formula")
