"""The office's task list: assignments filtered by plan, agency, role, status, quarter and text.

The plan's tasks and the agencies' period-report duties (tasks of source "report", BC.2020-H1)
are listed apart: ``kind`` is ``PLAN_TASKS`` by default, as the overview's and the plan page's
figures count them (models/overview), ``REPORT_DUTIES`` for the duties, ``None`` for both.

Text search ignores case and Vietnamese diacritics ("phan bo von" finds "Phân bổ vốn") through
the folded copy in ``task_search`` (models/search_index.py; refresh it before searching).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models.core.report_tables import REPORT_SOURCE
from models.core.tables import CANCELLED, COORDINATING, TASK_ACTIVE, Agency, Assignment, Plan, Task
from models.core.web_tables import TaskSearch
from models.escalation.status_sql import assignment_status, assignment_status_is
from models.listing.search_index import FTS, fts_pattern, like_pattern, matching_param, search_mode
from tasks.common.text import plain_key
from tasks.escalation.status import Status
from tasks.listing.names import labelled_agencies, province_name

PLAN_TASKS = "plan"  # the plan's own tasks (every source but "report")
REPORT_DUTIES = "report"  # the agencies' period-report duties
KINDS = (PLAN_TASKS, REPORT_DUTIES)


@dataclass(frozen=True)
class TaskFilters:
    as_of: date
    plan_id: int | None = None
    agency_id: int | None = None
    role: str | None = None  # lead | coordinating | None for both
    status: Status | None = None
    quarter: tuple[int, int] | None = None  # (year, 1..4) of the due date
    text: str | None = None
    near_days: int = 3
    due_before: date | None = None  # due on or before this day (the command line's --due-before)
    kind: str | None = PLAN_TASKS  # PLAN_TASKS | REPORT_DUTIES | None for both
    section: str | None = None  # the tasks of one section of the plan (Task.section, as the plan page shows it)
    task_id: int | None = None  # one task's assignments (a period's report duty: every agency owing it)
    # the tasks of these provinces' plans only (an office account's scope, models/auth/scope.py); None: every one
    provinces: tuple[str, ...] | None = None


@dataclass
class TaskRow:
    assignment_id: int
    task_id: int
    plan_id: int
    plan_code: str
    ref: str
    content: str
    agency_id: int
    agency_name: str
    role: str
    due_date: date | None
    original_due_date: date | None
    completed_on: date | None
    percent: int
    state: str
    status: Status

    @property
    def extended(self) -> bool:
        return self.original_due_date is not None and self.original_due_date != self.due_date


def quarter_range(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


_SHAPES = 512  # distinct combinations of filters whose statements are kept built


def _p(name: str, type_: Any = None) -> Any:
    return sa.bindparam(name, type_=type_)


def _where(query: sa.Select[Any], shape: tuple[Any, ...]) -> sa.Select[Any]:
    """The filters present in ``shape``, with their values as bound parameters."""
    (has_plan, has_agency, role, status, has_quarter, text_mode, has_due_before, kind, has_section, has_task,
     has_provinces, sqlite) = shape
    query = query.where(col(Assignment.status) != CANCELLED, col(Task.state) == TASK_ACTIVE)
    if has_provinces and text_mode != IN_PLANS:  # IN_PLANS: the matches are of the provinces' plans
        in_scope = sa.select(col(Plan.id)).where(col(Plan.province).in_(sa.bindparam("provinces", expanding=True)))
        query = query.where(col(Task.plan_id).in_(in_scope))
        if sqlite:  # said of the assignment too: SQLite then starts from the provinces' tasks (as the overview)
            query = query.where(col(Assignment.task_id).in_(
                sa.select(col(Task.id)).where(col(Task.plan_id).in_(in_scope))))
    if kind == PLAN_TASKS:
        query = query.where(col(Task.source) != REPORT_SOURCE)
    elif kind == REPORT_DUTIES:
        query = query.where(col(Task.source) == REPORT_SOURCE)
    if has_section:
        query = query.where(col(Task.section) == _p("section"))
    if has_task:
        query = query.where(col(Assignment.task_id) == _p("task_id"))
    if has_plan and text_mode != IN_PLANS:  # IN_PLANS: the matches are of the plan
        # on the assignment's own copy of the plan (migration 0019): a quarter of the plan is a
        # range of ix_assignment_plan_due in the list's order, read up to the page (before, the
        # plan's 9,800 tasks were probed one by one for their assignments: 20-30 ms at 1M)
        query = query.where(col(Task.plan_id) == _p("plan_id"), col(Assignment.plan_id) == _p("plan_id"))
    if has_agency:
        query = query.where(col(Assignment.agency_id) == _p("agency_id"))
    if role:
        query = query.where(col(Assignment.role) == role)
    if status is not None:
        query = query.where(assignment_status_is(status, _p("as_of", sa.Date), soon=_p("soon", sa.Date)))
    if has_quarter:
        query = query.where(col(Assignment.due_date).between(_p("q_start", sa.Date), _p("q_end", sa.Date)))
    if text_mode == PROBE:
        query = query.where(sa.exists(sa.select(sa.literal(1)).where(
            col(TaskSearch.task_id) == col(Assignment.task_id),
            col(TaskSearch.folded).like(_p("needle"), escape="\\"))))
    elif text_mode == IN_PLANS:
        # the matching tasks' ids found first (``_plan_matches``), given as an array: PostgreSQL then
        # knows how many there are (as a subquery it guessed 1 or 10,000 and probed the search
        # index for each of the province's 29,000 tasks, 50-100 ms at 1,000,000 tasks). The plan
        # and provinces are not said again: each condition more made PostgreSQL think a handful
        # of rows would come and read the agencies in full for each of them (180 ms).
        query = query.where(col(Assignment.task_id) == sa.any_(_p("task_ids", postgresql.ARRAY(sa.Integer))))
    elif text_mode:
        query = query.where(col(Assignment.task_id).in_(matching_param(_p("needle"), text_mode)))
    if has_due_before:
        query = query.where(col(Assignment.due_date) <= _p("due_before", sa.Date))
    return query


@lru_cache(maxsize=_SHAPES)
def _statements(shape: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """The page, count and every-row statements for one combination of filters, built once:
    only the values change between requests, so SQLAlchemy reuses the compiled SQL. The page is
    the every-row statement with a LIMIT and OFFSET."""
    st = assignment_status(_p("as_of", sa.Date), soon=_p("soon", sa.Date)).label("st")
    base = sa.select(
        col(Assignment.id), col(Task.id), col(Plan.id), col(Plan.code), col(Task.ref), col(Task.content),
        col(Agency.id), col(Agency.name), col(Assignment.role), col(Assignment.due_date),
        col(Assignment.original_due_date), col(Assignment.completed_on), col(Assignment.percent),
        col(Assignment.status), st,
    ).join(Task, col(Task.id) == col(Assignment.task_id)).join(Plan, col(Plan.id) == col(Task.plan_id))
    base = base.join(Agency, col(Agency.id) == col(Assignment.agency_id))
    # Undated items last. Written as NULLS LAST (the order of a PostgreSQL index, which then
    # serves the page straight from ix_assignment_agency_due), not as "due_date IS NULL" first.
    every = _where(base, shape).order_by(col(Assignment.due_date).asc().nulls_last(), col(Assignment.id))
    page = every.limit(_p("limit")).offset(_p("offset"))
    count = _where(
        sa.select(sa.func.count()).select_from(Assignment).join(Task, col(Task.id) == col(Assignment.task_id)), shape)
    return page, count, every


def _params(session: Session, f: TaskFilters, dialect: str) -> dict[str, Any]:
    params: dict[str, Any] = {"as_of": f.as_of, "soon": f.as_of + timedelta(days=f.near_days),
                              "plan_id": f.plan_id, "agency_id": f.agency_id, "task_id": f.task_id}
    if f.provinces is not None:
        params["provinces"] = list(f.provinces)
    if _text_mode(f, dialect) == IN_PLANS:
        scope_plans = None if f.provinces is None else list(session.execute(
            sa.select(col(Plan.id)).where(col(Plan.province).in_(f.provinces))).scalars())
        params["task_ids"] = _plan_matches(session, f, scope_plans)
    if f.quarter is not None:
        params["q_start"], params["q_end"] = quarter_range(*f.quarter)
    if f.text and f.text.strip():
        params["needle"] = fts_pattern(f.text) if _text_mode(f, dialect) == FTS else like_pattern(f.text)
    if f.due_before is not None:
        params["due_before"] = f.due_before
    if f.section is not None:
        params["section"] = f.section
    return params


def _plan_matches(session: Session, f: TaskFilters, scope_plans: list[int] | None) -> list[int]:
    """Ids of the tasks of the chosen plan (else of ``scope_plans``; none of a plan outside them)
    whose folded text holds the needle: the list's plan and provinces (an office account's scope)
    are said here only, through ``task_search.plan_id`` (the task's plan, written with its text).
    The plans' texts read in one range of ix_task_search_plan_id (migration 0019), each
    tested with strpos (the LIKE's meaning: the needle's characters as they are), which the
    trigram index does not serve: ANDed in, its common trigrams ("gia", "doa") made PostgreSQL
    read the whole country's candidates (a province's 29,000 texts at 1,000,000 tasks: 6 ms this
    way, 30-48 ms with the trigram index)."""
    plans = [f.plan_id] if f.plan_id is not None else scope_plans or []
    if scope_plans is not None:
        plans = [p for p in plans if p in scope_plans]
    return list(session.execute(sa.select(col(TaskSearch.task_id)).where(
        col(TaskSearch.plan_id).in_(plans),
        sa.func.strpos(col(TaskSearch.folded), plain_key((f.text or "").strip())) > 0)).scalars())


PROBE = "probe"  # SQLite, in some provinces: each of their tasks' folded text tested, found by its key
IN_PLANS = "in-plans"  # PostgreSQL, in some provinces or one plan: their plans' folded texts, each tested


def _text_mode(f: TaskFilters, dialect: str) -> str | None:
    """How the text filter reads ``task_search``: through its index (models/listing/search_index.py),
    or, on SQLite within some provinces, row by row from their tasks (a tenth of the country's
    tasks matching "nuoc sach" made the FTS index hand over 100,000 candidates to check)."""
    if not (f.text and f.text.strip()):
        return None
    if dialect == "sqlite" and f.provinces is not None:
        return PROBE
    if dialect == "postgresql" and (f.provinces is not None or f.plan_id is not None):
        return IN_PLANS
    return search_mode(f.text, dialect)


def _shape(f: TaskFilters, dialect: str) -> tuple[Any, ...]:
    return (f.plan_id is not None, f.agency_id is not None, f.role or None, f.status, f.quarter is not None,
            _text_mode(f, dialect), f.due_before is not None, f.kind, f.section is not None,
            f.task_id is not None, f.provinces is not None, dialect == "sqlite")


def search_tasks(session: Session, *, filters: TaskFilters, page: int = 1, per_page: int = 50,
                 count: bool = True, every_row: bool = False) -> tuple[list[TaskRow], int | None]:
    """One page of matching assignments (by due date, then in import order) and the total
    (``count=False`` leaves it out: the caller may know it already). ``every_row``: every
    matching assignment in the same order, ``page`` and ``per_page`` ignored (the exports; the
    caller bounds the size first with ``count_tasks``)."""
    dialect = session.get_bind().dialect.name
    page_stmt, _count, every_stmt = _statements(_shape(filters, dialect))
    params = _params(session, filters, dialect)
    if every_row:
        result = session.connection().execute(every_stmt, params)
    else:
        offset = (max(page, 1) - 1) * per_page
        result = session.connection().execute(page_stmt, {**params, "limit": per_page, "offset": offset})
    # a row's length is unknown to mypy, which then lets *r[:-1] fill every field, status too
    rows = [TaskRow(*r[:-1], status=Status(r[-1])) for r in result]  # type: ignore[misc]
    return rows, count_tasks(session, filters=filters) if count else None


def count_tasks(session: Session, *, filters: TaskFilters) -> int:
    dialect = session.get_bind().dialect.name
    _page, count_stmt, _every = _statements(_shape(filters, dialect))
    return session.connection().execute(count_stmt, _params(session, filters, dialect)).scalar_one()


@lru_cache(maxsize=_SHAPES)
def _coordinating_statement(shape: tuple[Any, ...]) -> Any:
    """Coordinating agencies (task id, name) of the tasks the filters match. The outer query
    reads an alias of ``assignment``, so that the filter subquery's own ``assignment`` can never
    be correlated with it (which would filter the coordinating rows themselves)."""
    other = aliased(Assignment, name="coordinator")
    matching = _where(sa.select(col(Assignment.task_id)).join(Task, col(Task.id) == col(Assignment.task_id)), shape)
    return (
        sa.select(col(other.task_id), col(Agency.name)).join(Agency, col(Agency.id) == col(other.agency_id))
        .where(col(other.role) == COORDINATING, col(other.status) != CANCELLED, col(other.task_id).in_(matching))
        .order_by(col(other.task_id), col(other.id))
    )


def coordinating_agencies(session: Session, *, filters: TaskFilters) -> dict[int, list[str]]:
    """{task id: names of its coordinating agencies} for every task the filters match (the
    exports' "Cơ quan phối hợp" column), in one query over the list's own filters."""
    names: dict[int, list[str]] = {}
    dialect = session.get_bind().dialect.name
    for task_id, name in session.connection().execute(_coordinating_statement(_shape(filters, dialect)),
                                                      _params(session, filters, dialect)):
        names.setdefault(task_id, []).append(name)
    return names


def filter_options(session: Session, *, plan_id: int | None = None,
                   provinces: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Plans, the agencies with live assignments (in the chosen plan's active tasks, else in any),
    and the quarters that have due dates (for the form). Agencies are named once each, with their
    province when two share a name, in Vietnamese order; plans with their province's name."""
    plan_q = select(Plan.id, Plan.code, Plan.province).order_by(Plan.province, Plan.code)
    scoped = sa.select(col(Plan.id)).where(col(Plan.province).in_(provinces)) if provinces is not None else None
    if scoped is not None:
        plan_q = plan_q.where(col(Plan.id).in_(scoped))
    plans = [(pid, code, province_name(slug)) for pid, code, slug in session.execute(plan_q).all()]
    if plan_id is None:
        # per agency, the first live assignment found through its index (no scan of every assignment)
        live = (sa.select(sa.literal(1)).select_from(Assignment).join(Task, col(Task.id) == col(Assignment.task_id))
                .where(col(Assignment.agency_id) == col(Agency.id), col(Assignment.status) != CANCELLED,
                       col(Task.state) == TASK_ACTIVE))
        if scoped is not None:
            live = live.where(col(Task.plan_id).in_(scoped))
        found = select(col(Agency.id), col(Agency.name), col(Agency.province)).where(live.exists())
    else:
        in_plan = sa.select(col(Task.id)).where(col(Task.plan_id) == plan_id, col(Task.state) == TASK_ACTIVE)
        ids = (sa.select(col(Assignment.agency_id))
               .where(col(Assignment.task_id).in_(in_plan), col(Assignment.status) != CANCELLED).distinct())
        found = select(col(Agency.id), col(Agency.name), col(Agency.province)).where(col(Agency.id).in_(ids))
    agencies = labelled_agencies((aid, name, slug) for aid, name, slug in session.execute(found).all())
    dates = select(sa.func.min(Task.due_date), sa.func.max(Task.due_date))
    if scoped is not None:
        dates = dates.where(col(Task.plan_id).in_(scoped))
    lo, hi = session.execute(dates).one()
    quarters = [(y, q) for y in range(hi.year, lo.year - 1, -1) for q in (4, 3, 2, 1)] if lo and hi else []
    return {"plans": plans, "agencies": agencies, "quarters": quarters}


def agency_choice(session: Session, *, agency_id: int) -> tuple[int, str] | None:
    """(id, name) of a chosen agency the filter's list lacks (not in the chosen plan): kept as a choice."""
    row = session.execute(select(col(Agency.id), col(Agency.name), col(Agency.province))
                          .where(col(Agency.id) == agency_id)).first()
    return None if row is None else (row[0], f"{row[1]} ({province_name(row[2])})")


def agency_deadlines(session: Session, *, agency_id: int) -> list[tuple[Any, ...]]:
    """(assignment id, task id, role, due date, original due date, status, plan code, ref, content)
    of every dated assignment of the agency on an active task, by due date."""
    q = (
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            Assignment.id, Task.id, Assignment.role, Assignment.due_date, Assignment.original_due_date,
            Assignment.status, Plan.code, Task.ref, Task.content)
        .join(Task, col(Task.id) == col(Assignment.task_id)).join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(col(Assignment.agency_id) == agency_id, col(Assignment.status) != CANCELLED,
               col(Task.state) == TASK_ACTIVE, col(Assignment.due_date).is_not(None))
        .order_by(col(Assignment.due_date), col(Assignment.id))
    )
    return [tuple(r) for r in session.execute(q)]


def filter_names(session: Session, *, filters: TaskFilters) -> tuple[str | None, str | None]:
    """(plan code, agency name) the filters name, for an export's title line."""
    plan = agency = None
    if filters.plan_id is not None:
        plan = session.execute(select(Plan.code).where(Plan.id == filters.plan_id)).scalar()
    if filters.agency_id is not None:
        agency = session.execute(select(Agency.name).where(Agency.id == filters.agency_id)).scalar()
    return plan, agency
