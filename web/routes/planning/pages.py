"""Tasks made and changed by hand (role ``office``): a task from a công văn or a meeting's thông
báo kết luận, its edit, reassignment and cancellation, and the correction of a plan's number, date
and title. Bad input is a form error that keeps what was typed; every change is audited in one
transaction (models/planning/manual.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from models.core.tables import Plan
from models.core.web_tables import StaffUser
from models.planning.manual import (
    MANUAL,
    PlanningError,
    agency_choices,
    cancel_task,
    correct_plan,
    create_task,
    current_deadline,
    edit_task,
    editable_task,
    live_agencies,
    province_choices,
    reassign_task,
)
from tasks.common.dates import fmt_date
from tasks.planning.manual import (
    DOC_KINDS,
    AgencyMatcher,
    ManualTaskError,
    choice_labels,
    read_agencies,
    read_manual_task,
    read_plan_correction,
    read_reason,
    read_task_text,
)
from web.deps import PageError, actor_of_user, csrf_checked, db, office_actor, today, user_provinces
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
BLANK_AGENCY_FIELDS = 3  # empty coordinating fields offered below the chosen ones


def _policy_path(request: Request) -> object:
    return request.app.state.settings.escalation_policy


def _province_choices(request: Request, session: Session) -> list[Any]:
    """The provinces offered: those of the account's scope (models/auth/scope.py)."""
    provinces = user_provinces(request)
    return [p for p in province_choices(session) if provinces is None or p.slug in provinces]


def _fields(values: Sequence[str], blanks: int) -> list[str]:
    """The agency inputs to show: what is chosen (or typed), then a few empty ones."""
    kept = [v for v in values if v.strip()]
    return kept + [""] * blanks


# ---- a new task ------------------------------------------------------------------------------

