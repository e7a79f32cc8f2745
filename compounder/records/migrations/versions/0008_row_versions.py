"""row versions: every record a person edits counts its changes

Adds ``row_version`` (NULL until the row's first change after this migration, then 1, 2, …) to the
master formulas, users, patients, lots, batches, batch lines, pharmacy rules and aliquot
weighings. A save is made on top of the version the person saw; one that changed underneath is
refused (``records.edit_versions``) instead of silently overwriting another workstation's change.
NULL, not 0, for the rows already there: an empty new column is not a change the audit trail
must have recorded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("master_formula", "app_user", "patient", "ingredient_lot", "batch", "batch_line", "pharmacy_rule", "aliquot_weighing")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("row_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.drop_column("row_version")
