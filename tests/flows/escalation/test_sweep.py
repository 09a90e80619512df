"""The daily sweep against a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import reset_settings
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import FAILED, PENDING, SENT, Assignment, Notice, Task
from models.core.types import utcnow
from models.outbox.queue import MAX_ATTEMPTS
from models.progress.updates import find_assignment, find_task, record_progress
from tests.conftest import PLANS
from tests.smtp_server import free_port

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
NN = "snnptnt@bacgiang.example"
VPDP = "vpdp@bacgiang.example"


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The Bắc Giang plan imported, mail going to the test SMTP server."""
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    reset_settings()
    import_plan(str(BAC_GIANG))
    return engine


def _by_recipient(smtp_sink) -> dict[str, list]:  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for m in smtp_sink.messages():
        out.setdefault(str(m["To"]).split("<")[-1].rstrip(">").strip(), []).append(m)
    return out


def _statuses(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.exec(select(Notice.status)).all())


def _done(engine: sa.Engine, ref: str, agency: tuple[str, str], on: date) -> None:
    with session_scope(engine) as s:
        task = find_task(s, ref=ref, plan_code="552/KH-BCĐ")
        a = find_assignment(s, task=task, agency_keys=[agency])
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=on, actor="t", source="test")


def test_it_sends_one_digest_per_recipient_seven_days_before_the_due_date(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    result = daily_sweep(date(2020, 1, 24))  # I.1 is due 31/01/2020
    assert result.ok
    assert result.planned[("reminder", 7)] == 2  # Sở NN&PTNT and VPĐP lead I.1
    assert result.planned[("coordination_reminder", 7)] == 2  # Sở KH&ĐT and Sở Tài chính support it
    mail = _by_recipient(smtp_sink)
    assert sorted(mail) == sorted([NN, VPDP, "skhdt@bacgiang.example", "stc@bacgiang.example"])
    assert all(len(v) == 1 for v in mail.values())
    nn = mail[NN][0]
    assert nn["Subject"] == "Nhắc việc: 1 nhiệm vụ sắp đến hạn – Sở Nông nghiệp và Phát triển nông thôn"
    body = nn.get_body(("plain",)).get_content()
    assert "552/KH-BCĐ" in body and "I.1" in body and "31/01/2020" in body and "còn 7 ngày" in body
    assert "/a/" in body  # the agency's signed link
    coord = mail["skhdt@bacgiang.example"][0].get_body(("plain",)).get_content()
    assert "phối hợp với" in coord and "Sở Nông nghiệp và Phát triển nông thôn" in coord


def test_a_second_sweep_of_the_same_day_sends_nothing(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 1, 24))
    first = len(smtp_sink.messages())
    again = daily_sweep(date(2020, 1, 24))
    assert sum(again.planned.values()) == 0 and again.send.messages_sent == 0
    assert len(smtp_sink.messages()) == first > 0


