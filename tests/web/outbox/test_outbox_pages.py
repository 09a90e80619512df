"""``/outbox``: every notice the office's dondoc mailed, to whom, when, in which state and with
which error, filtered by state and agency, a page at a time; a failed one is resent from there.
The extension decisions stay listed on /extensions once decided."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import Assignment, AuditEvent, Notice
from models.core.types import utcnow
from models.outbox.history import mail_history
from models.outbox.queue import mark_failed
from tests.web.conftest import OFFICE, VIEWER, Browserless, World

AS_OF = date(2020, 3, 5)  # I.1 34 days late: the sweep mails reminders and escalations


def _sweep_and_fail_one(world: World) -> Notice:
    """A real sweep to the test mail server, then one of its notices failed for good."""
    daily_sweep(AS_OF)
    with Session(world.engine) as s:
        notice = s.exec(select(Notice).where(Notice.status == "sent").order_by(col(Notice.id))).first()
        assert notice is not None
        mark_failed(s, rows=[notice], error="550 hộp thư không tồn tại", permanent=True, now=utcnow())
        s.commit()
        s.refresh(notice)
    return notice


def test_the_outbox_lists_every_notice_with_its_recipient_state_and_error(office: Browserless, world: World) -> None:
    failed = _sweep_and_fail_one(world)
    page = office.get("/outbox")
    assert page.status_code == 200
    assert "gửi lỗi: 1;" in page.text and "Gửi lại 1 thư gửi lỗi" in page.text and "đã gửi" in page.text
    assert "@bacgiang.example" in page.text and "/05/03/2020" not in page.text
    failing = office.get("/outbox?state=failed").text
    assert failed.recipient in failing and "550 hộp thư không tồn tại" in failing


def test_the_state_filter_keeps_only_the_failed_notices(office: Browserless, world: World) -> None:
    failed = _sweep_and_fail_one(world)
    page = office.get("/outbox?state=failed").text
    assert page.count('action="/outbox/notice/') == 1 and f"/outbox/notice/{failed.id}/resend" in page
    assert "1 dòng" in page
    assert office.get("/outbox?state=nonsense").status_code == 400


def test_the_agency_filter_keeps_only_the_notices_about_that_agency_s_tasks(world: World, engine: sa.Engine) -> None:
    daily_sweep(AS_OF)
    agency = world.agency_id("snnptnt")
    with Session(engine) as s:
        rows, total = mail_history(s, agency_id=agency, per_page=1000)
        everything, all_total = mail_history(s, per_page=1000)
    assert 0 < total < all_total and len(everything) == all_total
    assert {r.agency_id for r in rows} == {agency}


def test_the_history_is_paginated_newest_first(world: World, engine: sa.Engine) -> None:
    daily_sweep(AS_OF)
    with Session(engine) as s:
        first, total = mail_history(s, per_page=3)
        second, _ = mail_history(s, per_page=3, page=2)
    assert total > 3 and len(first) == 3 and {r.id for r in first}.isdisjoint({r.id for r in second})
    assert first[0].created_at >= first[-1].created_at


def test_a_failed_notice_is_resent_from_the_outbox_and_audited(office: Browserless, world: World,
                                                               smtp_sink) -> None:  # type: ignore[no-untyped-def]
    failed = _sweep_and_fail_one(world)
    smtp_sink.clear()
    r = office.submit("/outbox", f"/outbox/notice/{failed.id}/resend")
    assert r.status_code == 200 and "trở lại hàng đợi" in r.text
    with Session(world.engine) as s:
        again = s.get(Notice, failed.id)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "resent")).one()
    assert again is not None and again.status == "sent"  # sent after the page answered
    assert any(failed.recipient in str(m["To"]) for m in smtp_sink.messages())
    assert event.entity == "notice" and event.entity_id == failed.id and event.actor == f"office:{OFFICE[0]}"
    assert event.changes["status"] == ["failed", "pending"]


def test_a_notice_that_did_not_fail_cannot_be_resent(office: Browserless, world: World) -> None:
    daily_sweep(AS_OF)
    with Session(world.engine) as s:
        sent = s.exec(select(Notice).where(Notice.status == "sent")).first()
    assert sent is not None
    r = office.submit("/outbox", f"/outbox/notice/{sent.id}/resend")
    assert r.status_code == 400 and "Chỉ gửi lại được thư gửi lỗi" in r.text


def test_every_failed_notice_is_resent_at_once(office: Browserless, world: World) -> None:
    _sweep_and_fail_one(world)
    r = office.submit("/outbox", "/outbox/resend-failed")
    assert "trở lại hàng đợi" in r.text
    with Session(world.engine) as s:
        assert s.exec(select(Notice).where(Notice.status == "failed")).first() is None


def test_viewers_and_agency_links_cannot_open_the_outbox(client: Browserless, world: World) -> None:
    failed = _sweep_and_fail_one(world)
    token = world.token("snnptnt")
    assert client.get(f"/outbox?token={token}", follow_redirects=False).status_code == 303  # to the sign-in
    client.login(*VIEWER)
    assert client.get("/outbox").status_code == 403
    r = client.post(f"/outbox/notice/{failed.id}/resend", data={"csrf_token": client.csrf("/")})
    assert r.status_code == 403
    assert "/outbox" not in client.get("/").text  # no link in a viewer's menu
    with Session(world.engine) as s:
        assert s.get(Notice, failed.id).status == "failed"  # type: ignore[union-attr]


def test_decided_extension_requests_stay_listed_below_the_pending_ones(office: Browserless,
                                                                      world: World) -> None:
    a = world.assignment("I.1", "snnptnt")
    token = world.token("snnptnt")
    url = f"/a/{token}/tasks/{a.task_id}"
    office.submit(url, url + "/extension", {"new_date": "30/06/2020", "reason": "Chờ Trung ương phân bổ vốn."})
    page = office.get("/extensions").text
    assert "Chưa có đề nghị nào được xử lý." in page
    with Session(world.engine) as s:
        from models.core.web_tables import ExtensionRequest

        req = s.exec(select(ExtensionRequest)).one()
    office.submit("/extensions", f"/extensions/{req.id}/approve", {"note": "Đồng ý"})
    page = office.get("/extensions").text
    history = page.split("Đề nghị đã xử lý", 1)[1]
    assert "đã chấp thuận" in history and "30/06/2020" in history and "Đồng ý" in history
    assert OFFICE[0] in history and "Không có đề nghị nào chờ duyệt." in page
    with Session(world.engine) as s:
        assert s.get(Assignment, a.id).due_date == date(2020, 6, 30)  # type: ignore[union-attr]
