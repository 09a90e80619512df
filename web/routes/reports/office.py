"""The office's report pages: compiled report runs and their files, who has sent the period
report and who has not, the reports received; office staff may compile a report now."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session, select

from models.core.report_tables import RUN_DONE, ReportRun, ReportSubmission
from models.core.tables import Agency
from models.core.web_tables import ACTING_ROLES, StaffUser
from models.overview.plan_progress import plan_list
from models.reports.runs import RunView, report_runs, run_file
from models.reports.submissions import period_report_status, submission_path, submissions
from tasks.common.text import vi_sort_key
from tasks.reports.period import parse_period
from web.deps import (
    PageError,
    actor_of_user,
    csrf_checked,
    db,
    office_actor,
    office_user,
    plan_or_404,
    today,
    user_provinces,
)
from web.forms import FormError, parse_date
from web.messages import flash
from web.routes.reports.views import TRIGGER_LABELS, PlanPeriod, default_period, plan_periods
from web.templating import render

router = APIRouter(include_in_schema=False)
MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
# the HTML report opens in the browser: its own inline style and data: charts, never a script
HTML_REPORT_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                   "base-uri 'none'; form-action 'none'; sandbox")


def _chosen(periods: list[PlanPeriod], raw: str | None, day: date) -> PlanPeriod | None:
    if not raw:
        return default_period(periods, day)
    found = next((p for p in periods if p.period.code == raw), None)
    if found is None:
        raise PageError(404, f"Kế hoạch không có kỳ báo cáo “{raw[:20]}”.")
    return found


@router.get("/reports")
def reports_index(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        runs = report_runs(session, provinces=user_provinces(request))
        plans = plan_list(session, provinces=user_provinces(request))
    latest: dict[int, RunView] = {}
    for run in runs:
        latest.setdefault(run.plan_id, run)
    return render(request, "reports.html", {"plans": plans, "latest": latest})


@router.get("/plans/{plan_id}/reports")
def plan_reports(request: Request, plan_id: int, period: str | None = None,
                 user: StaffUser = Depends(office_user)) -> Response:
    return _reports_page(request, plan_id, period, user)


def _reports_page(request: Request, plan_id: int, period: str | None, user: StaffUser, *, error: str | None = None,
                  status_code: int = 200, cutoff: str | None = None) -> Response:
    day = today(request)
    with db(request) as session:
        plan = plan_or_404(session, plan_id)
        periods = plan_periods(session, plan_id=plan_id)
        chosen = _chosen(periods, period, day)
        runs = report_runs(session, plan_id=plan_id)
        status = period_report_status(session, plan_id=plan_id, period=chosen.period.code) if chosen else []
        status.sort(key=lambda row: vi_sort_key(row.agency_name))  # Đ after D, "Ủy ban" among the U's
        received = submissions(session, plan_id=plan_id, period=chosen.period.code) if chosen else []
        names = _names(session, {r.agency_id for r in received})
    return render(request, "plan_reports.html", {
        "plan": plan, "periods": periods, "chosen": chosen, "runs": runs, "status": status, "received": received,
        "names": names, "labels": _labels(periods, runs), "triggers": TRIGGER_LABELS,
        "can_act": user.role in ACTING_ROLES, "error": error, "flash": flash(request),
        "cutoff": cutoff if cutoff is not None else day.strftime("%d/%m/%Y"),  # as typed after an error
    }, status_code=status_code)


def _labels(periods: list[PlanPeriod], runs: list[RunView]) -> dict[str, str]:
    """Period code -> "6 tháng đầu năm 2020"."""
    labels = {p.period.code: p.period.label_vi for p in periods}
    for run in runs:
        if run.period not in labels:
            try:
                labels[run.period] = parse_period(run.period).label_vi
            except ValueError:
                labels[run.period] = run.period
    return labels


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    q = select(Agency.id, Agency.name).where(Agency.id.in_(ids))  # type: ignore[union-attr]
    return dict(session.execute(q).all())  # type: ignore[arg-type]


@router.get("/reports/runs/{run_id}/{fmt}")
def run_download(request: Request, run_id: int, fmt: str, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        run = session.get(ReportRun, run_id)
    if run is None or run.status != RUN_DONE or fmt not in MIME_TYPES:
        raise PageError(404, "Không tìm thấy báo cáo hoặc định dạng tệp.")
    try:
        path = run_file(request.app.state.settings.data_dir, run, fmt)
    except ValueError:
        path = None
    if path is None or not path.is_file():
        raise PageError(404, "Tệp báo cáo không còn trên máy chủ.")
    name = run.files[fmt].get("name") or path.name
    kind = "inline" if fmt == "html" else "attachment"
    headers = {"Content-Disposition": f"{kind}; filename*=UTF-8''{quote(name)}"}
    if fmt == "html":
        headers["Content-Security-Policy"] = HTML_REPORT_CSP
    return FileResponse(path, media_type=MIME_TYPES[fmt], headers=headers)


def submission_file(request: Request, row: ReportSubmission | None) -> Response:
    """The file an agency sent with its period report, as an attachment (404 when none)."""
    path = submission_path(request.app.state.settings.data_dir, row) if row is not None else None
    if row is None or path is None or not path.is_file():
        raise PageError(404, "Không tìm thấy tệp báo cáo.")
    disposition = f"attachment; filename*=UTF-8''{quote(row.filename or path.name)}"
    return FileResponse(path, media_type=row.content_type or "application/octet-stream",
                        headers={"Content-Disposition": disposition})


@router.get("/reports/submissions/{submission_id}/file")
def submission_download(request: Request, submission_id: int, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        row = session.get(ReportSubmission, submission_id)
    return submission_file(request, row)


@router.post("/plans/{plan_id}/reports/compile", dependencies=[Depends(csrf_checked)])
def compile_now(request: Request, plan_id: int, period: str = Form(""), as_of: str = Form(""),
                user: StaffUser = Depends(office_actor)) -> Response:
    """Lập báo cáo ngay: figures as of the cut-off day the office gives (today when left blank; a
    day after the period's end counts to its end). A day that is not a date, in the future or
    before the period: the form again with the message and what was typed, nothing compiled."""
    from flows.reports.flow import ReportError, compile_report

    day = today(request)
    with db(request) as session:
        plan = plan_or_404(session, plan_id)
        chosen = _chosen(plan_periods(session, plan_id=plan_id), period, day)
    if chosen is None:
        raise PageError(404, "Kế hoạch chưa có kỳ báo cáo nào.")
    p = chosen.period
    typed = " ".join(as_of.split())[:40]

    def refused(message: str) -> Response:
        return _reports_page(request, plan_id, p.code, user, status_code=400, error=message, cutoff=typed)

    try:
        cutoff = parse_date(typed, "Ngày chốt số liệu") or day
    except FormError as exc:
        return refused(str(exc))
    if cutoff > day:
        return refused(f"Ngày chốt số liệu {cutoff:%d/%m/%Y} là ngày trong tương lai (hôm nay {day:%d/%m/%Y}); "
                       "chọn hôm nay hoặc một ngày đã qua.")
    if cutoff < p.start:
        return refused(f"Kỳ {p.label_vi} chưa bắt đầu (từ ngày {p.start:%d/%m/%Y}): chưa lập được báo cáo "
                       f"số liệu đến ngày {cutoff:%d/%m/%Y}.")
    try:
        compile_report(plan.code, p.code, as_of=min(cutoff, p.end), province=plan.province, report_date=day,
                       actor=actor_of_user(user))
    except ReportError as exc:
        return refused(f"Không lập được báo cáo: {exc}")
    return RedirectResponse(f"/plans/{plan_id}/reports?period={quote(p.code)}&msg=report_compiled", status_code=303)
