"""Bulk reminders (office role): every agency leading an overdue task (``/remind/overdue``), every
agency whose period report is late (``/remind/unreported``) or the agencies chosen on a list
(``/remind/selected?agency=1&agency=2``). A GET shows, before anything is sent, how many letters
go to whom (the manual reminder's plan of each agency); the POST queues the same reminders,
one agency at a time, in one transaction, and sends them."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.core.web_tables import StaffUser
from models.escalation.bulk import OVERDUE, UNREPORTED, late_agencies, named_agencies
from models.escalation.reminders import ROLE_LABELS, Letter, plan_manual_reminders, queue_manual_reminders
from web.deps import PageError, actor_of_user, csrf_checked, db, office_actor, today, user_provinces
from web.forms import MAX_ID
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
TITLES = {OVERDUE: "Nhắc mọi cơ quan có nhiệm vụ quá hạn",
          UNREPORTED: "Nhắc mọi cơ quan chưa gửi báo cáo định kỳ",
          "selected": "Nhắc các cơ quan đã chọn"}
MAX_CHOSEN = 500


@dataclass
class AgencyLetters:
    agency_id: int
    name: str
    late: int
    letters: list[Letter] = field(default_factory=list)


def _chosen(request: Request, values: list[str]) -> list[int]:
    ids: list[int] = []
    for raw in values[:MAX_CHOSEN]:
        try:
            value = int(raw)
        except ValueError as exc:
            raise PageError(400, "Danh sách cơ quan không hợp lệ.") from exc
        if 0 < value <= MAX_ID:
            ids.append(value)
    return ids


def _agencies(request: Request, group: str, ids: list[int]) -> list[tuple[int, str, int]]:
    with db(request, read_only=True) as session:
        # only the account's province's agencies and late tasks (models/auth/scope.py)
        provinces = user_provinces(request)
        if group == "selected":
            return named_agencies(session, ids=ids, provinces=provinces)
        return late_agencies(session, group=group, as_of=today(request), provinces=provinces)


def _confirm(request: Request, group: str, ids: list[int]) -> Response:
    day = today(request)
    policy = request.app.state.settings.escalation_policy
    found = _agencies(request, group, ids)
    items: list[AgencyLetters] = []
    with db(request, read_only=True) as session:
        for agency_id, name, late in found:
            plan = plan_manual_reminders(session, as_of=day, policy_path=policy, agency_id=agency_id)
            items.append(AgencyLetters(agency_id, name, late, plan.letters))
    total = sum(len(i.letters) for i in items)
    recipients = len({letter.recipient for i in items for letter in i.letters})
    return render(request, "bulk_remind.html", {
        "title": TITLES[group], "group": group, "items": items, "total": total, "recipients": recipients,
        "as_of": day, "role_labels": ROLE_LABELS, "action": f"/remind/{group}", "ids": [a for a, _n, _l in found]})


def _send(request: Request, group: str, ids: list[int], user: StaffUser) -> Response:
    from flows.escalation.sweep import send_pending

    day = today(request)
    found = _agencies(request, group, ids)
    queued = 0
    with db(request) as session:  # every agency's reminder or none
        for agency_id, _name, _late in found:
            queued += queue_manual_reminders(session, as_of=day, actor=actor_of_user(user), agency_id=agency_id,
                                             policy_path=request.app.state.settings.escalation_policy)
    request.app.state.cache.clear()
    code = "reminder_none"
    if queued:
        stats = send_pending(day)
        code = "reminder_queued" if stats.error or stats.messages_failed else "reminder_sent"
    return RedirectResponse(f"/?msg={code}", status_code=303)


@router.get("/remind/overdue")
def confirm_overdue(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _confirm(request, OVERDUE, [])


@router.get("/remind/unreported")
def confirm_unreported(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _confirm(request, UNREPORTED, [])


@router.get("/remind/selected")
def confirm_selected(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    ids = _chosen(request, request.query_params.getlist("agency"))
    if not ids:
        raise PageError(400, "Chưa chọn cơ quan nào để nhắc.")
    return _confirm(request, "selected", ids)


@router.post("/remind/overdue", dependencies=CSRF)
def send_overdue(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _send(request, OVERDUE, [], user)


@router.post("/remind/unreported", dependencies=CSRF)
def send_unreported(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _send(request, UNREPORTED, [], user)


@router.post("/remind/selected", dependencies=CSRF)
async def send_selected(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    form = await request.form()
    ids = _chosen(request, [v for v in form.getlist("agency") if isinstance(v, str)])
    if not ids:
        raise PageError(400, "Chưa chọn cơ quan nào để nhắc.")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_send, request, "selected", ids, user)
