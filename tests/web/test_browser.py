"""In a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium, headless; never a
downloaded browser) against the app served by uvicorn on a free port, with links taken from
e-mails the real SMTP test server received. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.db import session_scope
from models.core.tables import Assignment, Notice
from models.core.web_tables import StaffUser
from models.progress.updates import record_progress
from tests.conftest import PLANS
from tests.web.conftest import ARGS as ARGS  # re-exported: later browser tests import them from here
from tests.web.conftest import CHROMIUM as CHROMIUM
from tests.web.conftest import OFFICE, SHOTS, World, needs_chromium, sign_in
from tests.web.conftest import live as live

NN = "snnptnt@bacgiang.example"

pytestmark = needs_chromium


def mailed_link(smtp_sink, recipient: str, ref: str) -> str:  # type: ignore[no-untyped-def]
    """The task link in the newest message to ``recipient`` that mentions ``ref``."""
    for message in reversed(smtp_sink.messages()):
        if recipient in str(message["To"]):
            body = message.get_body(("plain",)).get_content()
            for block in body.split("\n\n"):
                if f"nhiệm vụ {ref}\n" in block + "\n" or f"– nhiệm vụ {ref}" in block:
                    return re.search(r"(http://\S+/a/\S+/tasks/\d+)", block).group(1)  # type: ignore[union-attr]
    raise AssertionError(f"no mail to {recipient} about {ref}")


def card(page, label: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(f"li.card:has(span.label:text-is('{label}')) .num").inner_text())


def shot(page, name: str, backend: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{backend}.png"), full_page=True)


def backend(world: World) -> str:
    return world.engine.dialect.name


def _reported(world: World, ref: str, key: str, on: date) -> None:
    with session_scope(world.engine) as s:
        a = s.get(Assignment, world.assignment(ref, key).id)
        record_progress(s, assignment=a, status="done", percent=100, note="xong", on=on, actor=key, source="test")  # type: ignore[arg-type]


def test_the_office_signs_in_and_sees_the_overdue_table(live: str, page, world: World) -> None:  # type: ignore[no-untyped-def]
    _reported(world, "I.3", "ubnd-huyen-viet-yen", date(2020, 2, 20))  # on time
    _reported(world, "I.2", "ubnd-huyen-hiep-hoa", date(2020, 3, 3))  # late
    daily_sweep(date(2020, 3, 5))  # escalations: I.1 34 days late, February's tasks 5-6 days
    sign_in(page, live, "/%3Fas_of%3D2020-03-05")
    assert page.locator("h1").inner_text() == "Tổng quan tiến độ thực hiện"
    table = page.locator("#overdue")
    assert table.is_visible()
    group = table.locator("tbody", has_text="Sở Nông nghiệp và Phát triển nông thôn")
    assert "cấp 3" in group.inner_text() and "34 ngày" in group.inner_text()
    assert "cấp 1" in table.inner_text()
    assert card(page, "quá hạn") > 10
    assert card(page, "hoàn thành đúng hạn") == 1 and card(page, "hoàn thành quá hạn") == 1
    red = page.locator("li.card.overdue .num").first.evaluate("e => getComputedStyle(e).color")
    assert red == "rgb(198, 40, 40)"
    shot(page, "overview", backend(world))


def test_an_agency_opens_the_mailed_link_marks_the_task_done_and_the_overview_changes(
    live: str, page, browser, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 1, 24))  # the seven-day reminder for I.1
    link = mailed_link(smtp_sink, NN, "I.1")
    assert link.startswith(live + "/a/")
    office = browser.new_context(locale="vi-VN").new_page()
    sign_in(office, live)
    done_before, not_due_before = card(office, "hoàn thành đúng hạn"), card(office, "chưa đến hạn")

    page.goto(link)
    assert "Nhiệm vụ I.1" in page.locator("h1").inner_text()
    page.select_option("select[name=status]", "done")
    page.fill("input[name=percent]", "100")
    page.fill("textarea[name=note]", "Đã trình UBND tỉnh phân bổ vốn; Quyết định số 12/QĐ-UBND.")
    page.click("button:has-text('Lưu báo cáo')")
    page.wait_for_selector("text=Đã lưu báo cáo tiến độ.")
    assert "Quyết định số 12/QĐ-UBND" in page.locator("section", has_text="Báo cáo đã gửi").inner_text()
    page.click("text=‹ Nhiệm vụ của cơ quan")
    page.wait_for_selector("table.tasks")
    shot(page, "agency", backend(world))

    office.reload()
    assert card(office, "hoàn thành đúng hạn") == done_before + 1
    assert card(office, "chưa đến hạn") == not_due_before - 1
    office.context.close()


def test_an_extension_is_requested_approved_and_the_next_sweep_reminds_against_the_new_date(
    live: str, page, browser, world: World, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 1, 24))
    page.goto(mailed_link(smtp_sink, NN, "I.1"))
    page.fill("input[name=new_date]", "01/01/2020")
    page.fill("textarea[name=reason]", "Chờ Trung ương phân bổ vốn")
    page.click("button:has-text('Gửi đề nghị')")
    assert "đã qua hoặc là hôm nay" in page.locator(".flash.error").inner_text()
    page.fill("input[name=new_date]", "20/02/2020")
    page.click("button:has-text('Gửi đề nghị')")
    page.wait_for_selector("text=Đã gửi đề nghị gia hạn")

    office = browser.new_context(locale="vi-VN").new_page()
    sign_in(office, live, "/extensions")
    row = office.locator("tr", has_text="Chờ Trung ương phân bổ vốn")
    row.locator("button:has-text('Chấp thuận')").click()
    office.wait_for_selector("text=Đã chấp thuận gia hạn")
    office.context.close()

    smtp_sink.clear()
    daily_sweep(date(2020, 2, 13))  # seven days before the new date
    assignment = world.assignment("I.1", "snnptnt")
    with Session(world.engine) as s:
        sent = s.exec(
            select(Notice).where(Notice.assignment_id == assignment.id, Notice.as_of == date(2020, 2, 13))
        ).one()
    assert sent.kind == "reminder" and sent.due_date == date(2020, 2, 20)
    page.goto(mailed_link(smtp_sink, NN, "I.1"))
    assert "20/02/2020" in page.locator("section.mine").inner_text()
    assert "gốc 31/01/2020" in page.locator("section.mine").inner_text()


def test_a_link_for_agency_a_is_refused_on_agency_b_s_task(live: str, page, world: World) -> None:  # type: ignore[no-untyped-def]
    other_task, ref = world.foreign_task("skhdt")  # a task Sở KH&ĐT has no part in
    page.goto(f"{live}/a/{world.token('skhdt')}/tasks/{other_task}")
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"
    assert "không thuộc cơ quan của quý vị" in page.locator(".flash.error").inner_text()
    page.goto(f"{live}/a/{world.token('skhdt')}")
    assert f"{ref} " not in page.locator("table.tasks").inner_text() + " "
    assert f"/tasks/{other_task}\"" not in page.content()


def test_the_office_imports_a_plan_file_from_the_plans_page(live: str, page, world: World) -> None:  # type: ignore[no-untyped-def]
    with session_scope(world.engine) as s:  # Bến Tre's plan is imported by an office of its province (issue 13)
        s.execute(sa.update(StaffUser).where(StaffUser.email == OFFICE[0]).values(province="vinh-long"))  # type: ignore[arg-type]
    sign_in(page, live, "/plans")
    page.click("a:has-text('Nhập kế hoạch từ tệp')")
    page.set_input_files("input[name=file]", str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    page.click("button:has-text('Tải lên và xem trước')")
    assert page.locator("h1").inner_text() == "Xem trước: Kế hoạch 1185/KH-UBND"
    assert "Kế hoạch mới: tạo 21 nhiệm vụ" in page.inner_text("main")
    shot(page, "plan-import-preview", backend(world))
    page.click("button:has-text('Xác nhận nhập')")
    page.wait_for_url(re.compile(r"/plans/\d+\?msg=plan_created"))
    assert "Đã nhập kế hoạch 1185/KH-UBND: 21 nhiệm vụ được tạo" in page.locator("p.flash.ok").first.inner_text()
