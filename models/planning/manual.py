"""Tasks the office makes and changes by hand: create, edit, reassign, cancel; each change is one
audit event written in the caller's transaction, so a refused change leaves nothing behind.

A task comes from a source document: a plan already in the database (same province and number),
or a công văn or thông báo kết luận entered with it, which is then stored as a plan row of its own
(no report duties: it asks for no periodic report). The task's assignments are scheduled under the
plan's escalation policy at once, as the importer's are, so the daily sweep reminds and escalates
them the same way. Cancelling follows the importer (the task and its assignments cancelled, nothing
deleted) and also drops the notices still waiting in the outbox; a reassignment drops the old
lead's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.setup import agency_rows
from models.core.audit import record
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    TASK_CANCELLED,
    TASK_PROPOSED,
    Agency,
    Assignment,
    Plan,
    ProvinceSetup,
    Task,
)
from models.core.types import utcnow
from models.escalation.policies import plan_policy, policy_id
from models.outbox.notices import cancel_pending
from tasks.common.dates import fmt_date
from tasks.common.text import vi_sort_key
from tasks.importing.deadlines import Deadline
from tasks.planning.manual import DOC_KINDS, AgencyChoice, ManualTask, TaskText, deadline_field, next_ref

SOURCE = "web"  # the audit's source of changes made on the office's pages
MANUAL = "manual"  # Task.source of a task made by hand
# tasks made by hand sort after the table rows, the duties read from the text and the report duties
POSITION_BASE = 3_000_000
MANUAL_SUFFIX = " (nhập tay)"  # a plan row made for a document entered by hand: "Công văn (nhập tay)"


class PlanningError(ValueError):
    """A change the database refuses: ``errors`` maps a form field to its message (Vietnamese)."""

    def __init__(self, errors: dict[str, str], status: int = 400) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class ProvinceChoice:
    slug: str
    name: str


def province_choices(session: Session) -> list[ProvinceChoice]:
    """The provinces whose agencies are in the database (sample directories and set-up provinces)."""
    from models.escalation.situation import province_name

    slugs = sorted(set(session.exec(select(Agency.province).where(Agency.active == True)).all()))  # noqa: E712
    named = dict(session.exec(select(ProvinceSetup.slug, ProvinceSetup.name)).all())
    out = [ProvinceChoice(s, named.get(s) or province_name(s)) for s in slugs]
    return sorted(out, key=lambda p: vi_sort_key(p.name))


def agency_choices(session: Session, *, province: str, on: date) -> list[AgencyChoice]:
    """The province's agencies in force on ``on``, in Vietnamese alphabetical order."""
    rows = agency_rows(session, province=province, on=on)
    return sorted((AgencyChoice(a.id, a.name, a.key, tuple(a.aliases)) for a in rows if a.id is not None),
                  key=lambda c: vi_sort_key(c.name))


def find_document(session: Session, *, province: str, code: str) -> Plan | None:
    return session.exec(select(Plan).where(Plan.province == province, Plan.code == code)).first()


def _leadership_email(session: Session, *, province: str) -> str | None:
    """Where level-3 escalations of a new document's tasks go: as for the province's other plans."""
    setup = session.exec(select(ProvinceSetup.leadership_email).where(ProvinceSetup.slug == province)).first()
    if setup:
        return setup
    latest = session.exec(select(Plan.leadership_email).where(Plan.province == province,
                                                              col(Plan.leadership_email).is_not(None))
                          .order_by(col(Plan.id).desc())).first()
    if latest:
        return latest
    from config.directory import load_directory

    try:
        return load_directory().province(province).leadership_email or None
    except (KeyError, ValueError):
        return None


