"""notice: drop ix_notice_assignment_id, which uq_notice_key (assignment_id first) already covers

Every notice a sweep writes updated both; the unique key serves the look-ups by assignment
(cancelling an assignment's pending notices, the task page) and the foreign key's checks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from typing import Sequence, Union

from alembic import op


revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index("ix_notice_assignment_id", table_name="notice")


def downgrade() -> None:
    op.create_index("ix_notice_assignment_id", "notice", ["assignment_id"], unique=False)
