"""No dead ends for an agency's link (issue 15, item 7): a bad, expired or revoked link offers a
form to get a new one by e-mail (to the agency's address on file only; the answer never tells
whether an address is an agency's; rate-limited), revoking mails the new link to the agency, and
the office copies or resends an agency's link and its calendar from the agency page. Real SMTP
server, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from config.settings import get_settings
from models.agencies.link_requests import PER_AGENCY, PER_CLIENT
from models.agencies.links import revoke_links
from models.core.db import session_scope
from models.core.tables import Agency, AuditEvent
from tasks.common.tokens import make_agency_token
from tests.smtp_server import free_port
from tests.web.conftest import VIEWER, Browserless, World

ADDRESS = "snnptnt@bacgiang.example"
HEAD = "giamdoc.snnptnt@bacgiang.example"
LINK = re.compile(r"https?://[^\s\"<>]+/a/[A-Za-z0-9._~-]+")
GENERIC = "Nếu địa chỉ vừa nhập là địa chỉ thư điện tử của một cơ quan trong hệ thống"


def _revoke(world: World, key: str) -> None:
    with session_scope(world.engine) as s:
        agency = s.get(Agency, world.agency_id(key))
        assert agency is not None
        revoke_links(s, agency=agency, actor="test")


def _ask(c: Browserless, address: str, page: str = "/links/new"):  # type: ignore[no-untyped-def]
    return c.submit(page, "/links/new", {"email": address})


def _link_in(smtp_sink, n: int = 1) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(recipient, the /a/... path) of the n-th mail received."""
    got = smtp_sink.wait_for(n)[n - 1]
    body = got.message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.search(body)
    assert found, body
    return got.rcpt_tos[0], "/a/" + found.group(0).rsplit("/a/", 1)[1]


@pytest.mark.parametrize("kind", ["revoked", "garbage", "expired"])
def test_a_link_that_opens_nothing_offers_a_form_to_get_a_new_one(client: Browserless, world: World,
                                                                  kind: str) -> None:
    old = world.token("snnptnt")
    if kind == "revoked":
        _revoke(world, "snnptnt")
    elif kind == "garbage":
        old = old[:-6] + "xxxxxx"
    else:
        old = make_agency_token(world.agency_id("snnptnt"), secret=get_settings().secret_key, ttl_days=-1,
                                generation=0)
    page = client.get(f"/a/{old}")
    assert page.status_code == 403
    assert "Đường liên kết không mở được" in page.text and 'action="/links/new"' in page.text
    assert 'name="email"' in page.text and 'name="csrf_token"' in page.text
    # a valid link on a task of another agency is a refusal, not a dead link: no form there
    other, _ref = world.foreign_task("snnptnt")
    refused = client.get(f"/a/{world.token('stc')}/tasks/{other}")
    assert refused.status_code in (200, 403) and 'action="/links/new"' not in refused.text


