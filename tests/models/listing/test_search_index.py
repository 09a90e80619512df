"""Text search through its index (migration 0017): pg_trgm's GIN index on PostgreSQL, the FTS5
trigram table on SQLite (used for a needle of three characters or more with no wildcard in it,
the plain LIKE otherwise). Whichever way a needle goes, the tasks found are those whose folded
reference and content contain it, as Python finds them; the index follows a task changed and
searched again. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import CANCELLED, TASK_ACTIVE, Assignment, Plan, Task
from models.core.types import utcnow
from models.listing.search_index import FTS, LIKE, refresh, search_mode
from models.listing.task_list import TaskFilters, count_tasks, search_tasks
from tasks.common.text import plain_key
from tests.conftest import PLANS

AS_OF = date(2020, 6, 30)
NEEDLES = ("nông thôn mới", "NONG THON", "Phân bổ", "kế hoạch", "I.1", "ke", "đ", "100%", "a_b", "ocop", "xyzzy q",
           "  nước sạch  ")


@pytest.fixture
def plans(engine: sa.Engine) -> sa.Engine:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(engine) as s:
        # a task whose text holds LIKE's wildcards: found only where they are, as characters
        task = s.exec(select(Task).order_by(Task.id)).first()
        assert task is not None
        task.content, task.updated_at = task.content + " đạt 100% kế hoạch, mã a_b", utcnow()
        refresh(s)
    return engine


def _python(engine: sa.Engine, text: str, province: str | None = None) -> set[int]:
    """Assignment ids whose task's folded text contains the folded needle, by Python alone."""
    needle = plain_key(text.strip())
    with Session(engine) as s:
        rows = s.exec(select(Assignment.id, Task.ref, Task.content, Plan.province)  # type: ignore[call-overload]
                      .join(Task, Task.id == Assignment.task_id).join(Plan, Plan.id == Task.plan_id)
                      .where(Assignment.status != CANCELLED, Task.state == TASK_ACTIVE)).all()
    return {aid for aid, ref, content, slug in rows
            if needle in plain_key(f"{ref} {content}") and province in (None, slug)}


def _found(engine: sa.Engine, text: str, province: str | None = None) -> tuple[set[int], int]:
    f = TaskFilters(as_of=AS_OF, text=text, kind=None, provinces=None if province is None else (province,))
    with Session(engine) as s:
        rows, _ = search_tasks(s, filters=f, per_page=10_000, count=False)
        return {r.assignment_id for r in rows}, count_tasks(s, filters=f)


@pytest.mark.parametrize("text", NEEDLES)
def test_a_search_finds_the_tasks_python_finds_whichever_index_serves_it(plans: sa.Engine, text: str) -> None:
    want = _python(plans, text)
    found, counted = _found(plans, text)
    assert found == want and counted == len(want)
    if text.strip() in ("nông thôn mới", "kế hoạch", "100%", "a_b"):
        assert want  # these match something, so the comparison means something


@pytest.mark.parametrize("province", ["bac-giang", "ben-tre"])
@pytest.mark.parametrize("text", NEEDLES)
def test_a_search_in_a_province_finds_its_tasks_python_finds(plans: sa.Engine, text: str, province: str) -> None:
    """Within a province, SQLite tests each of its tasks' folded text (found by key) instead of the index."""
    want = _python(plans, text, province)
    found, counted = _found(plans, text, province)
    assert found == want and counted == len(want)


def test_sqlite_searches_through_the_trigram_table_when_the_needle_allows(plans: sa.Engine) -> None:
    dialect = plans.dialect.name
    assert search_mode("nông thôn", dialect) == (FTS if dialect == "sqlite" else LIKE)
    for text in ("ke", "100%", "a_b", "x\\y"):  # too short for a trigram, or a wildcard or escape in it
        assert search_mode(text, dialect) == LIKE
    with plans.connect() as conn:
        if dialect == "sqlite":
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT rowid FROM task_search_fts WHERE folded LIKE '%nong thon%'").all()
            assert any("VIRTUAL TABLE INDEX" in str(row[-1]) for row in plan)
        else:
            found = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname = 'ix_task_search_folded_trgm'").scalar()
            assert found is not None and "gin_trgm_ops" in found
            conn.exec_driver_sql("SET enable_seqscan = off")  # the planner would scan a table this small
            plan = [r[0] for r in conn.exec_driver_sql(
                "EXPLAIN SELECT task_id FROM task_search WHERE folded LIKE '%%nong thon%%'")]
            assert any("ix_task_search_folded_trgm" in line for line in plan), plan


def test_the_index_follows_a_task_changed_and_searched_again(plans: sa.Engine) -> None:
    assert _found(plans, "chưa từng có")[1] == 0
    with session_scope(plans) as s:
        task = s.exec(select(Task).where(Task.content.contains("nông thôn mới")).order_by(Task.id)).first()  # type: ignore[attr-defined]
        assert task is not None
        before = _python(plans, "nông thôn mới")
        task.content, task.updated_at = "Nhiệm vụ chưa từng có", utcnow()
    with session_scope(plans) as s:
        assert refresh(s) >= 1
    assert _found(plans, "chưa từng có")[0] == _python(plans, "chưa từng có") != set()
    assert _found(plans, "nông thôn mới")[0] == _python(plans, "nông thôn mới") < before
