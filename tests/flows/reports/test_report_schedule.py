"""The scheduled compilation: the day after the deadline, mailed once with the DOCX and XLSX,
through a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import CONFIG_DIR
from flows.reports.flow import compile_due_reports
from flows.scheduler import cron_trigger, load_schedules
from models.core.report_tables import ReportDelivery, ReportRun
from models.core.types import utcnow
from tests.flows.reports.report_helpers import docx_text, h1_scenario, mail_to

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECIPIENTS = {"vpdp@bacgiang.example", "lanhdao@bacgiang.example"}  # the coordination office, the leadership


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:  # type: ignore[no-untyped-def]
    mail_to(monkeypatch, smtp_sink)
    h1_scenario(engine)
    smtp_sink.clear()  # the sweeps' digests: not what these tests look at
    return engine


def _report_mail(smtp_sink) -> list:  # type: ignore[no-untyped-def]
    return [m for m in smtp_sink.messages() if m["X-Dondoc-Kind"] == "report_ready"]


def test_the_report_job_runs_at_eight_in_vietnam() -> None:
    schedules = load_schedules(CONFIG_DIR / "schedules.yaml")
    job = next(j for j in schedules.jobs if j.name == "compile-reports")
    fire = cron_trigger(job, schedules.timezone).get_next_fire_time(None, datetime(2020, 6, 15, 9, 0, tzinfo=VN))
    assert fire == datetime(2020, 6, 16, 8, 0, tzinfo=VN)


def test_the_day_after_the_deadline_the_docx_and_xlsx_are_mailed_once_even_when_the_job_runs_twice(  # type: ignore[no-untyped-def]
    plan: sa.Engine, smtp_sink
) -> None:
    first = compile_due_reports(today=date(2020, 6, 16))
    assert [(o.plan_code, o.period, o.as_of) for o in first.compiled] == [("552/KH-BCĐ", "2020-H1", date(2020, 6, 12))]
    assert first.delivery.sent == 2 and not first.errors
    again = compile_due_reports(today=date(2020, 6, 16))
    assert again.compiled == [] and again.delivery.sent == 0
    mails = _report_mail(smtp_sink)
    assert sorted(str(m["To"]) for m in mails) == sorted(RECIPIENTS)
    for m in mails:
        assert m["Subject"] == "Báo cáo 6 tháng đầu năm 2020 – Kế hoạch số 552/KH-BCĐ đã sẵn sàng"
        files = {a.get_filename(): a for a in m.iter_attachments()}
        assert {a.get_content_type() for a in files.values()} == {DOCX, XLSX}
        docx_bytes = files["bao-cao-bac-giang-552-kh-bcd-2020-H1.docx"].get_content()
        text = docx_text(docx_bytes)
        # data closed the working day before the 15/06 deadline (a Monday): Friday 12/06/2020
        assert "tính đến ngày 12/06/2020" in text and "Bắc Giang, ngày 16 tháng 6 năm 2020" in text
        import io

        openpyxl.load_workbook(io.BytesIO(files["bao-cao-bac-giang-552-kh-bcd-2020-H1.xlsx"].get_content()))
        assert "bao-cao-bac-giang-552-kh-bcd-2020-H1.docx" in m.get_body(("plain",)).get_content()
    with Session(plan) as s:
        runs = s.exec(select(ReportRun)).all()
        deliveries = s.exec(select(ReportDelivery.status)).all()
    assert [(r.trigger, r.status) for r in runs] == [("scheduled", "done")]
    assert deliveries == ["sent", "sent"]


def test_two_jobs_at_once_compile_and_mail_once(plan: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    results: list = []
    errors: list = []

    def job() -> None:
        try:
            results.append(compile_due_reports(today=date(2020, 6, 16)))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sum(len(r.compiled) for r in results) == 1
    assert len(_report_mail(smtp_sink)) == 2
    with Session(plan) as s:
        assert len(s.exec(select(ReportRun)).all()) == 1


def test_nothing_is_compiled_before_the_deadline_has_passed(plan: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    assert compile_due_reports(today=date(2020, 6, 15)).compiled == []
    assert _report_mail(smtp_sink) == []


def test_a_job_that_missed_the_day_catches_up(plan: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    outcome = compile_due_reports(today=date(2020, 6, 20))  # the machine was off from 15 to 19 June
    assert [o.as_of for o in outcome.compiled] == [date(2020, 6, 12)]
    assert len(_report_mail(smtp_sink)) == 2


def test_a_mail_server_that_refuses_is_retried_with_backoff(plan: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    smtp_sink.reject_rcpt("451 4.3.0 Try again later")
    first = compile_due_reports(today=date(2020, 6, 16))
    assert len(first.compiled) == 1 and first.delivery.failed == 2
    with Session(plan) as s:
        rows = s.exec(select(ReportDelivery)).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    smtp_sink.accept_all()
    assert compile_due_reports(today=date(2020, 6, 16)).delivery.sent == 0  # not before its backoff
    later = compile_due_reports(today=date(2020, 6, 17), now=utcnow() + timedelta(minutes=5))
    assert later.compiled == [] and later.delivery.sent == 2
    assert len(_report_mail(smtp_sink)) == 2


def test_an_unreachable_mail_server_leaves_the_report_mail_pending(  # type: ignore[no-untyped-def]
    plan: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import reset_settings
    from tests.smtp_server import free_port

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    outcome = compile_due_reports(today=date(2020, 6, 16))
    assert len(outcome.compiled) == 1 and outcome.delivery.error and "cannot reach" in outcome.delivery.error
    with Session(plan) as s:
        rows = s.exec(select(ReportDelivery)).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}


def test_the_report_job_runs_through_a_real_prefect_api(plan: sa.Engine, smtp_sink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.testing.utilities import prefect_test_harness

    from config.settings import get_settings, reset_settings

    with prefect_test_harness(server_startup_timeout=90):
        from prefect.settings import PREFECT_API_URL

        monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        reset_settings()
        assert get_settings().prefect_api_url
        outcome = compile_due_reports(today=date(2020, 6, 16))

        async def runs() -> list:  # type: ignore[type-arg]
            async with get_client() as client:
                return await client.read_flow_runs()

        flow_runs = asyncio.run(runs())
    assert len(outcome.compiled) == 1 and outcome.delivery.sent == 2
    assert any(r.state_type and r.state_type.value == "COMPLETED" for r in flow_runs)
    assert len(_report_mail(smtp_sink)) == 2


def test_a_report_mail_claimed_by_a_crashed_job_is_released_and_sent_by_a_later_one(  # type: ignore[no-untyped-def]
    plan: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notices' claim, release and backoff (models/outbox/queue.py), on the report outbox."""
    from config.settings import reset_settings
    from models.core.db import session_scope
    from models.outbox.queue import STALE_CLAIM, claim
    from tests.smtp_server import free_port

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    assert compile_due_reports(today=date(2020, 6, 16)).delivery.error  # compiled; the mail waits
    now = utcnow()
    crashed_at = now + timedelta(minutes=2)  # after the first backoff a job claims the mail, then dies
    with session_scope(plan) as s:
        assert len(claim(s, table=ReportDelivery, worker="crashed", now=crashed_at, limit=10)) == 2
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    held = compile_due_reports(today=date(2020, 6, 16), now=crashed_at + STALE_CLAIM - timedelta(seconds=1))
    assert held.delivery.sent == 0 and _report_mail(smtp_sink) == []
    later = compile_due_reports(today=date(2020, 6, 17), now=crashed_at + STALE_CLAIM + timedelta(seconds=1))
    assert later.delivery.sent == 2 and len(_report_mail(smtp_sink)) == 2
    with Session(plan) as s:
        rows = s.exec(select(ReportDelivery)).all()
    assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {("sent", 1, None)}


