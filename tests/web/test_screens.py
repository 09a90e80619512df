"""Every page on a 390 px phone and on a 1366 px desktop, in Debian's Chromium.

An agency clerk opens the mailed link on a phone; the office works on a desktop and, away from
it, on a phone too. Each page is loaded at both widths with data behind it (overdue tasks,
escalations, reports), must not scroll sideways (the document is no wider than the screen)
and must keep every table's column name beside its value once the table is stacked. A
screenshot of each page at each width goes to var/screenshots/screens/ for people to look at.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import Plan
from tests.web.conftest import DESKTOP, PHONE, SHOTS, World, fits, needs_chromium, sign_in
from tests.web.test_browser import _reported

AS_OF = date(2020, 3, 5)  # I.1 34 days late, February's tasks a few days: every page has something to show

pytestmark = needs_chromium


def _pages(world: World) -> tuple[list[str], list[str]]:
    """(office pages, agency link pages) with ids taken from the imported plan."""
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id)).first()
    agency, task = world.agency_id("snnptnt"), world.task_id("I.1")
    a = f"/a/{world.token('snnptnt')}"
    office = ["/", "/tasks", f"/tasks?role=lead&status=qua_han&as_of={AS_OF.isoformat()}", "/plans",
              f"/plans/{plan_id}", f"/plans/{plan_id}/reports", f"/plans/{plan_id}/review", "/review", "/reports",
              "/extensions", f"/tasks/{task}", f"/agencies/{agency}", "/plans/import", "/outbox",
              "/remind/overdue"]
    office += ["/tasks/new", f"/tasks/{task}/edit", f"/plans/{plan_id}/edit"]  # tasks made and changed by hand
    return office, [a, f"{a}/tasks/{task}"]


def _as_of(path: str) -> str:
    """The page as of AS_OF (the app's own clock is TODAY, before anything was late)."""
    if "as_of=" in path:
        return path
    return f"{path}{'&' if '?' in path else '?'}as_of={AS_OF.isoformat()}"


def _name(path: str) -> str:
    return path.strip("/").split("?")[0].replace("/", "-") or "overview"


def _check(page, path: str, width: int) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("h1").count() >= 1, f"{path}: no page heading"
    fits(page, width, path)
    if width == PHONE["width"]:
        # a stacked table still says which column each value is
        unlabelled = page.evaluate(
            """() => {
                 let missing = 0;
                 for (const table of document.querySelectorAll('table.grid')) {
                   if (!table.tHead || !table.offsetParent) continue;
                   const heads = [...table.tHead.rows[table.tHead.rows.length - 1].cells]
                     .flatMap(th => Array(th.colSpan).fill(th.textContent.trim()));
                   for (const row of [...table.tBodies].flatMap(b => [...b.rows])) {
                     let col = 0;
                     for (const cell of row.cells) {
                       if (cell.tagName === 'TD' && cell.colSpan === 1 && heads[col] && cell.offsetParent
                           && cell.textContent.trim() && !cell.dataset.label) missing += 1;
                       col += cell.colSpan;
                     }
                   }
                 }
                 return missing;
               }"""
        )
        assert unlabelled == 0, f"{path}: {unlabelled} table cells without their column name on a phone"


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits_the_screen_without_scrolling_sideways(
    live: str, chromium, world: World, screen: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    _reported(world, "I.3", "ubnd-huyen-viet-yen", date(2020, 2, 20))
    daily_sweep(AS_OF)
    office, agency = _pages(world)
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    folder = SHOTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    kind = "phone" if screen is PHONE else "desktop"
    try:
        page.goto(f"{live}/login")
        _check(page, "/login", screen["width"])
        page.screenshot(path=str(folder / f"login-{kind}.png"), full_page=True)
        sign_in(page, live)
        for path in office:
            page.goto(live + _as_of(path))
            _check(page, path, screen["width"])
            page.screenshot(path=str(folder / f"{_name(path)}-{kind}.png"), full_page=True)
        for path in agency:
            page.goto(f"{live}{path}")
            _check(page, path, screen["width"])
            name = "agency-home" if path.count("/") == 2 else "agency-task"
            page.screenshot(path=str(folder / f"{name}-{kind}.png"), full_page=True)
        # the period report form, opened from the agency's home page
        page.goto(f"{live}{agency[0]}")
        page.click("#bao-cao-dinh-ky a[href*='/reports/']")
        page.wait_for_selector("h1")
        _check(page, "the agency's report form", screen["width"])
        page.screenshot(path=str(folder / f"agency-report-{kind}.png"), full_page=True)
        # a link that opens nothing offers a new one by e-mail, and that form's own page
        for path, name in ((f"/a/{'x' * 40}", "agency-dead-link"), ("/links/new", "link-request")):
            page.goto(f"{live}{path}")
            _check(page, path, screen["width"])
            page.screenshot(path=str(folder / f"{name}-{kind}.png"), full_page=True)
    finally:
        context.close()


def test_the_overview_on_a_phone_stays_a_few_screens_tall(live: str, chromium, world: World) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(AS_OF)
    context = chromium.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live, f"/%3Fas_of%3D{AS_OF.isoformat()}")
        page.wait_for_load_state("load")  # the stylesheet in (conftest.fits waits for it too)
        tall = page.evaluate("() => document.documentElement.scrollHeight")
        # measured before the phone layout: 16,000 px on a national data set; the sample plan's
        # overview held 9,800 px with one word a line in the stacked chart
        assert tall < 6 * 844, f"the overview is {tall} px tall on a phone"
    finally:
        context.close()
