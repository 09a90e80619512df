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
from web.routes.reports.input import (
    INDICATOR,
    NARRATIVE,
    check_file,
    form_values,
    parse_report,
    submission_message,
    what_changed,
)
from web.routes.reports.office import submission_file
from web.routes.reports.staged import StagedFile, discard, load, make_ref, read_ref, stage
from web.routes.reports.views import (
    Duty,
    agency_duty,
    agency_indicators,
    lead_tasks,
    sent_report,
)
from web.templating import render

router = APIRouter(include_in_schema=False)
BODY_SLACK = 2 * 1024 * 1024  # room for the text fields next to the file in a multipart body
MAX_FIELDS = 5000
STAGED = "staged_file"  # the signed reference to the file kept from an earlier try (web/routes/reports/staged.py)
DROP_STAGED = "drop_staged_file"


def _duty(request: Request, agency: Agency, assignment_id: int) -> Duty:
    with db(request) as session:
        duty = agency_duty(session, agency_id=agency.id, assignment_id=assignment_id)  # type: ignore[arg-type]
    if duty is None:
        raise PageError(403, "Báo cáo này không thuộc cơ quan của quý vị: đường liên kết chỉ mở được báo cáo "
                             "của cơ quan đã nhận thư.")
    return duty


def _page(request: Request, agency: Agency, assignment_id: int, *, error: str | None = None,
          values: dict[str, str] | None = None, staged: str | None = None, status_code: int = 200) -> Response:
    """The form: after an error, what the agency typed (and its file, kept: ``staged``);
    otherwise what it has sent for the period, so that it sees its report and adds to it."""
    duty = _duty(request, agency, assignment_id)
    with db(request) as session:
        tasks = lead_tasks(session, plan_id=duty.plan.id, agency_id=agency.id)  # type: ignore[arg-type]
        indicators = agency_indicators(session, plan=duty.plan, agency=agency)
        sent = submissions(session, plan_id=duty.plan.id, period=duty.period.code, agency_id=agency.id)  # type: ignore[arg-type]
    report = sent_report(sent)
    if values is None:
        values = form_values(report, tasks=tasks, indicators=indicators)
    kept = None
    if staged:
        try:
            kept = read_ref(request.app.state.settings.secret_key, staged, agency_id=agency.id,  # type: ignore[arg-type]
                            assignment_id=assignment_id)
        except FormError:
            kept = None
    return render(request, "agency_report.html", {
        "agency": agency, "duty": duty, "tasks": tasks, "indicators": indicators, "sent": sent, "report": report,
        "error": error, "values": values, "staged": staged if kept else None, "kept": kept, "flash": flash(request),
        "max_mb": request.app.state.settings.evidence_max_mb, "NARRATIVE": NARRATIVE, "INDICATOR": INDICATOR,
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
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in (STAGED, DROP_STAGED)}
    secret = settings.secret_key
    kept: StagedFile | None = None  # the file chosen with an earlier try of this form
    file: tuple[str, bytes] | None = None
    try:
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            file = (upload.filename, await upload.read(max_bytes + 1))
        raw_ref = form.get(STAGED)
        if isinstance(raw_ref, str) and raw_ref and not form.get(DROP_STAGED):
            kept = read_ref(secret, raw_ref, agency_id=agency.id, assignment_id=assignment_id)  # type: ignore[arg-type]
            if file is None:  # a file chosen now replaces the kept one
                file = (kept.name, load(settings.data_dir, kept))

        def store() -> None:
            with db(request) as session:
                tasks = lead_tasks(session, plan_id=duty.plan.id, agency_id=agency.id)  # type: ignore[arg-type]
                indicators = agency_indicators(session, plan=duty.plan, agency=agency)
                sent = submissions(session, plan_id=duty.plan.id, period=duty.period.code, agency_id=agency.id)  # type: ignore[arg-type]
                data = parse_report(values, tasks=tasks, indicators=indicators, file=file, max_bytes=max_bytes)
                data = what_changed(data, sent_report(sent))
                submit_period_report(
                    session, plan=duty.plan.id, period=duty.period.code, agency=agency.id,  # type: ignore[arg-type]
                    narratives=data.narratives, indicator_values=data.indicator_values, file=data.file,
                    actor=f"{agency.name} (web)", source="web", summary=data.summary, on=today(request),
                    data_dir=settings.data_dir, max_bytes=max_bytes)

        await run_in_threadpool(store)
    except (FormError, SubmissionError) as exc:
        message = str(exc) if isinstance(exc, FormError) else submission_message(exc)
        staged = await run_in_threadpool(_keep, request, agency, assignment_id, file, kept)
        return await run_in_threadpool(lambda: _page(request, agency, assignment_id, error=message, values=values,
                                                     staged=staged, status_code=400))
    finally:
        await form.close()
    if kept is not None:
        discard(settings.data_dir, kept)
    request.app.state.cache.clear()
    return RedirectResponse(f"/a/{token}/reports/{assignment_id}?msg=report_submitted", status_code=303)


def _keep(request: Request, agency: Agency, assignment_id: int, file: tuple[str, bytes] | None,
          kept: StagedFile | None) -> str | None:
    """A reference to the form's file for the next try: the one kept already, or a new upload
    once it passes the file checks (a refused file is not kept: the message asks for another)."""
    settings = request.app.state.settings
    if file is not None and (kept is None or file[0] != kept.name or len(file[1]) != kept.size):
        try:
            name, data = check_file(*file, settings.evidence_max_mb * 1024 * 1024)
        except FormError:
            return None
        if kept is not None:
            discard(settings.data_dir, kept)
        kept = stage(settings.data_dir, name, data)
    if kept is None:
        return None
    return make_ref(settings.secret_key, kept, agency_id=agency.id, assignment_id=assignment_id)  # type: ignore[arg-type]
