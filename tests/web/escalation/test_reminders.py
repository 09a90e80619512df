"""'Send a reminder' for a task or an agency: a confirmation page that says which letter goes to
whom, then the same outbox as the sweep; the letter follows the task's real state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from email.utils import parseaddr

import pytest
from sqlmodel import Session, select

from config.settings import reset_settings
from models.core.tables import Agency, Assignment, AuditEvent, Notice
from tests.smtp_server import free_port
from tests.web.conftest import OFFICE, VIEWER, Browserless, World


def test_a_reminder_for_a_task_goes_through_the_outbox_to_its_open_agencies(
    office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    task = world.task_id("I.1")
    r = office.submit(f"/tasks/{task}", f"/tasks/{task}/remind")
    assert r.status_code == 200 and "Đã gửi nhắc việc." in r.text
    with Session(world.engine) as s:
        notices = s.exec(select(Notice).where(Notice.kind == "manual_reminder")).all()
        audit = s.exec(select(AuditEvent).where(AuditEvent.action == "manual_reminder")).one()
    assert len(notices) == 4 and {n.status for n in notices} == {"sent"}  # 2 leads and 2 coordinating agencies
    recipients = {str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_sink.messages()}
    assert {"snnptnt@bacgiang.example", "vpdp@bacgiang.example", "skhdt@bacgiang.example"} <= recipients
    assert audit.actor == "office:vp@bacgiang.example" and audit.changes["notices"] == [None, 4]
    page = office.get(f"/tasks/{task}").text
    assert "nhắc việc (gửi ngay)" in page


def test_reminding_twice_sends_twice(office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    agency = world.agency_id("snnptnt")
    office.submit(f"/agencies/{agency}", f"/agencies/{agency}/remind")
    first = len(smtp_sink.messages())
    office.submit(f"/agencies/{agency}", f"/agencies/{agency}/remind")
    assert first == 1 and len(smtp_sink.messages()) == 2  # one digest per click for the agency
    body = smtp_sink.messages()[0].get_body(("plain",)).get_content()
    assert "/a/" in body and "I.1" in body


def test_when_the_mail_server_is_down_the_reminder_waits_in_the_outbox(
    office: Browserless, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    task = world.task_id("I.1")
    r = office.submit(f"/tasks/{task}", f"/tasks/{task}/remind")
    assert "máy chủ thư chưa sẵn sàng" in r.text
    with Session(world.engine) as s:
        assert {n.status for n in s.exec(select(Notice).where(Notice.kind == "manual_reminder"))} == {"pending"}


# -- the reminder uses the task's real state, and asks first ------------------------------------

LATE_DAY = date(2020, 1, 31) + timedelta(days=2439)  # I.1 was due 31/01/2020


@pytest.fixture
def late_office(world: World) -> Iterator[Browserless]:
    """The office on a day when I.1 is 2,439 days overdue."""
    from web.app import create_app

    with Browserless(create_app(today=lambda: LATE_DAY)) as c:
        c.login(*OFFICE)
        yield c


def _notices(world: World) -> list[Notice]:
    with Session(world.engine) as s:
        return list(s.exec(select(Notice).where(Notice.kind == "manual_reminder")))


def _to(smtp_sink, address: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in smtp_sink.messages() if parseaddr(str(m["To"]))[1] == address]


def test_the_reminder_button_opens_a_page_that_asks_before_anything_is_sent(
    office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    task = world.task_id("I.1")
    page = office.get(f"/tasks/{task}").text
    assert f'href="/tasks/{task}/remind"' in page and f'action="/tasks/{task}/remind"' not in page
    confirm = office.get(f"/tasks/{task}/remind")
    assert confirm.status_code == 200
    text = confirm.text
    # each recipient with its address, and the letter it gets
    for name, address in (("Sở Nông nghiệp và Phát triển nông thôn", "snnptnt@bacgiang.example"),
                          ("Sở Kế hoạch và Đầu tư", "skhdt@bacgiang.example"),
                          ("Sở Tài chính", "stc@bacgiang.example")):
        assert name in text and address in text
    assert "Thư sẽ gửi (4)" in text and "Xác nhận gửi 4 thư" in text and "Thư nhắc việc" in text
    assert "còn 6 ngày – nhắc việc" in text and "đôn đốc cấp" not in text
    assert smtp_sink.messages() == [] and _notices(world) == []  # nothing sent by looking


def test_a_task_not_yet_due_gets_the_reminder_wording(office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    task = world.task_id("I.1")
    office.submit(f"/tasks/{task}/remind", f"/tasks/{task}/remind")
    [letter] = _to(smtp_sink, "snnptnt@bacgiang.example")
    assert str(letter["Subject"]).startswith("Nhắc việc: ") and "sắp đến hạn" in str(letter["Subject"])
    body = letter.get_body(("plain",)).get_content()
    assert "31/01/2020 (còn 6 ngày)" in body and "quá hạn" not in body


def test_reminding_an_overdue_task_sends_the_don_doc_at_the_level_of_its_days_overdue(
    late_office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    task = world.task_id("I.1")
    text = late_office.get(f"/tasks/{task}/remind").text
    assert "quá hạn 2439 ngày</strong> – đôn đốc cấp 3" in text
    # level 3 goes to the lead agencies, their heads and the leadership, as the policy says
    for address in ("snnptnt@bacgiang.example", "giamdoc.snnptnt@bacgiang.example", "lanhdao@bacgiang.example"):
        assert address in text
    assert "Văn bản đôn đốc cấp 3" in text and "Báo cáo nhiệm vụ quá hạn (đôn đốc cấp 3)" in text
    late_office.submit(f"/tasks/{task}/remind", f"/tasks/{task}/remind")
    [letter] = _to(smtp_sink, "snnptnt@bacgiang.example")
    subject = str(letter["Subject"])
    assert subject.startswith("Đôn đốc (cấp 3): ") and "quá hạn" in subject and "sắp đến hạn" not in subject
    body = letter.get_body(("plain",)).get_content()
    assert "31/01/2020 (quá hạn 2439 ngày) – đôn đốc cấp 3" in body and "ĐÔN ĐỐC THỰC HIỆN NHIỆM VỤ QUÁ HẠN" in body
    [head] = _to(smtp_sink, "giamdoc.snnptnt@bacgiang.example")
    assert str(head["Subject"]).startswith("Đôn đốc (cấp 3): ")
    [report] = _to(smtp_sink, "lanhdao@bacgiang.example")
    assert str(report["Subject"]).startswith("Báo cáo nhiệm vụ quá hạn (đôn đốc cấp 3)")
    with Session(world.engine) as s:
        levels = {(n.recipient_role, n.level) for n in s.exec(select(Notice).where(Notice.kind == "manual_reminder"))}
    assert ("lead", 3) in levels and ("lead_head", 3) in levels and ("coordinating", 0) in levels


def test_a_task_without_a_due_date_says_so(office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    task = world.task_id("I.1")
    with Session(world.engine) as s:
        for a in s.exec(select(Assignment).where(Assignment.task_id == task)):
            a.due_date = None
            s.add(a)
        s.commit()
    text = office.get(f"/tasks/{task}/remind").text
    assert "nhắc việc (nhiệm vụ không có thời hạn)" in text and "Xác nhận gửi 4 thư" in text
    office.submit(f"/tasks/{task}/remind", f"/tasks/{task}/remind")
    [letter] = _to(smtp_sink, "snnptnt@bacgiang.example")
    assert "1 nhiệm vụ không có thời hạn" in str(letter["Subject"])
    body = letter.get_body(("plain",)).get_content()
    block = body[body.index("nhiệm vụ I.1"):]
    assert "Thời hạn: không có thời hạn" in block[:block.index("Chi tiết:")]


def test_an_agency_without_an_address_is_listed_as_not_reachable(office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    with Session(world.engine) as s:
        stc = s.get(Agency, world.agency_id("stc"))
        assert stc is not None
        stc.email = ""
        s.add(stc)
        s.commit()
    task = world.task_id("I.1")
    text = office.get(f"/tasks/{task}/remind").text
    unreachable = text[text.index("Không gửi được"):]
    assert "Sở Tài chính (phối hợp): nhiệm vụ I.1" in unreachable and "Xác nhận gửi 3 thư" in text
    office.submit(f"/tasks/{task}/remind", f"/tasks/{task}/remind")
    assert len(smtp_sink.messages()) == 3 and _to(smtp_sink, "stc@bacgiang.example") == []


def test_the_agency_reminder_shows_its_letter_and_sends_only_when_confirmed(
    office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    agency = world.agency_id("snnptnt")
    assert f'href="/agencies/{agency}/remind"' in office.get(f"/agencies/{agency}").text
    text = office.get(f"/agencies/{agency}/remind").text
    assert "Gửi nhắc việc: Sở Nông nghiệp và Phát triển nông thôn" in text
    assert "snnptnt@bacgiang.example" in text and "Xác nhận gửi 1 thư" in text
    assert smtp_sink.messages() == []
    r = office.submit(f"/agencies/{agency}/remind", f"/agencies/{agency}/remind")
    assert "Đã gửi nhắc việc." in r.text and len(_to(smtp_sink, "snnptnt@bacgiang.example")) == 1


def test_a_viewer_cannot_open_the_confirmation_page(client: Browserless, world: World) -> None:
    client.login(*VIEWER)
    assert client.get(f"/tasks/{world.task_id('I.1')}/remind").status_code == 403
