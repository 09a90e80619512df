"""An agency's period report from its link (``/a/{token}/reports/{assignment_id}``).

The page is addressed by the agency's own report-duty assignment: a link for agency A opening
agency B's duty is refused (403) before anything is read or written.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.core.report_tables import ReportSubmission
from models.core.tables import Agency
from models.progress.evidence import too_large_message
from models.reports.submissions import SubmissionError, submissions, submit_period_report
from web.deps import PageError, agency_for_token, agency_link, csrf_checked, db, today
from web.forms import FormError
from web.messages import flash
from web.routes.reports.input import INDICATOR, NARRATIVE, parse_report, submission_message
from web.routes.reports.office import submission_file
from web.routes.reports.views import Duty, agency_duty, lead_tasks, plan_indicators, split_for_agency
from web.templating import render

router = APIRouter(include_in_schema=False)
BODY_SLACK = 2 * 1024 * 1024  # room for the text fields next to the file in a multipart body
MAX_FIELDS = 5000


def _duty(request: Request, agency: Agency, assignment_id: int) -> Duty:
    with db(request) as session:
        duty = agency_duty(session, agency_id=agency.id, assignment_id=assignment_id)  # type: ignore[arg-type]
    if duty is None:
        raise PageError(403, "Báo cáo này không thuộc cơ quan của quý vị: đường liên kết chỉ mở được báo cáo "
                             "của cơ quan đã nhận thư.")
    return duty


def _page(request: Request, agency: Agency, assignment_id: int, *, error: str | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    duty = _duty(request, agency, assignment_id)
    with db(request) as session:
        tasks = lead_tasks(session, plan_id=duty.plan.id, agency_id=agency.id)  # type: ignore[arg-type]
        mine, others = split_for_agency(plan_indicators(session, plan_id=duty.plan.id), agency)  # type: ignore[arg-type]
        sent = submissions(session, plan_id=duty.plan.id, period=duty.period.code, agency_id=agency.id)  # type: ignore[arg-type]
    return render(request, "agency_report.html", {
        "agency": agency, "duty": duty, "tasks": tasks, "indicators": mine, "other_indicators": others,
        "sent": sent, "error": error,
        "values": values or {}, "flash": flash(request), "max_mb": request.app.state.settings.evidence_max_mb,
        "NARRATIVE": NARRATIVE, "INDICATOR": INDICATOR,
    }, status_code=status_code)


@router.get("/a/{token}/reports/{assignment_id}/files/{submission_id}")
def own_file(request: Request, token: str, assignment_id: int, submission_id: int,
             agency: Agency = Depends(agency_link)) -> Response:
    """A file the agency itself sent with this period's report (never another agency's)."""
    duty = _duty(request, agency, assignment_id)
    with db(request) as session:
        row = session.get(ReportSubmission, submission_id)
    if row is None or row.agency_id != agency.id or row.plan_id != duty.plan.id or row.period != duty.period.code:
        row = None
    return submission_file(request, row)


@router.get("/a/{token}/reports/{assignment_id}")
def report_form(request: Request, token: str, assignment_id: int, agency: Agency = Depends(agency_link)) -> Response:
    return _page(request, agency, assignment_id)


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass


@router.post("/a/{token}/reports/{assignment_id}")
async def submit_report(request: Request, token: str, assignment_id: int) -> Response:
    """Multipart form; a body far over the file limit is read and dropped unparsed, never stored."""
    agency = await run_in_threadpool(agency_for_token, request, token)
    duty = await run_in_threadpool(_duty, request, agency, assignment_id)
    settings = request.app.state.settings
    max_bytes = settings.evidence_max_mb * 1024 * 1024
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + BODY_SLACK:
        await _drain(request)
        return await run_in_threadpool(lambda: _page(request, agency, assignment_id, status_code=413,
                                                     error=too_large_message(max_bytes)))
    await csrf_checked(request)
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        upload = form.get("file")
        file = None
        if isinstance(upload, UploadFile) and upload.filename:
            file = (upload.filename, await upload.read(max_bytes + 1))

        def store() -> None:
            with db(request) as session:
                tasks = lead_tasks(session, plan_id=duty.plan.id, agency_id=agency.id)  # type: ignore[arg-type]
                indicators = plan_indicators(session, plan_id=duty.plan.id)  # type: ignore[arg-type]
                data = parse_report(values, tasks=tasks, indicators=indicators, file=file, max_bytes=max_bytes)
                submit_period_report(
                    session, plan=duty.plan.id, period=duty.period.code, agency=agency.id,  # type: ignore[arg-type]
                    narratives=data.narratives, indicator_values=data.indicator_values, file=data.file,
                    actor=f"{agency.name} (web)", source="web", summary=data.summary, on=today(request),
                    data_dir=settings.data_dir, max_bytes=max_bytes)

        await run_in_threadpool(store)
    except (FormError, SubmissionError) as exc:
        message = str(exc) if isinstance(exc, FormError) else submission_message(exc)
        return await run_in_threadpool(lambda: _page(request, agency, assignment_id, error=message, values=values,
                                                     status_code=400))
    finally:
        await form.close()
    request.app.state.cache.clear()
    return RedirectResponse(f"/a/{token}/reports/{assignment_id}?msg=report_submitted", status_code=303)
