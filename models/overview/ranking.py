"""The ranking of agencies (``/ranking``): today's figures as the overview counts them, and the
same figures on the same day of the previous month, rebuilt from what is stored.
A province's figures are its plans' tasks (``province``), as the overview counts a province.

Today's standing of each agency is ``agency_counts`` of models/overview/dashboard.py, the
overview's own query, so the ranking's numbers are the overview's (and the task list's:
tests/web/overview/test_counts_agree.py).

The earlier day is not judged from today's rows alone: an item completed since then was still
open, an extension approved since then had not moved its due date, a task created, reassigned or
cancelled since then was not (or still) there. The lead assignments something happened to since
the day before (an audit event of theirs or of their task) are rebuilt as they stood at the end of
that day by the report's as-of rebuild (tasks/reports/asof.py: completions by the day they carry,
``completed_on``, due dates and progress undone from the audit log, newest first); the others
stand as they are stored today and are counted in SQL, as the overview counts (older events took
effect by then). On 100,000 tasks this reads a few thousand rows instead of every assignment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.db import fetch_raw
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import LEAD, TASK_ACTIVE, TASK_CANCELLED, Agency, Assignment, AuditEvent, Plan, Task
from models.escalation.status_sql import assignment_status
from models.overview.dashboard import agency_counts, lead_scope
from tasks.common.dates import local_zone
from tasks.escalation.status import ALL_STATUSES, Status
from tasks.overview.ranking import RankedAgency, Standing, previous_day, rank, standing, standing_of
from tasks.reports.asof import AuditRecord, rebuild
from tasks.reports.audit import audit_record
from tasks.reports.figures import DONE, AssignmentFact, is_live

__all__ = ["Provinces", "Ranking", "agency_ranking", "ranking_plans", "standings_on"]

# one province's slug, several (a province and the former ones merged into it), or None: every province
Provinces = str | Sequence[str] | None


@dataclass(frozen=True)
class Ranking:
    as_of: date
    before: date  # the day the trend compares with
    rows: list[RankedAgency]


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _slugs(province: Provinces) -> list[str] | None:
    return None if province is None else [province] if isinstance(province, str) else list(province)


def _scope(query: Any, *, plan_id: int | None, province: Provinces) -> Any:
    if plan_id is not None:
        query = query.where(col(Task.plan_id) == plan_id)
    slugs = _slugs(province)
    if slugs is not None:  # the tasks of the province's plans, as the overview counts a province
        of_province = select(col(Plan.id)).where(col(Plan.province).in_(slugs))
        query = query.where(col(Task.plan_id).in_(of_province))
    return query


def ranking_plans(session: Session, *, province: Provinces = None) -> list[tuple[int, str, str]]:
    """(id, number, province slug) of the plans to filter by, by province and number."""
    q = select(col(Plan.id), col(Plan.code), col(Plan.province)).order_by(col(Plan.province), col(Plan.code))
    slugs = _slugs(province)
    if slugs is not None:
        q = q.where(col(Plan.province).in_(slugs))
    return [(pid, code, slug) for pid, code, slug in session.execute(q).tuples().all()]


def _touched(entity: str, since: datetime) -> Any:
    """Ids of the ``entity`` rows (``task`` or ``assignment``) with an audit event recorded at ``since`` or later."""
    return (select(col(AuditEvent.entity_id)).where(col(AuditEvent.at) >= since, col(AuditEvent.entity) == entity,
                                                    col(AuditEvent.entity_id).is_not(None)))


def _lead_facts(session: Session, *, plan_id: int | None, province: Provinces,
                since: datetime) -> tuple[list[AssignmentFact], set[int]]:
    """The lead assignments of the plan tasks touched since ``since`` (cancelled ones too: they may
    have been live on the earlier day) as stored today, and the ids of the tasks read from a plan's text."""
    q = _scope(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            Assignment.id, Assignment.task_id, Assignment.agency_id, Assignment.due_date,
            Assignment.original_due_date, Assignment.completed_on, Assignment.status, Task.state, Task.source)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Assignment.role) == LEAD, col(Task.state).in_((TASK_ACTIVE, TASK_CANCELLED)),
               col(Task.source) != REPORT_SOURCE,
               sa.or_(col(Assignment.id).in_(_touched("assignment", since)),
                      col(Assignment.task_id).in_(_touched("task", since)))),
        plan_id=plan_id, province=province)
    facts: list[AssignmentFact] = []
    text_tasks: set[int] = set()
    for aid, task_id, agency_id, due, original, completed, status, state, source in fetch_raw(session, q):
        if source == "text":
            if state != TASK_ACTIVE:
                continue  # a proposal withdrawn before anyone confirmed it was never tracked
            text_tasks.add(task_id)
        facts.append(AssignmentFact(
            assignment_id=aid, task_ref="", section=None, content="", agency_name="", role=LEAD,
            due_date=_day(due), original_due_date=_day(original), completed_on=_day(completed), status=status,
            task_id=task_id, agency_id=agency_id, task_state=state))
    return facts, text_tasks


