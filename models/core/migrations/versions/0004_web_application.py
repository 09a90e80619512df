"""web application: staff users, extension requests, evidence, link generation, task search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:37:37.974270
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('staff_user',
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email', name='uq_staff_user_email')
    )
    op.create_table('evidence',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name', name='uq_evidence_stored_name')
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('extension_request',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('current_due_date', sa.Date(), nullable=True),
    sa.Column('requested_due_date', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_extension_request_state', ['state'], unique=False)

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_generation', sa.Integer(), server_default='0', nullable=False))

    op.create_table('task_search',
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('folded', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_updated_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('task_id')
    )
    with op.batch_alter_table('task_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_search_source_updated_at'), ['source_updated_at'], unique=False)

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_role_agency_state',
                              ['role', 'agency_id', 'status', 'due_date', 'completed_on', 'task_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_role_agency_state')

    with op.batch_alter_table('task_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_search_source_updated_at'))

    op.drop_table('task_search')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('link_generation')

    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index('ix_extension_request_state')
        batch_op.drop_index(batch_op.f('ix_extension_request_assignment_id'))

    op.drop_table('extension_request')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_assignment_id'))

    op.drop_table('evidence')
    op.drop_table('staff_user')
