"""Pages an agency opens from the link in its e-mails (``/a/{token}``): no password.

The token is scoped to one agency: every task route first checks the agency has an
assignment on the task, so a link for agency A can neither read nor change agency B's tasks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.core.tables import LEAD, Agency
from models.listing.task_detail import AssignmentView, TaskDetail, agency_assignment, task_detail
from models.overview.dashboard import agency_counts
from models.progress.evidence import EvidenceError, store_evidence, too_large_message
from models.progress.extensions import ExtensionError, request_extension
from models.progress.updates import ProgressError, record_progress
from web.deps import PageError, actor_of_agency, agency_for_token, agency_link, csrf_checked, db, near_days, today
from web.forms import FormError, parse_date, parse_progress
from web.listing import run_listing, task_listing
from web.messages import flash
from web.outbox import send_after_response
from web.routes.reports.views import agency_duties
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/a/{token}")
def agency_home(request: Request, token: str, agency: Agency = Depends(agency_link)) -> Response:
    listing = task_listing(request, agency_id=agency.id)
    with db(request) as session:
        progress = agency_counts(session, as_of=listing.filters.as_of, near_days=near_days(request),
                                 agency_id=agency.id).get(agency.id)  # type: ignore[arg-type]
        rows, total = run_listing(request, session, listing)
        duties = agency_duties(session, agency_id=agency.id)  # type: ignore[arg-type]
    return render(request, "agency_home.html", {"agency": agency, "progress": progress, "rows": rows, "total": total,
                                                "listing": listing, "as_of": listing.filters.as_of, "duties": duties})


def _own_task(request: Request, agency: Agency, task_id: int) -> tuple[TaskDetail, AssignmentView]:
    with db(request) as session:
        detail = None
        if agency_assignment(session, task_id=task_id, agency_id=agency.id) is not None:  # type: ignore[arg-type]
            detail = task_detail(session, task_id=task_id, as_of=today(request), near_days=near_days(request),
                                 full=False)
    if detail is None:
        raise PageError(403, "Nhiệm vụ này không thuộc cơ quan của quý vị: đường liên kết chỉ mở được nhiệm vụ "
                             "của cơ quan đã nhận thư.")
    return detail, detail.for_agency(agency.id)[0]  # type: ignore[arg-type]


def _task_page(request: Request, agency: Agency, task_id: int, *, errors: dict[str, str] | None = None,
               values: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    detail, mine = _own_task(request, agency, task_id)
    return render(request, "agency_task.html", {
        "agency": agency, "d": detail, "mine": mine, "errors": errors or {}, "values": values or {},
        "flash": flash(request), "max_mb": request.app.state.settings.evidence_max_mb,
    }, status_code=status_code)


@router.get("/a/{token}/tasks/{task_id}")
def agency_task(request: Request, token: str, task_id: int, agency: Agency = Depends(agency_link)) -> Response:
    return _task_page(request, agency, task_id)


def _back(token: str, task_id: int, code: str) -> Response:
    return RedirectResponse(f"/a/{token}/tasks/{task_id}?msg={code}#ket-qua", status_code=303)


@router.post("/a/{token}/tasks/{task_id}/progress", dependencies=[Depends(csrf_checked)])
def post_progress(request: Request, token: str, task_id: int, status: str = Form(""), percent: str = Form(""),
                  note: str = Form(""), agency: Agency = Depends(agency_link)) -> Response:
    _detail, mine = _own_task(request, agency, task_id)
    coordinating = mine.assignment.role != LEAD
    try:
        data = parse_progress(status=status, percent=percent, note=note, note_required=coordinating)
        with db(request) as session:
            assignment = agency_assignment(session, task_id=task_id, agency_id=agency.id)  # type: ignore[arg-type]
            assert assignment is not None
            record_progress(session, assignment=assignment, status=data.status, percent=data.percent, note=data.note,
                            on=today(request), actor=actor_of_agency(agency), source="web")
    except (FormError, ProgressError) as exc:
        return _task_page(request, agency, task_id, errors={"progress": str(exc)},
                          values={"status": status, "percent": percent, "note": note}, status_code=400)
    request.app.state.cache.clear()
    return _back(token, task_id, "input_saved" if coordinating else "progress_saved")


@router.post("/a/{token}/tasks/{task_id}/extension", dependencies=[Depends(csrf_checked)])
def post_extension(request: Request, background: BackgroundTasks, token: str, task_id: int, new_date: str = Form(""),
                   reason: str = Form(""), agency: Agency = Depends(agency_link)) -> Response:
    _own_task(request, agency, task_id)
    try:
        wanted = parse_date(new_date, "Ngày đề nghị gia hạn")
        with db(request) as session:
            assignment = agency_assignment(session, task_id=task_id, agency_id=agency.id)  # type: ignore[arg-type]
            assert assignment is not None
            request_extension(session, assignment=assignment, new_date=wanted, reason=reason, today=today(request),
                              actor=actor_of_agency(agency), source="web")
    except (FormError, ExtensionError) as exc:
        return _task_page(request, agency, task_id, errors={"extension": str(exc)},
                          values={"new_date": new_date, "reason": reason}, status_code=400)
    send_after_response(background, request)  # the office is told a decision waits
    return _back(token, task_id, "extension_requested")


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass


@router.post("/a/{token}/tasks/{task_id}/evidence")
async def post_evidence(request: Request, token: str, task_id: int) -> Response:
    """Multipart upload. A body larger than the limit is read and dropped unparsed (so the
    browser still gets the page with the message), never stored."""
    agency = await run_in_threadpool(agency_for_token, request, token)
    await run_in_threadpool(_own_task, request, agency, task_id)
    settings = request.app.state.settings
    max_bytes = settings.evidence_max_mb * 1024 * 1024
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        await _drain(request)
        return await run_in_threadpool(lambda: _task_page(request, agency, task_id, status_code=413,
                                                          errors={"evidence": too_large_message(max_bytes)}))
    await csrf_checked(request)
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise EvidenceError("Vui lòng chọn một tệp để tải lên.")

        def store() -> None:
            with db(request) as session:
                assignment = agency_assignment(session, task_id=task_id, agency_id=agency.id)  # type: ignore[arg-type]
                assert assignment is not None
                store_evidence(session, assignment=assignment, filename=upload.filename or "", stream=upload.file,
                               data_dir=settings.data_dir, max_bytes=max_bytes, actor=actor_of_agency(agency),
                               source="web")

        await run_in_threadpool(store)
    except EvidenceError as exc:
        message = str(exc)
        return await run_in_threadpool(lambda: _task_page(request, agency, task_id, errors={"evidence": message},
                                                          status_code=400))
    finally:
        await form.close()
    return _back(token, task_id, "evidence_saved")
