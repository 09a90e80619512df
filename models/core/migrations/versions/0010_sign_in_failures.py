"""sign_in_failure: wrong passwords at the office sign-in, for throttling guesses

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("sign_in_failure",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_failure_email_at", "sign_in_failure", ["email", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_email_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
