"""outbox and escalation policies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:15:16.520077
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types
from sqlalchemy.dialects import postgresql
from sqlalchemy import Text

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('escalation_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint')
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('recipient_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('next_attempt_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_at', models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', 'kind', 'level', 'seq', 'due_date', 'recipient', name='uq_notice_key')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_notice_pending', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_assignment_policy', 'escalation_policy', ['policy_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assignment_policy', type_='foreignkey')
        batch_op.drop_column('policy_id')

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_pending')
        batch_op.drop_index(batch_op.f('ix_notice_assignment_id'))

    op.drop_table('notice')
    op.drop_table('escalation_policy')
