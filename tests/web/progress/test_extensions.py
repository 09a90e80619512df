"""Extension requests: asked by the agency, decided by the office, followed by the sweep."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from config.settings import get_settings
from flows.escalation.sweep import daily_sweep
from models.core.tables import PENDING, AuditEvent, Notice
from models.core.web_tables import ExtensionRequest
from tasks.common.tokens import read_agency_token
from tests.web.conftest import Browserless, World


def ask(client: Browserless, world: World, new_date: str = "20/02/2020") -> ExtensionRequest:
    url = f"/a/{world.token('snnptnt')}/tasks/{world.task_id('I.1')}"
    r = client.submit(url, url + "/extension", {"new_date": new_date, "reason": "Chờ Trung ương phân bổ vốn."})
    assert r.status_code == 200 and "Đã gửi đề nghị gia hạn" in r.text
    with Session(world.engine) as s:
        return s.exec(select(ExtensionRequest)).one()


def test_an_approved_extension_moves_the_due_date_keeps_the_original_and_cancels_old_notices(
    client: Browserless, anonymous: Browserless, world: World
) -> None:
    daily_sweep(date(2020, 1, 24))  # the 7-day reminder for 31/01 went out
    req = ask(client, world)  # (its mail to the office sends what is pending: the next line comes after)
    with Session(world.engine) as s:  # and a pending one for the old date is waiting (e.g. mail was down)
        a = world.assignment("I.1", "snnptnt")
        s.add(Notice(assignment_id=a.id, kind="reminder", level=1, due_date=date(2020, 1, 31), as_of=date(2020, 1, 30),  # type: ignore[arg-type]
                     recipient="snnptnt@bacgiang.example", recipient_name="x", recipient_role="lead"))
        s.commit()
    from tests.web.conftest import OFFICE

    anonymous.login(*OFFICE)
    pending = anonymous.get("/extensions").text
    assert "Chờ Trung ương phân bổ vốn." in pending and "20/02/2020" in pending
    r = anonymous.submit("/extensions", f"/extensions/{req.id}/approve", {"note": "Đồng ý"})
    assert r.status_code == 200 and "Đã chấp thuận gia hạn" in r.text
    a = world.assignment("I.1", "snnptnt")
    assert a.due_date == date(2020, 2, 20) and a.original_due_date == date(2020, 1, 31)
    with Session(world.engine) as s:
        old = s.exec(select(Notice).where(Notice.assignment_id == a.id, Notice.due_date == date(2020, 1, 31))).all()
        events = s.exec(select(AuditEvent).where(AuditEvent.entity.in_(["extension_request", "assignment"]))).all()  # type: ignore[attr-defined]
    assert PENDING not in {n.status for n in old} and "cancelled" in {n.status for n in old}
    extended = next(e for e in events if e.action == "extended")
    assert extended.actor == f"office:{OFFICE[0]}" and extended.changes["due_date"] == ["2020-01-31", "2020-02-20"]
    assert {e.action for e in events if e.entity == "extension_request"} == {"requested", "approved"}
    page = anonymous.get(f"/tasks/{world.task_id('I.1')}").text
    assert "20/02/2020" in page and "gốc 31/01/2020" in page


def test_after_an_extension_the_next_sweep_reminds_against_the_new_date(
    client: Browserless, anonymous: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import OFFICE

    req = ask(client, world)
    anonymous.login(*OFFICE)
    anonymous.submit("/extensions", f"/extensions/{req.id}/approve", {"note": ""})
    a = world.assignment("I.1", "snnptnt")
    daily_sweep(date(2020, 2, 1))  # a day after the old date: no escalation for this agency
    with Session(world.engine) as s:
        assert s.exec(select(Notice).where(Notice.assignment_id == a.id, Notice.kind == "escalation")).all() == []
    smtp_sink.clear()
    daily_sweep(date(2020, 2, 13))  # seven days before the new date
    with Session(world.engine) as s:
        reminder = s.exec(select(Notice).where(Notice.assignment_id == a.id, Notice.as_of == date(2020, 2, 13))).one()
    assert reminder.kind == "reminder" and reminder.due_date == date(2020, 2, 20) and reminder.status == "sent"
    mail = [m for m in smtp_sink.messages() if "snnptnt@bacgiang.example" in str(m["To"])]
    body = mail[0].get_body(("plain",)).get_content()
    assert "I.1" in body and "20/02/2020" in body and "còn 7 ngày" in body


def test_a_rejected_extension_leaves_the_due_date(client: Browserless, anonymous: Browserless, world: World) -> None:
    from tests.web.conftest import OFFICE

    req = ask(client, world)
    anonymous.login(*OFFICE)
    r = anonymous.submit("/extensions", f"/extensions/{req.id}/reject", {"note": "Không đủ căn cứ"})
    assert "Đã từ chối đề nghị gia hạn." in r.text
    assert world.assignment("I.1", "snnptnt").due_date == date(2020, 1, 31)
    again = anonymous.submit("/extensions", f"/extensions/{req.id}/approve", {"note": ""})
    assert again.status_code == 400 and "đã được xử lý" in again.text
    agency_page = client.get(f"/a/{world.token('snnptnt')}/tasks/{world.task_id('I.1')}").text
    assert "đã từ chối" in agency_page and "Không đủ căn cứ" in agency_page


def test_a_second_request_while_one_is_pending_is_refused(client: Browserless, world: World) -> None:
    ask(client, world)
    url = f"/a/{world.token('snnptnt')}/tasks/{world.task_id('I.1')}"
    r = client.submit(url, url + "/extension", {"new_date": "28/02/2020", "reason": "Lý do khác nữa"})
    assert r.status_code == 400 and "đang chờ Văn phòng xem xét" in r.text


def _mail_to(smtp_sink, address: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in smtp_sink.messages() if address in str(m["To"])]


def test_the_office_is_mailed_the_request_and_the_agency_the_decision(  # type: ignore[no-untyped-def]
        client: Browserless, anonymous: Browserless, world: World, smtp_sink) -> None:
    from tests.web.conftest import OFFICE

    req = ask(client, world)
    [asked] = _mail_to(smtp_sink, "vpdp@bacgiang.example")
    assert asked["Subject"] == (
        "Đề nghị gia hạn chờ xem xét: 1 nhiệm vụ – Văn phòng Điều phối nông thôn mới tỉnh"
    )
    text = asked.get_body(("plain",)).get_content()
    assert "Sở Nông nghiệp và Phát triển nông thôn (chủ trì)" in text and "nhiệm vụ I.1" in text
    assert "31/01/2020" in text and "20/02/2020" in text and "Chờ Trung ương phân bổ vốn." in text
    assert "http://127.0.0.1:8000/extensions" in text and "/a/" not in text  # the office decides signed in
    assert _mail_to(smtp_sink, "snnptnt@bacgiang.example") == []
    anonymous.login(*OFFICE)
    anonymous.submit("/extensions", f"/extensions/{req.id}/approve", {"note": "Đồng ý, đề nghị không gia hạn thêm."})
    [told] = _mail_to(smtp_sink, "snnptnt@bacgiang.example")
    assert told["Subject"] == ("Kết quả xem xét đề nghị gia hạn: 1 nhiệm vụ – "
                               "Sở Nông nghiệp và Phát triển nông thôn")
    text = told.get_body(("plain",)).get_content()
    assert "ĐỒNG Ý gia hạn đến ngày 20/02/2020 (thời hạn trước đó: 31/01/2020)" in text
    assert "Đồng ý, đề nghị không gia hạn thêm." in text
    # its own link (the token carries its expiry in seconds: read it back rather than make another)
    links = re.findall(rf"/a/([^/\s]+)/tasks/{world.task_id('I.1')}\b", text)
    assert links and {read_agency_token(t, secret=get_settings().secret_key)[0] for t in links} == {
        world.agency_id("snnptnt")}
    with Session(world.engine) as s:
        kinds = {(n.kind, n.level, n.status) for n in s.exec(select(Notice).where(Notice.seq == req.id))}
    assert kinds == {("extension_request", 0, "sent"), ("extension_decision", 1, "sent")}


def test_a_rejection_is_mailed_with_the_date_that_still_holds(  # type: ignore[no-untyped-def]
        client: Browserless, anonymous: Browserless, world: World, smtp_sink) -> None:
    from tests.web.conftest import OFFICE

    req = ask(client, world)
    anonymous.login(*OFFICE)
    anonymous.submit("/extensions", f"/extensions/{req.id}/reject", {"note": "Không đủ căn cứ"})
    [told] = _mail_to(smtp_sink, "snnptnt@bacgiang.example")
    text = told.get_body(("plain",)).get_content()
    assert "KHÔNG ĐỒNG Ý gia hạn; thời hạn vẫn là 31/01/2020" in text and "Không đủ căn cứ" in text
    assert "20/02/2020" not in text.split("Kết quả:")[1]


def test_with_the_mail_server_down_the_decision_stays_in_the_outbox_for_the_next_sweep(  # type: ignore[no-untyped-def]
        client: Browserless, anonymous: Browserless, world: World, smtp_sink, monkeypatch) -> None:
    from config.settings import reset_settings
    from tests.smtp_server import free_port
    from tests.web.conftest import OFFICE

    req = ask(client, world)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))  # nothing listens there
    reset_settings()
    anonymous.login(*OFFICE)
    r = anonymous.submit("/extensions", f"/extensions/{req.id}/approve", {"note": ""})
    assert r.status_code == 200 and "Đã chấp thuận gia hạn" in r.text  # the decision itself is kept
    with Session(world.engine) as s:
        decision = s.exec(select(Notice).where(Notice.kind == "extension_decision")).one()
    assert decision.status == PENDING and decision.attempts == 1 and decision.last_error
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    smtp_sink.clear()
    daily_sweep(date(2020, 1, 26), now=decision.next_attempt_at)
    [told] = _mail_to(smtp_sink, "snnptnt@bacgiang.example")
    assert "ĐỒNG Ý gia hạn đến ngày 20/02/2020" in told.get_body(("plain",)).get_content()


def test_a_request_decided_before_its_mail_went_out_is_not_mailed_to_the_office(  # type: ignore[no-untyped-def]
        client: Browserless, anonymous: Browserless, world: World, smtp_sink, monkeypatch) -> None:
    from config.settings import reset_settings
    from tests.smtp_server import free_port
    from tests.web.conftest import OFFICE

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(free_port()))
    reset_settings()
    req = ask(client, world)
    anonymous.login(*OFFICE)
    anonymous.submit("/extensions", f"/extensions/{req.id}/reject", {"note": ""})
    with Session(world.engine) as s:
        states = {n.kind: n.status for n in s.exec(select(Notice).where(Notice.seq == req.id))}
    assert states == {"extension_request": "cancelled", "extension_decision": PENDING}
