"""Which agencies a bulk reminder goes to: every agency leading an overdue task, or every agency
whose period report is past its deadline and not sent. The letters themselves are the manual
reminder's, one agency at a time (models/escalation/reminders.py)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.report_tables import REPORT_SOURCE
from models.core.tables import IN_PROGRESS, LEAD, OPEN, TASK_ACTIVE, Agency, Assignment, Plan, Task

OVERDUE, UNREPORTED = "overdue", "unreported"
GROUPS = (OVERDUE, UNREPORTED)


def late_agencies(session: Session, *, group: str, as_of: date,
                  provinces: tuple[str, ...] | None = None) -> list[tuple[int, str, int]]:
    """(agency id, name, how many late items) of every agency late in ``group``, most late first:
    ``overdue``: open plan tasks it leads past their due date; ``unreported``: its period
    reports (report duties) past their deadline and not sent."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    source = col(Task.source) == REPORT_SOURCE if group == UNREPORTED else col(Task.source) != REPORT_SOURCE
    late = sa.func.count(col(Assignment.id))
    q = (
        sa.select(col(Agency.id), col(Agency.name), late)
        .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Assignment.role) == LEAD, col(Assignment.status).in_((OPEN, IN_PROGRESS)),
               col(Assignment.due_date) < as_of, col(Task.state) == TASK_ACTIVE, source)
        .group_by(col(Agency.id), col(Agency.name))
        .order_by(late.desc(), col(Agency.name))
    )
    if provinces is not None:  # the late tasks of those provinces' plans
        q = q.where(col(Task.plan_id).in_(sa.select(col(Plan.id)).where(col(Plan.province).in_(provinces))))
    return [(int(i), str(n), int(c)) for i, n, c in session.execute(q).all()]


def named_agencies(session: Session, *, ids: list[int],
                   provinces: tuple[str, ...] | None = None) -> list[tuple[int, str, int]]:
    """The chosen agencies that exist, as (id, name, 0), by name."""
    if not ids:
        return []
    q = sa.select(col(Agency.id), col(Agency.name)).where(col(Agency.id).in_(ids)).order_by(col(Agency.name))
    if provinces is not None:
        q = q.where(col(Agency.province).in_(provinces))
    rows = session.execute(q).all()
    return [(int(i), str(n), 0) for i, n in rows]
