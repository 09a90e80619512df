"""The ranking of agencies (/ranking) on the real Bắc Giang plan, SQLite and PostgreSQL: worst
first as the overview counts, the trend against the same day of the previous month rebuilt from
the stored completion dates, filtered by plan and by province."""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import CANCELLED, LEAD, Agency, Assignment, Plan, Task
from models.overview.dashboard import agency_counts
from models.overview.ranking import agency_ranking, standings_on
from models.progress.updates import record_progress
from tasks.escalation.status import Status, classify
from tests.conftest import PLANS
from tests.web.conftest import Browserless, World

AS_OF, BEFORE = date(2020, 4, 5), date(2020, 3, 5)
ROW = re.compile(r'<tr class="trend-(\w+)">\s*<td class="num">(\d+)</td>\s*<td><a href="/agencies/(\d+)\?[^"]*">'
                 r'([^<]+)</a></td>\s*<td class="num">(?:<a class="overdue-age" href="([^"]+)">)?(\d+)', re.S)


def _complete(world: World, ref: str, key: str, on: date) -> None:
    with session_scope(world.engine) as s:
        a = s.get(Assignment, world.assignment(ref, key).id)
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=on, actor=key,  # type: ignore[arg-type]
                        source="test")


def _overdue_by_agency(world: World, day: date) -> dict[int, int]:
    """Overdue lead items per agency on ``day`` by classify, row by row, from today's rows (no
    due date moved in these tests: completion dates alone tell the earlier day)."""
    with Session(world.engine) as s:
        rows = s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id).where(  # type: ignore[arg-type]
            Assignment.role == LEAD, Assignment.status != CANCELLED, Task.state == "active",
            Task.source != "report")).all()
    out: Counter[int] = Counter()
    for a in rows:
        status = classify(due_date=a.due_date, completed_on=a.completed_on, as_of=day, done=a.status == "done")
        if status is Status.OVERDUE:
            out[a.agency_id] += 1
    return dict(out)


def _rows(page: str) -> list[tuple[str, int, int, str, str | None, int]]:
    table = page.split('id="xep-hang"', 1)[1].split("</table>", 1)[0]
    return [(trend, int(place), int(aid), htmllib.unescape(name), htmllib.unescape(href) if href else None, int(n))
            for trend, place, aid, name, href, n in ROW.findall(table)]


@pytest.fixture
def reported(world: World) -> World:
    _complete(world, "I.1", "snnptnt", date(2020, 3, 20))  # overdue on 05/03, done late by 05/04
    _complete(world, "I.3", "ubnd-huyen-viet-yen", date(2020, 2, 20))  # done before either day
    return world


def test_the_ranking_lists_the_most_overdue_agencies_first_with_the_overviews_numbers(
        office: Browserless, reported: World) -> None:
    page = office.get(f"/ranking?as_of={AS_OF.isoformat()}")
    assert page.status_code == 200
    rows = _rows(page.text)
    want = _overdue_by_agency(reported, AS_OF)
    assert {aid: n for _t, _p, aid, _name, _h, n in rows if n} == want
    assert [n for *_x, n in rows] == sorted((n for *_x, n in rows), reverse=True)  # worst first
    assert [p for _t, p, *_x in rows] == list(range(1, len(rows) + 1))
    # the overview's pills say the same per agency
    overview = office.get(f"/?as_of={AS_OF.isoformat()}").text
    pills = {int(aid): int(n) for aid, n in re.findall(
        r'<a href="/agencies/(\d+)\?[^"]+">[^<]+</a>\s*<span class="pill overdue">(\d+) quá hạn</span>', overview)}
    assert pills == want
    assert f'href="/ranking?as_of={AS_OF.isoformat()}"' in overview  # linked from the overview


def test_the_trend_compares_with_the_same_day_last_month_rebuilt_from_completion_dates(
        office: Browserless, reported: World) -> None:
    page = office.get(f"/ranking?as_of={AS_OF.isoformat()}").text
    assert "so với ngày 05/03/2020 (cùng ngày tháng trước)" in page
    rows = {aid: (trend, n) for trend, _p, aid, _name, _h, n in _rows(page)}
    nn = reported.agency_id("snnptnt")
    then, now = _overdue_by_agency(reported, BEFORE), _overdue_by_agency(reported, AS_OF)
    assert then[nn] >= 1  # I.1 was overdue on 05/03
    with Session(reported.engine) as s:
        ranking = agency_ranking(s, as_of=AS_OF)
    mine = next(r for r in ranking.rows if r.agency_id == nn)
    assert mine.before is not None and mine.before.overdue == then[nn]  # I.1 still open on 05/03
    assert mine.now.overdue == now.get(nn, 0)
    expected = "worse" if now.get(nn, 0) > then[nn] else "better" if now.get(nn, 0) < then[nn] else None
    if expected:
        assert rows[nn][0] == expected
    section = page.split(f'href="/agencies/{nn}?', 1)[1].split("</tr>", 1)[0]
    assert f"quá hạn {then[nn]} → {now.get(nn, 0)}" in section
    for r in ranking.rows:  # every agency's earlier figure is classify's on 05/03
        assert r.before is not None and r.before.overdue == then.get(r.agency_id, 0)


