"""`dondoc demo`: the Bắc Giang plan through the first half of 2020, against a real SMTP server.

A fresh SQLite database under var/demo/, the plan imported from config/sample_plans/, agencies
completing tasks along the way (some on time, some late, some never), and the daily sweep run
for every day from 01/01/2020 to 30/06/2020. Every message the local SMTP server receives is
saved as .eml under var/demo/mail/. Most agencies send their half-year report before the
15/06 deadline; on 16/06 the scheduled job compiles the report and mails it; at the end the
2020-H1 report as of 30/06/2020 is written to var/demo/reports/.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.settings import REPO_ROOT, SAMPLE_PLANS, reset_settings

if TYPE_CHECKING:
    from rich.console import Console

PLAN = SAMPLE_PLANS / "bac-giang-552-kh-bcd-2020.txt"
START, END = date(2020, 1, 1), date(2020, 6, 30)


class _MailDir:
    """aiosmtpd handler: every message received is written to a numbered .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd ships no types
        with self.lock:
            self.count += 1
            path = self.folder / f"{self.count:05d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _completion_plan(tasks: list[tuple[int | None, date | None]]) -> dict[date, list[tuple[int, int]]]:
    """When each lead assignment gets done: about half on time, a quarter late, the rest never.

    Deterministic (hash of the assignment id) so every demo run tells the same story.
    """
    out: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for assignment_id, due in tasks:
        if assignment_id is None or due is None:  # (a stored row always has an id)
            continue
        h = int(hashlib.sha256(str(assignment_id).encode()).hexdigest(), 16) % 100
        if h < 50:
            out[due - timedelta(days=h % 10)].append((assignment_id, 100))
        elif h < 75:
            out[due + timedelta(days=3 + h % 20)].append((assignment_id, 100))
    return out


def run_demo(root: Path | None = None) -> None:
    from aiosmtpd.controller import Controller
    from rich.console import Console
    from rich.progress import Progress
    from sqlmodel import col, select

    console = Console()
    if not PLAN.exists():
        raise SystemExit(f"dondoc demo: the sample plan is missing: {PLAN}")
    root = root or REPO_ROOT / "var" / "demo"
    shutil.rmtree(root, ignore_errors=True)
    mail = root / "mail"
    mail.mkdir(parents=True)
    handler = _MailDir(mail)
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    # The demo is its own installation: point the one settings object at it.
    os.environ.update({
        "DONDOC_DATA_DIR": str(root), "DONDOC_DATABASE_URL": f"sqlite:///{root / 'dondoc.sqlite3'}",
        "DONDOC_SMTP_HOST": "127.0.0.1", "DONDOC_SMTP_PORT": str(port), "DONDOC_MAIL_FROM": "dondoc@bacgiang.example",
    })
    os.environ.pop("PREFECT_API_URL", None)
    reset_settings()
    try:
        from flows.escalation.sweep import daily_sweep
        from flows.importing.flow import import_plan
        from flows.reports.flow import compile_due_reports, compile_report
        from models.core.db import get_engine, session_scope, upgrade
        from models.core.tables import LEAD, Assignment, Notice, Task
        from models.progress.updates import record_progress

        upgrade(get_engine())
        outcome = import_plan(str(PLAN), province="bac-giang", actor="demo")
        console.print(f"Imported {outcome.parsed.code}: {len(outcome.parsed.tasks)} tasks")
        with session_scope() as session:
            leads = session.exec(select(col(Assignment.id), col(Assignment.due_date))
                                 .join(Task, col(Task.id) == col(Assignment.task_id))
                                 .where(Assignment.role == LEAD, Task.source != "report")).all()
        completions = _completion_plan(list(leads))
        days = (END - START).days + 1
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("Daily sweeps 01/01/2020 – 30/06/2020", total=days)
            for i in range(days):
                day = START + timedelta(days=i)
                if completions.get(day):
                    with session_scope() as session:
                        for assignment_id, pct in completions[day]:
                            a = session.get(Assignment, assignment_id)
                            record_progress(session, assignment=a, status="done", percent=pct,  # type: ignore[arg-type]
                                            note="Đã hoàn thành (dữ liệu minh họa)", on=day, actor="demo",
                                            source="demo")
                if day == REPORTS_ON:
                    _period_reports(day)
                result = daily_sweep(day)
                if result.send.error:
                    raise SystemExit(f"dondoc demo: {result.send.error}")
                compile_due_reports(today=day)  # the 08:00 job: on 16/06 it compiles and mails 2020-H1
                progress.advance(bar)
        with session_scope() as session:
            sent = session.exec(select(col(Notice.as_of), col(Notice.kind), col(Notice.level), col(Notice.message_id))
                                .where(Notice.status == "sent")).all()
        report = compile_report(outcome.parsed.code, "2020-H1", as_of=END, out_dir=str(root / "reports"),
                                report_date=END + timedelta(days=1), actor="demo")
    finally:
        controller.stop()
    _summary(console, sent, handler.count, mail)
    console.print(f"Report 2020-H1 as of {END:%d/%m/%Y}: " + ", ".join(str(p) for p in report.copies.values()))


