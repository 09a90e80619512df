"""In Chromium at 1366 and 390 px: the office goes from the overview, filtered by plan, to the
ranking of agencies, reads the worst agency first with its trend since last month and opens its
overdue tasks; no page wider than the screen. Screenshots in var/screenshots/overview/."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from models.core.db import session_scope
from models.core.tables import Assignment, Plan
from models.progress.updates import record_progress
from tests.web.conftest import DESKTOP, PHONE, World, fits, needs_chromium, shot, sign_in

DAY = date(2020, 4, 5)
pytestmark = needs_chromium


@pytest.fixture
def office_today() -> date:
    return DAY


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_office_reads_the_ranking_from_the_overview_of_a_plan(
        live: str, chromium, world: World, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind, width = ("phone" if screen is PHONE else "desktop"), screen["width"]
    with session_scope(world.engine) as s:  # Sở NN&PTNT finishes I.1 late, between the two days
        a = s.get(Assignment, world.assignment("I.1", "snnptnt").id)
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=date(2020, 3, 20),  # type: ignore[arg-type]
                        actor="snnptnt", source="test")
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id)).one()
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live)
        page.select_option("select[name=plan]", str(plan_id))
        page.click("form.asof button:has-text('Xem')")
        page.wait_for_url(f"**plan={plan_id}**")
        fits(page, width, "the overview of one plan")
        shot(page, "overview", f"overview-plan-{kind}")
        page.click("a:has-text('Xếp hạng cơ quan, so với tháng trước')")
        page.wait_for_selector("h1:has-text('Xếp hạng cơ quan chủ trì')")
        assert "so với ngày 05/03/2020 (cùng ngày tháng trước)" in page.inner_text("main")
        first = page.locator("#xep-hang tbody tr").first
        nn = page.locator("#xep-hang tbody tr", has_text="Sở Nông nghiệp và Phát triển nông thôn")
        assert "tốt lên" in nn.inner_text() and "quá hạn 1 → 0" in nn.inner_text()
        fits(page, width, "the ranking")
        shot(page, "overview", f"ranking-{kind}")
        overdue = int(first.locator("a.overdue-age").inner_text())
        first.locator("a.overdue-age").click()
        page.wait_for_selector("table.tasks")
        assert f"{overdue} dòng" in page.inner_text("main")
    finally:
        context.close()
