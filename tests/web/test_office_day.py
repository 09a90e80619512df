"""A day of the office in Chromium (issue 15, done when), on a 1366 px desktop and a 390 px phone:
sign in and see the overdue agencies, record a report Sở NN&PTNT gave by phone, create a task from
a công văn, remind every overdue agency in bulk after seeing who gets what (the mails checked at
the real SMTP server), then download Sở NN&PTNT's công văn đôn đốc and open it with LibreOffice
(converted to PDF, its text read back with pdftotext). No page wider than the screen; screenshots
in var/screenshots/day/."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import date
from email.utils import parseaddr
from pathlib import Path

import pytest

from tests.web.conftest import DESKTOP, PHONE, World, fits, needs_chromium, shot, sign_in

DAY = date(2020, 3, 5)  # I.1 (31/01) 34 days overdue, February's tasks a few days
NN_NAME = "Sở Nông nghiệp và Phát triển nông thôn"
ADDRESS = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")

pytestmark = [needs_chromium, pytest.mark.skipif(not Path("/usr/bin/soffice").exists() or
                                                 not Path("/usr/bin/pdftotext").exists(),
                                                 reason="needs LibreOffice and poppler-utils")]


@pytest.fixture
def office_today() -> date:
    """The live app's clock for this module: a day with overdue agencies."""
    return DAY


