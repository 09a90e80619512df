"""The office overview, computed in SQL: status counts, per-agency completion, overdue items.

Everything counts lead assignments (not cancelled) of active tasks, the agencies' report duties
aside, with the status rules of ``tasks.escalation.status`` as SQL (``models.escalation.status_sql``): one grouped
scan gives the totals, the bars per agency and each agency's oldest overdue item; two small
queries add the overdue items shown and the escalation levels reached. The report duties are
counted apart (``duty_counts``), by the same rules.

These are the task list's rows (models/listing/task_list.py, ``kind`` plan tasks or report
duties, ``role`` lead): a card's number is the length of the list its link opens
(tests/web/overview/test_counts_agree.py).

Every function takes ``province`` (a slug, ``None`` for the whole country): a province's figures
count the lead assignments of its plans' tasks (``Plan.province``, the scope of an office account
and of its task list, models/auth/scope.py) and read only those rows. The country's figures are
the sum of the provinces' (``merge_overviews``), each province's being cached on its own
(web/overview.py). The escalation levels come apart from the figures
(``escalation_levels``, ``with_levels``): a notice leaving the outbox changes a level shown, never
a count, and so recomputes only the levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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
from tasks.listing.names import agency_labels, province_name

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
    province: str = ""  # the agency's province (its slug), to name it beside another province's namesake


@dataclass
class ProvinceProgress(StatusTally):
    """One province's figures in the country's overview (a row of its chart)."""

    slug: str
    name: str
    counts: dict[Status, int] = field(default_factory=dict)


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


def in_province(province: str | None, *, sqlite: bool = False) -> sa.ColumnElement[bool]:
    """The tasks (``Task`` in the query) of ``province``'s plans (every task for ``None``, the country).

    ``sqlite``: said of the assignment too, so that SQLite starts from the province's tasks
    (ix_task_plan_id, then ix_assignment_task_id) rather than from every lead assignment: 0.1-0.2 s
    instead of 3 s for a province of 29,000 among 1,000,000; PostgreSQL finds that order by itself
    and is slower for the second condition."""
    if province is None:
        return sa.true()
    plans = sa.select(col(Plan.id)).where(col(Plan.province) == province)
    if not sqlite:
        return col(Task.plan_id).in_(plans)
    return sa.and_(col(Task.plan_id).in_(plans),
                   col(Assignment.task_id).in_(sa.select(col(Task.id)).where(col(Task.plan_id).in_(plans))))


def _in_province(session: Session, province: str | None) -> sa.ColumnElement[bool]:
    return in_province(province, sqlite=session.get_bind().dialect.name == "sqlite")


def duty_counts(session: Session, *, as_of: date, near_days: int = 3, plan_id: int | None = None,
                agency_id: int | None = None, province: str | None = None) -> dict[Status, int]:
    """The agencies' report duties by status (every official status, zeros included): sent on
    time or late, overdue (not sent after the deadline), due soon, not yet due."""
    st = assignment_status(as_of, near_days).label("st")
    inner = lead_scope(select(st).join(Task, col(Task.id) == col(Assignment.task_id)), duties=True)
    if province is not None:
        inner = inner.where(_in_province(session, province))
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
                  agency_id: int | None = None, province: str | None = None) -> dict[int, AgencyProgress]:
    """Per agency: counts by status and the oldest overdue due date (one grouped scan)."""
    st = assignment_status(as_of, near_days).label("st")
    inner = lead_scope(
        select(col(Assignment.agency_id), col(Assignment.due_date), st)
        .join(Task, col(Task.id) == col(Assignment.task_id))
    )
    if province is not None:
        inner = inner.where(_in_province(session, province))
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
        for aid, _name, slug in names:
            out[aid].province = slug
    return out


def in_plan(plan_id: int | None) -> sa.ColumnElement[bool]:
    """The tasks (``Task`` in the query) of one plan (every task for ``None``)."""
    return sa.true() if plan_id is None else col(Task.plan_id) == plan_id


def _escalation_levels(session: Session, *, as_of: date, near_days: int,
                       province: str | None = None, plan_id: int | None = None) -> dict[int, int]:
    """Agency id -> highest escalation level sent for one of its overdue items (current due date)."""
    q = lead_scope(
        select(col(Assignment.agency_id), sa.func.max(Notice.level))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Notice, sa.and_(col(Notice.assignment_id) == col(Assignment.id),
                              col(Notice.due_date) == col(Assignment.due_date)))
        .where(col(Notice.kind) == ESCALATION, col(Notice.status) == SENT,
               assignment_status_is(Status.OVERDUE, as_of, near_days), _in_province(session, province),
               in_plan(plan_id))
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
                   agency_ids: list[int] | None = None, province: str | None = None,
                   levels: bool = True, plan_id: int | None = None) -> dict[int, list[OverdueItem]]:
    """``levels=False``: every item's ``level`` left at 0 (``with_levels`` adds them)."""
    """The ``per_agency`` oldest overdue items of each agency (a window function)."""
    rn = sa.func.row_number().over(partition_by=col(Assignment.agency_id),
                                   order_by=(col(Assignment.due_date), col(Assignment.id)))
    inner = lead_scope(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            col(Assignment.id).label("aid"), Assignment.task_id, Assignment.agency_id, Assignment.due_date,
            Assignment.original_due_date, rn.label("rn"))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(assignment_status_is(Status.OVERDUE, as_of, near_days), _in_province(session, province),
               in_plan(plan_id))
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
    found = assignment_levels(session, assignment_ids=[r[0] for r in rows]) if levels else {}
    out: dict[int, list[OverdueItem]] = defaultdict(list)
    for aid, tid, agid, due, original, code, ref, content in rows:
        out[agid].append(OverdueItem(
            assignment_id=aid, task_id=tid, plan_code=code, ref=ref, content=content, agency_id=agid, due_date=due,
            original_due_date=original, days=(as_of - due).days, level=found.get(aid, 0)))
    return dict(out)