def _document(session: Session, *, province: str, manual: ManualTask, actor: str) -> Plan:
    doc = manual.document
    plan = find_document(session, province=province, code=doc.code)
    if plan is not None:
        if plan.issued_on is not None and plan.issued_on != doc.issued_on:
            raise PlanningError({"doc_date": f"Văn bản số {doc.code} đã có trong hệ thống với ngày ban hành "
                                             f"{fmt_date(plan.issued_on)}; nhập đúng ngày đó, hoặc đính chính ngày "
                                             "trên trang của văn bản."})
        return plan
    plan = Plan(code=doc.code, province=province, title=doc.title, issued_on=doc.issued_on, year=doc.issued_on.year,
                source_name=DOC_KINDS[doc.kind] + MANUAL_SUFFIX, source_sha256="", report_schedule=[],
                leadership_email=_leadership_email(session, province=province))
    session.add(plan)
    session.flush()
    record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="created",
           changes={"code": doc.code, "issued_on": doc.issued_on, "title": doc.title, "source": plan.source_name},
           effective_on=doc.issued_on)
    return plan


def _names(agencies: list[Agency] | list[AgencyChoice]) -> str:
    return "; ".join(a.name for a in agencies)


def _policy(session: Session, *, plan: Plan, policy_path: object) -> int:
    return policy_id(session, policy=plan_policy(session, plan=plan, path=policy_path))


def _has_report_duties(session: Session, *, plan_id: int) -> bool:
    return session.exec(select(Task.id).where(Task.plan_id == plan_id, Task.source == REPORT_SOURCE).limit(1)).first() \
        is not None


def _report_duties(session: Session, *, plan: Plan, actor: str, today: date) -> None:
    """An agency new to a plan that asks for periodic reports reports too, from the next period on
    (as when the office confirms a duty read from the text); a công văn asks for none."""
    if _has_report_duties(session, plan_id=plan.id):  # type: ignore[arg-type]
        from models.reports.duties import ensure_report_duties

        ensure_report_duties(session, plan_id=plan.id, actor=actor, from_day=today)  # type: ignore[arg-type]


def create_task(session: Session, *, province: str, manual: ManualTask, actor: str, policy_path: object,
                today: date) -> Task:
    """Store a task made by hand (and its source document when new); returns the task."""
    plan = _document(session, province=province, manual=manual, actor=actor)
    refs = session.exec(select(Task.ref).where(Task.plan_id == plan.id)).all()
    ref = next_ref(refs)
    count = session.execute(sa.select(sa.func.count()).select_from(Task)
                            .where(col(Task.plan_id) == plan.id, col(Task.source) == MANUAL)).scalar_one()
    deadline = manual.text.deadline
    task = Task(plan_id=plan.id, ref=ref, position=POSITION_BASE + int(count), content=manual.text.content,  # type: ignore[arg-type]
                deadline_text=deadline.text, deadline_kind=deadline.kind, due_date=deadline.due_date,
                lead_text=_names(list(manual.lead)), coordinating_text=_names(list(manual.coordinating)),
                source=MANUAL, state=TASK_ACTIVE)
    session.add(task)
    session.flush()
    pol = _policy(session, plan=plan, policy_path=policy_path)
    for role, agencies in ((LEAD, manual.lead), (COORDINATING, manual.coordinating)):
        for agency in agencies:
            session.add(Assignment(task_id=task.id, agency_id=agency.id, role=role, status=OPEN,  # type: ignore[arg-type]
                                   due_date=deadline.due_date, original_due_date=deadline.due_date, policy_id=pol))
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=task.id, action="created",
           changes={"ref": ref, "document": manual.document.label, "content": task.content,
                    "deadline": deadline.text, "due_date": deadline.due_date, "lead": task.lead_text,
                    "coordinating": task.coordinating_text or None})
    session.flush()
    _report_duties(session, plan=plan, actor=actor, today=today)
    return task


