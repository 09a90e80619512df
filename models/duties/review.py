"""What the review pages read: duties proposed from plan text, waiting for the office."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import COORDINATING, LEAD, TASK_PROPOSED, Agency, Assignment, Plan, Task


@dataclass
class Proposal:
    """One proposed task with the agencies it would give work to."""

    task: Task
    lead: list[Agency] = field(default_factory=list)
    coordinating: list[Agency] = field(default_factory=list)


@dataclass
class PlanProposals:
    plan: Plan
    proposals: list[Proposal]


def waiting_count(session: Session, *, plan_id: int | None = None, provinces: tuple[str, ...] | None = None) -> int:
    """How many proposals wait for a decision (in one plan, or in all)."""
    q = sa.select(sa.func.count()).select_from(Task).where(col(Task.state) == TASK_PROPOSED)
    if plan_id is not None:
        q = q.where(col(Task.plan_id) == plan_id)
    if provinces is not None:
        from models.auth.scope import task_in

        q = q.where(task_in(provinces))
    return int(session.execute(q).scalar_one())


def _with_agencies(session: Session, tasks: Sequence[Task]) -> list[Proposal]:
    out = {t.id: Proposal(task=t) for t in tasks}
    if out:
        rows = session.exec(
            select(Assignment.task_id, Assignment.role, Agency).join(Agency, Agency.id == Assignment.agency_id)  # type: ignore[arg-type]
            .where(Assignment.task_id.in_(list(out)))  # type: ignore[attr-defined]
            .order_by(Agency.name)
        )
        for task_id, role, agency in rows:
            if role == LEAD:
                out[task_id].lead.append(agency)
            elif role == COORDINATING:
                out[task_id].coordinating.append(agency)
    return list(out.values())


def plan_proposals(session: Session, *, plan_id: int) -> list[Proposal]:
    """The plan's proposals in document order."""
    tasks = session.exec(
        select(Task).where(Task.plan_id == plan_id, Task.state == TASK_PROPOSED).order_by(Task.position)  # type: ignore[arg-type]
    ).all()
    return _with_agencies(session, tasks)


def waiting_by_plan(session: Session, *, provinces: tuple[str, ...] | None = None) -> list[PlanProposals]:
    """Every plan with proposals waiting, oldest import first, each with its proposals."""
    q = select(Task).where(Task.state == TASK_PROPOSED).order_by(Task.plan_id, Task.position)  # type: ignore[arg-type]
    if provinces is not None:
        from models.auth.scope import task_in

        q = q.where(task_in(provinces))
    tasks = session.exec(q).all()
    by_plan: dict[int, list[Proposal]] = {}
    for p in _with_agencies(session, tasks):
        by_plan.setdefault(p.task.plan_id, []).append(p)
    plans = {p.id: p for p in session.exec(select(Plan).where(Plan.id.in_(list(by_plan))))} if by_plan else {}  # type: ignore[union-attr]
    return [PlanProposals(plan=plans[pid], proposals=rows) for pid, rows in by_plan.items()]


__all__ = ["PlanProposals", "Proposal", "plan_proposals", "waiting_by_plan", "waiting_count"]
