"""patient screening profile, the "checked by" signature, signed acknowledgements of findings

The new patient and batch columns are all nullable and start empty: an existing patient's
profile is "not recorded" (the screening says so) rather than "nothing known". The audit check
treats a column that is still empty as not changed, so existing rows keep verifying.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_kg', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('allergies', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('conditions', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('medications', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('medication_notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('profile_updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('profile_updated_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_patient_profile_updated_by_app_user'), 'app_user', ['profile_updated_by'], ['id'])

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_batch_checked_by_app_user'), 'app_user', ['checked_by'], ['id'])

    op.create_table('batch_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("severity IN ('warning', 'error')", name=op.f('ck_batch_acknowledgement_severity')),
    sa.CheckConstraint("action IN ('acknowledged', 'overridden')", name=op.f('ck_batch_acknowledgement_action')),
    sa.CheckConstraint("(severity = 'warning' AND action = 'acknowledged') OR (severity = 'error' AND action = 'overridden')", name=op.f('ck_batch_acknowledgement_action_fits_severity')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_batch_acknowledgement_batch_id_batch'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_batch_acknowledgement_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_acknowledgement')),
    sa.UniqueConstraint('batch_id', 'code', name='uq_batch_acknowledgement_code')
    )
    with op.batch_alter_table('batch_acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_acknowledgement_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('batch_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_acknowledgement_batch_id'))
    op.drop_table('batch_acknowledgement')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_batch_checked_by_app_user'), type_='foreignkey')
        batch_op.drop_column('checked_by')
        batch_op.drop_column('checked_at')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_patient_profile_updated_by_app_user'), type_='foreignkey')
        for column in ('profile_updated_by', 'profile_updated_at', 'medication_notes', 'medications', 'conditions', 'allergies', 'weight_kg'):
            batch_op.drop_column(column)
