"""Compiling progress reports: on demand, and on schedule the day after a reporting deadline.

    compile_report("552/KH-BCĐ", "2020-H1", out_dir="out/")     # DOCX, XLSX and HTML
    compile_due_reports()                                        # the 08:00 job (config/schedules.yaml)

A run reads the plan from the database (models.reports.data), rebuilds it as of the cut-off, renders
the files (tasks.reports.render.docx, report_xlsx, report_html), keeps them in the archive
(``DONDOC_DATA_DIR/reports/...``) and records a ReportRun; ``out_dir`` gets a copy.

The scheduled job compiles each plan whose reporting deadline has passed within the last
``LOOKBACK_DAYS`` (normally: yesterday; after downtime it catches up) and has no scheduled run
for that period yet, with figures as of the cut-off (the working day before the deadline), then
e-mails the DOCX and XLSX to the coordination office and the leadership through the report
outbox (models.reports.runs): once, however often the job runs.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from config.settings import get_settings
from flows.engine import flow, step
from models.core.db import get_engine, session_scope
from models.reports.data import ReportError, find_plan, plan_slug, report_data, summary_of
from tasks.reports.content import ReportData, office_signer
from tasks.reports.period import Period, parse_period
from tasks.reports.schedule import default_as_of, period_of_duty_ref

log = logging.getLogger("dondoc.report")

FORMATS = ("docx", "xlsx", "html")
MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
}
MAILED = ("docx", "xlsx")  # the scheduled e-mail carries these
LOOKBACK_DAYS = 31

__all__ = [
    "FORMATS",
    "ReportError",
    "ReportOutcome",
    "ScheduledOutcome",
    "compile_due_reports",
    "compile_report",
    "parse_formats",
    "send_report_deliveries",
]


@dataclass
class ReportOutcome:
    run_id: int
    plan_code: str
    period: str
    as_of: date
    files: dict[str, Path]  # format -> the archived file
    copies: dict[str, Path] = field(default_factory=dict)  # format -> the copy in out_dir
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    error: str | None = None  # the mail server could not be reached at all


@dataclass
class ScheduledOutcome:
    today: date
    compiled: list[ReportOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "552/KH-BCĐ 2020-H1": done or being done elsewhere
    errors: list[str] = field(default_factory=list)
    delivery: DeliveryStats = field(default_factory=DeliveryStats)


def parse_formats(formats: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in items if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise ReportError(f"unknown format '{bad[0] if bad else formats}': choose among {', '.join(FORMATS)}")
    return chosen


def _period(text: str | Period) -> Period:
    if isinstance(text, Period):
        return text
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def _as_of(period: Period, as_of: date | None, today: date) -> date:
    if as_of is None:
        if today < period.start:
            raise ReportError(f"the period {period.code} has not started yet (it starts on {period.start:%d/%m/%Y})")
        return default_as_of(period, today=today)
    if not period.start <= as_of <= period.end:
        raise ReportError(f"--as-of {as_of:%d/%m/%Y} is outside the period {period.code} "
                          f"({period.start:%d/%m/%Y} - {period.end:%d/%m/%Y})")
    if as_of > today:
        raise ReportError(f"--as-of {as_of:%d/%m/%Y} is in the future")
    return as_of


def file_name(slug: str, period: str, fmt: str) -> str:
    return f"bao-cao-{slug}-{period}.{fmt}"


@step()
def gather_report(
    plan_code: str, period: Period, as_of: date, report_date: date, province: str | None,
) -> tuple[ReportData, int, str]:
    """ReportData from the database, as of the end of ``as_of``: (data, plan id, plan slug)."""
    with session_scope(get_engine()) as session:
        plan = find_plan(session, code=plan_code, province=province)
        settings = get_settings()
        signer: dict[str, Any] = office_signer(settings.signer_title, settings.signer_name)  # as on the công văn
        data = report_data(session, plan=plan, period=period, as_of=as_of, report_date=report_date, **signer)
        return data, plan.id, plan_slug(plan)  # type: ignore[return-value]


PARALLEL_FACTS = 5_000  # from this many assignments the charts and the workbook are made in other processes


def _charts(data: ReportData) -> dict[str, bytes]:
    from tasks.reports.render.charts import by_agency_png, over_period_png

    charts = {"by_agency": by_agency_png(data.figures)}
    if data.figures.series:
        charts["over_period"] = over_period_png(data.figures)
    return charts


def _xlsx(data: ReportData) -> bytes:
    from tasks.reports.render.xlsx import render_xlsx

    return render_xlsx(data)


def _can_fork(data: ReportData) -> bool:
    """Forking is safe with this thread alone (not under Prefect's task runner nor a threaded
    caller) and worth it for a large plan on a machine with more than one CPU."""
    import os
    import threading

    return (len(data.facts) >= PARALLEL_FACTS and threading.active_count() == 1 and os.name == "posix"
            and (os.cpu_count() or 1) > 1)


def _in_child(work: Any, data: ReportData) -> Any:
    """Run ``work(data)`` in a forked process (it inherits ``data``: only the result is pickled,
    on the way back); returns a function that waits for the result."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send((True, work(data)))
        except BaseException as exc:  # reported by the parent
            send.send((False, f"{type(exc).__name__}: {exc}"))
        finally:
            send.close()

    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, "the process ended without a result"
        finally:
            receive.close()
            process.join()
        if not ok:
            raise RuntimeError(f"rendering the report failed in a child process: {value}")
        return value

    return result