def test_the_rebuilt_standing_of_a_day_equals_the_overviews_count_of_that_day(reported: World) -> None:
    with Session(reported.engine) as s:
        counted = agency_counts(s, as_of=AS_OF)
        rebuilt = standings_on(s, day=AS_OF)
    assert {aid: dict(a.counts) for aid, a in counted.items()} == \
        {aid: {k: v for k, v in st.counts.items() if v} for aid, st in rebuilt.items()}


def test_the_ranking_keeps_one_plan_or_one_province(office: Browserless, reported: World) -> None:
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with Session(reported.engine) as s:
        plans = dict(s.exec(select(Plan.code, Plan.id)).all())
        province = dict(s.exec(select(Agency.id, Agency.province)).all())
        everyone = agency_ranking(s, as_of=AS_OF)
        ben_tre = agency_ranking(s, as_of=AS_OF, province="ben-tre")
        one_plan = agency_ranking(s, as_of=AS_OF, plan_id=plans["552/KH-BCĐ"])
    assert {province[r.agency_id] for r in everyone.rows} == {"bac-giang", "ben-tre"}
    assert ben_tre.rows and {province[r.agency_id] for r in ben_tre.rows} == {"ben-tre"}
    assert one_plan.rows and {province[r.agency_id] for r in one_plan.rows} == {"bac-giang"}
    by_agency: dict[int, int] = defaultdict(int)
    for r in one_plan.rows:
        by_agency[r.agency_id] += r.now.overdue
    assert {k: v for k, v in by_agency.items() if v} == _overdue_by_agency(reported, AS_OF)
    # the page with the plan chosen: its links keep the plan
    page = office.get(f"/ranking?as_of={AS_OF.isoformat()}&plan={plans['552/KH-BCĐ']}")
    if page.status_code == 200:  # an account without a province on two provinces' database is refused
        hrefs = [h for *_x, h, _n in _rows(page.text) if h]
        assert hrefs and all(f"plan={plans['552/KH-BCĐ']}" in h for h in hrefs)


def test_a_bad_plan_or_an_unknown_province_is_one_clear_message(office: Browserless, world: World) -> None:
    assert "Kế hoạch không hợp lệ." in office.get("/ranking?plan=abc").text
    assert office.get("/ranking?plan=999999").status_code == 404
    r = office.get("/ranking?province=khong-co")
    assert r.status_code == 400 and "Không có tỉnh này" in r.text


def test_a_national_account_chooses_a_province_and_sees_only_its_agencies(reported: World) -> None:
    from models.auth.users import add_user
    from web.app import create_app

    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(reported.engine) as s:
        add_user(s, email="quocgia@bo.example.vn", role="national", password="mat-khau-quoc-gia", actor="test")
        province = dict(s.exec(select(Agency.id, Agency.province)).all())
    with Browserless(create_app(today=lambda: AS_OF)) as c:
        c.login("quocgia@bo.example.vn", "mat-khau-quoc-gia")
        everyone = c.get("/ranking").text
        assert '<option value="ben-tre"' in everyone and "Cả nước" in everyone
        assert {province[aid] for _t, _p, aid, *_x in _rows(everyone)} == {"bac-giang", "ben-tre"}
        chosen = c.get("/ranking?province=ben-tre").text
        rows = _rows(chosen)
        assert rows and {province[aid] for _t, _p, aid, *_x in rows} == {"ben-tre"}
        assert "552/KH-BCĐ" not in chosen.split('name="plan"', 1)[1].split("</select>", 1)[0]


def test_rows_untouched_since_the_earlier_day_are_counted_in_sql_and_touched_ones_rebuilt(world: World) -> None:
    import sqlalchemy as sa

    from models.core.tables import AuditEvent

    with session_scope(world.engine) as s:  # the import and everything before: long before both days
        s.execute(sa.update(AuditEvent).values(at=datetime(2019, 12, 1, tzinfo=UTC)))
    with Session(world.engine) as s:
        untouched = standings_on(s, day=AS_OF)
        counted = agency_counts(s, as_of=AS_OF)
    assert {aid: {k: v for k, v in st.counts.items() if v} for aid, st in untouched.items()} == \
        {aid: dict(a.counts) for aid, a in counted.items()}
    _complete(world, "I.1", "snnptnt", date(2020, 3, 20))  # recorded now: this row is rebuilt
    with Session(world.engine) as s:
        before = standings_on(s, day=BEFORE)
    want = _overdue_by_agency(world, BEFORE)
    assert {aid: st.overdue for aid, st in before.items() if st.overdue} == want
    assert before[world.agency_id("snnptnt")].oldest_overdue == date(2020, 1, 31)  # I.1, open on 05/03
