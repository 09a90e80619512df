"""Extension requests: an agency asks for a new due date, the office approves or rejects.

On approval the assignment's ``due_date`` becomes the new date, ``original_due_date`` keeps the
first one (so "done late" is judged against the approved date and reports can still show the
original), pending notices for the old date are cancelled, and the next sweep reminds against
the new date. Every step is an audit event.

Both steps also write a notice into the outbox in the same transaction (nothing is lost when
the mail server is down): a request tells the province's coordination office that a decision
waits (kind ``extension_request``), a decision tells the agency that asked (kind
``extension_decision``, level 1 approved, 2 rejected). ``seq`` is the request's id.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.directory import province_office
from models.core.audit import record
from models.core.tables import COORDINATING, DONE, PENDING, Agency, Assignment, Notice, Plan, Task
from models.core.types import utcnow
from models.core.web_tables import EXT_APPROVED, EXT_PENDING, EXT_REJECTED, ExtensionRequest
from models.outbox.notices import cancel_pending, notice_row
from tasks.common.dates import fmt_date, local_today
from tasks.escalation.digests import EXTENSION_DECISION, EXTENSION_REQUEST

MAX_REASON = 2000
REQUESTED, DECIDED = EXTENSION_REQUEST, EXTENSION_DECISION
APPROVED_LEVEL, REJECTED_LEVEL = 1, 2


class ExtensionError(ValueError):
    """The request or decision cannot be made (message in Vietnamese, shown in the page)."""


def request_extension(session: Session, *, assignment: Assignment, new_date: date | None, reason: str,
                      today: date, actor: str, source: str) -> ExtensionRequest:
    reason = (reason or "").strip()
    if new_date is None:
        raise ExtensionError("Vui lòng nhập ngày đề nghị gia hạn (dd/mm/yyyy).")
    if new_date <= today:
        raise ExtensionError(f"Ngày đề nghị gia hạn ({fmt_date(new_date)}) đã qua hoặc là hôm nay; "
                             "vui lòng chọn một ngày sau hôm nay.")
    if assignment.due_date is not None and new_date <= assignment.due_date:
        raise ExtensionError(f"Ngày đề nghị gia hạn phải sau thời hạn hiện tại ({fmt_date(assignment.due_date)}).")
    if assignment.status == DONE:
        raise ExtensionError("Nhiệm vụ đã hoàn thành, không cần gia hạn.")
    if len(reason) < 5:
        raise ExtensionError("Vui lòng nêu lý do đề nghị gia hạn (ít nhất 5 ký tự).")
    if len(reason) > MAX_REASON:
        raise ExtensionError(f"Lý do quá dài (tối đa {MAX_REASON} ký tự).")
    pending = session.exec(select(ExtensionRequest.id).where(
        ExtensionRequest.assignment_id == assignment.id, ExtensionRequest.state == EXT_PENDING)).first()
    if pending is not None:
        raise ExtensionError("Đã có một đề nghị gia hạn đang chờ Văn phòng xem xét.")
    req = ExtensionRequest(assignment_id=assignment.id, current_due_date=assignment.due_date,  # type: ignore[arg-type]
                           requested_due_date=new_date, reason=reason, requested_by=actor)
    session.add(req)
    session.flush()
    record(session, actor=actor, source=source, entity="extension_request", entity_id=req.id, action="requested",
           changes={"assignment_id": [None, assignment.id], "due_date": [assignment.due_date, new_date],
                    "reason": [None, reason], "state": [None, EXT_PENDING]})
    asking = session.get(Agency, assignment.agency_id)
    assert asking is not None
    office = province_office(session, province=asking.province)
    if office is not None:
        _queue(session, req=req, assignment=assignment, kind=REQUESTED, level=0, today=today,
               to=(office.email, office.name, "office"))
    return req


def _queue(session: Session, *, req: ExtensionRequest, assignment: Assignment, kind: str, level: int, today: date,
           to: tuple[str, str, str]) -> None:
    email, name, role = to
    if not email:
        return
    session.execute(sa.insert(Notice), [notice_row(
        assignment_id=assignment.id, kind=kind, level=level, seq=req.id, due_date=req.requested_due_date,  # type: ignore[arg-type]
        as_of=today, recipient=email, recipient_name=name, recipient_role=role, now=utcnow())])


def _tell_agency(session: Session, *, req: ExtensionRequest, assignment: Assignment, level: int,
                 today: date | None) -> None:
    # decided before the office's notice went out (mail server down): it need not ask any more
    session.execute(sa.update(Notice).where(col(Notice.kind) == REQUESTED, col(Notice.seq) == req.id,
                                            col(Notice.status) == PENDING)
                    .values(status="cancelled"))
    agency = session.get(Agency, assignment.agency_id)
    assert agency is not None
    role = "coordinating" if assignment.role == COORDINATING else "lead"
    _queue(session, req=req, assignment=assignment, kind=DECIDED, level=level, today=today or local_today(),
           to=(agency.email, agency.name, role))


def _pending(session: Session, request_id: int) -> tuple[ExtensionRequest, Assignment]:
    req = session.get(ExtensionRequest, request_id)
    if req is None:
        raise ExtensionError("Không tìm thấy đề nghị gia hạn.")
    if req.state != EXT_PENDING:
        raise ExtensionError("Đề nghị gia hạn này đã được xử lý.")
    assignment = session.get(Assignment, req.assignment_id)
    assert assignment is not None
    return req, assignment


def approve_extension(session: Session, *, request_id: int, actor: str, note: str | None = None,
                      source: str = "web", today: date | None = None) -> ExtensionRequest:
    req, a = _pending(session, request_id)
    old_due, old_original = a.due_date, a.original_due_date
    a.original_due_date = old_original or old_due
    a.due_date = req.requested_due_date
    a.updated_at = utcnow()
    session.add(a)
    req.state, req.decided_by, req.decided_at, req.decision_note = EXT_APPROVED, actor, utcnow(), (note or None)
    session.add(req)
    record(session, actor=actor, source=source, entity="extension_request", entity_id=req.id, action="approved",
           changes={"state": [EXT_PENDING, EXT_APPROVED], **({"note": [None, note]} if note else {})})
    changes = {"due_date": [old_due, a.due_date]}
    if old_original != a.original_due_date:
        changes["original_due_date"] = [old_original, a.original_due_date]
    record(session, actor=actor, source=source, entity="assignment", entity_id=a.id, action="extended",
           changes={**changes, "extension_request_id": [None, req.id]})
    cancel_pending(session, assignment_id=a.id, except_due=a.due_date)  # type: ignore[arg-type]
    _tell_agency(session, req=req, assignment=a, level=APPROVED_LEVEL, today=today)
    session.flush()
    return req


def reject_extension(session: Session, *, request_id: int, actor: str, note: str | None = None,
                     source: str = "web", today: date | None = None) -> ExtensionRequest:
    req, a = _pending(session, request_id)
    req.state, req.decided_by, req.decided_at, req.decision_note = EXT_REJECTED, actor, utcnow(), (note or None)
    session.add(req)
    record(session, actor=actor, source=source, entity="extension_request", entity_id=req.id, action="rejected",
           changes={"state": [EXT_PENDING, EXT_REJECTED], **({"note": [None, note]} if note else {})})
    _tell_agency(session, req=req, assignment=a, level=REJECTED_LEVEL, today=today)
    session.flush()
    return req


def pending_extensions(session: Session, *, provinces: tuple[str, ...] | None = None,
                       ) -> list[tuple[ExtensionRequest, Assignment, Agency, Task, Plan]]:
    """The requests waiting for a decision (of ``provinces``' plans only, when given)."""
    q = (
        select(ExtensionRequest, Assignment, Agency, Task, Plan)  # type: ignore[call-overload]  # typed for 4 at most
        .join(Assignment, col(Assignment.id) == col(ExtensionRequest.assignment_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(col(ExtensionRequest.state) == EXT_PENDING).order_by(col(ExtensionRequest.requested_at))
    )
    if provinces is not None:
        q = q.where(col(Plan.province).in_(provinces))
    return list(session.exec(q).all())


def pending_count(session: Session) -> int:
    from sqlalchemy import func
    from sqlalchemy import select as sa_select

    return session.execute(sa_select(func.count()).select_from(ExtensionRequest)
                           .where(col(ExtensionRequest.state) == EXT_PENDING)).scalar_one()
