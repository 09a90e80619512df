"""Each province's overview figures read only its plans' rows; the country's are their sum; the
audit events since a mark are placed in the provinces they change (issue 16). Bắc Giang's plan
and Bến Tre's, progress recorded in each, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import CANCELLED, LEAD, Agency, Assignment, Plan, Task
from models.overview.changes import audit_mark, provinces_changed
from models.overview.dashboard import merge_overviews, overview, overview_figures
from models.progress.updates import record_progress
from tasks.escalation.status import ALL_STATUSES, Status, classify
from tests.conftest import PLANS

DAYS = (date(2020, 2, 27), date(2020, 7, 20), date(2021, 3, 1))


@pytest.fixture
def two(engine: sa.Engine) -> sa.Engine:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(engine) as s:
        provinces = set(s.exec(select(Plan.province)))
    assert provinces == {"bac-giang", "ben-tre"}
    return engine


def _classified(engine: sa.Engine, day: date, province: str | None, *, duties: bool = False) -> Counter[Status]:
    """Lead assignments of the province's plans by tasks.escalation.status.classify, row by row in Python."""
    with Session(engine) as s:
        q = (select(Assignment, Task.source, Plan.province).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
             .join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
             .where(Assignment.role == LEAD, Assignment.status != CANCELLED, Task.state == "active"))
        rows = [a for a, source, slug in s.exec(q).all()
                if (source == REPORT_SOURCE) == duties and province in (None, slug)]
    return Counter(classify(due_date=a.due_date, completed_on=a.completed_on, as_of=day, done=a.status == "done")
                   for a in rows)


@pytest.mark.parametrize("day", DAYS)
def test_a_provinces_figures_count_its_plans_rows_as_classify_does(two: sa.Engine, day: date) -> None:
    with Session(two) as s:
        for slug in ("bac-giang", "ben-tre"):
            ov = overview(s, as_of=day, province=slug)
            want = _classified(two, day, slug)
            assert ov.counts == {st: want.get(st, 0) for st in ALL_STATUSES}, slug
            duties = _classified(two, day, slug, duties=True)
            assert ov.duties == {st: duties.get(st, 0) for st in ALL_STATUSES}, slug
            assert ov.total > 0
            agencies = set(s.exec(select(Agency.province).where(Agency.id.in_([a.agency_id for a in ov.agencies]))))  # type: ignore[attr-defined]
            assert agencies == {slug}  # each plan's tasks are its own province's agencies'


@pytest.mark.parametrize("day", DAYS)
def test_the_countrys_figures_are_the_sum_of_its_provinces(two: sa.Engine, day: date) -> None:
    with Session(two) as s:
        country = overview_figures(s, as_of=day)
        parts = [overview_figures(s, as_of=day, province=p) for p in ("bac-giang", "ben-tre")]
    merged = merge_overviews(day, parts)
    assert merged.counts == country.counts and merged.duties == country.duties
    assert [(a.agency_id, a.name, a.counts, a.oldest_overdue) for a in merged.agencies] == \
        [(a.agency_id, a.name, a.counts, a.oldest_overdue) for a in country.agencies]
    assert {k: [i.assignment_id for i in v] for k, v in merged.overdue.items()} == \
        {k: [i.assignment_id for i in v] for k, v in country.overdue.items()}
    # both provinces have departments of the same name: side by side each is named with its province
    named = [a.name for a in merged.agencies if a.name.endswith(("(Bắc Giang)", "(Bến Tre)"))]
    bare = Counter(n.rsplit(" (", 1)[0] for n in named)
    assert named and all(n == 2 for n in bare.values()), named
    assert sum(merged.counts.values()) == sum(_classified(two, day, None).values())


def _progress(engine: sa.Engine, province: str) -> None:
    with session_scope(engine) as s:
        a = s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
                   .join(Plan, Plan.id == Task.plan_id).where(Plan.province == province)  # type: ignore[arg-type]
                   .order_by(Assignment.id)).first()
        assert a is not None
        record_progress(s, assignment=a, status="in_progress", percent=40, note="đang làm", on=date(2020, 2, 1),
                        actor="test", source="test")


def test_the_audit_events_since_a_mark_name_the_provinces_they_change(two: sa.Engine) -> None:
    with Session(two) as s:
        mark = audit_mark(s)
    _progress(two, "ben-tre")
    with Session(two) as s:
        now = audit_mark(s)
        assert now > mark
        assert provinces_changed(s, after=mark, upto=now) == {"ben-tre"}
    with session_scope(two) as s:  # an account changes no figure
        add_user(s, email="ct@bentre.example", role="office", password="mat-khau-ben-tre", actor="test",
                 province="ben-tre")
    _progress(two, "bac-giang")
    with Session(two) as s:
        later = audit_mark(s)
        assert provinces_changed(s, after=now, upto=later) == {"bac-giang"}
        assert provinces_changed(s, after=mark, upto=later) == {"bac-giang", "ben-tre"}
        # too many events to place one by one: every province
        assert provinces_changed(s, after=0, upto=later, limit=5) is None


def test_a_plan_imported_counts_as_a_change_of_its_province_or_of_every_one(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    with Session(engine) as s:
        mark = audit_mark(s)
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with Session(engine) as s:
        changed = provinces_changed(s, after=mark, upto=audit_mark(s))
    assert changed is None or changed == {"ben-tre"}
