"""staff_session: office sign-ins kept on the server (ended by sign-out, a password reset or
expiry); sign_in_failure by client address, for the per-address budget of wrong passwords

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-10
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = "0012"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("staff_session",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("created_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("expires_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("key", name="uq_staff_session_key"),
    )
    op.create_index(op.f("ix_staff_session_user_id"), "staff_session", ["user_id"], unique=False)
    op.create_index("ix_sign_in_failure_client_at", "sign_in_failure", ["client", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_client_at", table_name="sign_in_failure")
    op.drop_index(op.f("ix_staff_session_user_id"), table_name="staff_session")
    op.drop_table("staff_session")
