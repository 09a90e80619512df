"""What the sweep's letters state, on the real Bắc Giang plan, SQLite and PostgreSQL, through the
real SMTP server: every overdue task of the agency with its latest report, one letter per agency
and day, and reports to the leadership that count the same way every day."""

from __future__ import annotations

import email
import email.header
import email.policy
from datetime import date
from email.utils import parseaddr

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.settings import reset_settings
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import COORDINATING, IN_PROGRESS, LEAD, OPEN, TASK_ACTIVE, Agency, Assignment, Notice, Task
from models.progress.updates import record_progress
from tests.conftest import PLANS

NN = "snnptnt@bacgiang.example"
LEADERSHIP = "lanhdao@bacgiang.example"


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    reset_settings()
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    return engine


def _mail_to(smtp_sink, address: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in smtp_sink.messages() if parseaddr(str(m["To"]))[1] == address]


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _overdue(engine: sa.Engine, day: date, key: str | None = None,
             roles: tuple[str, ...] = (LEAD,)) -> list[tuple[int, str]]:
    """(assignment id, task ref) of the open overdue assignments, counted straight from the tables."""
    q = (select(Assignment.id, Task.ref).join(Task, col(Task.id) == col(Assignment.task_id))
         .join(Agency, col(Agency.id) == col(Assignment.agency_id))
         .where(col(Assignment.role).in_(roles), col(Assignment.status).in_((OPEN, IN_PROGRESS)),
                col(Assignment.due_date) < day, col(Task.state) == TASK_ACTIVE))
    if key is not None:
        q = q.where(col(Agency.key) == key)
    with Session(engine) as s:
        return [(aid, ref) for aid, ref in s.exec(q)]  # type: ignore[misc]


def test_an_agencys_letter_counts_every_overdue_task_with_its_latest_report(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 2, 29))  # the first sweep: every current stage at once
    late = _overdue(plan, date(2020, 3, 7), "snnptnt", (LEAD, COORDINATING))  # what it leads or supports
    assert len(late) >= 3
    aid, ref = late[-1]
    with session_scope(plan) as s:
        a = s.get(Assignment, aid)
        record_progress(s, assignment=a, status="in_progress", percent=60,  # type: ignore[arg-type]
                        note="Đã trình UBND tỉnh dự thảo", on=date(2020, 3, 2), actor="t", source="test")
    smtp_sink.clear()
    daily_sweep(date(2020, 3, 7))
    with Session(plan) as s:  # on 07/03 a stage falls for fewer of Sở NN&PTNT's tasks than it has overdue
        noticed = s.exec(select(Notice).where(Notice.recipient == NN, Notice.as_of == date(2020, 3, 7))).all()
    assert 0 < len(noticed) < len(late)
    [letter] = _mail_to(smtp_sink, NN)
    assert str(letter["Subject"]).startswith(f"Đôn đốc (cấp 3): {len(late)} nhiệm vụ quá hạn")
    text = _text(letter)
    assert text.count("Kế hoạch số 552/KH-BCĐ – nhiệm vụ") == len(late)
    block = text[text.index(f"nhiệm vụ {ref}\n"):]
    block = block[:block.index("Chi tiết:")]
    assert "Tình hình: đã báo cáo 60% ngày 02/03/2020: “Đã trình UBND tỉnh dự thảo”" in block
    assert "chưa báo cáo kết quả thực hiện, cụ thể" not in text


def test_an_agency_gets_one_letter_a_day_with_its_overdue_and_due_soon_tasks(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 2, 21))
    smtp_sink.clear()
    result = daily_sweep(date(2020, 2, 22))  # reminders of tasks due 29/02 and escalations the same day
    assert result.planned[("reminder", 7)] and result.planned[("escalation", 3)]
    [letter] = _mail_to(smtp_sink, NN)  # one letter, not a reminder and an escalation side by side
    subject = str(letter["Subject"])
    assert subject.startswith("Đôn đốc (cấp 3): 1 nhiệm vụ quá hạn, ") and "sắp đến hạn" in subject
    text = _text(letter)
    assert "I. NHIỆM VỤ ĐÃ QUÁ THỜI HẠN (1)" in text and "II. NHIỆM VỤ SẮP ĐẾN HẠN" in text


def test_the_leaderships_report_counts_every_overdue_task_the_same_way_every_day(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 3, 7))
    for day in (date(2020, 3, 14), date(2020, 3, 15), date(2020, 3, 21)):
        smtp_sink.clear()
        daily_sweep(day)
        [report] = _mail_to(smtp_sink, LEADERSHIP)
        total = len(_overdue(plan, day))
        agencies = _agency_keys(plan, day)
        assert total > 12
        assert f": {total} nhiệm vụ của {len(agencies)} cơ quan – " in str(report["Subject"]), day
        text = _text(report)
        assert f"{total} nhiệm vụ của {len(agencies)} cơ quan chủ trì đã quá thời hạn" in text


def _agency_keys(engine: sa.Engine, day: date) -> set[str]:
    with Session(engine) as s:
        ids = [aid for aid, _ in _overdue(engine, day)]
        return set(s.exec(select(Agency.key).join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                          .where(col(Assignment.id).in_(ids))))


def test_the_office_signs_with_the_provinces_name_and_the_from_header_carries_it(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 1, 24))
    [letter] = _mail_to(smtp_sink, NN)
    raw = next(r.raw for r in smtp_sink.received if NN in r.rcpt_tos)
    assert b"From: =?utf-8?b?" in raw  # the name travels RFC 2047-encoded
    # read as RFC 2047 says (the whitespace between two encoded words is not part of the name)
    sender = email.message_from_bytes(raw, policy=email.policy.compat32)["From"]
    name, address = parseaddr(str(email.header.make_header(email.header.decode_header(sender))))
    assert (name, address) == ("Văn phòng Điều phối nông thôn mới tỉnh", "dondoc@bacgiang.example")
    text = _text(letter)
    assert text.rstrip().endswith("Vui lòng không trả lời thư này.")
    assert "Trân trọng,\nVăn phòng Điều phối nông thôn mới tỉnh Bắc Giang\n" in text
