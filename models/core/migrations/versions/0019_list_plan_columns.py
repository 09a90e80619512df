"""list_plan_columns: the task's plan on the assignment and on the search index, each indexed
(issue 16: the task list at national scale, 1,000,000 tasks)

* ``assignment.plan_id`` with ``ix_assignment_plan_due (plan_id, role, due_date, id)`` (PostgreSQL
  carries ``status`` in it): a plan's list for one quarter is a range of that index in the list's
  order, read up to the page. Before, the plan was known only through the task: PostgreSQL probed
  each of the plan's 9,800 tasks for its assignment (~40,000 buffers, 20-30 ms per page).
* ``task_search.plan_id`` with ``ix_task_search_plan_id``: a province's (its plans') folded texts are
  read in one range, not found through the trigram index over the whole country (39 ms for
  "giai doan 4711", whose common trigrams match every task).

``assignment.plan_id`` is the task's ``plan_id``, kept so by a trigger on both databases (every
writer: the ORM, bulk inserts, COPY): no code writing an assignment sets it. A task never changes
plan and an assignment never changes task. ``task_search.plan_id`` is written by its only writer,
``models.listing.search_index.refresh``, with the folded text. On SQLite a later migration that
copies ``assignment`` (batch mode) must create the trigger again.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0019"
down_revision: Union[str, None] = "0018"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGGER = "assignment_plan_id"


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    # plain ADD COLUMN on both databases (no table copy on SQLite: both tables are large)
    op.add_column("assignment", sa.Column("plan_id", sa.Integer(), nullable=True))
    op.add_column("task_search", sa.Column("plan_id", sa.Integer(), nullable=True))
    if postgres:
        op.execute("UPDATE assignment SET plan_id = task.plan_id FROM task WHERE task.id = assignment.task_id")
        op.execute("UPDATE task_search SET plan_id = task.plan_id FROM task WHERE task.id = task_search.task_id")
    else:
        op.execute("UPDATE assignment SET plan_id = (SELECT plan_id FROM task WHERE task.id = assignment.task_id)")
        op.execute("UPDATE task_search SET plan_id = (SELECT plan_id FROM task WHERE task.id = task_search.task_id)")
    op.create_index(
        "ix_assignment_plan_due",
        "assignment",
        ["plan_id", "role", "due_date", "id"],
        unique=False,
        postgresql_include=["status"],
    )
    op.create_index("ix_task_search_plan_id", "task_search", ["plan_id"], unique=False)
    if postgres:
        # in the schema being migrated (the first of the search path), reading its own task table
        op.execute(f"""CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.plan_id := (SELECT plan_id FROM task WHERE id = NEW.task_id);
    RETURN NEW;
END $$""")
        op.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF task_id, plan_id ON assignment "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )
    else:
        right = "(SELECT plan_id FROM task WHERE id = new.task_id)"
        fix = f"BEGIN UPDATE assignment SET plan_id = {right} WHERE id = new.id; END"
        op.execute(f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON assignment WHEN new.plan_id IS NOT {right} {fix}")
        op.execute(
            f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE OF task_id, plan_id ON assignment "
            f"WHEN new.plan_id IS NOT {right} {fix}"
        )
    if postgres:
        op.execute("ANALYZE assignment")
        op.execute("ANALYZE task_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON assignment")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_insert")
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_update")
    op.drop_index("ix_task_search_plan_id", table_name="task_search")
    op.drop_index("ix_assignment_plan_due", table_name="assignment")
    # ALTER TABLE ... DROP COLUMN on both (SQLite has it since 3.35; a batch copy of assignment would
    # drop it while progress_update and notice point at it, which SQLite refuses with foreign keys on)
    op.execute("ALTER TABLE task_search DROP COLUMN plan_id")
    op.execute("ALTER TABLE assignment DROP COLUMN plan_id")
