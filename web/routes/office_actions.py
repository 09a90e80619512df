"""What office staff (role ``office``) do: remind (after a confirmation page), download an agency's công văn
đôn đốc, revoke links, decide extensions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.agencies.links import revoke_links
from models.core.tables import Agency, Assignment, Plan, Task
from models.core.web_tables import StaffUser
from models.escalation.reminders import ROLE_LABELS, plan_manual_reminders, queue_manual_reminders
from models.progress.extensions import ExtensionError, approve_extension, pending_extensions, reject_extension
from web.deps import PageError, actor_of_user, csrf_checked, db, office_actor, today, user_provinces
from web.outbox import send_after_response
from web.templating import render

# every form POST checks its CSRF field; the confirmation pages are GETs
router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
MAX_NOTE = 2000


def send_now(request: Request, *, task_id: int | None = None, agency_id: int | None = None, actor: str) -> str:
    """Queue manual reminders in the outbox and send what is pending; returns a message code."""
    from flows.escalation.sweep import send_pending

    day = today(request)
    with db(request) as session:
        queued = queue_manual_reminders(session, as_of=day, actor=actor, task_id=task_id, agency_id=agency_id,
                                        policy_path=request.app.state.settings.escalation_policy)
    request.app.state.cache.clear()
    if not queued:
        return "reminder_none"
    stats = send_pending(day)
    return "reminder_queued" if stats.error or stats.messages_failed else "reminder_sent"


def _confirm(request: Request, *, subject: dict[str, Any], task_id: int | None = None, agency_id: int | None = None,
             action: str, back: str) -> Response:
    """Which letter goes to whom, before anything is sent."""
    day = today(request)
    with db(request, read_only=True) as session:
        plan = plan_manual_reminders(session, as_of=day, policy_path=request.app.state.settings.escalation_policy,
                                     task_id=task_id, agency_id=agency_id)
    return render(request, "remind_confirm.html", {"subject": subject, "plan": plan, "as_of": day, "action": action,
                                                   "back": back, "role_labels": ROLE_LABELS})


@router.get("/tasks/{task_id}/remind")
def confirm_task_reminder(request: Request, task_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        task = session.get(Task, task_id)
        if task is None:
            raise PageError(404, "Không tìm thấy nhiệm vụ.")
        plan = session.get(Plan, task.plan_id)
        subject = {"kind": "task", "ref": task.ref, "content": task.content, "plan_code": plan.code if plan else ""}
    return _confirm(request, subject=subject, task_id=task_id, action=f"/tasks/{task_id}/remind",
                    back=f"/tasks/{task_id}")


@router.get("/agencies/{agency_id}/remind")
def confirm_agency_reminder(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
        subject = {"kind": "agency", "name": agency.name}
    return _confirm(request, subject=subject, agency_id=agency_id, action=f"/agencies/{agency_id}/remind",
                    back=f"/agencies/{agency_id}")


@router.get("/agencies/{agency_id}/cong-van.docx")
def cong_van(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    """The agency's công văn đôn đốc of today (Word), kept under DONDOC_DATA_DIR like the mailed ones."""
    from models.escalation.letters import cong_van_for, keep_cong_van
    from tasks.escalation.letter import DOCX_TYPE

    settings = request.app.state.settings
    with db(request, read_only=True) as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
        data = cong_van_for(session, agency_id=agency_id, as_of=today(request), settings=settings)
        province, key = agency.province, agency.key
    if data is None:
        raise PageError(404, "Cơ quan không có nhiệm vụ chủ trì nào quá hạn: không có công văn đôn đốc để lập.")
    name, content = keep_cong_van(data, province=province, agency_key=key, data_dir=settings.data_dir)
    return Response(content, media_type=DOCX_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/tasks/{task_id}/remind", dependencies=CSRF)
def remind_task(request: Request, task_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request) as session:
        if session.get(Task, task_id) is None:
            raise PageError(404, "Không tìm thấy nhiệm vụ.")
    code = send_now(request, task_id=task_id, actor=actor_of_user(user))
    return RedirectResponse(f"/tasks/{task_id}?msg={code}", status_code=303)


@router.post("/agencies/{agency_id}/remind", dependencies=CSRF)
def remind_agency(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request) as session:
        if session.get(Agency, agency_id) is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
    code = send_now(request, agency_id=agency_id, actor=actor_of_user(user))
    return RedirectResponse(f"/agencies/{agency_id}?msg={code}", status_code=303)


@router.post("/agencies/{agency_id}/revoke", dependencies=CSRF)
def revoke(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request) as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
        revoke_links(session, agency=agency, actor=actor_of_user(user))
    # the old links are dead: the agency gets its new one at once (flows/agencies/links.py)
    from flows.agencies.links import send_agency_links

    sent = send_agency_links([agency_id], reason="revoked", actor=actor_of_user(user),
                             settings=request.app.state.settings)
    code = "links_revoked_sent" if sent and sent[0].sent else "links_revoked_not_sent"
    return RedirectResponse(f"/agencies/{agency_id}?msg={code}#duong-lien-ket", status_code=303)


def _decide(request: Request, background: BackgroundTasks, request_id: int, user: StaffUser, note: str, *,
            approve: bool) -> Response:
    note = note.strip()
    back = request.query_params.get("back")
    try:
        if len(note) > MAX_NOTE:
            raise ExtensionError(f"Ghi chú quá dài (tối đa {MAX_NOTE} ký tự).")
        with db(request) as session:
            decide = approve_extension if approve else reject_extension
            req = decide(session, request_id=request_id, actor=actor_of_user(user), note=note or None,
                         today=today(request))
            task_id = _task_of(session, req.assignment_id)
    except ExtensionError as exc:
        with db(request) as session:
            rows = pending_extensions(session, provinces=user_provinces(request))
        return render(request, "extensions.html", {"rows": rows, "flash": None, "error": str(exc)}, status_code=400)
    request.app.state.cache.clear()
    send_after_response(background, request)  # the agency is told the decision
    code = "extension_approved" if approve else "extension_rejected"
    if back == "task":
        return RedirectResponse(f"/tasks/{task_id}?msg={code}", status_code=303)
    return RedirectResponse(f"/extensions?msg={code}", status_code=303)


def _task_of(session: Session, assignment_id: int) -> int:
    a = session.get(Assignment, assignment_id)
    assert a is not None
    return a.task_id


@router.post("/extensions/{request_id}/approve", dependencies=CSRF)
def approve(request: Request, background: BackgroundTasks, request_id: int, note: str = Form(""),
            user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, background, request_id, user, note, approve=True)


@router.post("/extensions/{request_id}/reject", dependencies=CSRF)
def reject(request: Request, background: BackgroundTasks, request_id: int, note: str = Form(""),
           user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, background, request_id, user, note, approve=False)
