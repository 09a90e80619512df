"""Storing a parsed plan: create on first import, update and audit on re-import, never delete.

Rows are written with set-based INSERTs (a 20,000-row appendix must import in seconds); the
whole import runs in the caller's transaction, so a failure leaves nothing half written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.agencies import agency_ids, sync_agencies
from models.audit import jsonable, record
from models.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    TASK_CANCELLED,
    Assignment,
    AuditEvent,
    Milestone,
    Plan,
    Task,
)
from models.types import utcnow
from tasks.plan_import import ParsedPlan, ParsedTask

SOURCE = "plan import"


@dataclass
class ImportSummary:
    plan_id: int
    plan_created: bool
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    changed_refs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.plan_created or bool(self.created or self.updated or self.cancelled)


def _task_values(task: ParsedTask) -> dict[str, Any]:
    row = task.row
    return {
        "position": row.position,
        "section": row.section,
        "section_code": row.section_code,
        "number": row.number,
        "group_title": row.group,
        "content": row.content,
        "deadline_text": row.deadline_text,
        "deadline_kind": task.deadline.kind,
        "due_date": task.due_date,
        "lead_text": row.lead_text,
        "coordinating_text": row.coordinating_text,
        "unresolved": list(task.unresolved),
        "state": TASK_ACTIVE,
    }


def _plan_values(parsed: ParsedPlan, *, source_name: str, sha256: str) -> dict[str, Any]:
    meta = parsed.meta
    reporting = meta.reporting
    return {
        "title": meta.title,
        "issuer": meta.issuer,
        "issued_on": meta.issued_on,
        "year": parsed.year,
        "source_name": source_name,
        "source_sha256": sha256,
        "report_schedule": [{"month": m, "day": d, "period": p} for m, d, p in reporting.deadlines] if reporting else [],
        "report_recipient": reporting.recipient_text if reporting else None,
        "report_clause": reporting.clause if reporting else None,
        "leadership_email": parsed.province.leadership_email,
    }


def apply_import(
    session: Session, *, parsed: ParsedPlan, source_name: str, sha256: str, actor: str
) -> ImportSummary:
    """Bring the database in line with ``parsed``; every difference becomes an audit event."""
    sync_agencies(session, entries=parsed.province.agencies, actor=actor)
    ids = agency_ids(session, province=parsed.province.slug)
    plan = session.exec(
        select(Plan).where(Plan.province == parsed.province.slug, Plan.code == parsed.code)
    ).first()
    values = _plan_values(parsed, source_name=source_name, sha256=sha256)
    if plan is None:
        plan = Plan(code=parsed.code, province=parsed.province.slug, **values)
        session.add(plan)
        session.flush()
        record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="created",
               changes={"code": parsed.code, "source": source_name})
        summary = ImportSummary(plan_id=plan.id, plan_created=True)  # type: ignore[arg-type]
    else:
        summary = ImportSummary(plan_id=plan.id, plan_created=False)  # type: ignore[arg-type]
        changes = {k: [getattr(plan, k), v] for k, v in values.items() if getattr(plan, k) != v}
        if changes:
            for k, (_old, new) in changes.items():
                setattr(plan, k, new)
            plan.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="updated",
                   changes=changes)
    existing = {t.ref: t for t in session.exec(select(Task).where(Task.plan_id == plan.id))}
    new_tasks = [t for t in parsed.tasks if t.ref not in existing]
    _insert_tasks(session, plan_id=plan.id, tasks=new_tasks, ids=ids, actor=actor)  # type: ignore[arg-type]
    summary.created = len(new_tasks)
    seen = {t.ref for t in parsed.tasks}
    for task in parsed.tasks:
        row = existing.get(task.ref)
        if row is None:
            continue
        if _update_task(session, row=row, task=task, ids=ids, actor=actor):
            summary.updated += 1
            summary.changed_refs.append(task.ref)
        else:
            summary.unchanged += 1
    for ref, row in existing.items():
        if ref not in seen and row.state != TASK_CANCELLED:
            _cancel_task(session, row=row, actor=actor)
            summary.cancelled += 1
            summary.changed_refs.append(ref)
    session.flush()
    return summary


def _assignment_rows(task_id: int, task: ParsedTask, ids: dict[str, int]) -> list[dict[str, Any]]:
    rows = [
        {"task_id": task_id, "agency_id": ids[a.key], "role": LEAD, "status": OPEN,
         "due_date": task.due_date, "original_due_date": task.due_date}
        for a in task.lead
    ]
    rows += [
        {"task_id": task_id, "agency_id": ids[a.key], "role": COORDINATING, "status": OPEN,
         "due_date": task.due_date, "original_due_date": task.due_date}
        for a in task.coordinating
    ]
    return rows


def _insert_tasks(session: Session, *, plan_id: int, tasks: list[ParsedTask], ids: dict[str, int], actor: str) -> None:
    if not tasks:
        return
    now = utcnow()
    task_rows = [{"plan_id": plan_id, "ref": t.ref, "source": "table", "created_at": now, "updated_at": now,
                  **_task_values(t)} for t in tasks]
    result = session.execute(sa.insert(Task).returning(Task.id, Task.ref), task_rows)
    task_ids = {ref: id_ for id_, ref in result}
    assignments: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for t in tasks:
        tid = task_ids[t.ref]
        for a in _assignment_rows(tid, t, ids):
            assignments.append({**a, "percent": 0, "created_at": now, "updated_at": now})
        milestones += [{"task_id": tid, "year": m.year, "due_date": m.due_date, "target": m.target} for m in t.milestones]
        audits.append({"at": now, "actor": actor, "source": SOURCE, "entity": "task", "entity_id": tid,
                       "action": "created", "changes": {"ref": t.ref, "due_date": jsonable(t.due_date)}})
    for table, rows in ((Assignment, assignments), (Milestone, milestones), (AuditEvent, audits)):
        if rows:
            session.execute(sa.insert(table), rows)


def _update_task(session: Session, *, row: Task, task: ParsedTask, ids: dict[str, int], actor: str) -> bool:
    values = _task_values(task)
    # the row's place in the document follows the file silently: rows above it may come or go
    row.position = values.pop("position")
    changes: dict[str, Any] = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    old_due = row.due_date
    for k, (_old, new) in changes.items():
        setattr(row, k, new)
    # assignments: add the new ones, cancel the ones that disappeared, follow a moved due date
    current = {(a.agency_id, a.role): a for a in session.exec(select(Assignment).where(Assignment.task_id == row.id))}
    wanted = {(r["agency_id"], r["role"]): r for r in _assignment_rows(row.id, task, ids)}  # type: ignore[arg-type]
    for key, spec in wanted.items():
        a = current.get(key)
        if a is None:
            session.add(Assignment(**spec))
            changes.setdefault("assignments_added", []).append(list(key))
        elif a.status == CANCELLED:
            a.status = OPEN
            changes.setdefault("assignments_restored", []).append(list(key))
        if a is not None and a.due_date == old_due and a.due_date != task.due_date:
            # an approved extension moved this assignment off the plan date: keep it
            a.due_date = task.due_date
            a.original_due_date = task.due_date
    for key, a in current.items():
        if key not in wanted and a.status != CANCELLED:
            a.status = CANCELLED
            a.updated_at = utcnow()
            changes.setdefault("assignments_cancelled", []).append(list(key))
    changes.update(_sync_milestones(session, task_id=row.id, task=task))  # type: ignore[arg-type]
    if not changes:
        return False
    row.updated_at = utcnow()
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="updated", changes=changes)
    return True


def _sync_milestones(session: Session, *, task_id: int, task: ParsedTask) -> dict[str, Any]:
    current = {m.year: m for m in session.exec(select(Milestone).where(Milestone.task_id == task_id))}
    wanted = {m.year: m for m in task.milestones}
    changes: dict[str, Any] = {}
    for year, m in wanted.items():
        row = current.get(year)
        if row is None:
            session.add(Milestone(task_id=task_id, year=year, due_date=m.due_date, target=m.target))
            changes[f"milestone_{year}"] = [None, m.target]
        elif row.target != m.target:
            changes[f"milestone_{year}"] = [row.target, m.target]
            row.target = m.target
    for year, row in current.items():
        if year not in wanted:
            changes[f"milestone_{year}"] = [row.target, None]
            session.delete(row)
    return changes


def _cancel_task(session: Session, *, row: Task, actor: str) -> None:
    """A row that left the plan is cancelled, with its assignments; nothing is deleted."""
    row.state = TASK_CANCELLED
    row.updated_at = utcnow()
    session.execute(
        sa.update(Assignment).where(Assignment.task_id == row.id, Assignment.status != CANCELLED)
        .values(status=CANCELLED, updated_at=utcnow())
    )
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="cancelled",
           changes={"state": [TASK_ACTIVE, TASK_CANCELLED]})


def plan_tasks(session: Session, *, plan_id: int) -> list[Task]:
    return list(session.exec(select(Task).where(Task.plan_id == plan_id).order_by(Task.position)))


__all__ = ["ImportSummary", "apply_import", "plan_tasks"]
