"""A plan's progress by section ("I  Nhiệm vụ trong Quý I/2020", ...), counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import TASK_ACTIVE, Assignment, Plan, Task
from models.escalation.status_sql import assignment_status
from models.overview.dashboard import StatusTally, lead_scope
from tasks.escalation.status import Status


@dataclass
class SectionProgress(StatusTally):
    code: str | None
    title: str | None
    tasks: int = 0
    counts: dict[Status, int] = field(default_factory=dict)


def plan_sections(session: Session, *, plan_id: int, as_of: date, near_days: int = 3) -> list[SectionProgress]:
    """Sections in document order with their task count and lead-assignment statuses."""
    order = list(session.execute(
        select(col(Task.section_code), col(Task.section), sa.func.min(Task.position), sa.func.count())
        .where(col(Task.plan_id) == plan_id, col(Task.state) == TASK_ACTIVE)
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


def plan_list(session: Session) -> list[Plan]:
    return list(session.exec(select(Plan).order_by(Plan.province, Plan.issued_on.desc(), Plan.code)))  # type: ignore[union-attr]
