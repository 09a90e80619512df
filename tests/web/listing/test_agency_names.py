"""Four provinces' plans side by side: filters and charts name each agency once, with its province
only when two share a name, in the Vietnamese alphabet's order, and provinces by name, never by
slug. On SQLite and PostgreSQL."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.tables import CANCELLED, TASK_ACTIVE, Agency, Assignment, Plan, Task
from tasks.common.text import vi_sort_key
from tests.conftest import PLANS
from tests.web.conftest import Browserless, World

NN = "Sở Nông nghiệp và Phát triển nông thôn"
SLUGS = ("bac-giang", "ben-tre", "kien-giang", "lang-son")
NATIONAL = ("bo@nongthonmoi.example", "mat-khau-toan-quoc")


@pytest.fixture
def office(client: Browserless, world: World) -> Browserless:
    """A national account (issue 13): an office account sees its own province only, the national
    role reads the four provinces side by side."""
    with session_scope(world.engine) as s:
        add_user(s, email=NATIONAL[0], role="national", password=NATIONAL[1], actor="test")
    client.login(*NATIONAL)
    return client


@pytest.fixture
def provinces(world: World) -> World:
    for name in ("ben-tre-1185-kh-ubnd-2019.txt", "kien-giang-153-kh-ubnd-2018.txt", "lang-son-176-kh-ubnd-2023.txt"):
        import_plan(str(PLANS / name))
    return world


def _agency_options(page: str) -> list[tuple[int, str]]:
    select_ = page.split('<select name="agency">', 1)[1].split("</select>", 1)[0]
    return [(int(v), htmllib.unescape(label)) for v, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>',
                                                                          select_)]


def _with_assignments(world: World, plan_code: str | None = None) -> set[int]:
    with Session(world.engine) as s:
        q = select(Assignment.agency_id).join(Task, Task.id == Assignment.task_id).join(  # type: ignore[arg-type]
            Plan, Plan.id == Task.plan_id).where(Assignment.status != CANCELLED, Task.state == TASK_ACTIVE)  # type: ignore[arg-type]
        if plan_code:
            q = q.where(Plan.code == plan_code)
        return set(s.exec(q).all())


def test_the_agency_filter_names_each_agency_once_with_its_province_only_when_names_clash(
    office: Browserless, provinces: World
) -> None:
    options = _agency_options(office.get("/tasks").text)
    ids = [i for i, _ in options]
    labels = [label for _, label in options]
    assert len(ids) == len(set(ids)) and set(ids) == _with_assignments(provinces)
    assert len(labels) == len(set(labels)), "two options read the same"
    assert NN not in labels and f"{NN} (Bắc Giang)" in labels and f"{NN} (Bến Tre)" in labels
    assert "Ban Dân tộc (Bắc Giang)" in labels and "Ban Dân tộc (Bến Tre)" in labels
    assert "UBND huyện Lục Ngạn" in labels  # one of its name: no province added
    assert labels == sorted(labels, key=vi_sort_key)
    assert labels.index("Đoàn thẩm định tỉnh") < labels.index("Hội Nông dân tỉnh")
    assert labels.index("UBND huyện Lục Ngạn") < labels.index("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh (Bắc Giang)") \
        < labels.index("Văn phòng Ủy ban nhân dân tỉnh (Bắc Giang)")


def test_with_a_plan_chosen_the_filter_lists_only_that_plans_agencies(office: Browserless, provinces: World) -> None:
    with Session(provinces.engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == "1185/KH-UBND")).one()
    page = office.get(f"/tasks?plan={plan.id}").text
    options = _agency_options(page)
    assert {i for i, _ in options} == _with_assignments(provinces, "1185/KH-UBND")
    assert NN in [label for _, label in options]  # alone in this plan: no province needed
    assert not any("(" in label for _, label in options)
    chosen = _agency_options(office.get(f"/tasks?plan={plan.id}&agency={provinces.agency_id('snnptnt')}").text)
    assert (provinces.agency_id("snnptnt"), f"{NN} (Bắc Giang)") in chosen  # the chosen agency stays a choice


def test_provinces_are_shown_by_name_never_by_slug(office: Browserless, provinces: World) -> None:
    for url in ("/tasks", "/plans", "/reports"):
        page = office.get(url).text
        found = [slug for slug in SLUGS if re.search(rf">[^<]*\b{slug}\b[^<]*<", page)]
        assert not found, f"{url} shows {found}"
        assert "Bắc Giang" in page and "Bến Tre" in page and "Kiên Giang" in page, url
    assert "552/KH-BCĐ (Bắc Giang)" in office.get("/tasks").text


def test_the_overview_chart_names_each_agency_once_in_vietnamese_order(office: Browserless, provinces: World) -> None:
    page = office.get(f"/?as_of={date(2020, 12, 31).isoformat()}").text
    chart = page.split("Tỷ lệ hoàn thành theo cơ quan chủ trì", 1)[1].split("</table>", 1)[0]
    links = re.findall(r'<a href="/agencies/(\d+)\?[^"]*">([^<]+)</a>', chart)
    rows = [(int(i), htmllib.unescape(n)) for i, n in links]
    names = [n for _, n in rows]
    assert len({i for i, _ in rows}) == len(rows) and len(set(names)) == len(names)
    assert names == sorted(names, key=vi_sort_key)
    assert f"{NN} (Bắc Giang)" in names and NN not in names
    late = page.split('id="overdue"', 1)[1].split("</table>", 1)[0]
    assert f">{NN} (" in htmllib.unescape(late)
    with Session(provinces.engine) as s:
        assert s.exec(select(Agency).where(Agency.name == NN)).all()  # the stored name is unchanged
