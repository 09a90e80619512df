"""Text search within a plan or within a province's plans (issue 16: on PostgreSQL the plans'
folded texts are read in one range of ``task_search.plan_id`` and the matches handed to the list
as ids): the same tasks as Python finds, a plan outside the account's provinces finds nothing,
and the exports' coordinating agencies follow the same filters. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import CANCELLED, COORDINATING, TASK_ACTIVE, Assignment, Plan, Task
from models.listing.search_index import refresh
from models.listing.task_list import TaskFilters, coordinating_agencies, count_tasks, search_tasks
from tasks.common.text import plain_key
from tests.conftest import PLANS

AS_OF = date(2020, 6, 30)


@pytest.fixture
def plans(engine: sa.Engine) -> dict[str, int]:
    """The two provinces' plans, by province; the search index folded."""
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(engine) as s:
        refresh(s)
        return {slug: pid for pid, slug in s.execute(sa.select(col(Plan.id), col(Plan.province))).all()}


def _python(engine: sa.Engine, text: str, plan_id: int) -> set[int]:
    needle = plain_key(text.strip())
    with Session(engine) as s:
        rows = s.execute(
            sa.select(col(Assignment.id), col(Task.ref), col(Task.content))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(col(Task.plan_id) == plan_id, col(Assignment.status) != CANCELLED, col(Task.state) == TASK_ACTIVE)
        ).all()
    return {aid for aid, ref, content in rows if needle in plain_key(f"{ref} {content}")}


def _found(engine: sa.Engine, f: TaskFilters) -> tuple[set[int], int]:
    with Session(engine) as s:
        rows, _ = search_tasks(s, filters=f, per_page=10_000, count=False)
        return {r.assignment_id for r in rows}, count_tasks(s, filters=f)


@pytest.mark.parametrize("text", ["nông thôn mới", "kế hoạch", "I.1", "100%", "xyzzy q"])
def test_it_finds_in_one_plan_the_tasks_python_finds(engine: sa.Engine, plans: dict[str, int], text: str) -> None:
    assert len(plans) == 2
    for slug, plan_id in plans.items():
        want = _python(engine, text, plan_id)
        for scope in (None, (slug,)):  # a national account, the province's office account
            f = TaskFilters(as_of=AS_OF, text=text, kind=None, plan_id=plan_id, provinces=scope)
            found, counted = _found(engine, f)
            assert found == want and counted == len(want)
        if text in ("nông thôn mới", "kế hoạch"):
            assert want


def test_a_plan_outside_the_accounts_provinces_finds_nothing(engine: sa.Engine, plans: dict[str, int]) -> None:
    (one, other) = sorted(plans)
    assert _python(engine, "kế hoạch", plans[other])
    f = TaskFilters(as_of=AS_OF, text="kế hoạch", kind=None, plan_id=plans[other], provinces=(one,))
    assert _found(engine, f) == (set(), 0)


def test_the_exports_coordinating_agencies_follow_a_search_in_a_province(
    engine: sa.Engine, plans: dict[str, int]
) -> None:
    slug = sorted(plans)[0]
    f = TaskFilters(as_of=AS_OF, text="kế hoạch", kind=None, provinces=(slug,))
    with Session(engine) as s:
        rows, _ = search_tasks(s, filters=f, per_page=10_000, count=False)
        names = coordinating_agencies(s, filters=f)
        want = {
            tid
            for (tid,) in s.execute(
                sa.select(col(Assignment.task_id)).where(
                    col(Assignment.role) == COORDINATING,
                    col(Assignment.status) != CANCELLED,
                    col(Assignment.task_id).in_({r.task_id for r in rows}),
                )
            )
        }
    assert rows and set(names) == want
