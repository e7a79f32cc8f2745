"""database identity: a random id stored in the database, so the head this workstation recorded
outside it applies to this database however its URL is spelled

``audit_head.database_id``: 32 hexadecimal digits drawn when the database is made (or when an
older one is migrated). The signed head file (``compounder.records.head_file``) is keyed by it and
by the resolved file or server, never by the URL's spelling.

``ix_audit_entry_target`` gains ``sequence``: the trail is replayed row by row (each entry's
"before" against the previous entry's "after") in index order, and a write reads the row's last
entry by it, without sorting.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("database_id", sa.String(32), nullable=True))
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_target")
        batch_op.create_index("ix_audit_entry_target", ["table_name", "row_id", "sequence"], unique=False)
    op.get_bind().execute(sa.text("UPDATE audit_head SET database_id = :id WHERE id = 1"), {"id": secrets.token_hex(16)})


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_target")
        batch_op.create_index("ix_audit_entry_target", ["table_name", "row_id"], unique=False)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("database_id")
