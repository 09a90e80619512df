"""Reminders the office sends by hand: outbox rows of kind ``manual_reminder``.

They go through the same outbox as the daily sweep (then ``flows.escalation.sweep.send_pending``). Each
request gets its own ``seq`` so the notice key stays unique and a second click sends again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.tables import COORDINATING, TASK_ACTIVE, Agency, Assignment, Notice, Task
from models.core.types import utcnow
from models.outbox.notices import OPEN_STATES, notice_row

MANUAL = "manual_reminder"


def _next_seq(session: Session) -> int:
    last = session.execute(sa.select(sa.func.max(Notice.seq)).where(col(Notice.kind) == MANUAL)).scalar()
    return (last or 0) + 1


def queue_manual_reminders(session: Session, *, as_of: date, actor: str, task_id: int | None = None,
                           agency_id: int | None = None) -> int:
    """Queue a reminder for each open assignment (with a due date) of the task or the agency.

    Returns how many notices were queued; assignments without a due date are left out (the
    notice is keyed on one)."""
    if (task_id is None) == (agency_id is None):
        raise ValueError("give exactly one of task_id and agency_id")
    q = (
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            Assignment.id, Assignment.role, Assignment.due_date, Agency.email, Agency.name)
        .join(Task, col(Task.id) == col(Assignment.task_id)).join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(col(Assignment.status).in_(OPEN_STATES), col(Assignment.due_date).is_not(None),
               col(Task.state) == TASK_ACTIVE)
    )
    q = (q.where(col(Assignment.task_id) == task_id) if task_id is not None
         else q.where(col(Assignment.agency_id) == agency_id))
    rows = session.execute(q).all()
    seq, now = _next_seq(session), utcnow()
    notices: list[dict[str, Any]] = [
        notice_row(assignment_id=aid, kind=MANUAL, level=0, seq=seq, due_date=due, as_of=as_of, recipient=email,
                   recipient_name=name, recipient_role="coordinating" if role == COORDINATING else "lead", now=now)
        for aid, role, due, email, name in rows
    ]
    if notices:
        session.execute(sa.insert(Notice), notices)
    entity, entity_id = ("task", task_id) if task_id is not None else ("agency", agency_id)
    record(session, actor=actor, source="web", entity=entity, entity_id=entity_id, action="manual_reminder",
           changes={"notices": [None, len(notices)], "seq": [None, seq]})
    return len(notices)