def overview_figures(session: Session, *, as_of: date, near_days: int = 3, per_agency: int = 3,
                     province: str | None = None, plan_id: int | None = None) -> Overview:
    """The overview of ``province`` (the country for ``None``), or of one plan (``plan_id``),
    without its escalation levels (all 0)."""
    agencies = agency_counts(session, as_of=as_of, near_days=near_days, province=province, plan_id=plan_id)
    counts = dict.fromkeys(ALL_STATUSES, 0)
    for a in agencies.values():
        for s, n in a.counts.items():
            counts[s] += n
    rows = sorted(agencies.values(), key=lambda a: vi_sort_key(a.name))
    return Overview(as_of=as_of, counts=counts, agencies=rows,
                    overdue=oldest_overdue(session, as_of=as_of, near_days=near_days, per_agency=per_agency,
                                           province=province, levels=False, plan_id=plan_id),
                    duties=duty_counts(session, as_of=as_of, near_days=near_days, province=province,
                                       plan_id=plan_id))


@dataclass(frozen=True)
class Levels:
    """Escalation levels sent for the current due dates: per agency (its highest for an overdue
    item) and per overdue item shown."""

    agencies: dict[int, int]
    items: dict[int, int]


def escalation_levels(session: Session, *, figures: Overview, near_days: int = 3,
                      province: str | None = None, plan_id: int | None = None) -> Levels:
    """The levels ``figures`` (of ``province``, or of one plan) shows, read from the sent escalation notices."""
    shown = [item.assignment_id for items in figures.overdue.values() for item in items]
    return Levels(agencies=_escalation_levels(session, as_of=figures.as_of, near_days=near_days, province=province,
                                              plan_id=plan_id),
                  items=assignment_levels(session, assignment_ids=shown))


