"""Duties read from a plan's prose: stored as proposed tasks, confirmed or discarded by the office.

A proposed task gets its assignments at once but no reminder, escalation or report counts it
(they all read active tasks only). Re-importing the plan refreshes proposals that nobody has
decided on yet and keeps every decision already made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.directory import agency_ids
from models.core.audit import apply_changes, record
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    TASK_CANCELLED,
    TASK_DISCARDED,
    TASK_PROPOSED,
    Assignment,
    AuditEvent,
    Milestone,
    Plan,
    Task,
)
from models.core.types import utcnow
from models.reports.duties import ensure_report_duties
from tasks.duties.extract import ProposedDuty

SOURCE = "plan import (text)"
# text duties sort after the appendix rows of the same plan
POSITION_BASE = 1_000_000


@dataclass
class DutySummary:
    proposed: int = 0
    refreshed: int = 0
    kept: int = 0
    withdrawn: int = 0


def _values(duty: ProposedDuty, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "section": " › ".join(duty.section_path[:-1]) or None,
        "content": duty.content,
        "title": duty.title,
        "paragraph": duty.paragraph,
        "section_path": list(duty.section_path),
        "deadline_text": duty.deadline_text,
        "deadline_kind": "standing" if duty.standing else ("date" if duty.due_date else "unknown"),
        "due_date": duty.due_date,
        "lead_text": duty.lead_text,
        "coordinating_text": duty.coordinating_text,
        "unresolved": list(duty.unresolved),
    }


def _assign(session: Session, *, task: Task, duty: ProposedDuty, ids: dict[str, int]) -> None:
    lead_keys = {a.key for a in duty.lead}
    specs = [(a, LEAD) for a in duty.lead] + [(a, COORDINATING) for a in duty.coordinating if a.key not in lead_keys]
    for agency, role in specs:
        session.add(Assignment(task_id=task.id, agency_id=ids[agency.key], role=role, status=OPEN,  # type: ignore[arg-type]
                               due_date=duty.due_date, original_due_date=duty.due_date))
    if duty.milestone:
        year, due = duty.milestone
        session.add(Milestone(task_id=task.id, year=year, due_date=due, target=f"đến năm {year}"))  # type: ignore[arg-type]


def apply_duties(
    session: Session, *, plan_id: int, province: str, duties: list[ProposedDuty], actor: str
) -> DutySummary:
    summary = DutySummary()
    ids = agency_ids(session, province=province)
    existing = {t.ref: t for t in session.exec(select(Task).where(Task.plan_id == plan_id, Task.source == "text"))}
    # a proposal the office already edited is a decision too: the import leaves it alone
    reviewed = set(session.exec(
        select(AuditEvent.entity_id).where(AuditEvent.entity == "task", AuditEvent.source == "review",
                                           AuditEvent.entity_id.in_([t.id for t in existing.values()]))  # type: ignore[union-attr]
    ).all()) if existing else set()
    for i, duty in enumerate(duties):
        row = existing.get(duty.ref)
        values = _values(duty, POSITION_BASE + i)
        if row is None:
            row = Task(plan_id=plan_id, ref=duty.ref, source="text", state=TASK_PROPOSED, **values)
            session.add(row)
            session.flush()
            _assign(session, task=row, duty=duty, ids=ids)
            record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="proposed",
                   changes={"ref": duty.ref, "lead": [a.name for a in duty.lead]})
            summary.proposed += 1
        elif row.state == TASK_PROPOSED and row.id not in reviewed:
            changes = apply_changes(row, values, skip=("position",))
            row.position = values["position"]
            if changes:
                session.execute(sa.delete(Assignment).where(col(Assignment.task_id) == row.id))
                session.execute(sa.delete(Milestone).where(col(Milestone.task_id) == row.id))
                _assign(session, task=row, duty=duty, ids=ids)
                record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="updated",
                       changes=changes)
                summary.refreshed += 1
        else:
            summary.kept += 1  # confirmed or discarded: the office's decision stands
    seen = {d.ref for d in duties}
    for ref, row in existing.items():
        if ref not in seen and row.state == TASK_PROPOSED:
            row.state = TASK_CANCELLED
            record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="cancelled",
                   changes={"state": [TASK_PROPOSED, TASK_CANCELLED]})
            summary.withdrawn += 1
    session.flush()
    return summary


class ReviewError(ValueError):
    """A review decision names something that is not a proposal of that plan.

    ``kind`` is "missing" (no such task in the plan), "reviewed" (already confirmed,
    discarded or withdrawn: ``state``) or "ambiguous" (a plan number of several provinces); the
    message is for the command line, the web page words its own from these fields."""

    def __init__(self, message: str, *, kind: str, plan_code: str, ref: str, state: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.plan_code, self.ref, self.state = kind, plan_code, ref, state


def proposals(session: Session, *, plan_code: str | None = None, plan_id: int | None = None) -> list[tuple[Task, str]]:
    """Proposals waiting, of one plan or all. Plan numbers repeat across provinces ("176/KH-UBND"):
    ``plan_id`` names one plan for sure, ``plan_code`` every plan with that number."""
    q = select(Task, Plan.code).join(Plan, Plan.id == Task.plan_id).where(Task.state == TASK_PROPOSED)  # type: ignore[arg-type]
    if plan_code:
        q = q.where(Plan.code == plan_code)
    if plan_id is not None:
        q = q.where(Plan.id == plan_id)
    return list(session.exec(q.order_by(Plan.id, Task.position)).all())  # type: ignore[arg-type]


def _proposal(session: Session, *, plan_code: str, ref: str, plan_id: int | None = None) -> Task:
    q = select(Task).join(Plan, Plan.id == Task.plan_id).where(Plan.code == plan_code, Task.ref == ref)  # type: ignore[arg-type]
    if plan_id is not None:
        q = q.where(Plan.id == plan_id)
    found = session.exec(q.limit(2)).all()
    if len(found) > 1:
        raise ReviewError(f"plan {plan_code} exists in several provinces; review it on its web page",
                          kind="ambiguous", plan_code=plan_code, ref=ref)
    row = found[0] if found else None
    if row is None:
        raise ReviewError(f"no task {ref} in plan {plan_code}", kind="missing", plan_code=plan_code, ref=ref)
    if row.state != TASK_PROPOSED:
        raise ReviewError(f"task {ref} of plan {plan_code} was already reviewed ({row.state})", kind="reviewed",
                          plan_code=plan_code, ref=ref, state=row.state)
    return row


def decide(session: Session, *, plan_code: str, refs: list[str] | None, confirm: bool, actor: str,
           on: date | None = None, plan_id: int | None = None) -> int:
    """Confirm (start tracking) or discard proposals; ``refs=None`` means all of the plan.

    Every caller (``dondoc review``, the web review page) confirms through here: a confirmed
    task's agencies now report on the plan's periods, so the plan's report duties are
    completed in the same transaction (models.reports.duties.ensure_report_duties), from the
    period whose report is due on or after ``on`` (the day of the decision, default today in
    the province): no duty is born overdue."""
    rows = ([t for t, _ in proposals(session, plan_code=plan_code, plan_id=plan_id)] if refs is None
            else [_proposal(session, plan_code=plan_code, ref=r, plan_id=plan_id) for r in dict.fromkeys(refs)])
    new_state = TASK_ACTIVE if confirm else TASK_DISCARDED
    for row in rows:
        row.state = new_state
        row.updated_at = utcnow()
        if not confirm:
            session.execute(sa.update(Assignment).where(col(Assignment.task_id) == row.id).values(status=CANCELLED))
        record(session, actor=actor, source="review", entity="task", entity_id=row.id,
               action="confirmed" if confirm else "discarded", changes={"state": [TASK_PROPOSED, new_state]})
    session.flush()
    if confirm:
        from tasks.common.dates import local_today

        day = on or local_today()
        for plan_id in sorted({row.plan_id for row in rows}):
            ensure_report_duties(session, plan_id=plan_id, actor=actor, from_day=day)
    return len(rows)


def edit(
    session: Session, *, plan_code: str, ref: str, actor: str, title: str | None = None, due_date: date | None = None,
    lead: list[int] | None = None, coordinating: list[int] | None = None, plan_id: int | None = None,
    standing: bool = False,
) -> Task:
    """Change a proposal before confirming it (title, due date, lead or coordinating agencies).

    ``standing`` makes it a standing duty ("nhiệm vụ thường xuyên"): no due date, so no reminder
    or escalation; the plan's horizon, kept as its milestone, still counts in the reports."""
    if standing and due_date is not None:
        raise ValueError("a standing duty has no due date")
    row = _proposal(session, plan_code=plan_code, ref=ref, plan_id=plan_id)
    changes: dict[str, Any] = {}
    if title is not None and title != row.title:
        changes["title"] = [row.title, title]
        row.title = title
    if (due_date is not None and due_date != row.due_date) or (standing and row.due_date is not None):
        changes["due_date"] = [row.due_date, due_date]
        row.due_date = due_date
        row.deadline_kind = "standing" if standing else "date"
        session.execute(sa.update(Assignment).where(col(Assignment.task_id) == row.id)
                        .values(due_date=due_date, original_due_date=due_date))
    if lead is not None and coordinating is not None:  # one agency, one role: lead wins, as at import
        leads = set(lead)
        coordinating = [a for a in coordinating if a not in leads]
    for role, agency_list in ((LEAD, lead), (COORDINATING, coordinating)):
        if agency_list is None:
            continue
        agency_list = list(dict.fromkeys(agency_list))
        current = session.exec(select(Assignment).where(Assignment.task_id == row.id, Assignment.role == role)).all()
        if sorted(a.agency_id for a in current) == sorted(agency_list):
            continue
        changes[role] = [sorted(a.agency_id for a in current), sorted(agency_list)]
        for a in current:
            session.delete(a)
        session.flush()  # the deletes first: an agency kept in the list is inserted again
        for agency_id in agency_list:
            session.add(Assignment(task_id=row.id, agency_id=agency_id, role=role, status=OPEN,  # type: ignore[arg-type]
                                   due_date=row.due_date, original_due_date=row.due_date))
    if changes:  # nothing changed: no audit event (and the import may still refresh the proposal)
        row.updated_at = utcnow()
        record(session, actor=actor, source="review", entity="task", entity_id=row.id, action="edited", changes=changes)
    session.flush()
    return row


__all__ = ["DutySummary", "ReviewError", "apply_duties", "decide", "edit", "proposals"]
