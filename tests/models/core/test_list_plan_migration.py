"""Migration 0019 (issue 16): the task's plan on the assignment (kept by a trigger, whoever writes
the row) and on the search index (written by its refresh), filled in for the rows already there
and dropped again by the downgrade. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, col

from flows.importing.flow import import_plan
from models.core.db import alembic_config, upgrade
from models.core.tables import OPEN, Agency, Assignment, Task
from models.listing.search_index import refresh
from tests.conftest import PLANS


def _wrong_plans(engine: sa.Engine, table: str) -> int:
    """Rows of ``table`` whose plan_id is not their task's plan (NULL counted as wrong)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    f"SELECT count(*) FROM {table} x JOIN task t ON t.id = x.task_id "
                    "WHERE x.plan_id IS NULL OR x.plan_id <> t.plan_id"
                )
            ).scalar_one()
        )


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_it_gives_every_assignment_its_tasks_plan_whoever_writes_it(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    assert _count(engine, "assignment") > 0
    assert _wrong_plans(engine, "assignment") == 0  # written by the import (the ORM)
    with Session(engine) as s:
        task = s.execute(sa.select(Task).order_by(col(Task.id).desc())).scalars().first()
        agency = s.execute(sa.select(Agency).where(col(Agency.kind) != "office")).scalars().first()
        assert task is not None and agency is not None
        s.add(
            Assignment(
                task_id=task.id,
                agency_id=agency.id,
                role="coordinating",
                status=OPEN,
                plan_id=task.plan_id + 1000,
            )
        )  # a wrong plan given is put right
        s.commit()
        # a bulk insert through the core, without the column
        s.execute(
            sa.insert(Assignment),
            [{"task_id": task.id, "agency_id": agency.id, "role": "lead", "status": OPEN, "percent": 0}],
        )
        s.commit()
        # an update that moves the plan away is put back
        s.execute(sa.update(Assignment).where(Assignment.task_id == task.id).values(plan_id=None))
        s.commit()
    assert _wrong_plans(engine, "assignment") == 0


def test_the_search_index_carries_the_tasks_plan(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    with Session(engine) as s:
        assert refresh(s) > 0
        s.commit()
    assert _count(engine, "task_search") > 0
    assert _wrong_plans(engine, "task_search") == 0


def test_it_fills_the_rows_already_there_and_its_downgrade_drops_the_columns(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    with Session(engine) as s:
        refresh(s)
        s.commit()
    command.downgrade(alembic_config(engine), "0018")
    columns = {t: {c["name"] for c in sa.inspect(engine).get_columns(t)} for t in ("assignment", "task_search")}
    assert "plan_id" not in columns["assignment"] and "plan_id" not in columns["task_search"]
    with engine.begin() as conn:  # written under 0018: no plan column, no trigger
        conn.execute(
            sa.text(
                "INSERT INTO assignment (task_id, agency_id, role, status, percent, created_at, "
                "updated_at) SELECT task_id, agency_id, 'coordinating', status, 0, created_at, updated_at "
                "FROM assignment WHERE role = 'lead'"
            )
        )
    upgrade(engine)
    assert _wrong_plans(engine, "assignment") == 0
    assert _wrong_plans(engine, "task_search") == 0