def editable_task(session: Session, *, task_id: int) -> tuple[Task, Plan]:
    """The task and its plan, when the office may change it by hand; else a PlanningError saying why
    (status 404 for a task that does not exist)."""
    found = session.exec(select(Task, Plan).join(Plan, col(Plan.id) == col(Task.plan_id))
                         .where(col(Task.id) == task_id)).first()
    if found is None:
        raise PlanningError({"task": "Không tìm thấy nhiệm vụ."}, status=404)
    task, plan = found
    if task.source == REPORT_SOURCE:
        raise PlanningError({"task": "Nhiệm vụ báo cáo định kỳ theo lịch của kế hoạch: không sửa bằng tay "
                                     "(thời hạn theo điều khoản báo cáo, cơ quan là mọi cơ quan có nhiệm vụ)."},
                            status=409)
    if task.state == TASK_PROPOSED:
        raise PlanningError({"task": "Nhiệm vụ đề xuất đang chờ rà soát: sửa, xác nhận hoặc loại bỏ ở trang rà soát."},
                            status=409)
    if task.state != TASK_ACTIVE:
        raise PlanningError({"task": "Nhiệm vụ đã bị hủy hoặc loại bỏ, không còn được theo dõi: không sửa được."},
                            status=409)
    return task, plan


def live_agencies(session: Session, *, task_id: int) -> tuple[list[Agency], list[Agency]]:
    """The lead and coordinating agencies of the task's assignments not cancelled, by name."""
    rows = session.exec(select(Assignment.role, Agency).join(Agency, col(Agency.id) == col(Assignment.agency_id))
                        .where(col(Assignment.task_id) == task_id, col(Assignment.status) != CANCELLED)).all()
    leads = sorted((ag for role, ag in rows if role == LEAD), key=lambda a: vi_sort_key(a.name))
    others = sorted((ag for role, ag in rows if role == COORDINATING), key=lambda a: vi_sort_key(a.name))
    return leads, others


def current_deadline(task: Task) -> Deadline:
    """The stored deadline as the edit form shows it (see tasks.planning.manual.read_task_text)."""
    return Deadline(text=deadline_field(task.deadline_text, task.due_date), kind=task.deadline_kind,  # type: ignore[arg-type]
                    due_date=task.due_date)


def _close_requests(session: Session, *, assignment_ids: list[int], actor: str, why: str) -> int:
    """Extension requests still waiting on assignments that were just cancelled are closed as
    rejected, with the reason and audited, so nobody approves a date for work the agency no longer
    has; no letter goes out (the agency's link no longer opens the task)."""
    from models.core.web_tables import EXT_PENDING, EXT_REJECTED, ExtensionRequest

    if not assignment_ids:
        return 0
    rows = session.exec(select(ExtensionRequest).where(col(ExtensionRequest.assignment_id).in_(assignment_ids),
                                                       ExtensionRequest.state == EXT_PENDING)).all()
    for req in rows:
        req.state, req.decided_by, req.decided_at, req.decision_note = EXT_REJECTED, actor, utcnow(), why
        record(session, actor=actor, source=SOURCE, entity="extension_request", entity_id=req.id,
               action="rejected", changes={"state": [EXT_PENDING, EXT_REJECTED], "note": [None, why]})
    return len(rows)


def _set_role(session: Session, *, task: Task, role: str, wanted: list[int], policy: int,
              actor: str) -> tuple[bool, list[int]]:
    """Make the task's live assignments of ``role`` those of ``wanted``: the others cancelled (their
    pending notices dropped, their waiting extension requests closed), the missing ones added or a
    cancelled one opened again.
    Returns (whether anything changed, the ids of the assignments cancelled)."""
    current = {a.agency_id: a for a in session.exec(select(Assignment).where(Assignment.task_id == task.id,
                                                                            Assignment.role == role))}
    changed = False
    cancelled: list[int] = []
    now = utcnow()
    for agency_id, a in current.items():
        if agency_id not in wanted and a.status != CANCELLED:
            a.status, a.updated_at = CANCELLED, now
            cancelled.append(a.id)  # type: ignore[arg-type]
            changed = True
    for agency_id in wanted:
        found = current.get(agency_id)
        if found is None:
            assert task.id is not None
            session.add(Assignment(task_id=task.id, agency_id=agency_id, role=role, status=OPEN,
                                   due_date=task.due_date, original_due_date=task.due_date, policy_id=policy))
            changed = True
        elif found.status == CANCELLED:
            # back on the task: open, on the task's deadline, under today's policy
            found.status, found.percent, found.completed_on = OPEN, 0, None
            found.due_date = found.original_due_date = task.due_date
            found.policy_id, found.updated_at = policy, now
            changed = True
    session.flush()
    for assignment_id in cancelled:
        cancel_pending(session, assignment_id=assignment_id)
    _close_requests(session, assignment_ids=cancelled, actor=actor,
                    why="Cơ quan không còn được giao nhiệm vụ này (Văn phòng đã giao lại nhiệm vụ).")
    return changed, cancelled