class _Later(Mapping[str, bytes]):
    """The charts as a mapping that waits for the process drawing them on first use (the Word
    document needs them only after its agency table)."""

    def __init__(self, wait: Any) -> None:
        self._wait, self._value = wait, None

    def _charts(self) -> dict[str, bytes]:
        if self._value is None:
            self._value = self._wait()
        return self._value  # type: ignore[return-value]

    def __getitem__(self, key: str) -> bytes:
        return self._charts()[key]

    def __iter__(self) -> Any:
        return iter(self._charts())

    def __len__(self) -> int:
        return len(self._charts())


@step()
def render_report(data: ReportData, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The files' bytes; the charts are drawn once for the Word document and the web page.

    For a large plan the charts and the workbook are made in two forked processes while this
    one writes the Word document (all three are CPU-bound Python)."""
    wants_charts = "docx" in formats or "html" in formats
    parallel = _can_fork(data) and len(formats) > 1
    charts: Mapping[str, bytes] | None = None
    pending_xlsx = None
    if parallel:
        charts = _Later(_in_child(_charts, data)) if wants_charts else None
        pending_xlsx = _in_child(_xlsx, data) if "xlsx" in formats else None
    elif wants_charts:
        charts = _charts(data)
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "docx":
            from tasks.reports.render.docx import render_docx

            out[fmt] = render_docx(data, charts=charts)
        elif fmt == "xlsx":
            out[fmt] = pending_xlsx() if pending_xlsx is not None else _xlsx(data)
        elif fmt == "html":
            from tasks.reports.render.html import render_html

            out[fmt] = render_html(data, charts=charts).encode("utf-8")
    return out


def _write(folder: Path, slug: str, period: str, rendered: dict[str, bytes], data_dir: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    for fmt, content in rendered.items():
        name = file_name(slug, period, fmt)
        path = folder / name
        path.write_bytes(content)
        files[fmt] = {"path": path.relative_to(data_dir).as_posix(), "name": name,
                      "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    return files


def _copy_out(rendered: dict[str, bytes], files: dict[str, Any], out_dir: Path | None) -> dict[str, Path]:
    if out_dir is None:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for fmt, content in rendered.items():
        target = out_dir / files[fmt]["name"]
        target.write_bytes(content)
        copies[fmt] = target
    return copies


@step()
def store_report(
    data: ReportData, rendered: dict[str, bytes], *, plan_id: int, slug: str, out_dir: str | None, actor: str,
    run_id: int | None = None,
) -> ReportOutcome:
    """Archive the files and record the run (a claimed scheduled run is completed, and its
    e-mails queued, in the same transaction)."""
    from models.core.report_tables import TRIGGER_MANUAL, ReportRun
    from models.core.tables import Plan
    from models.reports.runs import finish_run, queue_deliveries, run_dir

    data_dir = get_settings().data_dir
    folder: Path | None = None
    try:
        with session_scope(get_engine()) as session:
            if run_id is None:
                run = ReportRun(plan_id=plan_id, period=data.period.code, as_of=data.as_of,
                                report_date=data.report_date, trigger=TRIGGER_MANUAL, actor=actor)
                session.add(run)
                session.flush()
            else:
                run = session.get(ReportRun, run_id)  # type: ignore[assignment]
            folder = run_dir(data_dir, slug=slug, period=data.period.code, run_id=run.id)  # type: ignore[arg-type]
            files = _write(folder, slug, data.period.code, rendered, data_dir)
            summary = summary_of(data)
            finish_run(session, run=run, files=files, summary=summary)
            if run_id is not None:
                queue_deliveries(session, run=run, plan=session.get(Plan, plan_id))  # type: ignore[arg-type]
            outcome = ReportOutcome(run_id=run.id, plan_code=data.plan_code, period=data.period.code, as_of=data.as_of,  # type: ignore[arg-type]
                                    files={fmt: data_dir / f["path"] for fmt, f in files.items()}, summary=summary)
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    outcome.copies = _copy_out(rendered, files, Path(out_dir) if out_dir else None)
    return outcome


@flow("compile-report")
def compile_report(
    plan_code: str,
    period: str,
    as_of: date | None = None,
    out_dir: str | None = None,
    formats: tuple[str, ...] | list[str] | str = FORMATS,
    province: str | None = None,
    report_date: date | None = None,
    actor: str = "cli",
) -> ReportOutcome:
    """Compile the plan's report on ``period`` (e.g. "2020-H1") now.

    ``as_of`` defaults to the period's end (or today while the period runs); ``report_date``
    (the date line) to today. Raises ReportError for an unknown plan, a bad period, date or format.
    """
    from tasks.common.dates import local_today

    chosen = parse_formats(formats)
    p = _period(period)
    today = local_today()
    day = _as_of(p, as_of, today)
    data, plan_id, slug = gather_report(plan_code, p, day, report_date or today, province)
    rendered = render_report(data, chosen)
    return store_report(data, rendered, plan_id=plan_id, slug=slug, out_dir=out_dir, actor=actor)


# --- the schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReport:
    plan_id: int
    plan_code: str
    province: str
    period: Period
    due: date


def due_reports(today: date) -> list[DueReport]:
    """Report duties whose deadline passed within LOOKBACK_DAYS and have no completed scheduled run."""
    import sqlalchemy as sa
    from sqlmodel import col, select

    from models.core.report_tables import REPORT_SOURCE, RUN_DONE, ReportRun
    from models.core.tables import TASK_ACTIVE, Plan, Task

    with session_scope(get_engine()) as session:
        rows = session.execute(
            # sa.select: sqlmodel's select() is typed for at most four columns
            sa.select(col(Plan.id), col(Plan.code), col(Plan.province), col(Task.ref), col(Task.due_date))
            .join(Plan, col(Plan.id) == Task.plan_id)
            .where(col(Task.source) == REPORT_SOURCE, col(Task.state) == TASK_ACTIVE,
                   col(Task.due_date).between(today - timedelta(days=LOOKBACK_DAYS), today - timedelta(days=1)))
            .order_by(col(Task.due_date), col(Plan.id))
        ).all()
        done = set(session.execute(
            select(ReportRun.plan_id, ReportRun.period).where(ReportRun.schedule_key.is_not(None),  # type: ignore[union-attr]
                                                              ReportRun.status == RUN_DONE)
        ).all())
    out = []
    for plan_id, code, province, ref, due in rows:
        code_period = period_of_duty_ref(ref)
        if code_period is None or (plan_id, code_period) in done:
            continue
        out.append(DueReport(plan_id, code, province, parse_period(code_period), due))
    return out


def _compile_scheduled(item: DueReport, today: date, now: datetime | None) -> ReportOutcome | None:
    from models.reports.runs import claim_scheduled_run, fail_run

    engine = get_engine()
    as_of = default_as_of(item.period, today=today, due=item.due, scheduled=True)
    run = claim_scheduled_run(engine, plan_id=item.plan_id, period=item.period.code, as_of=as_of, report_date=today,
                              actor="schedule", now=now)
    if run is None:
        return None
    try:
        data, plan_id, slug = gather_report(item.plan_code, item.period, as_of, today, item.province)
        rendered = render_report(data, FORMATS)
        return store_report(data, rendered, plan_id=plan_id, slug=slug, out_dir=None, actor="schedule", run_id=run.id)
    except Exception as exc:
        fail_run(engine, run_id=run.id, error=f"{type(exc).__name__}: {exc}")  # type: ignore[arg-type]
        raise


@step(retries=0)
def send_report_deliveries(now: datetime | None = None) -> DeliveryStats:
    """Claim pending report e-mails, send each with the DOCX and XLSX attached, record the result
    (flows/outbox/send.py: the notices' way, one e-mail per delivery). With nothing pending the
    mail server is not contacted."""
    from dataclasses import replace
    from functools import partial

    from sqlmodel import Session

    from flows.escalation.sweep import make_transport
    from flows.outbox.send import Outgoing, send_outbox
    from models.core.report_tables import ReportDelivery
    from models.core.types import utcnow
    from models.reports.runs import DELIVERY_CLAIM_LIMIT, delivery_runs, run_file
    from notifications.messages.render import make_message, stable_message_id

    settings = get_settings()
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "dondoc.example"

    def emails(session: Session, claimed: list[ReportDelivery]) -> list[Outgoing[ReportDelivery]]:
        runs = delivery_runs(session, run_ids=sorted({d.report_run_id for d in claimed}))
        out: list[Outgoing[ReportDelivery]] = []
        for d in claimed:
            run, plan = runs[d.report_run_id]
            try:
                attachments = []
                for fmt in MAILED:
                    path = run_file(settings.data_dir, run, fmt)
                    if path is not None:
                        attachments.append((run.files[fmt]["name"], MIME_TYPES[fmt], path.read_bytes()))
            except (OSError, ValueError) as exc:
                out.append(Outgoing(rows=[d], error=f"cannot read the report files: {exc}"))
                continue
            ctx = {"recipient_name": d.recipient_name, "plan_code": plan.code,
                   "period_label": parse_period(run.period).label_vi, "files": [a[0] for a in attachments]}
            message = make_message("report_ready", [d.recipient], ctx,
                                   message_id=stable_message_id([f"report-run:{run.id}:{d.recipient}"], domain))
            out.append(Outgoing(rows=[d], render=partial(replace, message, attachments=attachments)))
        return out

    sent = send_outbox(table=ReportDelivery, engine=get_engine(), transport=make_transport(settings),
                       now=now or utcnow(), limit=DELIVERY_CLAIM_LIMIT, compose=emails)
    return DeliveryStats(sent=sent.messages_sent, failed=sent.messages_failed, error=sent.error)


@flow("compile-reports")
def compile_due_reports(today: date | None = None, now: datetime | None = None) -> ScheduledOutcome:
    """The scheduled job: compile every report due (see the module docstring), then mail them.

    ``today`` is the job's day in the province (tests and the demo move it), ``now`` the clock
    for claims and retries."""
    from tasks.common.dates import local_today

    day = today or local_today()
    outcome = ScheduledOutcome(today=day)
    for item in due_reports(day):
        label = f"{item.plan_code} {item.period.code}"
        try:
            done = _compile_scheduled(item, day, now)
        except Exception as exc:  # one plan's failure must not stop the others; the run records it
            log.exception("report %s failed", label)
            outcome.errors.append(f"{label}: {type(exc).__name__}: {exc}")
            continue
        if done is None:
            outcome.skipped.append(label)
        else:
            outcome.compiled.append(done)
    outcome.delivery = send_report_deliveries(now)
    return outcome
