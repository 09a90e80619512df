"""Read-side queries shared by the command line, the web app and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import LEAD, TASK_ACTIVE, Agency, Assignment, Plan, Task


@dataclass
class TaskListing:
    plan_code: str
    province: str
    ref: str
    content: str
    due_date: date | None
    deadline_text: str
    lead: list[str]
    coordinating: list[str]
    state: str


def find_agencies(session: Session, *, keys: list[tuple[str, str]]) -> list[Agency]:
    """Agency rows for (province, key) pairs."""
    if not keys:
        return []
    cond = sa.or_(*[sa.and_(col(Agency.province) == p, col(Agency.key) == k) for p, k in keys])
    return list(session.exec(select(Agency).where(cond)))


def list_tasks(
    session: Session,
    *,
    plan_code: str | None = None,
    agency_ids: list[int] | None = None,
    due_before: date | None = None,
    include_cancelled: bool = False,
) -> list[TaskListing]:
    query = select(Task, Plan).join(Plan, col(Plan.id) == col(Task.plan_id))
    if plan_code:
        query = query.where(col(Plan.code) == plan_code)
    if not include_cancelled:
        query = query.where(col(Task.state) == TASK_ACTIVE)
    if due_before:
        query = query.where(col(Task.due_date).is_not(None), col(Task.due_date) <= due_before)
    if agency_ids is not None:
        sub = select(col(Assignment.task_id)).where(col(Assignment.agency_id).in_(agency_ids))
        query = query.where(col(Task.id).in_(sub))
    query = query.order_by(col(Plan.id), col(Task.position))
    rows = list(session.exec(query))
    task_ids = [t.id for t, _ in rows]
    names: dict[int, dict[str, list[str]]] = {tid: {"lead": [], "coordinating": []} for tid in task_ids}  # type: ignore[misc]
    if task_ids:
        arows = session.exec(
            select(col(Assignment.task_id), col(Assignment.role), col(Agency.name))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(col(Assignment.task_id).in_(task_ids))
            .order_by(col(Assignment.id))
        )
        for tid, role, name in arows:
            names[tid]["lead" if role == LEAD else "coordinating"].append(name)
    return [
        TaskListing(
            plan_code=p.code, province=p.province, ref=t.ref, content=t.content, due_date=t.due_date,
            deadline_text=t.deadline_text, lead=names[t.id]["lead"], coordinating=names[t.id]["coordinating"],  # type: ignore[index]
            state=t.state,
        )
        for t, p in rows
    ]
