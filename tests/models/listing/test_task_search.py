"""The task list's order and paging on both backends, against a plain Python sort.

The page statement orders by due date with undated items last (``NULLS LAST``, the order of
``ix_assignment_agency_due`` on PostgreSQL), then by id; paging through it must give every
matching assignment exactly once, in that order, whichever index the database walks.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import CANCELLED, LEAD, TASK_ACTIVE, Assignment, Task
from models.listing.task_list import REPORT_DUTIES, TaskFilters, count_tasks, search_tasks
from tasks.escalation.status import Status, classify
from tests.conftest import PLANS

AS_OF = date(2020, 6, 30)


def _awkward(engine: sa.Engine) -> None:
    """Ties on the due date, undated items and a done item among the open ones."""
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    with Session(engine) as s:
        ids = list(s.exec(select(Assignment.id).order_by(Assignment.id)))
        for n, aid in enumerate(ids):
            a = s.get(Assignment, aid)
            assert a is not None
            if n % 7 == 0:
                a.due_date = None
            elif n % 3 == 0:
                a.due_date = date(2020, 3, 31)  # many items share one date: the id decides
            elif n % 5 == 0:
                a.status, a.completed_on = "done", AS_OF - timedelta(days=n % 40)
        s.commit()


def _reference(engine: sa.Engine, f: TaskFilters) -> list[int]:
    with Session(engine) as s:
        rows = s.exec(
            select(Assignment, Task.source).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
            .where(Assignment.status != CANCELLED, Task.state == TASK_ACTIVE)
        ).all()
    keep = []
    for a, source in rows:
        if f.kind is not None and (source == REPORT_SOURCE) != (f.kind == REPORT_DUTIES):
            continue
        if f.agency_id is not None and a.agency_id != f.agency_id:
            continue
        if f.role is not None and a.role != f.role:
            continue
        if f.status is not None and classify(due_date=a.due_date, completed_on=a.completed_on, as_of=f.as_of,
                                             near_days=f.near_days, done=a.status == "done") != f.status:
            continue
        keep.append(a)
    keep.sort(key=lambda a: (a.due_date is None, a.due_date or date.min, a.id))
    return [a.id for a in keep]


def _paged(engine: sa.Engine, f: TaskFilters, per_page: int) -> list[int]:
    out: list[int] = []
    with Session(engine) as s:
        for page in range(1, 200):
            rows, _ = search_tasks(s, filters=f, page=page, per_page=per_page, count=False)
            if not rows:
                return out
            out += [r.assignment_id for r in rows]
    raise AssertionError("paging never ended")


def _lead_agencies(engine: sa.Engine) -> list[int]:
    with Session(engine) as s:
        return list(s.exec(
            select(Assignment.agency_id).where(Assignment.role == LEAD).group_by(Assignment.agency_id)
            .order_by(sa.func.count().desc()).limit(3)
        ))


@pytest.mark.parametrize("shape", ["agency and role", "agency", "agency, role and status", "everything",
                                   "report duties", "both kinds"])
def test_paging_gives_every_match_once_by_due_date_with_undated_items_last(engine: sa.Engine, shape: str) -> None:
    _awkward(engine)
    for agency in _lead_agencies(engine):
        f: Any = {
            "agency and role": TaskFilters(as_of=AS_OF, agency_id=agency, role=LEAD),
            "agency": TaskFilters(as_of=AS_OF, agency_id=agency),
            "agency, role and status": TaskFilters(as_of=AS_OF, agency_id=agency, role=LEAD, status=Status.NOT_DUE),
            "everything": TaskFilters(as_of=AS_OF),
            "report duties": TaskFilters(as_of=AS_OF, agency_id=agency, kind=REPORT_DUTIES),
            "both kinds": TaskFilters(as_of=AS_OF, agency_id=agency, kind=None),
        }[shape]
        expected = _reference(engine, f)
        assert expected, "the filter should match something"
        assert _paged(engine, f, per_page=4) == expected
        with Session(engine) as s:
            assert count_tasks(s, filters=f) == len(expected)
