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
# how an agency reports when not through its link, the office recording it on the task page; the
# update's source is "office:<code>" and its actor the office user who recorded it
CHANNELS = {"paper": "giấy", "phone": "điện thoại", "zalo": "Zalo", "email": "e-mail"}
OFFICE_SOURCE = "office:"


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
    recorded: dict[str, str] | None = None,
) -> ProgressUpdate:
    """Apply an update; a done assignment gets no further notices. ``recorded``: how the office
    received an update it records for the agency (on whose behalf, channel), kept in the audit."""
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
    changes: dict[str, object] = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    if note:
        changes["note"] = [None, note]
    changes.update(recorded or {})
    record(session, actor=actor, source=source, entity="assignment", entity_id=assignment.id,
           action="progress", changes=changes)
    if status == DONE:
        cancel_pending(session, assignment_id=assignment.id)  # type: ignore[arg-type]
    session.flush()
    return update


def record_on_behalf(
    session: Session,
    *,
    assignment: Assignment,
    status: str,
    percent: int | None,
    note: str | None,
    on: date,
    channel: str,
    actor: str,
    today: date,
) -> ProgressUpdate:
    """An agency's report received on paper, by phone, Zalo or e-mail, recorded by the office
    (``actor``) through the same rules as the agency's own; the audit names the agency it was
    recorded for, the channel and the day the agency reported."""
    if channel not in CHANNELS:
        raise ProgressError("Vui lòng chọn cơ quan báo cáo qua kênh nào: giấy, điện thoại, Zalo hoặc e-mail.")
    if on > today:
        raise ProgressError(f"Ngày báo cáo {on:%d/%m/%Y} chưa tới (hôm nay là {today:%d/%m/%Y}).")
    if assignment.status == CANCELLED:
        raise ProgressError("Cơ quan không còn được giao nhiệm vụ này: không ghi nhận báo cáo được.")
    agency = session.get(Agency, assignment.agency_id)
    assert agency is not None
    return record_progress(session, assignment=assignment, status=status, percent=percent, note=note, on=on,
                           actor=actor, source=OFFICE_SOURCE + channel,
                           recorded={"on_behalf_of": agency.name, "channel": CHANNELS[channel],
                                     "reported_on": on.isoformat()})
