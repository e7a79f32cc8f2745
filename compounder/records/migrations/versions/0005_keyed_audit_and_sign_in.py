"""keyed audit trail, sign-in failures, pharmacy rules; master formulas and the batch counter audited

* ``audit_head.keyed_from`` / ``key_id``: from which entry the chain is signed with the pharmacy
  key (HMAC-SHA256), and with which key. The chain written before stays plain SHA-256 and is
  verified as before; ``database.migrate`` then appends the entry that introduces the key.
* ``app_user.failed_sign_ins`` / ``locked_at``: failed sign-ins, and the lock after five.
* ``pharmacy_rule``: the settings that change who may do what, changed by an administrator.
* ``master_formula`` and ``batch_counter`` join the audited tables: each existing row gets a
  baseline entry (plain SHA-256, before the key), so ``db check`` accounts for it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from compounder.records.model import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keyed_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("locked_at", UtcDateTime(), nullable=True))
    op.create_table(
        "pharmacy_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["changed_by"], ["app_user.id"], name=op.f("fk_pharmacy_rule_changed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pharmacy_rule")),
        sa.UniqueConstraint("name", name=op.f("uq_pharmacy_rule_name")),
    )
    _baseline()


def _baseline() -> None:
    """A plain SHA-256 entry for each existing master formula and day counter, chained on."""
    from compounder.records.audit import canonical, entry_hash

    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    formulas = sa.table(
        "master_formula", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("data", sa.JSON),
        sa.column("origin", sa.String), sa.column("reference_key", sa.String), sa.column("created_at", UtcDateTime()),
        sa.column("updated_at", UtcDateTime()), sa.column("approved_at", UtcDateTime()),
    )
    counters = sa.table("batch_counter", sa.column("day", sa.String), sa.column("last", sa.Integer))
    rows = [("master_formula", row["id"], dict(row)) for row in connection.execute(sa.select(formulas).order_by(formulas.c.id)).mappings()]
    rows += [("batch_counter", int(row["day"]), dict(row)) for row in connection.execute(sa.select(counters).order_by(counters.c.day)).mappings()]
    head = connection.execute(sa.text("SELECT sequence, last_hash FROM audit_head WHERE id = 1")).one()
    sequence, previous = head.sequence, head.last_hash
    for table_name, row_id, values in rows:
        sequence += 1
        fields = {
            "sequence": sequence, "at": now, "user_id": None, "username": "(migration 0005)", "action": "baseline",
            "table_name": table_name, "row_id": row_id, "old": None, "new": canonical(values),
        }
        digest = entry_hash(previous, fields)
        connection.execute(
            sa.text(
                "INSERT INTO audit_entry (sequence, at, user_id, username, action, table_name, row_id, old, new, previous_hash, hash) "
                "VALUES (:sequence, :at, :user_id, :username, :action, :table_name, :row_id, :old, :new, :previous, :hash)"
            ),
            {**fields, "previous": previous, "hash": digest},
        )
        previous = digest
    connection.execute(sa.text("UPDATE audit_head SET sequence = :s, last_hash = :h WHERE id = 1"), {"s": sequence, "h": previous})


def downgrade() -> None:
    op.drop_table("pharmacy_rule")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_sign_ins")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("keyed_from")
