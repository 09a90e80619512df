"""Read-side queries shared by the command line, the web app and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

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
    cond = sa.or_(*[sa.and_(Agency.province == p, Agency.key == k) for p, k in keys])
    return list(session.exec(select(Agency).where(cond)))


def list_tasks(
    session: Session,
    *,
    plan_code: str | None = None,
    agency_ids: list[int] | None = None,
    due_before: date | None = None,
    include_cancelled: bool = False,
) -> list[TaskListing]:
    query = select(Task, Plan).join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
    if plan_code:
        query = query.where(Plan.code == plan_code)
    if not include_cancelled:
        query = query.where(Task.state == TASK_ACTIVE)
    if due_before:
        query = query.where(Task.due_date.is_not(None), Task.due_date <= due_before)  # type: ignore[union-attr,operator]
    if agency_ids is not None:
        sub = select(Assignment.task_id).where(Assignment.agency_id.in_(agency_ids))  # type: ignore[attr-defined]
        query = query.where(Task.id.in_(sub))  # type: ignore[union-attr]
    query = query.order_by(Plan.id, Task.position)
    rows = list(session.exec(query))
    task_ids = [t.id for t, _ in rows]
    names: dict[int, dict[str, list[str]]] = {tid: {"lead": [], "coordinating": []} for tid in task_ids}  # type: ignore[misc]
    if task_ids:
        arows = session.exec(
            select(Assignment.task_id, Assignment.role, Agency.name)
            .join(Agency, Agency.id == Assignment.agency_id)  # type: ignore[arg-type]
            .where(Assignment.task_id.in_(task_ids))  # type: ignore[attr-defined]
            .order_by(Assignment.id)
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
