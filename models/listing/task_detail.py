"""One task with everything about it: assignments, progress, audit history, notices, extension
requests and evidence; and the checks that keep an agency to its own tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import (
    CANCELLED,
    DONE,
    LEAD,
    Agency,
    Assignment,
    AuditEvent,
    Milestone,
    Notice,
    Plan,
    ProgressUpdate,
    Task,
)
from models.core.web_tables import Evidence, ExtensionRequest
from tasks.escalation.status import Status, classify, overdue_days


@dataclass
class AssignmentView:
    assignment: Assignment
    agency: Agency
    status: Status
    overdue_days: int

    @property
    def is_lead(self) -> bool:
        return self.assignment.role == LEAD


@dataclass
class TaskDetail:
    task: Task
    plan: Plan
    as_of: date
    assignments: list[AssignmentView]
    milestones: list[Milestone] = field(default_factory=list)
    updates: list[tuple[ProgressUpdate, Assignment, Agency]] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    notices: list[tuple[Notice, Agency]] = field(default_factory=list)
    extensions: list[tuple[ExtensionRequest, Assignment, Agency]] = field(default_factory=list)
    evidence: list[tuple[Evidence, Assignment, Agency]] = field(default_factory=list)

    def for_agency(self, agency_id: int) -> list[AssignmentView]:
        """The agency's own assignments on this task, the lead one first."""
        mine = [v for v in self.assignments if v.agency.id == agency_id and v.assignment.status != CANCELLED]
        return sorted(mine, key=lambda v: not v.is_lead)

    @property
    def leads(self) -> list[AssignmentView]:
        return [v for v in self.assignments if v.is_lead and v.assignment.status != CANCELLED]

    @property
    def coordination_input(self) -> list[tuple[ProgressUpdate, Assignment, Agency]]:
        """What coordinating agencies reported: the lead sees it on its task page."""
        return [u for u in self.updates if u[1].role != LEAD]


def assignment_view(a: Assignment, agency: Agency, as_of: date, near_days: int = 3) -> AssignmentView:
    done = a.status == DONE
    status = classify(due_date=a.due_date, completed_on=a.completed_on, as_of=as_of, near_days=near_days, done=done)
    days = overdue_days(due_date=a.due_date, completed_on=a.completed_on if done else None, as_of=as_of)
    return AssignmentView(a, agency, status, days)


def task_detail(session: Session, *, task_id: int, as_of: date, near_days: int = 3,
                full: bool = True) -> TaskDetail | None:
    """The task page's data; ``full=False`` leaves out the audit history and notices."""
    found = session.execute(
        select(Task, Plan).join(Plan, col(Plan.id) == col(Task.plan_id)).where(col(Task.id) == task_id)).first()
    if found is None:
        return None
    task, plan = found
    rows = session.execute(
        select(Assignment, Agency).join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(col(Assignment.task_id) == task_id).order_by(col(Assignment.role).desc(), col(Agency.name))
    ).all()
    views = [assignment_view(a, ag, as_of, near_days) for a, ag in rows]
    by_id = {v.assignment.id: v for v in views}
    ids = list(by_id)
    detail = TaskDetail(task=task, plan=plan, as_of=as_of, assignments=views)
    detail.milestones = list(
        session.exec(select(Milestone).where(col(Milestone.task_id) == task_id).order_by(col(Milestone.year)))
    )
    if not ids:
        return detail
    detail.updates = [
        (u, by_id[u.assignment_id].assignment, by_id[u.assignment_id].agency)
        for u in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.assignment_id).in_(ids))
                              .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc()))
    ]
    exts = list(session.exec(select(ExtensionRequest).where(col(ExtensionRequest.assignment_id).in_(ids))
                             .order_by(col(ExtensionRequest.id).desc())))
    detail.extensions = [(e, by_id[e.assignment_id].assignment, by_id[e.assignment_id].agency) for e in exts]
    evs = list(session.exec(select(Evidence).where(col(Evidence.assignment_id).in_(ids)).order_by(col(Evidence.id))))
    detail.evidence = [(e, by_id[e.assignment_id].assignment, by_id[e.assignment_id].agency) for e in evs]
    if full:
        detail.notices = [
            (n, by_id[n.assignment_id].agency)
            for n in session.exec(select(Notice).where(col(Notice.assignment_id).in_(ids))
                                  .order_by(col(Notice.id).desc()))
        ]
        detail.audit = audit_history(session, task_id=task_id, assignment_ids=ids,
                                     extension_ids=[e.id for e in exts], evidence_ids=[e.id for e in evs])
    return detail


def audit_history(session: Session, *, task_id: int, assignment_ids: Sequence[int | None],
                  extension_ids: Sequence[int | None], evidence_ids: Sequence[int | None]) -> list[AuditEvent]:
    """The audit events of the task and of its assignments, extension requests and evidence, newest
    first. The ids are those of stored rows (typed ``int | None`` as SQLModel types every id)."""
    conds = [sa.and_(col(AuditEvent.entity) == "task", col(AuditEvent.entity_id) == task_id)]
    linked = (("assignment", assignment_ids), ("extension_request", extension_ids), ("evidence", evidence_ids))
    for entity, ids in linked:
        if ids:
            conds.append(sa.and_(col(AuditEvent.entity) == entity, col(AuditEvent.entity_id).in_(ids)))
    q = select(AuditEvent).where(sa.or_(*conds)).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(q))


def agency_assignment(session: Session, *, task_id: int, agency_id: int) -> Assignment | None:
    """The agency's assignment on the task (lead first), ``None`` when the task is not its own."""
    rows = list(session.exec(
        select(Assignment).where(Assignment.task_id == task_id, Assignment.agency_id == agency_id,
                                 Assignment.status != CANCELLED)
    ))
    rows.sort(key=lambda a: a.role != LEAD)
    return rows[0] if rows else None


def agency_can_see_task(session: Session, *, task_id: int, agency_id: int) -> bool:
    return agency_assignment(session, task_id=task_id, agency_id=agency_id) is not None
