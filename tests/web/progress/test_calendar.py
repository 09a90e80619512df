"""The iCalendar feed per agency (RFC 5545): every due date, CRLF, escaping, folding."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models.core.tables import CANCELLED, Assignment, Task
from tests.web.conftest import Browserless, World
from web.routes.progress.ical import DueEvent, calendar, escape_text, fold


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_text_values_escape_commas_semicolons_backslashes_and_newlines() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "SUMMARY:" + "Phân bổ nguồn vốn thực hiện Chương trình nông thôn mới " * 4
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_a_calendar_is_crlf_text_with_one_all_day_event_per_due_date() -> None:
    text = calendar("Lịch, thử; nghiệm", [DueEvent(uid="a-1@x", due=date(2020, 1, 31), summary="Hạn I.1: vốn, kế hoạch",
                                                  description="dòng 1\ndòng 2")])
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert "DTSTART;VALUE=DATE:20200131" in lines and "DTEND;VALUE=DATE:20200201" in lines
    assert "SUMMARY:Hạn I.1: vốn\\, kế hoạch" in lines and "X-WR-CALNAME:Lịch\\, thử\\; nghiệm" in lines


def test_the_agency_feed_holds_every_due_date_of_the_agency(anonymous: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    r = anonymous.get(f"/agencies/{nn}/calendar.ics?token={world.token('snnptnt')}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    raw = r.content.decode("utf-8")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw.split("\r\n"))
    lines = unfold(raw)
    with Session(world.engine) as s:
        dues = sorted(s.exec(select(Assignment.due_date).join(Task, Task.id == Assignment.task_id).where(
            Assignment.agency_id == nn, Assignment.status != CANCELLED, Task.state == "active",
            Assignment.due_date.is_not(None))).all())  # type: ignore[union-attr]
    starts = sorted(date.fromisoformat(f"{v[:4]}-{v[4:6]}-{v[6:]}") for v in
                    (line.split(":", 1)[1] for line in lines if line.startswith("DTSTART")))
    assert starts == dues and len(dues) > 3
    assert any(line.startswith("SUMMARY:Hạn 552/KH-BCĐ I.1") for line in lines)
    assert any(line.startswith("URL:http://127.0.0.1:8000/a/") for line in lines)


def test_the_feed_needs_the_agency_s_own_link(anonymous: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    assert anonymous.get(f"/agencies/{nn}/calendar.ics").status_code == 403
    assert anonymous.get(f"/agencies/{nn}/calendar.ics?token={world.token('skhdt')}").status_code == 403
