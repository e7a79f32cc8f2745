"""records: formula versions, users, patients, lots, batches, audit trail

Every existing master formula becomes its version 1 (approved if it was), recorded in the new
audit trail so that ``compounder db check`` finds every version accounted for.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('technician', 'pharmacist', 'administrator')", name=op.f('ck_app_user_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('batch_counter',
    sa.Column('day', sa.String(length=6), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_batch_counter'))
    )
    op.create_table('patient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('search_key', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient'))
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_search_key'), ['search_key'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_audit_entry_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('sequence', name=op.f('uq_audit_entry_sequence'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_target', ['table_name', 'row_id'], unique=False)

    op.create_table('ingredient_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ingredient', sa.String(length=200), nullable=False),
    sa.Column('stock_form', sa.String(length=200), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.Column('lot_number', sa.String(length=64), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('potency_percent', sa.String(length=40), nullable=True),
    sa.Column('received_ug', sa.BigInteger(), nullable=False),
    sa.Column('remaining_ug', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('received_ug > 0', name=op.f('ck_ingredient_lot_received_positive')),
    sa.CheckConstraint('remaining_ug >= 0 AND remaining_ug <= received_ug', name=op.f('ck_ingredient_lot_remaining_in_range')),
    sa.ForeignKeyConstraint(['received_by'], ['app_user.id'], name=op.f('fk_ingredient_lot_received_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingredient_lot')),
    sa.UniqueConstraint('stock_form', 'manufacturer', 'lot_number', name='uq_ingredient_lot_identity')
    )
    with op.batch_alter_table('ingredient_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingredient_lot_expires'), ['expires'], unique=False)
        batch_op.create_index(batch_op.f('ix_ingredient_lot_ingredient'), ['ingredient'], unique=False)
        batch_op.create_index(batch_op.f('ix_ingredient_lot_lot_number'), ['lot_number'], unique=False)

    op.create_table('master_formula_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('master_formula_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['app_user.id'], name=op.f('fk_master_formula_version_approved_by_app_user')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_master_formula_version_created_by_app_user')),
    sa.ForeignKeyConstraint(['master_formula_id'], ['master_formula.id'], name=op.f('fk_master_formula_version_master_formula_id_master_formula'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_master_formula_version')),
    sa.UniqueConstraint('master_formula_id', 'version', name='uq_master_formula_version_number')
    )
    with op.batch_alter_table('master_formula_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_master_formula_version_master_formula_id'), ['master_formula_id'], unique=False)

    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_number', sa.String(length=20), nullable=False),
    sa.Column('formula_version_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('rx_number', sa.String(length=40), nullable=False),
    sa.Column('prescriber', sa.String(length=200), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('compounded_on', sa.Date(), nullable=False),
    sa.Column('beyond_use', sa.Date(), nullable=False),
    sa.Column('tolerance_percent', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('prepared_at', sa.DateTime(), nullable=True),
    sa.Column('prepared_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('dispensed_at', sa.DateTime(), nullable=True),
    sa.Column('dispensed_by', sa.Integer(), nullable=True),
    sa.Column('rejected_at', sa.DateTime(), nullable=True),
    sa.Column('rejected_by', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('amendment_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'prepared', 'verified', 'dispensed', 'rejected')", name=op.f('ck_batch_status')),
    sa.ForeignKeyConstraint(['amends_id'], ['batch.id'], name=op.f('fk_batch_amends_id_batch')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_batch_created_by_app_user')),
    sa.ForeignKeyConstraint(['dispensed_by'], ['app_user.id'], name=op.f('fk_batch_dispensed_by_app_user')),
    sa.ForeignKeyConstraint(['formula_version_id'], ['master_formula_version.id'], name=op.f('fk_batch_formula_version_id_master_formula_version')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_batch_patient_id_patient')),
    sa.ForeignKeyConstraint(['prepared_by'], ['app_user.id'], name=op.f('fk_batch_prepared_by_app_user')),
    sa.ForeignKeyConstraint(['rejected_by'], ['app_user.id'], name=op.f('fk_batch_rejected_by_app_user')),
    sa.ForeignKeyConstraint(['verified_by'], ['app_user.id'], name=op.f('fk_batch_verified_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('batch_number', name=op.f('uq_batch_batch_number'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_amends_id'), ['amends_id'], unique=False)
        batch_op.create_index('ix_batch_compounded_on', ['compounded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_formula_version_id'), ['formula_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_rx_number'), ['rx_number'], unique=False)

    op.create_table('batch_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('target_ug', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('actual_ug', sa.BigInteger(), nullable=True),
    sa.Column('deviation_percent', sa.String(length=40), nullable=True),
    sa.Column('out_of_tolerance', sa.Boolean(), nullable=False),
    sa.CheckConstraint('actual_ug IS NULL OR actual_ug >= 0', name=op.f('ck_batch_line_actual_not_negative')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_batch_line_batch_id_batch'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['ingredient_lot.id'], name=op.f('fk_batch_line_lot_id_ingredient_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_line')),
    sa.UniqueConstraint('batch_id', 'position', name='uq_batch_line_position')
    )
    with op.batch_alter_table('batch_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_line_lot_id'), ['lot_id'], unique=False)

    _versions_of_existing_formulas()


def _versions_of_existing_formulas() -> None:
    from compounder.records.audit import GENESIS, canonical, entry_hash

    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    version_table = sa.table(
        "master_formula_version",
        sa.column("id", sa.Integer), sa.column("master_formula_id", sa.Integer), sa.column("version", sa.Integer),
        sa.column("name", sa.String), sa.column("data", sa.JSON), sa.column("created_at", sa.DateTime),
        sa.column("created_by", sa.Integer), sa.column("approved_at", sa.DateTime), sa.column("approved_by", sa.Integer),
    )
    formulas = connection.execute(sa.text("SELECT id FROM master_formula ORDER BY id")).scalars().all()
    connection.execute(
        sa.text(
            "INSERT INTO master_formula_version (master_formula_id, version, name, data, created_at, approved_at) "
            "SELECT id, 1, name, data, created_at, approved_at FROM master_formula"
        )
    )
    previous, sequence = GENESIS, 0
    for formula_id in formulas:
        version = connection.execute(sa.select(version_table).where(version_table.c.master_formula_id == formula_id)).mappings().one()
        version_id = version["id"]
        sequence += 1
        fields = {
            "sequence": sequence, "at": now, "user_id": None, "username": "(migration 0002)", "action": "create",
            "table_name": "master_formula_version", "row_id": version_id, "old": None, "new": canonical(dict(version)),
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
    connection.execute(sa.text("INSERT INTO audit_head (id, sequence, last_hash) VALUES (1, :s, :h)"), {"s": sequence, "h": previous})



def downgrade() -> None:
    with op.batch_alter_table('batch_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_line_lot_id'))

    op.drop_table('batch_line')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_rx_number'))
        batch_op.drop_index(batch_op.f('ix_batch_patient_id'))
        batch_op.drop_index(batch_op.f('ix_batch_formula_version_id'))
        batch_op.drop_index('ix_batch_compounded_on')
        batch_op.drop_index(batch_op.f('ix_batch_amends_id'))

    op.drop_table('batch')
    with op.batch_alter_table('master_formula_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_master_formula_version_master_formula_id'))

    op.drop_table('master_formula_version')
    with op.batch_alter_table('ingredient_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingredient_lot_lot_number'))
        batch_op.drop_index(batch_op.f('ix_ingredient_lot_ingredient'))
        batch_op.drop_index(batch_op.f('ix_ingredient_lot_expires'))

    op.drop_table('ingredient_lot')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_target')

    op.drop_table('audit_entry')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_search_key'))

    op.drop_table('patient')
    op.drop_table('batch_counter')
    op.drop_table('audit_head')
    op.drop_table('app_user')