def _move_deadline(session: Session, *, task: Task, old_due: date | None) -> None:
    """Assignments still on the task's old deadline follow it (one an approved extension moved keeps
    its date, as at re-import); their notices pending for the old date are dropped."""
    now = utcnow()
    for a in session.exec(select(Assignment).where(Assignment.task_id == task.id, Assignment.status != CANCELLED)):
        if a.due_date == old_due and a.due_date != task.due_date:
            a.due_date = a.original_due_date = task.due_date
            a.updated_at = now
            cancel_pending(session, assignment_id=a.id, except_due=task.due_date)  # type: ignore[arg-type]


def edit_task(session: Session, *, task_id: int, text: TaskText, lead: list[AgencyChoice],
              coordinating: list[AgencyChoice], actor: str, policy_path: object, today: date) -> dict[str, Any]:
    """Change a task's content, deadline and agencies; returns the audited changes (empty: nothing
    changed, nothing written)."""
    task, plan = editable_task(session, task_id=task_id)
    if not lead:
        raise PlanningError({"lead": "Nhiệm vụ cần ít nhất một cơ quan chủ trì."})
    old_leads, old_others = live_agencies(session, task_id=task_id)
    changes: dict[str, Any] = {}
    if text.content != task.content:
        changes["content"] = [task.content, text.content]
        task.content = text.content
    deadline = text.deadline
    old_due = task.due_date
    if deadline.text != current_deadline(task).text:
        changes["deadline"] = [task.deadline_text or None, deadline.text]
        if deadline.due_date != task.due_date:
            changes["due_date"] = [task.due_date, deadline.due_date]
        task.deadline_text, task.deadline_kind, task.due_date = deadline.text, deadline.kind, deadline.due_date
        _move_deadline(session, task=task, old_due=old_due)
    changes.update(_agencies(session, task=task, plan=plan, lead=lead, coordinating=coordinating,
                             old=(old_leads, old_others), policy_path=policy_path, actor=actor))
    if not changes:
        return changes
    task.updated_at = utcnow()
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=task.id, action="edited", changes=changes)
    session.flush()
    if "lead" in changes or "coordinating" in changes:
        _report_duties(session, plan=plan, actor=actor, today=today)
    return changes


def _agencies(session: Session, *, task: Task, plan: Plan, lead: list[AgencyChoice], coordinating: list[AgencyChoice],
              old: tuple[list[Agency], list[Agency]], policy_path: object, actor: str) -> dict[str, Any]:
    lead_ids = [a.id for a in lead]
    others = [a for a in coordinating if a.id not in lead_ids]  # one agency, one role: lead wins
    pol = _policy(session, plan=plan, policy_path=policy_path)
    changes: dict[str, Any] = {}
    for role, name, wanted, before in ((LEAD, "lead", lead, old[0]), (COORDINATING, "coordinating", others, old[1])):
        changed, _ = _set_role(session, task=task, role=role, wanted=[a.id for a in wanted], policy=pol, actor=actor)
        if changed or sorted(a.id for a in before) != sorted(a.id for a in wanted):  # type: ignore[type-var]
            changes[name] = [_names(before) or None, _names(wanted) or None]
    if "lead" in changes:
        task.lead_text = _names(lead)
    if "coordinating" in changes:
        task.coordinating_text = _names(others)
    return changes


