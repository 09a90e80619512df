"""'Send a reminder now' for a task or an agency, through the same outbox as the sweep."""

from __future__ import annotations

from sqlmodel import Session, select

from config.settings import reset_settings
from models.core.tables import AuditEvent, Notice
from tests.smtp_server import free_port
from tests.web.conftest import Browserless, World


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
