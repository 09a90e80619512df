"""The overview's figures are kept per province (issue 16): a change in one province counts that
province again and no other, a notice leaving the outbox counts nothing again (only the levels
shown are read), the country's figures are the provinces' added up, and a province's cards open
lists of exactly their number of rows. Bắc Giang's and Bến Tre's plans, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

import web.overview
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.tables import Agency, Assignment, Plan, Task
from models.progress.updates import record_progress
from tests.conftest import PLANS
from tests.web.conftest import Browserless, World
from tests.web.overview.test_counts_agree import _cards, _check
from tests.web.overview.test_overview import cards

NATIONAL = ("quocgia@bo.example", "mat-khau-quoc-gia")
BEN_TRE = ("vp@bentre.example", "mat-khau-ben-tre")
DAY = "2021-03-01"  # Bến Tre's tasks of 2020 overdue, some of Bắc Giang's too


@pytest.fixture
def counted(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Bến Tre's plan beside Bắc Giang's, a national account and Bến Tre's office; the provinces
    whose figures are counted, in order."""
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(world.engine) as s:
        add_user(s, email=NATIONAL[0], role="national", password=NATIONAL[1], actor="test")
        add_user(s, email=BEN_TRE[0], role="office", password=BEN_TRE[1], actor="test", province="ben-tre")
    calls: list[str | None] = []
    real = web.overview.overview_figures

    def spy(session: Any, **kw: Any) -> Any:
        calls.append(kw.get("province"))
        return real(session, **kw)

    monkeypatch.setattr(web.overview, "overview_figures", spy)
    return calls


@pytest.fixture
def national(client: Browserless, counted: list[str | None]) -> Browserless:
    client.login(*NATIONAL)
    return client


def _progress(world: World, province: str) -> None:
    """As `dondoc update` would: the first overdue lead assignment of the province's plans is done."""
    with session_scope(world.engine) as s:
        a = s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
                   .join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
                   .where(Plan.province == province, Assignment.role == "lead", Assignment.status != "done",
                          Assignment.due_date < date(2021, 1, 15), Task.source != "report")  # type: ignore[operator]
                   .order_by(Assignment.due_date, Assignment.id)).first()
        assert a is not None
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=date(2021, 2, 1),
                        actor="cli", source="cli")


def _get(c: Browserless, url: str) -> str:
    r = c.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.text


def test_a_change_in_one_province_counts_that_province_again_and_no_other(
    national: Browserless, world: World, counted: list[str | None]
) -> None:
    before = cards(_get(national, f"/?as_of={DAY}"))
    assert sorted(counted) == ["bac-giang", "ben-tre"]  # the country: each province counted once
    assert cards(_get(national, f"/?as_of={DAY}")) == before and len(counted) == 2  # kept
    _progress(world, "ben-tre")
    after = cards(_get(national, f"/?as_of={DAY}"))
    assert counted[2:] == ["ben-tre"]  # Bắc Giang's figures kept as they were
    assert after["quá hạn"] == before["quá hạn"] - 1
    assert after["hoàn thành quá hạn"] == before["hoàn thành quá hạn"] + 1


def test_a_province_account_sees_its_provinces_figures_and_each_card_opens_that_many_rows(
    client: Browserless, world: World, counted: list[str | None]
) -> None:
    client.login(*BEN_TRE)
    page = _get(client, f"/?as_of={DAY}")
    assert counted == ["ben-tre"]
    shown = {int(x) for x in re.findall(r'href="/agencies/(\d+)\?', page)}
    with session_scope(world.engine) as s:
        assert shown and set(s.exec(select(Agency.province).where(Agency.id.in_(shown)))) == {"ben-tre"}  # type: ignore[attr-defined]
    _check(client, _cards(page))
    _progress(world, "bac-giang")  # another province's change: nothing counted again
    assert cards(_get(client, f"/?as_of={DAY}")) == cards(page) and counted == ["ben-tre"]


def test_a_notice_leaving_the_outbox_counts_nothing_again_and_shows_its_level(
    national: Browserless, world: World, counted: list[str | None]
) -> None:
    html = _get(national, "/?as_of=2020-02-16")
    assert 'class="level l3"' not in html and len(counted) == 2
    daily_sweep(date(2020, 2, 16))  # I.1 is 16 days late: the level 3 escalation goes out
    html = _get(national, "/?as_of=2020-02-16")
    assert len(counted) == 2  # no province counted again
    table = html.split('id="overdue"', 1)[1].split("</table>", 1)[0]
    group = table.split("Sở Nông nghiệp và Phát triển nông thôn", 1)[1].split("</tbody>", 1)[0]
    assert 'class="level l3">cấp 3' in group and "I.1" in group


def test_the_countrys_chart_has_a_bar_per_province_with_its_figures(
    national: Browserless, client: Browserless, world: World
) -> None:
    html = _get(national, f"/?as_of={DAY}")
    chart = html.split('id="theo-tinh"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<a href="/\?province=([a-z-]+)&amp;as_of=[^"]+">([^<]+)</a>.*?'
                      r'<td class="num">(\d+)/(\d+) ', chart, re.S)
    assert [(slug, name) for slug, name, _, _ in rows] == [("bac-giang", "Bắc Giang"), ("ben-tre", "Bến Tre")]
    # two provinces' agencies are few enough to chart too (3,400 are not: benchmarks/bench_web_national.py)
    assert "Tỷ lệ hoàn thành theo cơ quan chủ trì" in html
    total = sum(int(n) for n in cards(html).values())
    assert sum(int(t) for _, _, _, t in rows) == total
    for slug, _name, done, all_ in rows:  # each bar says what that province's own overview says
        own = _get(national, f"/?province={slug}&as_of={DAY}")
        mine = cards(own)
        assert int(all_) == sum(mine.values())
        assert int(done) == mine["hoàn thành đúng hạn"] + mine["hoàn thành quá hạn"]
