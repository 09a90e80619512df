"""The office overview, computed in SQL: status counts, per-agency completion, overdue items.

Everything counts lead assignments (not cancelled) of active tasks, the agencies' report duties
aside, with the status rules of ``tasks.escalation.status`` as SQL (``models.escalation.status_sql``): one grouped
scan gives the totals, the bars per agency and each agency's oldest overdue item; two small
queries add the overdue items shown and the escalation levels reached. The report duties are
counted apart (``duty_counts``), by the same rules.

These are the task list's rows (models/listing/task_list.py, ``kind`` plan tasks or report
duties, ``role`` lead): a card's number is the length of the list its link opens
(tests/web/overview/test_counts_agree.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.report_tables import REPORT_SOURCE
from models.core.tables import (
    CANCELLED,
    LEAD,
    PENDING,
    SENDING,
    SENT,
    TASK_ACTIVE,
    Agency,
    Assignment,
    AuditEvent,
    Notice,
    Plan,
    Task,
)
from models.escalation.status_sql import assignment_status, assignment_status_is
from tasks.common.text import vi_sort_key
from tasks.escalation.status import ALL_STATUSES, Status, on_time_rate
from tasks.listing.names import agency_labels

ESCALATION = "escalation"


class StatusTally:
    """Figures derived from ``counts`` (lead assignments by official status); shared by the
    per-agency bars here and the per-section progress of a plan page."""

    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(Status.DONE_ON_TIME, 0) + self.counts.get(Status.DONE_LATE, 0)

    @property
    def overdue(self) -> int:
        return self.counts.get(Status.OVERDUE, 0)

    @property
    def completion(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.counts)

    def share(self, status: Status) -> float:
        """Percentage of the items in ``status`` (for the stacked bar)."""
        return 100.0 * self.counts.get(status, 0) / self.total if self.total else 0.0


@dataclass
class AgencyProgress(StatusTally):
    agency_id: int
    name: str  # as shown: with its province when another agency counted with it has the same name
    counts: dict[Status, int] = field(default_factory=dict)
    oldest_overdue: date | None = None
    max_level: int = 0


@dataclass
class OverdueItem:
    assignment_id: int
    task_id: int
    plan_code: str
    ref: str
    content: str
    agency_id: int
    due_date: date
    original_due_date: date | None
    days: int
    level: int = 0


@dataclass
class Overview:
    as_of: date
    counts: dict[Status, int]
    agencies: list[AgencyProgress]
    overdue: dict[int, list[OverdueItem]]  # agency id -> its oldest overdue items
    duties: dict[Status, int] = field(default_factory=dict)  # the agencies' report duties, counted apart

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def overdue_agencies(self) -> list[AgencyProgress]:
        """Agencies with overdue items, most overdue first."""
        rows = [a for a in self.agencies if a.overdue]
        return sorted(rows, key=lambda a: (-a.overdue, a.oldest_overdue or self.as_of, vi_sort_key(a.name)))


def lead_scope(query: sa.Select[Any], *, duties: bool = False) -> sa.Select[Any]:
    """Lead assignments, not cancelled, of active tasks (the overview's population).

    The agencies' period-report duties (source "report", BC.2020-H1 ...) are not tasks of the
    plan: the compiled report leaves them out of its figures, so the overview does too and both
    show the same numbers for the same day. ``duties``: those duties instead, counted apart."""
    source = col(Task.source) == REPORT_SOURCE if duties else col(Task.source) != REPORT_SOURCE
    return query.where(col(Assignment.role) == LEAD, col(Assignment.status) != CANCELLED,
                       col(Task.state) == TASK_ACTIVE, source)


def duty_counts(session: Session, *, as_of: date, near_days: int = 3, plan_id: int | None = None,
                agency_id: int | None = None) -> dict[Status, int]:
    """The agencies' report duties by status (every official status, zeros included): sent on
    time or late, overdue (not sent after the deadline), due soon, not yet due."""
    st = assignment_status(as_of, near_days).label("st")
    inner = lead_scope(select(st).join(Task, col(Task.id) == col(Assignment.task_id)), duties=True)
    if plan_id is not None:
        inner = inner.where(col(Task.plan_id) == plan_id)
    if agency_id is not None:
        inner = inner.where(col(Assignment.agency_id) == agency_id)
    sub = inner.subquery()
    counts = dict.fromkeys(ALL_STATUSES, 0)
    for status, n in session.execute(sa.select(sub.c.st, sa.func.count()).group_by(sub.c.st)):
        counts[Status(status)] = n
    return counts


def agency_counts(session: Session, *, as_of: date, near_days: int = 3, plan_id: int | None = None,
                  agency_id: int | None = None) -> dict[int, AgencyProgress]:
    """Per agency: counts by status and the oldest overdue due date (one grouped scan)."""
    st = assignment_status(as_of, near_days).label("st")
    inner = lead_scope(
        select(col(Assignment.agency_id), col(Assignment.due_date), st)
        .join(Task, col(Task.id) == col(Assignment.task_id))
    )
    if plan_id is not None:
        inner = inner.where(col(Task.plan_id) == plan_id)
    if agency_id is not None:
        inner = inner.where(col(Assignment.agency_id) == agency_id)
    sub = inner.subquery()
    rows = session.execute(
        sa.select(sub.c.agency_id, sub.c.st, sa.func.count(), sa.func.min(sub.c.due_date))
        .group_by(sub.c.agency_id, sub.c.st)
    ).all()
    out: dict[int, AgencyProgress] = {}
    for aid, status, n, oldest in rows:
        row = out.setdefault(aid, AgencyProgress(agency_id=aid, name=""))
        row.counts[Status(status)] = n
        if status == Status.OVERDUE.value:
            row.oldest_overdue = oldest
    if out:
        names = session.execute(select(col(Agency.id), col(Agency.name), col(Agency.province))
                                .where(col(Agency.id).in_(list(out)))).all()
        for aid, label in agency_labels((aid, name, slug) for aid, name, slug in names).items():
            out[aid].name = label
    return out


def _escalation_levels(session: Session, *, as_of: date, near_days: int) -> dict[int, int]:
    """Agency id -> highest escalation level sent for one of its overdue items (current due date)."""
    q = lead_scope(
        select(col(Assignment.agency_id), sa.func.max(Notice.level))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Notice, sa.and_(col(Notice.assignment_id) == col(Assignment.id),
                              col(Notice.due_date) == col(Assignment.due_date)))
        .where(col(Notice.kind) == ESCALATION, col(Notice.status) == SENT,
               assignment_status_is(Status.OVERDUE, as_of, near_days))
        .group_by(col(Assignment.agency_id))
    )
    return dict(session.execute(q).tuples().all())  # .all(): a Result has keys(), dict() would take it for a mapping


def assignment_levels(session: Session, *, assignment_ids: list[int]) -> dict[int, int]:
    """Assignment id -> highest escalation level sent for its current due date."""
    if not assignment_ids:
        return {}
    q = (
        select(col(Notice.assignment_id), sa.func.max(Notice.level))
        .join(Assignment, sa.and_(col(Assignment.id) == col(Notice.assignment_id),
                                  col(Notice.due_date) == col(Assignment.due_date)))
        .where(col(Notice.kind) == ESCALATION, col(Notice.status) == SENT,
               col(Notice.assignment_id).in_(assignment_ids))
        .group_by(col(Notice.assignment_id))
    )
    return dict(session.execute(q).tuples().all())


def oldest_overdue(session: Session, *, as_of: date, near_days: int = 3, per_agency: int = 5,
                   agency_ids: list[int] | None = None) -> dict[int, list[OverdueItem]]:
    """The ``per_agency`` oldest overdue items of each agency (a window function)."""
    rn = sa.func.row_number().over(partition_by=col(Assignment.agency_id),
                                   order_by=(col(Assignment.due_date), col(Assignment.id)))
    inner = lead_scope(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            col(Assignment.id).label("aid"), Assignment.task_id, Assignment.agency_id, Assignment.due_date,
            Assignment.original_due_date, rn.label("rn"))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(assignment_status_is(Status.OVERDUE, as_of, near_days))
    )
    if agency_ids is not None:
        inner = inner.where(col(Assignment.agency_id).in_(agency_ids))
    sub = inner.subquery()
    rows = session.execute(
        sa.select(sub.c.aid, sub.c.task_id, sub.c.agency_id, sub.c.due_date, sub.c.original_due_date,
                  col(Plan.code), col(Task.ref), col(Task.content))
        .join(Task, col(Task.id) == sub.c.task_id).join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(sub.c.rn <= per_agency).order_by(sub.c.agency_id, sub.c.rn)
    ).all()
    levels = assignment_levels(session, assignment_ids=[r[0] for r in rows])
    out: dict[int, list[OverdueItem]] = defaultdict(list)
    for aid, tid, agid, due, original, code, ref, content in rows:
        out[agid].append(OverdueItem(
            assignment_id=aid, task_id=tid, plan_code=code, ref=ref, content=content, agency_id=agid, due_date=due,
            original_due_date=original, days=(as_of - due).days, level=levels.get(aid, 0)))
    return dict(out)


def overview(session: Session, *, as_of: date, near_days: int = 3, per_agency: int = 3) -> Overview:
    agencies = agency_counts(session, as_of=as_of, near_days=near_days)
    counts = dict.fromkeys(ALL_STATUSES, 0)
    for a in agencies.values():
        for s, n in a.counts.items():
            counts[s] += n
    for aid, lvl in _escalation_levels(session, as_of=as_of, near_days=near_days).items():
        if aid in agencies:
            agencies[aid].max_level = lvl
    rows = sorted(agencies.values(), key=lambda a: vi_sort_key(a.name))
    return Overview(as_of=as_of, counts=counts, agencies=rows,
                    overdue=oldest_overdue(session, as_of=as_of, near_days=near_days, per_agency=per_agency),
                    duties=duty_counts(session, as_of=as_of, near_days=near_days))


# Written with its constants inline and no parameters: the server plans it once per connection
# (psycopg prepares a statement it sees repeatedly) instead of re-planning it on every page; with
# the pending statuses as parameters PostgreSQL spent four times longer planning it than running it.
_STAMP = sa.select(
    sa.select(sa.func.max(AuditEvent.id)).scalar_subquery(),
    sa.select(sa.func.max(Notice.id)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(Notice).where(
        Notice.status.in_([sa.literal_column(f"'{s}'") for s in (PENDING, SENDING)])  # type: ignore[attr-defined]
    ).scalar_subquery(),
)


def data_stamp(session: Session) -> tuple[object, ...]:
    """A cheap fingerprint of what the overview depends on (one query, index look-ups only).

    Every change of progress, due dates, imports and decisions writes an audit event; notices
    appear (new id) and move out of pending when sent. A cached overview with the same stamp
    is still right."""
    return tuple(session.connection().execute(_STAMP).one())
