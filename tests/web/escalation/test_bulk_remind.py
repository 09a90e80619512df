"""Bulk reminders: every overdue agency, every agency without its period report, or the agencies
chosen; each first says how many letters go to whom, then sends the manual reminders."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.core.tables import AuditEvent, Notice
from models.escalation.bulk import OVERDUE, UNREPORTED, late_agencies
from tests.web.conftest import OFFICE, VIEWER, Browserless, World

LATE_DAY = date(2020, 3, 5)  # I.1 and February's tasks are overdue
AFTER_H1 = date(2020, 7, 1)  # the half-year reports were due on 15/06


def _client(day: date) -> Browserless:
    from web.app import create_app

    return Browserless(create_app(today=lambda: day))


@pytest.fixture
def late_office(world: World) -> Iterator[Browserless]:
    with _client(LATE_DAY) as c:
        c.login(*OFFICE)
        yield c


def _manual(engine: sa.Engine) -> list[Notice]:
    with Session(engine) as s:
        return list(s.exec(select(Notice).where(Notice.kind == "manual_reminder")))


def test_the_confirmation_says_how_many_letters_go_to_whom_and_sends_nothing(
    late_office: Browserless, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    with Session(world.engine) as s:
        late = late_agencies(s, group=OVERDUE, as_of=LATE_DAY)
    assert late and late == sorted(late, key=lambda r: (-r[2], r[1]))
    page = late_office.get("/remind/overdue").text
    total = int(re.search(r"<strong>(\d+) thư</strong>", page).group(1))  # type: ignore[union-attr]
    assert total >= len(late) and f"Xác nhận gửi {total} thư" in page
    for _id, name, _n in late:
        assert name.replace("&", "&amp;") in page
    assert "snnptnt@bacgiang.example" in page
    assert _manual(world.engine) == [] and smtp_sink.messages() == []


def test_confirming_reminds_every_overdue_agency_through_the_outbox(late_office: Browserless, world: World,
                                                                   smtp_sink) -> None:  # type: ignore[no-untyped-def]
    with Session(world.engine) as s:
        late = late_agencies(s, group=OVERDUE, as_of=LATE_DAY)
    r = late_office.submit("/remind/overdue", "/remind/overdue")
    assert r.status_code == 200 and "Đã gửi nhắc việc." in r.text
    notices = _manual(world.engine)
    assert notices and {n.status for n in notices} == {"sent"}
    with Session(world.engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "manual_reminder")).all()
    assert sorted(e.entity_id for e in events) == sorted(a for a, _n, _c in late)  # type: ignore[type-var]
    assert all(e.actor == f"office:{OFFICE[0]}" for e in events)
    assert "snnptnt@bacgiang.example" in {str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_sink.messages()}


def test_agencies_without_their_period_report_are_reminded_after_the_deadline(world: World, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    with Session(world.engine) as s:
        assert late_agencies(s, group=UNREPORTED, as_of=LATE_DAY) == []
        late = late_agencies(s, group=UNREPORTED, as_of=AFTER_H1)
    assert late
    with _client(AFTER_H1) as c:
        c.login(*OFFICE)
        page = c.get("/remind/unreported").text
        assert "Báo cáo chưa gửi" in page and late[0][1].replace("&", "&amp;") in page
        c.submit("/remind/unreported", "/remind/unreported")
    with Session(world.engine) as s:
        reminded = {e.entity_id for e in s.exec(select(AuditEvent).where(AuditEvent.action == "manual_reminder"))}
    assert reminded == {a for a, _n, _c in late}


def test_only_the_chosen_agencies_are_reminded(late_office: Browserless, world: World) -> None:
    chosen = [world.agency_id("snnptnt"), world.agency_id("vpdp")]
    page = late_office.get(f"/remind/selected?agency={chosen[0]}&agency={chosen[1]}").text
    assert page.count('name="agency" value=') == 2
    late_office.post("/remind/selected", data={"agency": [str(a) for a in chosen],
                                               "csrf_token": late_office.csrf("/remind/overdue")})
    with Session(world.engine) as s:
        reminded = {e.entity_id for e in s.exec(select(AuditEvent).where(AuditEvent.action == "manual_reminder"))}
    assert reminded == set(chosen)
    assert late_office.get("/remind/selected").status_code == 400
    assert late_office.get("/remind/selected?agency=x").status_code == 400


def test_viewers_cannot_send_bulk_reminders(world: World) -> None:
    with _client(LATE_DAY) as c:
        c.login(*VIEWER)
        assert c.get("/remind/overdue").status_code == 403
        assert "/remind/overdue" not in c.get("/").text
        r = c.post("/remind/overdue", data={"csrf_token": c.csrf("/")})
        assert r.status_code == 403
    assert _manual(world.engine) == []