def _events_since(session: Session, *, facts: list[AssignmentFact], text_tasks: set[int],
                  since: datetime) -> list[AuditRecord]:
    """The audit events of those tasks and assignments recorded at ``since`` or later."""
    task_ids = {f.task_id for f in facts}
    assignment_ids = {f.assignment_id for f in facts}
    cols = (AuditEvent.id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action, AuditEvent.changes,
            AuditEvent.at, AuditEvent.effective_on)
    q = select(*cols).where(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
        col(AuditEvent.at) >= since, col(AuditEvent.entity).in_(("task", "assignment")))
    out: list[AuditRecord] = []
    for seq, entity, entity_id, action, changes, at, effective in fetch_raw(session, q):
        if entity_id not in (task_ids if entity == "task" else assignment_ids):
            continue
        record = audit_record(entity, entity_id, action, changes, _moment(at), _day(effective), seq,
                              text_duty=entity == "task" and entity_id in text_tasks)
        if record is not None:
            out.append(record)
    return out


def standings_on(session: Session, *, day: date, near_days: int = 3, plan_id: int | None = None,
                 province: Provinces = None) -> dict[int, Standing]:
    """Each agency's standing at the end of ``day`` (a past day): the rows touched since the day
    before rebuilt from the audit log, the others counted in SQL (module docstring)."""
    # events of the day before on: the day an event took effect is never after the day it was
    # recorded (in the province's zone), so nothing older needs undoing
    since = datetime.combine(day - timedelta(days=1), time(), tzinfo=local_zone()).astimezone(UTC)
    counts: dict[int, dict[Status, int]] = defaultdict(lambda: dict.fromkeys(ALL_STATUSES, 0))
    oldest: dict[int, date] = {}
    st = assignment_status(day, near_days).label("st")
    untouched = _scope(lead_scope(
        select(col(Assignment.agency_id), col(Assignment.due_date), st)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Assignment.id).not_in(_touched("assignment", since)),
               col(Assignment.task_id).not_in(_touched("task", since)))), plan_id=plan_id, province=province).subquery()
    for aid, status, n, first_due in session.execute(
            sa.select(untouched.c.agency_id, untouched.c.st, sa.func.count(), sa.func.min(untouched.c.due_date))
            .group_by(untouched.c.agency_id, untouched.c.st)):
        counts[aid][Status(status)] += n
        due = _day(first_due)
        if status == Status.OVERDUE.value and due is not None:
            oldest[aid] = min(oldest.get(aid, due), due)
    facts, text_tasks = _lead_facts(session, plan_id=plan_id, province=province, since=since)
    events = _events_since(session, facts=facts, text_tasks=text_tasks, since=since)
    items: dict[int, list[tuple[date | None, date | None, bool]]] = defaultdict(list)
    for f in rebuild(facts, events, day, tz=local_zone()):
        if is_live(f) and f.agency_id is not None:
            items[f.agency_id].append((f.due_date, f.completed_on, f.status == DONE))
    for aid, rows in items.items():
        part = standing_of(rows, day, near_days)
        for status, n in part.counts.items():
            counts[aid][status] += n
        if part.oldest_overdue is not None:
            oldest[aid] = min(oldest.get(aid, part.oldest_overdue), part.oldest_overdue)
    return {aid: standing(c, oldest.get(aid), day) for aid, c in counts.items() if sum(c.values())}


def agency_ranking(session: Session, *, as_of: date, near_days: int = 3, plan_id: int | None = None,
                   province: Provinces = None) -> Ranking:
    """Agencies worst first on ``as_of`` (tasks/overview/ranking.py), each with its standing on the
    same day of the previous month; ``plan_id`` keeps one plan's tasks, ``province`` its agencies."""
    before_day = previous_day(as_of)
    counted = {}
    slugs: list[str | None] = [None] if province is None else list(_slugs(province) or [])
    for slug in slugs:  # the overview's counts, one province at a time
        counted.update(agency_counts(session, as_of=as_of, near_days=near_days, plan_id=plan_id, province=slug))
    now = {aid: standing(a.counts, a.oldest_overdue, as_of) for aid, a in counted.items()}
    names = {aid: a.name for aid, a in counted.items()}
    before = standings_on(session, day=before_day, near_days=near_days, plan_id=plan_id, province=province)
    missing = [aid for aid in before if aid not in names]
    if missing:  # ranked on the earlier day only: named for the places then
        names.update(dict(session.execute(sa.select(col(Agency.id), col(Agency.name))
                                          .where(col(Agency.id).in_(missing))).tuples().all()))
    return Ranking(as_of=as_of, before=before_day, rows=rank(now=now, before=before, names=names))