def _pdf_text(docx_path: Path, work: Path) -> str:
    """The document opened by LibreOffice (headless, its own profile: another soffice may be
    running) and printed to PDF, read back by pdftotext, NFC and with whitespace collapsed."""
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(docx_path)],
                   check=True, capture_output=True, timeout=180)
    pdf = work / (docx_path.stem + ".pdf")
    assert pdf.is_file() and pdf.stat().st_size > 1000, "LibreOffice made no PDF"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_day_of_the_office(live: str, chromium, world: World, smtp_sink, tmp_path: Path,  # type: ignore[no-untyped-def]
                             screen: dict[str, int]) -> None:
    kind = "phone" if screen is PHONE else "desktop"
    width = screen["width"]
    context = chromium.new_context(locale="vi-VN", viewport=screen, accept_downloads=True)
    page = context.new_page()
    try:
        # 1. sign in: the overview shows the overdue agencies, Sở NN&PTNT's oldest item 34 days late
        sign_in(page, live)
        assert page.locator("h1").inner_text() == "Tổng quan tiến độ thực hiện"
        table = page.locator("#overdue")
        assert table.is_visible()
        nn = table.locator("tbody", has_text=NN_NAME)
        assert "34 ngày" in nn.inner_text()
        late = page.locator("#overdue tr.group .pill.overdue").count()
        assert late >= 5
        fits(page, width, "the overview")
        shot(page, "day", f"1-overview-{kind}")

        # 2. Sở NN&PTNT reports I.1 by phone: the office records it on the task page
        nn.locator("tr.group a", has_text=NN_NAME).click()  # on a phone the items are behind the agency
        page.wait_for_selector(f"h1:has-text('{NN_NAME}')")
        fits(page, width, "the agency's overdue tasks")
        page.locator("a", has_text=re.compile(r"^\s*(552/KH-BCĐ · )?I\.1\s*$")).first.click()
        page.wait_for_selector("h1:has-text('Nhiệm vụ I.1')")
        record = page.locator("details.record", has_text=NN_NAME)
        record.locator("summary").click()
        record.locator("select[name=status]").select_option("in_progress")
        record.locator("input[name=percent]").fill("40")
        assert record.locator("input[name=reported_on]").input_value() == "05/03/2020"
        record.locator("select[name=channel]").select_option("phone")
        record.locator("textarea[name=note]").fill("Phó Giám đốc Sở báo qua điện thoại: đã trình phân bổ vốn")
        fits(page, width, "the task page with the recording form")
        record.locator("button:has-text('Ghi nhận báo cáo')").click()
        page.wait_for_selector("text=Đã ghi nhận báo cáo thay cơ quan.")
        assert "Văn phòng ghi nhận qua điện thoại" in page.locator("ol.updates").inner_text()
        shot(page, "day", f"2-phone-report-{kind}")

        # 3. a task from a công văn, with the same reminders as the plan's
        page.goto(f"{live}/plans")
        page.click("a:has-text('Thêm nhiệm vụ từ công văn, thông báo kết luận')")
        page.wait_for_selector("h1:has-text('Thêm nhiệm vụ từ văn bản')")
        page.select_option("select[name=doc_kind]", "cong_van")
        page.fill("input[name=doc_code]", "45/UBND-NN")
        page.fill("input[name=doc_date]", "02/03/2020")
        page.fill("input[name=doc_title]", "V/v kiểm tra tiến độ giải ngân vốn nông thôn mới")
        page.fill("textarea[name=content]", "Báo cáo tiến độ giải ngân vốn nông thôn mới quý I năm 2020")
        page.fill("input[name=deadline]", "30 ngày kể từ ngày ban hành")
        page.locator("input[name=lead]").first.fill("Sở Tài chính")
        page.click("h1")
        fits(page, width, "the new task form")
        page.click("button:has-text('Lưu nhiệm vụ')")
        page.wait_for_selector("text=Đã thêm nhiệm vụ")
        assert "01/04/2020" in page.locator("dl.facts").inner_text()  # 30 days from 02/03/2020
        shot(page, "day", f"3-task-from-cong-van-{kind}")

        # 4. every overdue agency reminded in bulk, after seeing who gets what
        page.goto(f"{live}/")
        page.click("a:has-text('Nhắc mọi cơ quan có nhiệm vụ quá hạn')")
        page.wait_for_selector("h1:has-text('Nhắc mọi cơ quan có nhiệm vụ quá hạn')")
        listed = set(ADDRESS.findall(page.locator("table.grid").inner_text()))
        rows = page.locator("table.grid tbody tr").count()
        assert rows == late and listed
        assert smtp_sink.messages() == []  # nothing sent before the confirmation
        button = page.locator("button:has-text('Xác nhận gửi')")
        letters = int(re.search(r"Xác nhận gửi (\d+) thư", button.inner_text()).group(1))  # type: ignore[union-attr]
        fits(page, width, "the bulk confirmation")
        shot(page, "day", f"4-remind-confirm-{kind}")
        button.click()
        page.wait_for_selector("text=Đã gửi nhắc việc.")
        mails = smtp_sink.messages()
        got = {parseaddr(str(m["To"]))[1] for m in mails}
        assert got == listed  # every address shown, and no other
        assert len(listed) <= len(mails) <= letters
        nn_mail = next(m for m in mails if parseaddr(str(m["To"]))[1] == "snnptnt@bacgiang.example")
        body = nn_mail.get_body(("plain",)).get_content()
        assert "I.1" in body and "40%" in body  # the phone report is in the letter
        shot(page, "day", f"5-reminded-{kind}")

        # 5. Sở NN&PTNT's công văn đôn đốc, downloaded and opened with LibreOffice
        page.goto(f"{live}/agencies/{world.agency_id('snnptnt')}")
        fits(page, width, "the agency page")
        with page.expect_download() as download:
            page.click("a:has-text('Tải công văn đôn đốc')")
        saved = tmp_path / download.value.suggested_filename
        assert saved.name == "cong-van-don-doc-so-nong-nghiep-va-phat-trien-nong-thon-2020-03-05.docx"
        download.value.save_as(saved)
        text = _pdf_text(saved, tmp_path)
        for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Kính gửi",
                      NN_NAME, "I.1", "40%", "Nơi nhận", "CHÁNH VĂN PHÒNG", "Bắc Giang, ngày 05 tháng 3 năm 2020"):
            assert words in text, f"{words!r} not in the PDF: {text[:600]}"
        shot(page, "day", f"6-agency-{kind}")
    finally:
        context.close()
