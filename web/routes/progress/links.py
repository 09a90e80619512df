"""An agency's link when it no longer opens, and the office handing links out.

* ``/links/new``: the form a refused link's page shows too (web/templates/error.html). Whoever
  types an address gets the same answer; an agency whose address on file it is gets a fresh
  link at that address, after the answer has gone (so neither its words nor its time tell
  whether the address is an agency's). Rate-limited per client and per agency
  (models/agencies/link_requests.py).
* ``POST /agencies/{id}/send-link``: office staff mail the agency its link again (the agency
  page also shows the link itself, to copy into Zalo).
"""

from __future__ import annotations

import logging
import math

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from config.settings import Settings
from models.agencies.link_requests import (
    PER_AGENCY,
    agencies_for_address,
    client_actor,
    client_wait,
    note_request,
    sent_from_form,
)
from models.core.tables import Agency
from models.core.web_tables import StaffUser
from web.deps import PageError, actor_of_user, csrf_checked, db, office_actor
from web.templating import render

log = logging.getLogger("dondoc.links")
router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
MAX_ADDRESS = 200


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _send_requested(chosen: list[tuple[int, str]], actor: str, settings: Settings) -> None:
    """After the answer: each agency's link to its address that was typed (on file, as checked)."""
    from flows.agencies.links import send_agency_links

    for agency_id, address in chosen:
        try:
            send_agency_links([agency_id], reason="requested", actor=actor, to=address, settings=settings)
        except Exception:  # the visitor has had its answer; the log keeps why
            log.exception("link mail for agency %s failed", agency_id)


@router.get("/links/new")
def link_request_form(request: Request) -> Response:
    return render(request, "link_request.html", {"done": False, "error": None, "address": ""})


@router.post("/links/new", dependencies=CSRF)
def request_link(request: Request, background: BackgroundTasks, email: str = Form("")) -> Response:
    address = " ".join(email.split())[:MAX_ADDRESS]
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        return render(request, "link_request.html", {
            "done": False, "address": address,
            "error": "Vui lòng nhập địa chỉ thư điện tử của cơ quan (ví dụ vanthu@sotaichinh.example)."},
            status_code=400)
    client = _client(request)
    with db(request) as session:
        wait = client_wait(session, client=client)
        if wait.total_seconds() > 0:
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            return render(request, "link_request.html", {
                "done": False, "address": address,
                "error": f"Đã có nhiều yêu cầu gửi từ máy này; vui lòng thử lại sau {minutes} phút."},
                status_code=429)
        found = agencies_for_address(session, address=address)
        note_request(session, client=client, found=len(found))
        key = address.lower()
        chosen = [(a.id, a.email if (a.email or "").lower() == key else a.head_email) for a in found
                  if a.id is not None and sent_from_form(session, agency_id=a.id) < PER_AGENCY]
    if chosen:
        background.add_task(_send_requested, chosen, client_actor(client), request.app.state.settings)
    return render(request, "link_request.html", {"done": True, "error": None, "address": ""})


@router.post("/agencies/{agency_id}/send-link", dependencies=CSRF)
def send_link(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    from flows.agencies.links import send_agency_links

    with db(request, read_only=True) as session:
        if session.get(Agency, agency_id) is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
    results = send_agency_links([agency_id], reason="resent", actor=actor_of_user(user),
                                settings=request.app.state.settings)
    code = "link_sent" if results and results[0].sent else (
        "link_no_address" if results and results[0].to is None else "link_not_sent")
    return RedirectResponse(f"/agencies/{agency_id}?msg={code}#duong-lien-ket", status_code=303)
