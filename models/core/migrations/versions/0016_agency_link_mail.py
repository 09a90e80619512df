"""agency_link_mail: the outbox of an agency's link mails (asked for from a dead link, sent again
by the office, mailed after a revocation), listed in /outbox and resent from there like the notices

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-13
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = "0016"
down_revision: Union[str, None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("agency_link_mail",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("agency_id", sa.Integer(), nullable=False),
    sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("recipient_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column("next_attempt_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column("claimed_at", models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("sent_at", models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column("created_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], ),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_agency_link_mail_agency_id"), "agency_link_mail", ["agency_id"], unique=False)
    op.create_index("ix_agency_link_mail_pending", "agency_link_mail", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agency_link_mail_pending", table_name="agency_link_mail")
    op.drop_index(op.f("ix_agency_link_mail_agency_id"), table_name="agency_link_mail")
    op.drop_table("agency_link_mail")
