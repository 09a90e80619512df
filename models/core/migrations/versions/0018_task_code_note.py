"""task_code_note: a task's code in the plan ("Mã nhiệm vụ": KH12_CĐS_01.2), its reference outside
dondoc, and the note kept from its deadline cell ("30/6/2026 (giai đoạn thí điểm)", "Từ Quý II/2026")

Both are plain text without a length limit: a code or a note is whatever the plan's cell says.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = "0018"
down_revision: Union[str, None] = "0017"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases (no table copy on SQLite: the task table is large)
    op.add_column("task", sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("task", sa.Column("deadline_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite has it since 3.35): a batch copy of the task table
    # would drop it while assignment, notice and the rest still point at it, which SQLite refuses
    # with foreign keys on
    op.execute("ALTER TABLE task DROP COLUMN deadline_note")
    op.execute("ALTER TABLE task DROP COLUMN code")
