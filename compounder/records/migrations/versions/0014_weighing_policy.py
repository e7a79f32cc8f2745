"""a typed weight's signed reason, where the pharmacy requires the balance

Adds ``batch_line.weight_reason`` and ``batch_line.weight_reason_by`` (and the same on
``aliquot_weighing``): the reason a pharmacist signed, with their password, for a weight typed
where the pharmacy's weighing policy requires the balance (issue 28, observation 9). Set with the
weight, in the same write; a weight read from the balance clears them. Rows stored before have
none (no policy asked for one then).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("batch_line", "aliquot_weighing"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("weight_reason", sa.Text(), nullable=True))
            batch.add_column(sa.Column("weight_reason_by", sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f(f"fk_{table}_weight_reason_by_app_user"), "app_user", ["weight_reason_by"], ["id"])


def downgrade() -> None:
    for table in ("aliquot_weighing", "batch_line"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_weight_reason_by_app_user"), type_="foreignkey")
            batch.drop_column("weight_reason_by")
            batch.drop_column("weight_reason")
