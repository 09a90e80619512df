"""In Chromium, on a 390 px phone and a 1366 px desktop: the office creates a task from a công văn
(a deadline it cannot read first, kept as typed with the error), records a report Sở NN&PTNT gave
by phone, and the next sweep reminds the lead of the new task as it would an imported one.
Screenshots in var/screenshots/planning/."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import Assignment, Task
from tests.web.conftest import DESKTOP, PHONE, SHOTS, World, fits, needs_chromium, sign_in
from tests.web.test_browser import NN

NN_NAME = "Sở Nông nghiệp và Phát triển nông thôn"

pytestmark = needs_chromium


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_office_creates_a_task_from_a_cong_van_and_records_a_phone_report(
        live: str, chromium, world: World, smtp_sink, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    folder = SHOTS / "planning"
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live, "/plans")
        page.click("a:has-text('Thêm nhiệm vụ từ công văn, thông báo kết luận')")
        page.wait_for_selector("h1:has-text('Thêm nhiệm vụ từ văn bản')")
        # the directory is offered as the office types
        assert page.locator(f"datalist#danh-muc-co-quan option[value='{NN_NAME}']").count() == 1
        page.select_option("select[name=doc_kind]", "cong_van")
        page.fill("input[name=doc_code]", "15/UBND-NN")
        page.fill("input[name=doc_date]", "20/01/2020")
        page.fill("input[name=doc_title]", "V/v đẩy nhanh tiến độ xây dựng nông thôn mới")
        page.fill("textarea[name=content]", "Rà soát các xã đăng ký đạt chuẩn nông thôn mới năm 2020")
        page.fill("input[name=deadline]", "Sau khi có hướng dẫn")
        page.locator("input[name=lead]").first.fill(NN_NAME)
        page.locator("input[name=coordinating]").first.fill("Sở Tài chính")
        page.click("h1")  # the directory's suggestions close, as a person's tap beside them does
        fits(page, screen["width"], "the new task form")
        page.screenshot(path=str(folder / f"task-new-{kind}.png"), full_page=True)
        page.click("button:has-text('Lưu nhiệm vụ')")
        error = page.locator("#loi-deadline")
        assert "Không đọc được thời hạn “Sau khi có hướng dẫn”" in error.inner_text()
        assert page.input_value("input[name=doc_code]") == "15/UBND-NN"  # what was typed is kept
        assert page.locator("input[name=lead]").first.input_value() == NN_NAME
        fits(page, screen["width"], "the form with its error")
        page.screenshot(path=str(folder / f"task-new-error-{kind}.png"), full_page=True)
        page.fill("input[name=deadline]", "30 ngày kể từ ngày ban hành")
        page.click("button:has-text('Lưu nhiệm vụ')")
        page.wait_for_selector("text=Đã thêm nhiệm vụ")
        assert page.locator("h1").inner_text() == "Nhiệm vụ NT.1"
        assert "19/02/2020" in page.locator("dl.facts").inner_text()  # 30 days from 20/01/2020
        fits(page, screen["width"], "the new task's page")
        page.screenshot(path=str(folder / f"task-created-{kind}.png"), full_page=True)

        # Sở NN&PTNT reports by phone: the office records it on the task page
        record = page.locator("details.record", has_text=NN_NAME)
        record.locator("summary").click()
        record.locator("select[name=status]").select_option("in_progress")
        record.locator("input[name=percent]").fill("40")
        assert record.locator("input[name=reported_on]").input_value() == "25/01/2020"  # today by default
        record.locator("select[name=channel]").select_option("phone")
        record.locator("textarea[name=note]").fill("Phó Giám đốc Sở báo qua điện thoại: đã rà soát 4/10 huyện")
        fits(page, screen["width"], "the task page with the recording form open")
        page.screenshot(path=str(folder / f"record-phone-form-{kind}.png"), full_page=True)
        record.locator("button:has-text('Ghi nhận báo cáo')").click()
        page.wait_for_selector("text=Đã ghi nhận báo cáo thay cơ quan.")
        updates = page.locator("ol.updates").inner_text()
        assert "đã rà soát 4/10 huyện" in updates and "Văn phòng ghi nhận qua điện thoại" in updates
        assert "ghi nhận thay cơ quan: " + NN_NAME in page.locator("table.audit").inner_text()
        fits(page, screen["width"], "the task page after recording")
        page.screenshot(path=str(folder / f"record-phone-done-{kind}.png"), full_page=True)
    finally:
        context.close()
    with Session(world.engine) as s:
        task = s.exec(select(Task).where(Task.ref == "NT.1")).one()
        lead = s.exec(select(Assignment).where(Assignment.task_id == task.id, Assignment.role == "lead")).one()
        assert (lead.status, lead.percent) == ("in_progress", 40)
    # the same reminders as an imported task: seven days before 19/02/2020, the lead is mailed
    smtp_sink.clear()
    daily_sweep(date(2020, 2, 12))
    bodies = [m.get_body(("plain",)).get_content() for m in smtp_sink.messages() if NN in str(m["To"])]
    item = next(block for body in bodies for block in body.split("\n\n") if "– nhiệm vụ NT.1" in block)
    assert "Kế hoạch số 15/UBND-NN" in item and "Thời hạn: 19/02/2020" in item
    assert "đã báo cáo 40%" in item and f"/tasks/{task.id}" in item
