"""An agency submits its period report: narratives per task, indicator values, a file.

    submit_period_report(session, plan=plan, period="2020-H1", agency=agency,
                         narratives={"I.3": "Đã trình UBND tỉnh ..."}, indicator_values={key: 110},
                         file=("bao-cao.pdf", data), actor="Sở Tài chính (web)", source="web")

Everything is written in the caller's transaction and audited: each narrative becomes a
ProgressUpdate note on the agency's assignment (its status untouched), each value an
IndicatorValue, the file goes to ``DONDOC_DATA_DIR/reports-in/`` under a random name, and the
agency's report duty for the period ("BC.2020-H1") is marked done, which stops its reminders.
Submitting again adds to the record (the latest value of an indicator counts) and keeps the
first completion date of the duty.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.report_tables import REPORT_SOURCE, IndicatorValue, ReportSubmission
from models.core.tables import CANCELLED, DONE, LEAD, TASK_ACTIVE, Agency, Assignment, Plan, ProgressUpdate, Task
from models.indicators.store import indicator_keys, latest_values
from models.progress.updates import record_progress
from tasks.reports.period import parse_period
from tasks.reports.schedule import duty_ref

__all__ = [
    "AgencyReportStatus",
    "SubmissionError",
    "period_report_status",
    "submission_path",
    "submissions",
    "submit_period_report",
]

INBOX = "reports-in"


class SubmissionError(ValueError):
    """The submission names something that does not exist or is not this agency's (one line)."""


def _plan(session: Session, plan: Plan | int) -> Plan:
    row = session.get(Plan, plan) if isinstance(plan, int) else plan
    if row is None:
        raise SubmissionError(f"no plan with id {plan}")
    return row


def _agency(session: Session, agency: Agency | int) -> Agency:
    row = session.get(Agency, agency) if isinstance(agency, int) else agency
    if row is None:
        raise SubmissionError(f"no agency with id {agency}")
    return row


def duty_assignment(session: Session, *, plan_id: int, period_code: str, agency_id: int) -> tuple[Task, Assignment]:
    task = session.exec(
        select(Task).where(Task.plan_id == plan_id, Task.source == REPORT_SOURCE, Task.ref == duty_ref(period_code))
    ).first()
    if task is None or task.state != TASK_ACTIVE:
        raise SubmissionError(f"the plan has no period report due for {period_code}")
    assignment = session.exec(
        select(Assignment).where(Assignment.task_id == task.id, Assignment.agency_id == agency_id,
                                 Assignment.role == LEAD, Assignment.status != CANCELLED)
    ).first()
    if assignment is None:
        raise SubmissionError(f"the agency has no report to submit for {period_code} in this plan")
    return task, assignment


def _narrative_assignments(
    session: Session, *, plan_id: int, agency_id: int, refs: list[str]
) -> dict[str, Assignment]:
    """Task ref -> the agency's assignment on it (lead first), in two queries."""
    if not refs:
        return {}
    tasks = dict(session.execute(
        select(col(Task.ref), col(Task.id)).where(col(Task.plan_id) == plan_id, col(Task.ref).in_(refs),
                                                  col(Task.state) == TASK_ACTIVE, col(Task.source) != REPORT_SOURCE)
    ).tuples().all())
    unknown = [r for r in refs if r not in tasks]
    if unknown:
        raise SubmissionError(f"no active task {', '.join(unknown)} in this plan")
    mine: dict[int, Assignment] = {}
    for a in session.exec(
        select(Assignment).where(Assignment.task_id.in_(list(tasks.values())), Assignment.agency_id == agency_id,  # type: ignore[attr-defined]
                                 Assignment.status != CANCELLED)
    ):
        if a.task_id not in mine or a.role == LEAD:
            mine[a.task_id] = a
    missing = [r for r in refs if tasks[r] not in mine]
    if missing:
        raise SubmissionError(f"the agency has no assignment on task {', '.join(missing)}")
    return {r: mine[tasks[r]] for r in refs}


