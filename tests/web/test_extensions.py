"""Extension requests: asked by the agency, decided by the office, followed by the sweep."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from flows.sweep import daily_sweep
from models.tables import PENDING, AuditEvent, Notice
from models.web_tables import ExtensionRequest
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
    with Session(world.engine) as s:  # and a pending one for the old date is waiting (e.g. mail was down)
        a = world.assignment("I.1", "snnptnt")
        s.add(Notice(assignment_id=a.id, kind="reminder", level=1, due_date=date(2020, 1, 31), as_of=date(2020, 1, 30),  # type: ignore[arg-type]
                     recipient="snnptnt@bacgiang.example", recipient_name="x", recipient_role="lead"))
        s.commit()
    req = ask(client, world)
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
