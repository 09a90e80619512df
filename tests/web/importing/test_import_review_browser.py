"""In Chromium, on a 390 px phone and a 1366 px desktop: the office uploads a Word plan, sees the
tasks dondoc is unsure of with their reasons, corrects one's lead agency (typed without tone
marks) and deadline, marks the past-due tasks as already known and sees the first sweep's
forecast change, then confirms; the plan page lists the tasks as corrected. Screenshots in
var/screenshots/importing/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import DESKTOP, PHONE, World, fits, needs_chromium, shot, sign_in
from tests.web.importing.test_import_review import plan_docx

pytestmark = needs_chromium


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_office_reviews_corrects_and_confirms_a_plan_in_the_browser(
        live: str, chromium, world: World, tmp_path: Path, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    backend = world.engine.dialect.name
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live, "/plans/import")
        page.set_input_files("input[name=file]", str(plan_docx(tmp_path)))
        page.click("button:has-text('Tải lên và xem trước')")
        page.wait_for_selector("h1:has-text('Xem trước: Kế hoạch 77/KH-UBND')")
        review = page.locator("ol.review-rows")
        assert review.locator("li.review-row").count() == 3
        unresolved = review.locator("li.review-row", has=page.locator("input[name=fix][value='3']"))
        assert "“UBND xã Tân Sơn”" in unresolved.inner_text()
        said = page.inner_text("#du-bao-tom-tat") + page.inner_text("ul.forecast")
        assert "Báo cáo Lãnh đạo UBND tỉnh: không" in said and "Đôn đốc cấp 1" in said
        fits(page, screen["width"], "the import preview")
        shot(page, "importing", f"preview-{kind}-{backend}")

        page.fill("input[name='lead:3']", "so xay dung")
        page.fill("input[name='deadline:4']", "31/02/2020")  # no such day: refused on its row
        page.check("input[name=backlog][value=known]")
        page.click("button:has-text('Xác nhận nhập')")
        page.wait_for_selector("p.flash.error")
        assert "vẫn được giữ trên máy chủ" in page.inner_text("main")
        row = page.locator("li.review-row.has-error")
        assert row.count() == 1 and "31/02/2020" in row.locator("input[name='deadline:4']").input_value()
        assert page.locator("input[name='lead:3']").input_value() == "so xay dung"  # what was typed stays
        said = page.inner_text("#du-bao-tom-tat") + page.inner_text("ul.forecast")
        assert "Đôn đốc cấp" not in said  # already known: no escalation of the old tasks on the first sweep
        fits(page, screen["width"], "the preview with an error on a row")
        shot(page, "importing", f"preview-error-{kind}-{backend}")

        page.fill("input[name='deadline:4']", "30/06/2020")
        page.click("button:has-text('Xác nhận nhập')")
        page.wait_for_url(re.compile(r"/plans/\d+\?msg=plan_created"))
        assert "Đã nhập kế hoạch 77/KH-UBND: 6 nhiệm vụ được tạo" in page.inner_text("main")
        fits(page, screen["width"], "the imported plan's page")
        shot(page, "importing", f"imported-{kind}-{backend}")
        page.click("a:has-text('Xem mọi nhiệm vụ của kế hoạch')")
        page.click("a:text-is('77/KH-UBND · 3')")
        page.wait_for_selector("h1")
        task = page.inner_text("main")
        assert "Sở Xây dựng" in task and "đính chính" in task  # the corrected lead, and its audit line
        fits(page, screen["width"], "the corrected task's page")
        shot(page, "importing", f"corrected-task-{kind}-{backend}")
    finally:
        context.close()


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_table_whose_headers_are_not_understood_is_read_through_the_columns_the_office_chooses(
        live: str, chromium, world: World, tmp_path: Path, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    backend = world.engine.dialect.name
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live, "/plans/import")
        page.set_input_files("input[name=file]", str(plan_docx(tmp_path, header=["Số", "Việc cần làm", "Ai làm",
                                                                               "Ai giúp", "Hạn chót"])))
        page.click("button:has-text('Tải lên và xem trước')")
        page.wait_for_selector("#tiep-tuc")
        assert "vẫn được giữ trên máy chủ" in page.inner_text("#tiep-tuc")
        for column, role in ((1, "number"), (2, "task"), (3, "lead"), (4, "coordinating"), (5, "due")):
            page.select_option(f"#chon-cot select[name=col_{column}]", role)
        fits(page, screen["width"], "the form keeping the file, with a select per column")
        shot(page, "importing", f"columns-{kind}-{backend}")
        page.click("button:has-text('Đọc bảng theo các cột này')")
        page.wait_for_selector("h1:has-text('Xem trước: Kế hoạch 77/KH-UBND')")
        assert page.locator("li.review-row").count() == 6  # every row read through chosen columns is reviewed
        assert "đọc theo cột Văn phòng chọn" in page.inner_text("ol.review-rows")
        fits(page, screen["width"], "the preview read through the chosen columns")
        shot(page, "importing", f"columns-preview-{kind}-{backend}")
    finally:
        context.close()
