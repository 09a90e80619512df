"""A plan's progress by section ("I  Nhiệm vụ trong Quý I/2020", ...) and its agencies' period
reports by period, counted in SQL.

The sections hold the plan's own tasks; the report duties ("BC.2020-H1": one lead assignment
per agency owing the report) are counted apart, per period, by the same status rules: sent
(done) on time or late, overdue (not sent after the deadline), not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.report_tables import REPORT_SOURCE
from models.core.tables import TASK_ACTIVE, Assignment, Plan, Task
from models.escalation.status_sql import assignment_status
from models.overview.dashboard import StatusTally, lead_scope
from tasks.escalation.status import Status
from tasks.reports.period import Period, parse_period
from tasks.reports.schedule import period_of_duty_ref


@dataclass
class SectionProgress(StatusTally):
    code: str | None
    title: str | None
    tasks: int = 0
    counts: dict[Status, int] = field(default_factory=dict)


def plan_sections(session: Session, *, plan_id: int, as_of: date, near_days: int = 3) -> list[SectionProgress]:
    """Sections in document order with their task count and lead-assignment statuses (the
    plan's own tasks: the report duties are ``plan_duties``)."""
    order = list(session.execute(
        select(col(Task.section_code), col(Task.section), sa.func.min(Task.position), sa.func.count())
        .where(col(Task.plan_id) == plan_id, col(Task.state) == TASK_ACTIVE, col(Task.source) != REPORT_SOURCE)
        .group_by(col(Task.section_code), col(Task.section)).order_by(sa.func.min(Task.position))
    ))
    sections = {(c, t): SectionProgress(code=c, title=t, tasks=n) for c, t, _, n in order}
    st = assignment_status(as_of, near_days).label("st")
    sub = lead_scope(
        select(Task.section_code, Task.section, st).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
        .where(Task.plan_id == plan_id)
    ).subquery()
    for code, title, status, n in session.execute(
        sa.select(sub.c.section_code, sub.c.section, sub.c.st, sa.func.count())
        .group_by(sub.c.section_code, sub.c.section, sub.c.st)
    ):
        sections.setdefault((code, title), SectionProgress(code=code, title=title)).counts[Status(status)] = n
    return list(sections.values())


@dataclass
class PeriodDuties(StatusTally):
    """One reporting period of a plan: its duty task and its agencies' assignments by status."""

    task_id: int
    period: Period
    due: date | None
    counts: dict[Status, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        """Agencies that had sent their report by the day looked at (the done statuses)."""
        return self.done


def plan_duties(session: Session, *, plan_id: int, as_of: date, near_days: int = 3) -> list[PeriodDuties]:
    """The plan's reporting periods by deadline, each with its agencies' report duties by status."""
    st = assignment_status(as_of, near_days).label("st")
    sub = lead_scope(
        select(col(Task.id).label("task_id"), col(Task.ref).label("ref"), col(Task.due_date).label("due"), st)
        .join(Task, col(Task.id) == col(Assignment.task_id)).where(col(Task.plan_id) == plan_id),
        duties=True,
    ).subquery()
    out: dict[int, PeriodDuties] = {}
    for task_id, ref, due, status, n in session.execute(
        sa.select(sub.c.task_id, sub.c.ref, sub.c.due, sub.c.st, sa.func.count())
        .group_by(sub.c.task_id, sub.c.ref, sub.c.due, sub.c.st)
    ):
        code = period_of_duty_ref(ref)
        if code is None:
            continue
        row = out.setdefault(task_id, PeriodDuties(task_id=task_id, period=parse_period(code), due=due))
        row.counts[Status(status)] = n
    return sorted(out.values(), key=lambda p: (p.due or date.max, p.period.code))


def plan_list(session: Session, *, provinces: tuple[str, ...] | None = None) -> list[Plan]:
    """Every plan, or those of ``provinces``."""
    q = select(Plan).order_by(Plan.province, Plan.issued_on.desc(), Plan.code)  # type: ignore[union-attr]
    if provinces is not None:
        q = q.where(col(Plan.province).in_(provinces))
    return list(session.exec(q))
