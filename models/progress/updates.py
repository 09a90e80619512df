"""Progress reported by an agency on its assignment: status, percent, note; always audited."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models.core.audit import record
from models.core.tables import (
    CANCELLED,
    DONE,
    IN_PROGRESS,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    Agency,
    Assignment,
    Plan,
    ProgressUpdate,
    Task,
)
from models.core.types import utcnow
from models.outbox.notices import cancel_pending

STATUSES = (DONE, IN_PROGRESS, OPEN)


class ProgressError(ValueError):
    """The update names something that does not exist or is not this agency's."""


def find_task(session: Session, *, ref: str, plan_code: str | None) -> Task:
    q = select(Task, Plan.code).join(Plan, Plan.id == Task.plan_id).where(Task.ref == ref, Task.state == TASK_ACTIVE)  # type: ignore[arg-type]
    if plan_code:
        q = q.where(Plan.code == plan_code)
    rows = session.exec(q).all()
    if not rows:
        where = f" in plan {plan_code}" if plan_code else ""
        raise ProgressError(f"no active task {ref}{where}")
    if len(rows) > 1:
        codes = ", ".join(sorted(code for _, code in rows))
        raise ProgressError(f"task {ref} exists in several plans ({codes}); pass --plan")
    return rows[0][0]


def find_assignment(session: Session, *, task: Task, agency_keys: list[tuple[str, str]]) -> Assignment:
    """The agency's assignment on the task, the lead one first."""
    rows = session.exec(
        select(Assignment, Agency).join(Agency, Agency.id == Assignment.agency_id)  # type: ignore[arg-type]
        .where(Assignment.task_id == task.id, Assignment.status != CANCELLED)
    ).all()
    wanted = set(agency_keys)
    mine = [a for a, ag in rows if (ag.province, ag.key) in wanted]
    if not mine:
        raise ProgressError(f"the agency has no assignment on task {task.ref}")
    mine.sort(key=lambda a: a.role != LEAD)
    return mine[0]


def record_progress(
    session: Session,
    *,
    assignment: Assignment,
    status: str,
    percent: int | None,
    note: str | None,
    on: date,
    actor: str,
    source: str,
) -> ProgressUpdate:
    """Apply an update; a done assignment gets no further notices."""
    if status not in STATUSES:
        raise ProgressError(f"status must be one of {', '.join(STATUSES)}, got '{status}'")
    if percent is not None and not 0 <= percent <= 100:
        raise ProgressError(f"percent must be between 0 and 100, got {percent}")
    if status == DONE and percent is None:
        percent = 100
    old = {"status": assignment.status, "percent": assignment.percent, "completed_on": assignment.completed_on}
    assignment.status = status
    if percent is not None:
        assignment.percent = percent
    assignment.completed_on = on if status == DONE else None
    assignment.updated_at = utcnow()
    session.add(assignment)
    update = ProgressUpdate(assignment_id=assignment.id, status=status, percent=percent, note=note,  # type: ignore[arg-type]
                            reported_on=on, actor=actor, source=source)
    session.add(update)
    new = {"status": assignment.status, "percent": assignment.percent, "completed_on": assignment.completed_on}
    changes = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    if note:
        changes["note"] = [None, note]
    record(session, actor=actor, source=source, entity="assignment", entity_id=assignment.id,
           action="progress", changes=changes)
    if status == DONE:
        cancel_pending(session, assignment_id=assignment.id)  # type: ignore[arg-type]
    session.flush()
    return update
