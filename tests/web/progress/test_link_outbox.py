"""An agency's link mails go through the outbox (issue 15): every mail is a row of
agency_link_mail before anything is sent, listed in /outbox with the notices, retried, and resent
from there when it failed. Real SMTP test server (aiosmtpd), SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from flows.agencies.links import send_link_mails
from models.core.tables import FAILED, PENDING, SENT, AgencyLinkMail
from models.core.types import utcnow
from models.outbox.queue import MAX_ATTEMPTS
from tests.smtp_server import free_port
from tests.web.conftest import Browserless, World

ADDRESS = "snnptnt@bacgiang.example"
LINK = re.compile(r"https?://[^\s\"<>]+/a/[A-Za-z0-9._~-]+")


def _rows(world: World) -> list[AgencyLinkMail]:
    with Session(world.engine) as s:
        return list(s.exec(select(AgencyLinkMail).order_by(AgencyLinkMail.id)))  # type: ignore[arg-type]


def _outbox_row(page: str, row_id: int) -> str:
    """The /outbox table row of link mail ``row_id`` (found by its resend form or its agency link)."""
    for tr in page.split("<tr>")[1:]:
        if "đường liên kết của cơ quan" in tr and (f"/outbox/link/{row_id}/resend" in tr or "#duong-lien-ket" in tr):
            return tr.split("</tr>", 1)[0]
    raise AssertionError("no link mail in /outbox")


def test_a_link_mail_the_office_sends_is_an_outbox_row_sent_with_its_message_id(
        office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    nn = world.agency_id("snnptnt")
    r = office.submit(f"/agencies/{nn}", f"/agencies/{nn}/send-link")
    assert r.status_code == 200 and "Đã gửi đường liên kết tới hộp thư của cơ quan." in r.text
    got = smtp_sink.wait_for(1)[0]
    [row] = _rows(world)
    assert (row.agency_id, row.recipient, row.reason, row.status) == (nn, ADDRESS, "resent", SENT)
    assert row.actor == "office:vp@bacgiang.example" and row.message_id == got.message["Message-ID"]
    page = office.get("/outbox").text
    shown = _outbox_row(page, row.id)  # type: ignore[arg-type]
    assert ADDRESS in shown and "đã gửi" in shown and "Sở Nông nghiệp và Phát triển nông thôn" in shown
    assert "đường liên kết của cơ quan" in office.get(f"/outbox?agency={nn}").text  # filtered by the agency


def test_with_the_mail_server_down_the_row_waits_then_fails_and_is_resent_from_the_outbox(
        office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    nn = world.agency_id("snnptnt")
    live = office.app.state.settings  # type: ignore[attr-defined]
    down = live.model_copy(update={"smtp_port": free_port()})
    office.app.state.settings = down  # type: ignore[attr-defined]
    r = office.submit(f"/agencies/{nn}", f"/agencies/{nn}/send-link")
    assert r.status_code == 200 and "Đã gửi đường liên kết" not in r.text
    [row] = _rows(world)  # written before the send was tried, kept after it failed
    assert (row.status, row.attempts) == (PENDING, 1) and row.last_error
    assert smtp_sink.received == []
    # the outbox's retries (its clock moved past each backoff) until it gives up
    now = utcnow()
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += timedelta(hours=1)
        send_link_mails(settings=down, now=now)
        assert _rows(world)[0].attempts == attempt
    [row] = _rows(world)
    assert row.status == FAILED
    failed = office.get("/outbox?state=failed").text
    assert f'action="/outbox/link/{row.id}/resend"' in failed and ADDRESS in _outbox_row(failed, row.id)  # type: ignore[arg-type]
    office.app.state.settings = live  # type: ignore[attr-defined]
    r = office.submit("/outbox?state=failed", f"/outbox/link/{row.id}/resend", follow_redirects=False)
    assert r.status_code == 303
    got = smtp_sink.wait_for(1)[0]  # sent after the answer, to the same address
    assert got.rcpt_tos == [ADDRESS]
    body = got.message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.search(body)
    assert found and office.get("/a/" + found.group(0).rsplit("/a/", 1)[1]).status_code == 200
    assert _rows(world)[0].status == SENT


def test_a_link_asked_for_from_the_form_is_an_outbox_row_too(client: Browserless, world: World,
                                                              smtp_sink) -> None:  # type: ignore[no-untyped-def]
    r = client.submit("/links/new", "/links/new", {"email": ADDRESS})
    assert r.status_code == 200
    smtp_sink.wait_for(1)
    [row] = _rows(world)
    assert (row.recipient, row.reason, row.status) == (ADDRESS, "requested", SENT)
    assert row.actor.startswith("web:")


def test_another_provinces_link_mail_cannot_be_resent(office: Browserless, world: World) -> None:
    from flows.importing.flow import import_plan
    from models.core.db import session_scope
    from models.core.tables import Agency
    from tests.conftest import PLANS

    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(world.engine) as s:
        other = s.exec(select(Agency).where(Agency.province == "ben-tre")).first()
        assert other is not None and other.id is not None
        row = AgencyLinkMail(agency_id=other.id, reason="resent", actor="test", recipient="a@bentre.example",
                             recipient_name=other.name, status=FAILED)
        s.add(row)
        s.flush()
        row_id = row.id
    r = office.submit("/outbox", f"/outbox/link/{row_id}/resend", follow_redirects=False)
    assert r.status_code == 404
    assert _rows(world)[-1].status == FAILED


def test_the_daily_sweep_sends_a_link_mail_waiting_for_its_retry(office: Browserless, world: World,
                                                                  smtp_sink) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from flows.escalation.sweep import daily_sweep

    nn = world.agency_id("snnptnt")
    live = office.app.state.settings  # type: ignore[attr-defined]
    office.app.state.settings = live.model_copy(update={"smtp_port": free_port()})  # type: ignore[attr-defined]
    office.submit(f"/agencies/{nn}", f"/agencies/{nn}/send-link")
    assert _rows(world)[0].status == PENDING
    daily_sweep(date(2020, 1, 2), now=utcnow() + timedelta(hours=1))  # a day without notices, past the backoff
    [row] = _rows(world)
    assert row.status == SENT and [m.rcpt_tos for m in smtp_sink.received] == [[ADDRESS]]
