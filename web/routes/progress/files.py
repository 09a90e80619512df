"""Evidence downloads and the agencies' calendar feeds: always behind a session or a link check."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from models.core.tables import Agency, Assignment
from models.core.web_tables import Evidence, StaffUser
from models.listing.task_detail import agency_can_see_task
from models.listing.task_list import agency_deadlines
from models.progress.evidence import evidence_path
from web.deps import PageError, agency_for_token, agency_link, db, office_user, session_user
from web.routes.progress.ical import DueEvent, calendar
from web.templating import ROLE_LABELS, STATE_LABELS

router = APIRouter(include_in_schema=False)


def _download(request: Request, evidence_id: int, *, agency_id: int | None) -> Response:
    with db(request) as session:
        row = session.get(Evidence, evidence_id)
        allowed = row is not None
        if row is not None and agency_id is not None:
            a = session.get(Assignment, row.assignment_id)
            allowed = a is not None and agency_can_see_task(session, task_id=a.task_id, agency_id=agency_id)
    if row is None or not allowed:
        raise PageError(404 if row is None else 403, "Không tìm thấy tệp, hoặc tệp không thuộc nhiệm vụ của quý vị.")
    path = evidence_path(request.app.state.settings.data_dir, row)
    if not path.is_file():
        raise PageError(404, "Tệp không còn trên máy chủ.")
    disposition = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    return FileResponse(path, media_type=row.content_type, headers={"Content-Disposition": disposition})


@router.get("/evidence/{evidence_id}")
def office_download(request: Request, evidence_id: int, user: StaffUser = Depends(office_user)) -> Response:
    return _download(request, evidence_id, agency_id=None)


@router.get("/a/{token}/evidence/{evidence_id}")
def agency_download(request: Request, token: str, evidence_id: int, agency: Agency = Depends(agency_link)) -> Response:
    return _download(request, evidence_id, agency_id=agency.id)


@router.get("/agencies/{agency_id}/calendar.ics")
def agency_calendar(request: Request, agency_id: int, token: str | None = None) -> Response:
    """Every due date of the agency as all-day events (Outlook, Google Calendar, phones)."""
    base = request.app.state.settings.base_url.rstrip("/")
    if token:
        agency = agency_for_token(request, token)
        if agency.id != agency_id:
            raise PageError(403, "Đường liên kết này chỉ mở được lịch của cơ quan đã nhận thư.")
        link = f"{base}/a/{token}/tasks/{{}}"
    elif session_user(request) is not None:
        link = f"{base}/tasks/{{}}"
    else:
        raise PageError(403, "Cần đường liên kết của cơ quan (tham số token) để mở lịch.")
    with db(request) as session:
        found = session.get(Agency, agency_id)
        if found is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
        rows = agency_deadlines(session, agency_id=agency_id)
    domain = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "dondoc"
    events = []
    for aid, tid, role, due, original, state, code, ref, content in rows:
        desc = (f"Kế hoạch {code}, nhiệm vụ {ref} ({ROLE_LABELS.get(role, role)}).\n{content}\n"
                f"Trạng thái: {STATE_LABELS.get(state, state)}.")
        if original and original != due:
            desc += f"\nThời hạn gốc: {original:%d/%m/%Y}, đã gia hạn đến {due:%d/%m/%Y}."
        events.append(DueEvent(uid=f"assignment-{aid}@{domain}", due=due, summary=f"Hạn {code} {ref}: {content[:120]}",
                               description=desc, url=link.format(tid)))
    body = calendar(f"Hạn nhiệm vụ – {found.name}", events)
    return Response(body.encode("utf-8"), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f"inline; filename=\"agency-{agency_id}.ics\""})