def test_the_agencys_address_on_file_gets_a_fresh_link_that_opens_its_page(
    client: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    _revoke(world, "snnptnt")
    old = world.token("snnptnt")
    _revoke(world, "snnptnt")
    r = _ask(client, "  SNNPTNT@BacGiang.example ", page=f"/a/{old}")  # as a person types it, from the dead link
    assert r.status_code == 200 and GENERIC in r.text
    to, path = _link_in(smtp_sink)
    assert to == ADDRESS  # the address on file, not the typed spelling
    mail = smtp_sink.messages()[0]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Sở Nông nghiệp và Phát triển nông thôn" in mail["Subject"] and "calendar.ics?token=" in text
    home = client.get(path)
    assert home.status_code == 200 and "Nhiệm vụ của Sở Nông nghiệp và Phát triển nông thôn" in home.text
    assert client.get(f"/a/{old}").status_code == 403  # the revoked link stays dead
    # the head's address on file works too, and gets the mail itself
    _ask(client, HEAD)
    assert _link_in(smtp_sink, 2)[0] == HEAD
    with Session(world.engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action.in_(["link_requested", "link_sent"]))  # type: ignore[attr-defined]
                        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["link_requested", "link_sent", "link_requested", "link_sent"]
    assert all(e.actor.startswith("web:") for e in events)
    assert "bacgiang" not in str(events[0].changes)  # the typed address is not kept
    assert events[1].entity_id == world.agency_id("snnptnt") and events[1].changes["to"] == ADDRESS


def test_the_answer_is_the_same_whether_or_not_the_address_is_an_agencys(
    client: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    def answer(address: str) -> tuple[int, str]:
        r = _ask(client, address)
        return r.status_code, re.sub(r'name="csrf_token" value="[^"]+"', "", r.text)

    known, unknown = answer(ADDRESS), answer("nobody@bacgiang.example")
    assert known == unknown and known[0] == 200 and GENERIC in known[1]
    assert ADDRESS not in known[1] and "nobody" not in unknown[1]
    smtp_sink.wait_for(1)
    assert [m.rcpt_tos for m in smtp_sink.received] == [[ADDRESS]]  # nothing to the unknown address
    bad = _ask(client, "không phải địa chỉ")
    assert bad.status_code == 400 and "địa chỉ thư điện tử" in bad.text


def test_the_form_is_rate_limited_per_client_and_per_agency(client: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    assert PER_AGENCY < PER_CLIENT
    for _ in range(PER_CLIENT):
        r = _ask(client, ADDRESS)
        assert r.status_code == 200 and GENERIC in r.text  # the same answer past the agency's budget
    assert len(smtp_sink.wait_for(PER_AGENCY)) == PER_AGENCY  # no more mails to the agency than its budget
    late = _ask(client, "stc@bacgiang.example")
    assert late.status_code == 429 and "vui lòng thử lại sau" in late.text
    assert len(smtp_sink.received) == PER_AGENCY
    # an hour later the client may ask again
    with session_scope(world.engine) as s:
        for e in s.exec(select(AuditEvent).where(AuditEvent.action.in_(["link_requested", "link_sent"]))).all():  # type: ignore[attr-defined]
            e.at = e.at - timedelta(minutes=61)
            s.add(e)
    assert _ask(client, ADDRESS).status_code == 200
    assert len(smtp_sink.wait_for(PER_AGENCY + 1)) == PER_AGENCY + 1


def test_revoking_mails_the_agency_its_new_link(office: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    nn = world.agency_id("snnptnt")
    old = world.token("snnptnt")
    r = office.submit(f"/agencies/{nn}", f"/agencies/{nn}/revoke")
    assert r.status_code == 200 and "đường liên kết mới đã được gửi tới hộp thư của cơ quan" in r.text
    to, path = _link_in(smtp_sink)
    assert to == ADDRESS and "đã thu hồi" in smtp_sink.messages()[0].get_body(("plain",)).get_content()
    assert office.get(f"/a/{old}").status_code == 403
    assert office.get(path).status_code == 200


def test_revoking_with_the_mail_server_down_says_the_link_was_not_sent(
    office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    nn = world.agency_id("snnptnt")
    office.app.state.settings = office.app.state.settings.model_copy(update={"smtp_port": free_port()})  # type: ignore[attr-defined]
    r = office.submit(f"/agencies/{nn}", f"/agencies/{nn}/revoke")
    assert r.status_code == 200 and "chưa gửi được đường liên kết mới qua thư" in r.text
    assert smtp_sink.received == []


def test_the_office_copies_or_resends_an_agencys_link_and_calendar(office: Browserless, world: World,
                                                                   smtp_sink) -> None:  # type: ignore[no-untyped-def]
    nn = world.agency_id("snnptnt")
    page = office.get(f"/agencies/{nn}").text
    section = page.split('id="duong-lien-ket"', 1)[1].split("</section>", 1)[0]
    copied = re.search(r'<input type="text" readonly value="(http[^"]+)" id="lien-ket-co-quan"', section)
    assert copied and 'data-copy="lien-ket-co-quan"' in section
    base = get_settings().base_url.rstrip("/")
    assert copied.group(1).startswith(f"{base}/a/")
    assert office.get(copied.group(1).removeprefix(base)).status_code == 200  # the copied link opens the agency's page
    calendar = re.search(r'<a href="([^"]+calendar\.ics\?token=[^"]+)">Lịch thời hạn của cơ quan</a>', page)
    assert calendar and "…" not in calendar.group(1) and "(/agencies/" not in page
    ics = office.get(calendar.group(1).removeprefix(base))
    assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR")
    assert "Bắc Giang" in page.split("Tỉnh</dt>", 1)[1][:60]
    r = office.submit(f"/agencies/{nn}", f"/agencies/{nn}/send-link")
    assert r.status_code == 200 and "Đã gửi đường liên kết tới hộp thư của cơ quan." in r.text
    to, path = _link_in(smtp_sink)
    assert to == ADDRESS and office.get(path).status_code == 200


def test_a_viewer_sees_no_agency_link_and_cannot_send_one(anonymous: Browserless, world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    anonymous.login(*VIEWER)
    nn = world.agency_id("snnptnt")
    page = anonymous.get(f"/agencies/{nn}").text
    assert 'id="duong-lien-ket"' not in page and "/a/" not in page
    r = anonymous.submit(f"/agencies/{nn}", f"/agencies/{nn}/send-link")
    assert r.status_code == 403
    assert smtp_sink.received == []