def reassign_task(session: Session, *, task_id: int, lead: list[AgencyChoice], actor: str, note: str | None,
                  policy_path: object, today: date) -> dict[str, Any]:
    """Give the task to another lead agency: the old lead's assignment is cancelled with its pending
    notices; the new lead, if it was coordinating, now leads instead."""
    task, plan = editable_task(session, task_id=task_id)
    if not lead:
        raise PlanningError({"new_lead": "Vui lòng chọn cơ quan chủ trì mới."})
    old_leads, old_others = live_agencies(session, task_id=task_id)
    if sorted(a.id for a in old_leads) == sorted(a.id for a in lead):  # type: ignore[type-var]
        raise PlanningError({"new_lead": f"{_names(lead)} đang là cơ quan chủ trì của nhiệm vụ này."})
    new_ids = {a.id for a in lead}
    keep = [AgencyChoice(a.id, a.name) for a in old_others if a.id not in new_ids]  # type: ignore[arg-type]
    changes = _agencies(session, task=task, plan=plan, lead=lead, coordinating=keep, old=(old_leads, old_others),
                        policy_path=policy_path, actor=actor)
    if note:
        changes["note"] = [None, note]
    task.updated_at = utcnow()
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=task.id, action="reassigned", changes=changes)
    session.flush()
    _report_duties(session, plan=plan, actor=actor, today=today)
    return changes


def cancel_task(session: Session, *, task_id: int, actor: str, reason: str | None) -> int:
    """Cancel a task as the importer cancels a row that left its plan: the task and its assignments
    cancelled, nothing deleted; and no more notices (the pending ones dropped). Returns how many
    pending notices were dropped."""
    task, _plan = editable_task(session, task_id=task_id)
    task.state, task.updated_at = TASK_CANCELLED, utcnow()
    ids = [a for a in session.exec(select(Assignment.id).where(Assignment.task_id == task.id)).all() if a is not None]
    session.execute(sa.update(Assignment).where(col(Assignment.task_id) == task.id, col(Assignment.status) != CANCELLED)
                    .values(status=CANCELLED, updated_at=utcnow()))
    dropped = sum(cancel_pending(session, assignment_id=a) for a in ids)
    _close_requests(session, assignment_ids=ids, actor=actor, why="Nhiệm vụ đã bị hủy.")
    changes: dict[str, Any] = {"state": [TASK_ACTIVE, TASK_CANCELLED]}
    if reason:
        changes["reason"] = [None, reason]
    if dropped:
        changes["notices"] = [dropped, 0]
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=task.id, action="cancelled", changes=changes)
    session.flush()
    return dropped


def correct_plan(session: Session, *, plan_id: int, code: str, issued_on: date | None, title: str | None,
                 actor: str) -> dict[str, Any]:
    """Correct a plan's number, date and title (trích yếu); returns the audited changes. The report
    duties' wording names the plan's number: it follows."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PlanningError({"plan": "Không tìm thấy kế hoạch."}, status=404)
    if code != plan.code:
        other = find_document(session, province=plan.province, code=code)
        if other is not None:
            raise PlanningError({"code": f"Tỉnh đã có văn bản số {code} (một kế hoạch khác); hai kế hoạch không "
                                         "được trùng số."})
    changes: dict[str, Any] = {}
    for name, value in (("code", code), ("issued_on", issued_on), ("title", title)):
        if getattr(plan, name) != value:
            changes[name] = [getattr(plan, name), value]
    if not changes:
        return changes
    if "code" in changes:
        old, new = f"Kế hoạch số {plan.code}", f"Kế hoạch số {code}"
        for duty in session.exec(select(Task).where(Task.plan_id == plan.id, Task.source == REPORT_SOURCE)):
            if old in duty.content:
                duty.content, duty.updated_at = duty.content.replace(old, new), utcnow()
    plan.code, plan.issued_on, plan.title = code, issued_on, title
    plan.updated_at = utcnow()
    record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="corrected", changes=changes)
    session.flush()
    return changes


__all__ = [
    "MANUAL",
    "PlanningError",
    "ProvinceChoice",
    "agency_choices",
    "cancel_task",
    "correct_plan",
    "create_task",
    "current_deadline",
    "edit_task",
    "editable_task",
    "find_document",
    "live_agencies",
    "province_choices",
    "reassign_task",
]