def with_levels(figures: Overview, levels: Levels) -> Overview:
    """A copy of ``figures`` with ``levels`` (the cached figures are left as they are)."""
    agencies = [replace(a, max_level=levels.agencies.get(a.agency_id, 0)) for a in figures.agencies]
    overdue = {aid: [replace(i, level=levels.items.get(i.assignment_id, 0)) for i in items]
               for aid, items in figures.overdue.items()}
    return replace(figures, agencies=agencies, overdue=overdue)


def overview(session: Session, *, as_of: date, near_days: int = 3, per_agency: int = 3,
             province: str | None = None, plan_id: int | None = None) -> Overview:
    """The overview of ``province`` (the country for ``None``), or of one plan, escalation levels included."""
    figures = overview_figures(session, as_of=as_of, near_days=near_days, per_agency=per_agency, province=province,
                               plan_id=plan_id)
    return with_levels(figures, escalation_levels(session, figures=figures, near_days=near_days, province=province,
                                                  plan_id=plan_id))


def merge_overviews(as_of: date, parts: Sequence[Overview], *, per_agency: int = 3) -> Overview:
    """The overview of several provinces from each one's: counts added up, an agency's figures
    added up across the provinces whose plans it works on (named with its province where two
    agencies share a name), its ``per_agency`` oldest overdue items."""
    counts = dict.fromkeys(ALL_STATUSES, 0)
    duties = dict.fromkeys(ALL_STATUSES, 0)
    overdue: dict[int, list[OverdueItem]] = defaultdict(list)
    agencies: dict[int, AgencyProgress] = {}
    for part in parts:
        for s, n in part.counts.items():
            counts[s] += n
        for s, n in part.duties.items():
            duties[s] += n
        for aid, items in part.overdue.items():
            overdue[aid] += items
        for a in part.agencies:
            row = agencies.get(a.agency_id)
            if row is None:
                agencies[a.agency_id] = replace(a, counts=dict(a.counts))
                continue
            for s, n in a.counts.items():
                row.counts[s] = row.counts.get(s, 0) + n
            if a.oldest_overdue is not None:
                row.oldest_overdue = min(filter(None, (row.oldest_overdue, a.oldest_overdue)))
            row.max_level = max(row.max_level, a.max_level)
    # a label is made from the bare name: a province's figures may have named one already
    bare = {a.agency_id: a.name.removesuffix(f" ({province_name(a.province)})") for a in agencies.values()}
    labels = agency_labels((a.agency_id, bare[a.agency_id], a.province) for a in agencies.values())
    for a in agencies.values():
        a.name = labels[a.agency_id]
    rows = sorted(agencies.values(), key=lambda a: vi_sort_key(a.name))
    oldest = {aid: sorted(items, key=lambda i: (i.due_date, i.assignment_id))[:per_agency]
              for aid, items in overdue.items()}
    return Overview(as_of=as_of, counts=counts, agencies=rows, overdue=oldest, duties=duties)


# Written with its constants inline and no parameters: the server plans it once per connection
# (psycopg prepares a statement it sees repeatedly) instead of re-planning it on every page; with
# the pending statuses as parameters PostgreSQL spent four times longer planning it than running it.
_OUTBOX_STAMP = sa.select(
    sa.select(sa.func.max(Notice.id)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(Notice).where(
        Notice.status.in_([sa.literal_column(f"'{s}'") for s in (PENDING, SENDING)])  # type: ignore[attr-defined]
    ).scalar_subquery(),
)
_AUDIT_STAMP = sa.select(sa.func.max(AuditEvent.id))


def data_stamp(session: Session) -> tuple[object, ...]:
    """A cheap fingerprint of the data the lists and figures show (one index look-up): every
    change of progress, due dates, imports and decisions writes an audit event. The outbox is
    not in it (no count or row of a list depends on a notice): ``outbox_stamp``."""
    return (session.connection().execute(_AUDIT_STAMP).scalar(),)


def outbox_stamp(session: Session) -> tuple[object, ...]:
    """What the escalation levels shown depend on: notices appear (new id) and leave the outbox
    when sent (index look-ups only)."""
    return tuple(session.connection().execute(_OUTBOX_STAMP).one())
