"""The office overview, plan page and agency page on the real Bắc Giang plan."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.db import session_scope
from models.core.tables import CANCELLED, LEAD, Assignment, Task
from models.progress.updates import record_progress
from tasks.escalation.status import ALL_STATUSES, Status, classify, on_time_rate
from tests.web.conftest import Browserless, World

CARD = re.compile(
    r'<li class="card ([a-z-]+)">.*?<span class="num">(\d+)</span>\s*<span class="label">([^<]+)</span>', re.S
)


def expected_counts(world: World, as_of: date, agency_id: int | None = None) -> Counter[Status]:
    """The statuses by tasks.escalation.status.classify, row by row in Python (the plan's tasks: the agencies'
    report duties are followed on the reports page, not counted)."""
    with Session(world.engine) as s:
        q = select(Assignment).join(Task, Task.id == Assignment.task_id).where(
            Assignment.role == LEAD, Assignment.status != CANCELLED, Task.state == "active",
            Task.source != "report")
        if agency_id is not None:
            q = q.where(Assignment.agency_id == agency_id)
        rows = s.exec(q).all()
    return Counter(classify(due_date=a.due_date, completed_on=a.completed_on, as_of=as_of, done=a.status == "done")
                   for a in rows)


def cards(html: str) -> dict[str, int]:
    """The plan's tasks' cards (the report duties' cards, counted apart, come after them)."""
    tasks = html.split('id="bao-cao-dinh-ky"', 1)[0]
    return {label.strip(): int(n) for _cls, n, label in CARD.findall(tasks)}


def test_the_overview_counts_every_official_status_as_classify_does(office: Browserless, world: World) -> None:
    day = date(2020, 2, 27)
    page = office.get("/?as_of=2020-02-27")
    assert page.status_code == 200
    want = expected_counts(world, day)
    assert cards(page.text) == {s.label: want.get(s, 0) for s in ALL_STATUSES}
    assert want[Status.OVERDUE] > 0 and want[Status.DUE_SOON] > 0  # both colours appear on this day
    assert "ngày 27/02/2020" in page.text


def test_overdue_is_red_and_due_within_three_days_is_orange(office: Browserless) -> None:
    html = office.get("/?as_of=2020-01-29").text  # I.1 (31/01) is two days away
    found = {label.strip(): cls for cls, _n, label in CARD.findall(html)}
    assert found["quá hạn"] == "overdue" and found["sắp đến hạn"] == "due-soon"
    css = office.get("/static/style.css").text
    assert "--overdue: #c62828" in css and "--due-soon: #ef6c00" in css
    tasks = office.get("/tasks?status=sap_den_han&as_of=2020-01-29").text
    assert 'class="badge due-soon"' in tasks and "I.1" in tasks


def test_the_overdue_table_shows_each_agency_with_its_escalation_level_and_overdue_age(
    office: Browserless, world: World
) -> None:
    daily_sweep(date(2020, 2, 16))  # I.1 is 16 days late: the level 3 escalation goes out
    html = office.get("/?as_of=2020-02-16").text
    table = html.split('id="overdue"', 1)[1].split("</table>", 1)[0]
    group = table.split("Sở Nông nghiệp và Phát triển nông thôn", 1)[1].split("</tbody>", 1)[0]
    assert 'class="level l3">cấp 3' in group
    assert "16 ngày" in group and "31/01/2020" in group and "I.1" in group


def test_the_overview_follows_a_change_made_outside_the_web_app(office: Browserless, world: World) -> None:
    before = cards(office.get("/?as_of=2020-02-05").text)
    with session_scope(world.engine) as s:  # as `dondoc update` would
        a = s.get(Assignment, world.assignment("I.1", "snnptnt").id)
        assert a is not None
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=date(2020, 2, 3), actor="cli",
                        source="cli")
    after = cards(office.get("/?as_of=2020-02-05").text)
    assert after["quá hạn"] == before["quá hạn"] - 1
    assert after["hoàn thành quá hạn"] == before["hoàn thành quá hạn"] + 1


def test_a_date_that_is_not_a_date_gets_a_clear_message(office: Browserless) -> None:
    r = office.get("/?as_of=31/02/2020")
    assert r.status_code == 400 and "không phải là ngày hợp lệ" in r.text and "dd/mm/yyyy" in r.text


def test_the_completion_chart_has_a_bar_per_lead_agency(office: Browserless, world: World) -> None:
    html = office.get("/?as_of=2020-02-27").text
    chart = html.split("Tỷ lệ hoàn thành theo cơ quan chủ trì", 1)[1]
    assert chart.count('<svg class="bar"') == len(set(_lead_agencies(world)))
    assert 'class="seg overdue"' in chart and "<script" not in chart


def _lead_agencies(world: World) -> set[int]:
    with Session(world.engine) as s:
        return set(s.exec(select(Assignment.agency_id).join(Task, Task.id == Assignment.task_id).where(
            Assignment.role == LEAD, Assignment.status != CANCELLED, Task.state == "active",
            Task.source != "report")))


def test_the_plan_page_shows_progress_by_section(office: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        plan_id = s.exec(select(Task.plan_id)).first()
    html = office.get(f"/plans/{plan_id}?as_of=2020-12-31").text
    assert "Kế hoạch 552/KH-BCĐ" in html
    for title in ("Nhiệm vụ trong Quý I/2020", "Nhiệm vụ Quý II và Quý III/2020", "Nhiệm vụ trong Quý IV/2020"):
        assert title in html
    assert html.index("Quý I/2020") < html.index("Quý II và Quý III/2020") < html.index("Quý IV/2020")


def test_the_agency_page_lists_its_tasks_and_its_on_time_rate(office: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    with session_scope(world.engine) as s:
        a = s.get(Assignment, world.assignment("I.1", "snnptnt").id)
        record_progress(s, assignment=a, status="done", percent=100, note=None, on=date(2020, 1, 30),  # type: ignore[arg-type]
                        actor="t", source="test")
    day = date(2020, 12, 31)
    rate = on_time_rate(expected_counts(world, day, agency_id=nn))
    html = office.get(f"/agencies/{nn}?as_of=2020-12-31").text
    assert "Sở Nông nghiệp và Phát triển nông thôn" in html and "I.1" in html
    assert rate is not None and f"{100 * rate:.0f}%" in html.split("Tỷ lệ hoàn thành đúng hạn", 1)[1][:200]


def test_the_agencies_report_duties_are_left_out_of_the_overview_as_the_report_leaves_them_out(
    office: Browserless, world: World
) -> None:
    with Session(world.engine) as s:
        duties = s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id).where(
            Task.source == "report", Assignment.role == LEAD)).all()
    day = date(2020, 12, 31)  # every 2020 report duty is overdue by then
    assert duties and all(d.due_date is not None and d.due_date < day for d in duties)
    page = office.get("/?as_of=2020-12-31")
    assert cards(page.text)[Status.OVERDUE.label] == expected_counts(world, day)[Status.OVERDUE]