def _check_file(name: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """(clean file name, content type); the policy of the web app's evidence uploads."""
    from models.progress.evidence import ALLOWED, ALLOWED_LABEL, clean_filename

    clean = clean_filename(name)
    ext = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    if ext not in ALLOWED:
        raise SubmissionError(f"file type '.{ext or '?'}' is not accepted (only {ALLOWED_LABEL})")
    content_type, magics = ALLOWED[ext]
    if not data:
        raise SubmissionError("the file is empty")
    if len(data) > max_bytes:
        raise SubmissionError(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    if not any(data.startswith(m) for m in magics):
        raise SubmissionError(f"the file's content is not a .{ext} file")
    return clean, content_type


def _values(values: Mapping[str, float | int | str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in values.items():
        try:
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except ValueError:
            raise SubmissionError(f"indicator {key}: '{value}' is not a number") from None
        if not math.isfinite(number):
            raise SubmissionError(f"indicator {key}: '{value}' is not a number")
        out[key] = number
    return out


def submit_period_report(
    session: Session,
    *,
    plan: Plan | int,
    period: str,
    agency: Agency | int,
    narratives: Mapping[str, str] | None = None,
    indicator_values: Mapping[str, float | int | str] | None = None,
    file: tuple[str, bytes] | None = None,
    actor: str,
    source: str,
    summary: str | None = None,
    on: date | None = None,
    data_dir: Path | None = None,
    max_bytes: int | None = None,
) -> ReportSubmission:
    """Record an agency's report on ``period`` (rules in the module docstring).

    ``narratives`` maps task refs to text, ``indicator_values`` indicator keys to numbers
    (``models.indicators.store.indicator_keys`` lists them), ``file`` is (name, bytes) of PDF, DOCX,
    XLSX, JPG or PNG. ``on`` is the day of submission (default today in the province).
    Raises SubmissionError (nothing written) for an unknown period, task, indicator or file type.
    """
    from config.settings import get_settings
    from tasks.common.dates import local_today

    settings = get_settings()
    try:
        p = parse_period(period)
    except ValueError as exc:
        raise SubmissionError(str(exc)) from None
    plan_row, agency_row = _plan(session, plan), _agency(session, agency)
    day = on or local_today()
    task, duty = duty_assignment(session, plan_id=plan_row.id, period_code=p.code, agency_id=agency_row.id)  # type: ignore[arg-type]
    texts = {ref.strip(): " ".join(str(text).split()) for ref, text in (narratives or {}).items() if str(text).strip()}
    targets = _narrative_assignments(session, plan_id=plan_row.id, agency_id=agency_row.id, refs=list(texts))  # type: ignore[arg-type]
    values = _values(indicator_values or {})
    keys = indicator_keys(session, plan_id=plan_row.id) if values else {}  # type: ignore[arg-type]
    unknown = sorted(k for k in values if k not in keys)
    if unknown:
        raise SubmissionError(f"unknown indicator {', '.join(unknown)} (see the plan's indicators)")
    summary = " ".join(summary.split()) if summary and summary.strip() else None
    stored: Path | None = None
    row = ReportSubmission(plan_id=plan_row.id, period=p.code, agency_id=agency_row.id, assignment_id=duty.id,  # type: ignore[arg-type]
                           submitted_on=day, actor=actor, source=source, summary=summary, narratives=texts,
                           indicator_values=values)
    if file is not None:
        name, data = file
        clean, content_type = _check_file(name, data, max_bytes or settings.evidence_max_mb * 1024 * 1024)
        folder = (data_dir or settings.data_dir) / INBOX
        folder.mkdir(parents=True, exist_ok=True)
        row.stored_name = secrets.token_hex(16)
        stored = folder / row.stored_name
        with stored.open("xb") as out:
            out.write(data)
        row.filename, row.content_type, row.size = clean, content_type, len(data)
        row.sha256 = hashlib.sha256(data).hexdigest()
    try:
        session.add(row)
        session.flush()
        for ref, text in texts.items():
            a = targets[ref]
            session.add(ProgressUpdate(assignment_id=a.id, status=a.status, percent=a.percent, note=text,  # type: ignore[arg-type]
                                       reported_on=day, actor=actor, source=source))
            record(session, actor=actor, source=source, entity="assignment", entity_id=a.id, action="narrative",
                   changes={"note": [None, text], "period": [None, p.code], "submission_id": [None, row.id]},
                   effective_on=day)
        before = latest_values(session, indicator_ids=[keys[k] for k in values])
        for key, value in values.items():
            indicator_id = keys[key]
            session.add(IndicatorValue(indicator_id=indicator_id, agency_id=agency_row.id, period=p.code, value=value,
                                       reported_on=day, source=source, actor=actor, submission_id=row.id))
            record(session, actor=actor, source=source, entity="indicator", entity_id=indicator_id, action="value",
                   changes={"value": [before.get(indicator_id), value], "period": [None, p.code],
                            "agency_id": [None, agency_row.id]}, effective_on=day)
        if duty.status != DONE:
            record_progress(session, assignment=duty, status=DONE, percent=100,
                            note=summary or f"Đã gửi báo cáo {p.label_vi}", on=day, actor=actor, source=source)
        record(session, actor=actor, source=source, entity="report_submission", entity_id=row.id, action="submitted",
               changes={"plan_id": [None, plan_row.id], "period": [None, p.code], "agency_id": [None, agency_row.id],
                        "task_id": [None, task.id], "narratives": [None, len(texts)],
                        "indicator_values": [None, len(values)], "filename": [None, row.filename],
                        "sha256": [None, row.sha256]},
               effective_on=day)
        session.flush()
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return row


def submission_path(data_dir: Path, row: ReportSubmission) -> Path | None:
    """Where a submission's file is stored (None without a file)."""
    if not row.stored_name:
        return None
    if not re.fullmatch(r"[0-9a-f]{32}", row.stored_name):
        raise SubmissionError("invalid stored file name")
    return data_dir / INBOX / row.stored_name


def submissions(session: Session, *, plan_id: int, period: str | None = None,
                agency_id: int | None = None) -> list[ReportSubmission]:
    """The period reports received, newest first."""
    q = select(ReportSubmission).where(ReportSubmission.plan_id == plan_id)
    if period is not None:
        q = q.where(ReportSubmission.period == parse_period(period).code)
    if agency_id is not None:
        q = q.where(ReportSubmission.agency_id == agency_id)
    return list(session.exec(q.order_by(ReportSubmission.submitted_at.desc(), ReportSubmission.id.desc())))  # type: ignore[attr-defined,union-attr]


@dataclass(frozen=True)
class AgencyReportStatus:
    agency_id: int
    agency_name: str
    assignment_id: int
    due_date: date | None
    submitted: bool
    completed_on: date | None


def period_report_status(session: Session, *, plan_id: int, period: str) -> list[AgencyReportStatus]:
    """Each agency owing a report on ``period``: whether it has submitted (one query)."""
    code = parse_period(period).code
    q = (
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            Agency.id, Agency.name, Assignment.id, Assignment.due_date, Assignment.status, Assignment.completed_on)
        .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id, col(Task.source) == REPORT_SOURCE, col(Task.ref) == duty_ref(code),
               col(Task.state) == TASK_ACTIVE, col(Assignment.role) == LEAD, col(Assignment.status) != CANCELLED)
        .order_by(col(Agency.name))
    )
    return [AgencyReportStatus(aid, name, asg, due, status == DONE, done_on)
            for aid, name, asg, due, status, done_on in session.execute(q)]