REPORTS_ON = date(2020, 6, 10)


def _period_reports(day: date) -> None:
    """Two agencies in three send their half-year report (a summary, a note on one of their
    tasks, a value for a plan-level indicator); deterministic, like the completions."""
    from sqlmodel import col, select

    from models.core.db import session_scope
    from models.core.report_tables import Indicator
    from models.core.tables import LEAD, Assignment, Plan, Task
    from models.reports.submissions import period_report_status, submit_period_report

    with session_scope() as session:
        plan = session.exec(select(Plan)).one()
        keys = [k for k, in session.execute(select(Indicator.key).where(Indicator.plan_id == plan.id,
                                                                        Indicator.district.is_(None)))]  # type: ignore[union-attr]
        for i, status in enumerate(period_report_status(session, plan_id=plan.id, period="2020-H1")):  # type: ignore[arg-type]
            if int(hashlib.sha256(str(status.agency_id).encode()).hexdigest(), 16) % 3 == 0:
                continue
            ref = session.exec(select(Task.ref).join(Assignment, col(Assignment.task_id) == col(Task.id))
                               .where(Assignment.agency_id == status.agency_id, Assignment.role == LEAD,
                                      Task.plan_id == plan.id, Task.source == "table")
                               .order_by(col(Task.position))).first()
            values = {keys[i % len(keys)]: 50.0 + i} if keys and i < 4 else {}
            submit_period_report(
                session, plan=plan, period="2020-H1", agency=status.agency_id,
                summary="Đơn vị đã triển khai các nhiệm vụ được giao theo kế hoạch (dữ liệu minh họa).",
                narratives={ref: "Đã tổ chức triển khai, đang hoàn thiện hồ sơ (dữ liệu minh họa)."} if ref else {},
                indicator_values=values, actor="demo", source="demo", on=day)


def _summary(console: Console, sent: Sequence[tuple[date, str, int, str | None]], received: int, mail: Path) -> None:
    from rich.table import Table

    weeks: dict[date, Counter[str]] = defaultdict(Counter)
    columns: set[str] = set()
    messages: dict[date, set[str | None]] = defaultdict(set)
    for as_of, kind, level, message_id in sent:
        week = as_of - timedelta(days=as_of.weekday())
        if kind == "reminder":
            label = "nhắc việc"
        elif kind == "coordination_reminder":
            label = "nhắc phối hợp"
        else:
            label = f"đôn đốc cấp {level}"
        weeks[week][label] += 1
        columns.add(label)
        messages[week].add(message_id)
    cols = sorted(columns)
    table = Table(title="Notices sent per week (messages = digests)")
    table.add_column("Tuần từ", no_wrap=True, min_width=10)
    table.add_column("Thư", justify="right")
    for c in cols:
        table.add_column(c, justify="right")
    for week in sorted(weeks):
        table.add_row(week.strftime("%d/%m/%Y"), str(len(messages[week])), *[str(weeks[week][c]) for c in cols])
    console.print(table)
    console.print(f"{received} messages received by the local SMTP server, saved under {mail}")
