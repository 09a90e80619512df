"""Review of duties proposed from a plan's text (what `dondoc review` does): every signed-in
user sees them; role ``office`` confirms, edits or discards them, each change audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.agencies.directory import UnknownAgency, resolve_agency_ids
from models.agencies.setup import configured_directory
from models.core.web_tables import StaffUser
from models.duties.review import plan_proposals, waiting_by_plan
from models.duties.store import ReviewError, decide, edit
from web.deps import actor_of_user, csrf_checked, db, office_actor, office_user, plan_or_404, user_provinces
from web.forms import FormError
from web.messages import flash
from web.routes.duties.input import agency_message, parse_edit, review_message
from web.templating import render

router = APIRouter(include_in_schema=False)
CHECKED = [Depends(csrf_checked)]


def _page(request: Request, plan_id: int, *, error: str | None = None, draft: dict[str, Any] | None = None) -> Response:
    """The plan's review page; with ``error`` (status 400) the form that failed keeps what was typed."""
    with db(request) as session:
        plan = plan_or_404(session, plan_id)
        rows = plan_proposals(session, plan_id=plan_id)
    context: dict[str, Any] = {"plan": plan, "rows": rows, "error": error, "draft": draft,
                               "flash": None if error else flash(request)}
    return render(request, "review.html", context, status_code=400 if error else 200)


def _done(plan_id: int, code: str) -> Response:
    return RedirectResponse(f"/plans/{plan_id}/review?msg={code}", status_code=303)


@router.get("/review")
def review_index(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        groups = waiting_by_plan(session, provinces=user_provinces(request))
    return render(request, "review_index.html", {"groups": groups, "flash": flash(request)})


@router.get("/plans/{plan_id}/review")
def review_page(request: Request, plan_id: int, user: StaffUser = Depends(office_user)) -> Response:
    return _page(request, plan_id)


def _decide(request: Request, plan_id: int, user: StaffUser, refs: list[str] | None, *, confirm: bool) -> Response:
    """Confirm or discard ``refs`` (None: every proposal of the plan) in one transaction."""
    try:
        if refs is not None and not refs:
            raise FormError("Chưa chọn nhiệm vụ nào: đánh dấu ít nhất một nhiệm vụ đề xuất.")
        with db(request) as session:
            plan = plan_or_404(session, plan_id)
            count = decide(session, plan_code=plan.code, plan_id=plan.id, refs=refs, confirm=confirm,
                           actor=actor_of_user(user), on=request.app.state.today())
    except FormError as exc:
        return _page(request, plan_id, error=str(exc))
    except ReviewError as exc:
        return _page(request, plan_id, error=review_message(exc))
    if not count:
        return _done(plan_id, "review_none")
    return _done(plan_id, "review_confirmed" if confirm else "review_discarded")


def _refs(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


@router.post("/plans/{plan_id}/review/confirm", dependencies=CHECKED)
def confirm_some(request: Request, plan_id: int, ref: list[str] = Form([]),
                 user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, plan_id, user, _refs(ref), confirm=True)


@router.post("/plans/{plan_id}/review/discard", dependencies=CHECKED)
def discard_some(request: Request, plan_id: int, ref: list[str] = Form([]),
                 user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, plan_id, user, _refs(ref), confirm=False)


@router.post("/plans/{plan_id}/review/confirm-all", dependencies=CHECKED)
def confirm_all(request: Request, plan_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, plan_id, user, None, confirm=True)


@router.post("/plans/{plan_id}/review/discard-all", dependencies=CHECKED)
def discard_all(request: Request, plan_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    return _decide(request, plan_id, user, None, confirm=False)


@router.post("/plans/{plan_id}/review/edit", dependencies=CHECKED)
def edit_proposal(
    request: Request, plan_id: int, ref: str = Form(""), title: str = Form(""), due_date: str = Form(""),
    lead: str = Form(""), coordinating: str = Form(""), standing: str = Form(""),
    user: StaffUser = Depends(office_actor),
) -> Response:
    """Title, due date and agencies of one proposal (names resolved as `dondoc review --lead`)."""
    draft = {"ref": ref, "title": title, "due_date": due_date, "lead": lead, "coordinating": coordinating,
             "standing": bool(standing)}
    try:
        with db(request) as session:
            plan = plan_or_404(session, plan_id)
            form = parse_edit(title=title, due=due_date, lead=lead, coordinating=coordinating, issued_on=plan.issued_on,
                              standing=bool(standing))
            directory = configured_directory(settings=request.app.state.settings).province(plan.province)
            edit(session, plan_code=plan.code, plan_id=plan.id, ref=ref.strip(), actor=actor_of_user(user),
                 title=form.title, due_date=form.due_date, standing=form.standing,
                 lead=resolve_agency_ids(session, directory=directory, names=form.lead),
                 coordinating=resolve_agency_ids(session, directory=directory, names=form.coordinating))
    except FormError as exc:
        return _page(request, plan_id, error=str(exc), draft=draft)
    except UnknownAgency as exc:
        return _page(request, plan_id, error=agency_message(exc), draft=draft)
    except ReviewError as exc:
        return _page(request, plan_id, error=review_message(exc))
    return _done(plan_id, "review_edited")
