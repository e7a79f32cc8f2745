"""decisions bound to their numbers, and the disposition of what a batch makes beyond the prescription

Adds ``batch_acknowledgement.fingerprint`` (the canonical SHA-256 of the numbers the finding
rested on when the pharmacist decided: ``compounder.calc.finding_numbers``) and
``batch_acknowledgement.voided_at`` (set when a change to those numbers voided the decision; the
pharmacist decides again). Decisions stored before have no fingerprint.

Adds ``batch.surplus_disposition``: what becomes of the quantity a batch makes beyond the
prescription's quantity to dispense, as the pharmacist recorded it (issue 28).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from compounder.records.column_types import UtcDateTime

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_acknowledgement") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))
        batch.add_column(sa.Column("voided_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("batch") as batch:
        batch.add_column(sa.Column("surplus_disposition", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.drop_column("surplus_disposition")
    with op.batch_alter_table("batch_acknowledgement") as batch:
        batch.drop_column("voided_at")
        batch.drop_column("fingerprint")
