"""``/outbox``: every notice and report e-mail (to whom, when, state, error), filtered by state and
agency, a page at a time; a failed one is put back in the queue from here and sent at once.
Office-only: viewers see nothing of it (403), an agency's link opens nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from models.core.tables import Agency, AgencyLinkMail, Assignment, Notice
from models.core.web_tables import StaffUser
from models.outbox.history import (
    LINK,
    NOTICE,
    REPORT,
    STATES,
    ResendError,
    mail_history,
    resend,
    resend_failed,
    state_counts,
)
from web.deps import PageError, actor_of_user, csrf_checked, db, office_actor, user_provinces
from web.forms import MAX_ID
from web.messages import flash
from web.outbox import send_after_response
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
PER_PAGE = 50
log = logging.getLogger("dondoc.web")


@dataclass(frozen=True)
class Paging:
    """What the shared pager (_pager.html) reads."""

    page: int
    per_page: int = PER_PAGE


def _int(raw: str | None, *, low: int = 1) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise PageError(400, "Tham số không hợp lệ.") from exc
    if not low <= value <= MAX_ID:
        raise PageError(400, "Tham số không hợp lệ.")
    return value


def _send_reports() -> None:
    from flows.reports.flow import send_report_deliveries

    try:
        send_report_deliveries()
    except Exception:  # the rows stay pending; the next report job sends them
        log.exception("sending report e-mails after a page failed")


def _send_links() -> None:
    from flows.agencies.links import send_link_mails

    try:
        send_link_mails()
    except Exception:  # the rows stay pending; the next link mail or resend sends them
        log.exception("sending link mails after a page failed")


def _send_after(background: BackgroundTasks, request: Request) -> None:
    """Send what is pending once the page has answered (the notices, then the report e-mails);
    a mail server that is down leaves them pending, with the queue's retries."""
    send_after_response(background, request)
    background.add_task(_send_reports)
    background.add_task(_send_links)


@router.get("/outbox")
def outbox_page(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    state = request.query_params.get("state") or None
    if state is not None and state not in STATES:
        raise PageError(400, "Trạng thái lọc không hợp lệ.")
    agency_id = _int(request.query_params.get("agency"))
    page = _int(request.query_params.get("page")) or 1
    provinces = user_provinces(request)
    with db(request, read_only=True) as session:
        rows, total = mail_history(session, state=state, agency_id=agency_id, page=page, per_page=PER_PAGE,
                                   provinces=provinces)
        counts = state_counts(session, provinces=provinces)
        choices = select(Agency.id, Agency.name).where(col(Agency.id).in_(_agencies_with_mail(session)))
        if provinces is not None:
            choices = choices.where(col(Agency.province).in_(provinces))
        agencies = list(session.exec(choices.order_by(col(Agency.name))))
    return render(request, "outbox.html", {
        "rows": rows, "total": total, "listing": Paging(page), "state": state, "agency_id": agency_id,
        "states": STATES, "counts": counts, "agencies": agencies, "flash": flash(request), "error": None,
        "NOTICE": NOTICE, "REPORT": REPORT, "LINK": LINK})


def _agencies_with_mail(session: Session) -> list[int]:
    """The agencies some notice was about or some link mail went to (the agency filter's choices)."""
    about = set(session.exec(select(Assignment.agency_id).distinct()
                             .join(Notice, col(Notice.assignment_id) == col(Assignment.id))))
    return sorted(about | set(session.exec(select(AgencyLinkMail.agency_id).distinct())))


@router.post("/outbox/{source}/{row_id}/resend", dependencies=CSRF)
def resend_one(request: Request, background: BackgroundTasks, source: str, row_id: int,
               user: StaffUser = Depends(office_actor)) -> Response:
    if source not in (NOTICE, REPORT, LINK):
        raise PageError(404, "Không tìm thấy thư.")
    try:
        with db(request) as session:
            resend(session, source=source, row_id=row_id, actor=actor_of_user(user))
    except ResendError as exc:
        raise PageError(400, str(exc)) from exc
    _send_after(background, request)
    return RedirectResponse("/outbox?state=pending&msg=outbox_resent", status_code=303)


@router.post("/outbox/resend-failed", dependencies=CSRF)
def resend_all(request: Request, background: BackgroundTasks, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request) as session:
        n = resend_failed(session, actor=actor_of_user(user), provinces=user_provinces(request))
    if n:
        _send_after(background, request)
    return RedirectResponse(f"/outbox?state=pending&msg={'outbox_resent' if n else 'outbox_none_failed'}",
                            status_code=303)
