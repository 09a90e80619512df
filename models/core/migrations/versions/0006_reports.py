"""reports: indicators and their values, agencies' period reports, report runs and their
delivery; audit events get the day a change took effect

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import models.core.types


revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('owner_text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('owner_agency_id', sa.Integer(), nullable=True),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('targets', JSON, nullable=False),
    sa.Column('source_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'key', name='uq_indicator_plan_key')
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_plan_id'), ['plan_id'], unique=False)

    op.create_table('report_run',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('files', JSON, nullable=False),
    sa.Column('summary', JSON, nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('generated_at', models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_key', name='uq_report_run_schedule_key')
    )
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_run_plan_id'), ['plan_id'], unique=False)

    op.create_table('report_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_run_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['report_run_id'], ['report_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_run_id', 'recipient', name='uq_report_delivery_key')
    )
    with op.batch_alter_table('report_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_report_delivery_pending', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_delivery_report_run_id'), ['report_run_id'], unique=False)

    op.create_table('report_submission',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('narratives', JSON, nullable=False),
    sa.Column('indicator_values', JSON, nullable=False),
    sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('submitted_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name', name='uq_report_submission_stored_name')
    )
    with op.batch_alter_table('report_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submission_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_submission_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submission.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator_id'), ['indicator_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('effective_on')

    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_indicator_id'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('report_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submission_plan_id'))
        batch_op.drop_index(batch_op.f('ix_report_submission_agency_id'))

    op.drop_table('report_submission')
    with op.batch_alter_table('report_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_delivery_report_run_id'))
        batch_op.drop_index('ix_report_delivery_pending')

    op.drop_table('report_delivery')
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_run_plan_id'))

    op.drop_table('report_run')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_plan_id'))

    op.drop_table('indicator')