def test_two_sweeps_running_at_once_never_send_a_notice_twice(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    day = date(2020, 2, 22)  # many reminders due on 29/02 and escalations of January's tasks
    errors: list[BaseException] = []

    def run() -> None:
        try:
            daily_sweep(day)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with Session(plan) as s:
        sent = s.exec(select(Notice).where(Notice.status == SENT)).all()
    assert sent and _statuses(plan) == Counter({SENT: len(sent)})
    ids = [m["Message-ID"] for m in smtp_sink.messages()]
    assert len(ids) == len(set(ids)) == len({n.message_id for n in sent})


def test_escalation_rises_by_day_and_repeats_weekly_at_the_top_level(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    seen: dict[date, set[tuple[int, int]]] = {}
    for offset in (1, 6, 7, 14, 15, 21, 22, 29):
        day = date(2020, 1, 31) + timedelta(days=offset)
        daily_sweep(day)
        with Session(plan) as s:
            rows = s.exec(select(Notice.level, Notice.seq).join(Task, sa.true()).where(
                Notice.kind == "escalation", Notice.as_of == day, Notice.due_date == date(2020, 1, 31))).all()
        seen[day] = set(rows)
    d = date(2020, 1, 31)
    assert seen[d + timedelta(days=1)] == {(1, 0)}
    assert seen[d + timedelta(days=6)] == set()  # level 1 already sent
    assert seen[d + timedelta(days=7)] == {(2, 0)}
    assert seen[d + timedelta(days=14)] == set()
    assert seen[d + timedelta(days=15)] == {(3, 0)}
    assert seen[d + timedelta(days=21)] == set()
    assert seen[d + timedelta(days=22)] == {(3, 1)}
    assert seen[d + timedelta(days=29)] == {(3, 2)}
    level3 = [m for m in smtp_sink.messages() if "cấp 3" in str(m["Subject"])]
    recipients = {str(m["To"]) for m in level3}
    assert any("lanhdao@bacgiang.example" in r for r in recipients)  # the provincial leadership is told
    assert any("giamdoc" in r for r in recipients)  # and the head of the lead agency


def test_the_leadership_and_the_office_get_a_report_naming_the_late_agencies_with_office_links(  # type: ignore[no-untyped-def]
        plan, smtp_sink) -> None:
    daily_sweep(date(2020, 2, 15))  # I.1 (Sở NN&PTNT and VPĐP lead it) is 15 days overdue: level 3
    mail = _by_recipient(smtp_sink)
    [leadership] = mail["lanhdao@bacgiang.example"]
    assert str(leadership["Subject"]).startswith("Báo cáo nhiệm vụ quá hạn (đôn đốc cấp 3): ")
    text = leadership.get_body(("plain",)).get_content()
    assert "Sở Nông nghiệp và Phát triển nông thôn:" in text and "Văn phòng Điều phối nông thôn mới tỉnh:" in text
    assert "quý cơ quan còn" not in text and "đề nghị lãnh đạo UBND tỉnh xem xét, chỉ đạo" in text
    with Session(plan) as s:
        i1 = s.exec(select(Task.id).where(Task.ref == "I.1")).one()
    # the leadership opens the office's page, never an agency's signed link (that would let it
    # act, audited, as the agency)
    assert f"http://127.0.0.1:8000/tasks/{i1}" in text and "/a/" not in text
    assert "/a/" not in leadership.get_body(("html",)).get_content()
    # VPĐP both leads I.1 (an escalation digest with its own link) and follows everyone (the copy)
    vpdp = {str(m["Subject"]).split(":")[0]: m for m in mail[VPDP]}
    assert set(vpdp) == {"Đôn đốc (cấp 3)", "Theo dõi nhiệm vụ quá hạn (đôn đốc cấp 3)"}
    assert "/a/" in vpdp["Đôn đốc (cấp 3)"].get_body(("plain",)).get_content()
    copy = vpdp["Theo dõi nhiệm vụ quá hạn (đôn đốc cấp 3)"].get_body(("plain",)).get_content()
    assert "Sở Nông nghiệp và Phát triển nông thôn:" in copy and "bản theo dõi" in copy and "/a/" not in copy
    nn = mail[NN][0].get_body(("plain",)).get_content()
    assert str(mail[NN][0]["Subject"]).startswith("Đôn đốc (cấp 3)") and "/a/" in nn


def test_after_a_gap_one_sweep_sends_only_the_current_stage_once(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 1, 24))
    smtp_sink.clear()
    daily_sweep(date(2020, 2, 20))  # machine off for almost four weeks: I.1 is 20 days overdue
    with Session(plan) as s:
        i1 = s.exec(select(Notice.kind, Notice.level).where(Notice.due_date == date(2020, 1, 31),
                                                           Notice.as_of == date(2020, 2, 20))).all()
    assert set(i1) == {("escalation", 3)}
    again = daily_sweep(date(2020, 2, 20))
    assert again.send.messages_sent == 0


def test_a_done_assignment_gets_no_more_notices(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    _done(plan, "I.1", ("bac-giang", "snnptnt"), date(2020, 1, 30))
    daily_sweep(date(2020, 2, 1))
    mail = _by_recipient(smtp_sink)
    nn = [m for m in mail.get(NN, []) if "I.1" in m.get_body(("plain",)).get_content()]
    assert nn == []
    vpdp = mail[VPDP][0]  # the other lead did not finish: it is escalated
    assert "cấp 1" in str(vpdp["Subject"]) and "I.1" in vpdp.get_body(("plain",)).get_content()


def test_smtp_down_keeps_notices_pending_then_they_go_out_when_it_is_back(plan, smtp_sink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))  # nothing listens there
    reset_settings()
    down = daily_sweep(date(2020, 1, 24))
    assert down.send.error and "cannot reach mail server" in down.send.error
    with Session(plan) as s:
        pending = s.exec(select(Notice)).all()
    assert pending and all(n.status == PENDING and n.attempts == 1 and n.last_error for n in pending)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    early = daily_sweep(date(2020, 1, 24))  # backoff: not yet
    assert early.send.notices_sent == 0
    later = daily_sweep(date(2020, 1, 24), now=utcnow() + timedelta(hours=1))
    assert later.send.notices_sent == len(pending)
    assert _statuses(plan) == Counter({SENT: len(pending)})


def test_after_five_failed_attempts_a_notice_is_marked_failed(plan, smtp_sink, monkeypatch, run_cli) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    for attempt in range(MAX_ATTEMPTS):
        daily_sweep(date(2020, 1, 24), now=utcnow() + timedelta(days=attempt))
    assert set(_statuses(plan)) == {FAILED}
    r = run_cli("outbox", "--failed", "--json")
    assert r.code == 0 and '"status": "failed"' in r.out


def test_task_text_cannot_inject_headers(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    with session_scope(plan) as s:
        task = s.exec(select(Task).where(Task.ref == "I.1")).one()
        task.content = "Phân bổ vốn\r\nBcc: attacker@evil.example\r\nSubject: giả mạo"
        s.add(task)
    daily_sweep(date(2020, 1, 24))
    for received in smtp_sink.received:
        assert "attacker@evil.example" not in received.rcpt_tos
    for m in smtp_sink.messages():
        assert m["Bcc"] is None
        assert len(m.get_all("Subject")) == 1


def test_the_cli_sweep_exits_1_with_one_line_when_the_mail_server_is_down(plan, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    r = run_cli("sweep", "--as-of", "2020-01-24")
    assert r.code == 1
    assert [line for line in r.err.splitlines() if line.strip()] == [r.err.strip()]
    assert "cannot reach mail server" in r.err
    assert PENDING in run_cli("outbox").out


def test_the_cli_dry_run_shows_recipients_and_writes_nothing(plan, run_cli, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("sweep", "--as-of", "2020-01-24", "--dry-run")
    assert r.code == 0, r.err
    assert NN in r.out and "reminder_digest" in r.out and "I.1" in r.out
    assert smtp_sink.messages() == []
    assert _statuses(plan) == Counter()


def _policy_file(tmp_path, monkeypatch, extra: str) -> None:  # type: ignore[no-untyped-def]
    from config.settings import CONFIG_DIR

    path = tmp_path / "escalation.yaml"
    path.write_text((CONFIG_DIR / "escalation.yaml").read_text(encoding="utf-8") + extra, encoding="utf-8")
    monkeypatch.setenv("DONDOC_ESCALATION_POLICY", str(path))
    reset_settings()


def _reminded_refs(engine: sa.Engine, day: date) -> set[str]:
    with Session(engine) as s:
        rows = s.exec(select(Task.ref).join(Assignment, Assignment.task_id == Task.id)
                      .join(Notice, Notice.assignment_id == Assignment.id)
                      .where(Notice.as_of == day, Notice.kind == "reminder")).all()
    return set(rows)


def test_a_plan_counted_in_working_days_is_reminded_seven_working_days_ahead_across_tet(
    engine: sa.Engine, smtp_sink, monkeypatch, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    _policy_file(tmp_path, monkeypatch, '  "552/KH-BCĐ":\n    working_days: true\n')
    import_plan(str(BAC_GIANG))
    # I.1 is due Friday 31/01/2020; Tết closes offices 23-29/01/2020, so seven working days
    # before it is Wednesday 15/01, not the calendar 24/01
    daily_sweep(date(2020, 1, 14))
    assert "I.1" not in _reminded_refs(engine, date(2020, 1, 14))
    daily_sweep(date(2020, 1, 15))
    assert "I.1" in _reminded_refs(engine, date(2020, 1, 15))


def test_an_assignment_keeps_the_policy_it_was_scheduled_under(
    engine: sa.Engine, smtp_sink, monkeypatch, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(BAC_GIANG))  # scheduled under the shipped policy: 7, 1, 0 days ahead
    _policy_file(tmp_path, monkeypatch, '  "552/KH-BCĐ":\n    reminders: [3]\n')  # the file changes later
    daily_sweep(date(2020, 1, 24))
    assert "I.1" in _reminded_refs(engine, date(2020, 1, 24))
