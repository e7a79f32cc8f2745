"""prefix-search indexes for PostgreSQL

History searches a patient's name and a batch number by their start (``LIKE 'abc%'``). On
PostgreSQL an ordinary index follows the database's collation, which cannot answer a prefix
match unless the collation is "C"; these indexes use ``text_pattern_ops`` (byte order), which
can. SQLite compares text by bytes already and needs nothing: on SQLite this migration does
nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = (("ix_patient_search_key_prefix", "patient", "search_key"), ("ix_batch_batch_number_prefix", "batch", "batch_number"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], postgresql_ops={column: "text_pattern_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