def _new_context(session: Session, request: Request, *, province: str | None, plan: Plan | None,
                 values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    provinces = _province_choices(request, session)
    slugs = [p.slug for p in provinces]
    if plan is not None:
        province = plan.province
    if province not in slugs:
        province = slugs[0] if len(slugs) == 1 else None
    labels = list(choice_labels(agency_choices(session, province=province, on=today(request))).values()) \
        if province else []
    return {"provinces": provinces, "province": province, "labels": labels, "values": values, "errors": errors,
            "doc_kinds": DOC_KINDS, "plan": plan,
            "lead_fields": _fields(values.get("lead", []), 0 if values.get("lead") else 1),
            "coordinating_fields": _fields(values.get("coordinating", []), BLANK_AGENCY_FIELDS)}


@router.get("/tasks/new")
def new_task_page(request: Request, plan: int | None = None, province: str | None = None,
                  user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        row = session.get(Plan, plan) if plan is not None else None
        if plan is not None and row is None:
            raise PageError(404, "Không tìm thấy kế hoạch.")
        if province is None and row is None:
            # several provinces: the one the office last worked on (its newest plan) to start with
            scope = user_provinces(request)
            newest = select(Plan.province).order_by(col(Plan.id).desc())
            if scope is not None:
                newest = newest.where(col(Plan.province).in_(scope))
            province = session.exec(newest).first()
        values: dict[str, Any] = {"doc_kind": "cong_van"}
        if row is not None:
            values = {"doc_kind": "ke_hoach", "doc_code": row.code, "doc_date": fmt_date(row.issued_on)
                      if row.issued_on else "", "doc_title": row.title or ""}
        context = _new_context(session, request, province=province, plan=row, values=values, errors={})
    return render(request, "task_new.html", context)


@router.post("/tasks/new", dependencies=CSRF)
def create_task_form(request: Request, province: str = Form(""), doc_kind: str = Form("cong_van"),
                     doc_code: str = Form(""), doc_date: str = Form(""), doc_title: str = Form(""),
                     content: str = Form(""), deadline: str = Form(""), lead: list[str] = Form([]),
                     coordinating: list[str] = Form([]), user: StaffUser = Depends(office_actor)) -> Response:
    typed = {"doc_kind": doc_kind, "doc_code": doc_code, "doc_date": doc_date, "doc_title": doc_title,
             "content": content, "deadline": deadline, "lead": lead, "coordinating": coordinating}
    day = today(request)
    try:
        with db(request) as session:
            if province not in {p.slug for p in _province_choices(request, session)}:
                raise ManualTaskError({"province": "Vui lòng chọn tỉnh của văn bản."})
            matcher = AgencyMatcher(agency_choices(session, province=province, on=day))
            manual = read_manual_task(doc_code=doc_code, doc_date=doc_date, doc_kind=doc_kind, doc_title=doc_title,
                                      content=content, deadline=deadline, lead=lead, coordinating=coordinating,
                                      matcher=matcher, today=day)
            task = create_task(session, province=province, manual=manual, actor=actor_of_user(user),
                               policy_path=_policy_path(request), today=day)
            task_id = task.id
    except (ManualTaskError, PlanningError) as exc:
        with db(request, read_only=True) as session:
            context = _new_context(session, request, province=province or None, plan=None, values=typed,
                                   errors=exc.errors)
        return render(request, "task_new.html", context, status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/tasks/{task_id}?msg=task_created", status_code=303)


# ---- edit, reassign, cancel --------------------------------------------------------------------

def _edit_page(request: Request, task_id: int, *, values: dict[str, Any] | None = None,
               side: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    """The task's edit page: the edit form (``values``: what was typed, else the task's), and the
    reassign and cancel forms (``side``: what was typed in them)."""
    with db(request, read_only=True) as session:
        try:
            task, plan = editable_task(session, task_id=task_id)
        except PlanningError as exc:
            raise PageError(exc.status, next(iter(exc.errors.values()))) from exc
        leads, others = live_agencies(session, task_id=task_id)
        labels = choice_labels(agency_choices(session, province=plan.province, on=today(request)))
    # an agency no longer in force keeps its name in the form: the office sees who has the task
    shown = {a.id: labels.get(a.id, a.name) for a in [*leads, *others] if a.id is not None}
    values = values or {"content": task.content, "deadline": current_deadline(task).text,
                        "lead": [shown[a.id] for a in leads if a.id is not None],
                        "coordinating": [shown[a.id] for a in others if a.id is not None]}
    return render(request, "task_edit.html", {
        "task": task, "plan": plan, "values": values, "side": side or {}, "errors": errors or {},
        "labels": list(labels.values()), "leads": leads, "imported": task.source != MANUAL,
        "lead_fields": _fields(values.get("lead", []), 1),
        "coordinating_fields": _fields(values.get("coordinating", []), BLANK_AGENCY_FIELDS),
    }, status_code=status_code)


@router.get("/tasks/{task_id}/edit")
def edit_task_page(request: Request, task_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    return _edit_page(request, task_id)


def _editable(session: Session, request: Request, task_id: int) -> tuple[Any, AgencyMatcher, date | None]:
    """The task, the directory of its province in force today, and the date its deadline counts
    from; a task that cannot be changed by hand is an error page."""
    try:
        task, plan = editable_task(session, task_id=task_id)
    except PlanningError as exc:
        raise PageError(exc.status, next(iter(exc.errors.values()))) from exc
    return task, AgencyMatcher(agency_choices(session, province=plan.province, on=today(request))), plan.issued_on


@router.post("/tasks/{task_id}/edit", dependencies=CSRF)
def edit_task_form(request: Request, task_id: int, content: str = Form(""), deadline: str = Form(""),
                   lead: list[str] = Form([]), coordinating: list[str] = Form([]),
                   user: StaffUser = Depends(office_actor)) -> Response:
    typed = {"content": content, "deadline": deadline, "lead": lead, "coordinating": coordinating}
    try:
        with db(request) as session:
            task, matcher, issued_on = _editable(session, request, task_id)
            text, errors = read_task_text(content=content, deadline=deadline, issued_on=issued_on,
                                          current=(task.content, current_deadline(task)))
            leads, others, agency_errors = read_agencies(lead=lead, coordinating=coordinating, matcher=matcher)
            errors.update(agency_errors)
            if errors or text is None:
                raise ManualTaskError(errors)
            changes = edit_task(session, task_id=task_id, text=text, lead=leads, coordinating=others,
                                actor=actor_of_user(user), policy_path=_policy_path(request), today=today(request))
    except (ManualTaskError, PlanningError) as exc:
        return _edit_page(request, task_id, values=typed, errors=exc.errors, status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/tasks/{task_id}?msg={'task_edited' if changes else 'task_unchanged'}",
                            status_code=303)


@router.post("/tasks/{task_id}/reassign", dependencies=CSRF)
def reassign_task_form(request: Request, task_id: int, new_lead: str = Form(""), note: str = Form(""),
                       user: StaffUser = Depends(office_actor)) -> Response:
    try:
        with db(request) as session:
            _task, matcher, _issued = _editable(session, request, task_id)
            chosen, problem = matcher.read([new_lead], what="Cơ quan chủ trì mới")
            if problem or not chosen:
                raise ManualTaskError({"new_lead": problem or "Vui lòng chọn cơ quan chủ trì mới."})
            try:
                reason = read_reason(note, required=False, what="Ghi chú")
            except ManualTaskError as exc:
                raise ManualTaskError({"reassign_note": exc.errors["reason"]}) from exc
            reassign_task(session, task_id=task_id, lead=chosen, actor=actor_of_user(user), note=reason,
                          policy_path=_policy_path(request), today=today(request))
    except (ManualTaskError, PlanningError) as exc:
        return _edit_page(request, task_id, side={"new_lead": new_lead, "reassign_note": note}, errors=exc.errors,
                          status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/tasks/{task_id}?msg=task_reassigned", status_code=303)


@router.post("/tasks/{task_id}/cancel", dependencies=CSRF)
def cancel_task_form(request: Request, task_id: int, reason: str = Form(""),
                     user: StaffUser = Depends(office_actor)) -> Response:
    try:
        try:
            text = read_reason(reason, required=True, what="Lý do hủy")
        except ManualTaskError as exc:
            raise ManualTaskError({"cancel_reason": exc.errors["reason"]}) from exc
        with db(request) as session:
            _editable(session, request, task_id)
            cancel_task(session, task_id=task_id, actor=actor_of_user(user), reason=text)
    except (ManualTaskError, PlanningError) as exc:
        return _edit_page(request, task_id, side={"cancel_reason": reason}, errors=exc.errors, status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/tasks/{task_id}?msg=task_cancelled", status_code=303)


# ---- a plan's number, date and title ------------------------------------------------------------

def _plan_page(request: Request, plan_id: int, *, values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    with db(request, read_only=True) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise PageError(404, "Không tìm thấy kế hoạch.")
    values = values or {"code": plan.code, "issued_on": fmt_date(plan.issued_on) if plan.issued_on else "",
                        "title": plan.title or ""}
    return render(request, "plan_edit.html", {"plan": plan, "values": values, "errors": errors or {}},
                  status_code=status_code)


@router.get("/plans/{plan_id}/edit")
def edit_plan_page(request: Request, plan_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    return _plan_page(request, plan_id)


@router.post("/plans/{plan_id}/edit", dependencies=CSRF)
def edit_plan_form(request: Request, plan_id: int, code: str = Form(""), issued_on: str = Form(""),
                   title: str = Form(""), user: StaffUser = Depends(office_actor)) -> Response:
    typed = {"code": code, "issued_on": issued_on, "title": title}
    try:
        number, day, text = read_plan_correction(code=code, issued_on=issued_on, title=title)
        with db(request) as session:
            changes = correct_plan(session, plan_id=plan_id, code=number, issued_on=day, title=text,
                                   actor=actor_of_user(user))
    except (ManualTaskError, PlanningError) as exc:
        if isinstance(exc, PlanningError) and exc.status == 404:
            raise PageError(404, "Không tìm thấy kế hoạch.") from exc
        return _plan_page(request, plan_id, values=typed, errors=exc.errors, status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/plans/{plan_id}?msg={'plan_corrected' if changes else 'plan_unchanged'}",
                            status_code=303)
