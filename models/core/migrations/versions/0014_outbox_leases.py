"""outbox leases: outbox_sender (a running sender's heartbeat, owner of its claims) and outbox_send
(the Message-ID ledger: written before a message's DATA ends, marked accepted after the server's 250)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("outbox_sender",
    sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("outbox", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column("process", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column("started_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("heartbeat_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_table("outbox_send",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("outbox", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("written_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("accepted_at", models.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outbox_send_sender_id"), "outbox_send", ["sender_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_send_sender_id"), table_name="outbox_send")
    op.drop_table("outbox_send")
    op.drop_table("outbox_sender")
