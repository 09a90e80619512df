"""assignment: a partial index of the assignments without an escalation policy

Every sweep first gives unscheduled assignments their plan's policy. Finding them read every
task and its assignments (83 ms at 100,000 on SQLite, a sixth of the sweep's own work) although
there are almost never any: imports write the policy with each new row. The index holds only
the rows still without one, so it is empty as a rule and costs imports nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_UNSCHEDULED = sa.text("policy_id IS NULL")


def upgrade() -> None:
    op.create_index("ix_assignment_unscheduled", "assignment", ["task_id"], unique=False,
                    sqlite_where=_UNSCHEDULED, postgresql_where=_UNSCHEDULED)


def downgrade() -> None:
    op.drop_index("ix_assignment_unscheduled", table_name="assignment")
