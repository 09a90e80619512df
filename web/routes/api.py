"""The JSON API under ``/api`` (schema at ``/api/openapi.json``).

Authenticated like the pages: an agency's link token (``Authorization: Bearer <token>`` or
``?token=``) sees and changes only that agency's tasks; an office session cookie sees all, and
changes need role ``office`` and the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from models.core.tables import Agency, Assignment
from models.core.web_tables import ACTING_ROLES, StaffUser
from models.listing.task_detail import agency_assignment, task_detail
from models.progress.extensions import ExtensionError, request_extension
from models.progress.updates import ProgressError, record_progress
from tasks.escalation.status import STATUS_LABELS
from web.api_models import (
    AssignmentOut,
    ErrorOut,
    ExtensionIn,
    ExtensionOut,
    ProgressIn,
    ProgressOut,
    TaskListOut,
    TaskOut,
    TaskRowOut,
)
from web.deps import (
    PageError,
    actor_of_agency,
    actor_of_user,
    agency_for_token,
    as_of,
    db,
    near_days,
    session_user,
    today,
)
from web.forms import MAX_ID, FormError, parse_progress
from web.listing import run_listing, task_listing
from web.outbox import send_after_response
from web.security import CSRF_COOKIE, CSRF_HEADER, csrf_valid

bearer = HTTPBearer(auto_error=False, description="an agency's link token")
query_token = APIKeyQuery(name="token", auto_error=False, description="an agency's link token")
# 400: a body that is not JSON at all (FastAPI refuses it before validation)
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut},
          422: {"model": ErrorOut}}
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)  # type: ignore[arg-type]


@dataclass
class Principal:
    agency: Agency | None = None
    user: StaffUser | None = None

    @property
    def actor(self) -> str:
        return actor_of_agency(self.agency) if self.agency else actor_of_user(self.user)  # type: ignore[arg-type]


def principal(request: Request, cred: HTTPAuthorizationCredentials | None = Security(bearer),
              token: str | None = Security(query_token)) -> Principal:
    raw = cred.credentials if cred is not None else token
    if raw:
        return Principal(agency=agency_for_token(request, raw))
    user = session_user(request)
    if user is None:
        raise PageError(401, "Cần đăng nhập hoặc đường liên kết của cơ quan (Bearer token).")
    if request.method not in ("GET", "HEAD"):
        if user.role not in ACTING_ROLES:
            raise PageError(403, "Tài khoản chỉ có quyền xem.")
        secret = request.app.state.settings.secret_key
        if not csrf_valid(secret, request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER)):
            raise PageError(403, "Thiếu hoặc sai mã CSRF (tiêu đề X-CSRF-Token).")
    return Principal(user=user)


@router.get("/tasks", response_model=TaskListOut, summary="Tasks (assignments) with filters and paging")
def api_tasks(request: Request, who: Principal = Depends(principal)) -> TaskListOut:
    """Filters: ``plan``, ``agency``, ``role`` (lead|coordinating), ``status`` (e.g. qua_han),
    ``quarter`` (2020-Q2), ``q`` (text), ``kind`` (plan: the plan's tasks, the default | report:
    the agencies' period-report duties | empty: both), ``as_of``, ``page``, ``per_page``."""
    listing = task_listing(request, agency_id=who.agency.id if who.agency else None)
    with db(request, read_only=not listing.filters.text) as session:
        rows, total = run_listing(request, session, listing)
    items = [TaskRowOut(**{k: getattr(r, k) for k in TaskRowOut.model_fields if k not in ("status", "status_label")},
                        status=r.status.value, status_label=r.status.label) for r in rows]
    return TaskListOut(as_of=listing.filters.as_of, page=listing.page, per_page=listing.per_page, total=total or 0,
                       items=items)


def _check_scope(request: Request, who: Principal, task_id: int) -> None:
    if who.agency is None:
        return
    with db(request) as session:
        if agency_assignment(session, task_id=task_id, agency_id=who.agency.id) is None:  # type: ignore[arg-type]
            raise PageError(403, "Nhiệm vụ này không thuộc cơ quan của đường liên kết.")


@router.get("/tasks/{task_id}", response_model=TaskOut, summary="One task with its assignments and progress")
def api_task(request: Request, task_id: int, who: Principal = Depends(principal)) -> TaskOut:
    _check_scope(request, who, task_id)
    with db(request) as session:
        d = task_detail(session, task_id=task_id, as_of=as_of(request), near_days=near_days(request), full=False)
    if d is None:
        raise PageError(404, "Không tìm thấy nhiệm vụ.")
    return TaskOut(
        id=d.task.id, plan_id=d.plan.id, plan_code=d.plan.code, ref=d.task.ref, section=d.task.section,
        content=d.task.content, deadline_text=d.task.deadline_text, due_date=d.task.due_date,
        code=d.task.code, deadline_note=d.task.deadline_note,
        assignments=[AssignmentOut(
            id=v.assignment.id, agency_id=v.agency.id, agency_name=v.agency.name, role=v.assignment.role,
            state=v.assignment.status, percent=v.assignment.percent, due_date=v.assignment.due_date,
            original_due_date=v.assignment.original_due_date, completed_on=v.assignment.completed_on,
            status=v.status.value, status_label=STATUS_LABELS[v.status]) for v in d.assignments],
        updates=[ProgressOut(assignment_id=u.assignment_id, agency_name=ag.name, role=a.role, status=u.status,
                             percent=u.percent, note=u.note, reported_on=u.reported_on, actor=u.actor,
                             created_at=u.created_at) for u, a, ag in d.updates],
    )


def _target(request: Request, who: Principal, task_id: int, agency_id: int | None) -> Assignment:
    """The assignment a change applies to: the token's agency, or the one an office user names."""
    if who.agency is not None:
        if agency_id is not None and agency_id != who.agency.id:
            raise PageError(403, "Đường liên kết này chỉ thay đổi được nhiệm vụ của cơ quan mình.")
        agency_id = who.agency.id
    if agency_id is None:
        raise PageError(422, "Cần agency_id: cơ quan được cập nhật.")
    if not 0 < agency_id <= MAX_ID:
        raise PageError(422, "agency_id không hợp lệ.")
    with db(request) as session:
        found = agency_assignment(session, task_id=task_id, agency_id=agency_id)
    if found is None:
        raise PageError(403 if who.agency else 404, "Cơ quan không có nhiệm vụ này.")
    return found


@router.post("/tasks/{task_id}/progress", response_model=TaskOut, summary="Report progress (audited)")
def api_progress(request: Request, task_id: int, body: ProgressIn, who: Principal = Depends(principal)) -> TaskOut:
    target = _target(request, who, task_id, body.agency_id)
    try:
        data = parse_progress(status=body.status, percent=body.percent, note=body.note)
        with db(request) as session:
            assignment = session.get(Assignment, target.id)
            assert assignment is not None
            record_progress(session, assignment=assignment, status=data.status, percent=data.percent, note=data.note,
                            on=today(request), actor=who.actor, source="api")
    except (FormError, ProgressError) as exc:
        raise PageError(422, str(exc)) from exc
    request.app.state.cache.clear()
    return api_task(request, task_id, who)


@router.post("/tasks/{task_id}/extensions", response_model=ExtensionOut, status_code=201,
             summary="Ask for a later due date (the office decides)")
def api_extension(request: Request, background: BackgroundTasks, task_id: int, body: ExtensionIn,
                  who: Principal = Depends(principal)) -> ExtensionOut:
    target = _target(request, who, task_id, body.agency_id)
    try:
        with db(request) as session:
            assignment = session.get(Assignment, target.id)
            assert assignment is not None
            req = request_extension(session, assignment=assignment, new_date=body.new_due_date, reason=body.reason,
                                    today=today(request), actor=who.actor, source="api")
            out = ExtensionOut(id=req.id, assignment_id=req.assignment_id, current_due_date=req.current_due_date,
                               requested_due_date=req.requested_due_date, reason=req.reason, state=req.state)
    except ExtensionError as exc:
        raise PageError(422, str(exc)) from exc
    send_after_response(background, request)  # the office is told a decision waits
    return out