def test_a_report_mail_the_relay_accepted_before_its_job_died_is_not_sent_again(  # type: ignore[no-untyped-def]
    plan: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report outbox is the notices' (flows/outbox/send.py): a job that died holding both
    report mails, after the relay had accepted one of them (its Message-ID in the ledger), is
    taken over at once by the next job, which marks that one sent and sends only the other."""
    from config.settings import reset_settings
    from models.core.db import session_scope
    from models.core.tables import OutboxSend, OutboxSender
    from models.outbox.leases import LEASE
    from models.outbox.queue import claim, record_accepted, write_ledger
    from tests.smtp_server import free_port

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    assert compile_due_reports(today=date(2020, 6, 16)).delivery.error  # compiled; the mail waits
    now = utcnow()
    crashed_at = now + timedelta(minutes=2)  # after the first backoff
    dead = "0" * 31 + "9"
    with session_scope(plan) as s:  # a job on another host whose heartbeat has lapsed: stopped
        s.add(OutboxSender(id=dead, outbox="report_delivery", host="reports-2.example", process="other-boot:1:1",
                           started_at=now - 2 * LEASE, heartbeat_at=now - 2 * LEASE))
    with session_scope(plan) as s:
        rows = claim(s, table=ReportDelivery, worker=dead, now=crashed_at, limit=10)
    assert {r.recipient for r in rows} == RECIPIENTS
    accepted, other = sorted(rows, key=lambda r: r.recipient)
    with session_scope(plan) as s:
        write_ledger(s, table=ReportDelivery, sender=dead, now=now,
                     messages=[(f"<report-{r.id}@dondoc.example>", [r.id]) for r in rows])
    with session_scope(plan) as s:
        record_accepted(s, sender=dead, accepted=[(f"<report-{accepted.id}@dondoc.example>", now)])
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    done = compile_due_reports(today=date(2020, 6, 16), now=crashed_at)  # at once, not after a lease or 15 minutes
    assert done.delivery.sent == 1
    assert [m["To"] for m in _report_mail(smtp_sink)] == [other.recipient]
    with Session(plan) as s:
        states = {r.recipient: (r.status, r.claimed_by) for r in s.exec(select(ReportDelivery))}
        assert s.exec(select(OutboxSender)).all() == [] and s.exec(select(OutboxSend)).all() == []
    assert states == {accepted.recipient: ("sent", None), other.recipient: ("sent", None)}
