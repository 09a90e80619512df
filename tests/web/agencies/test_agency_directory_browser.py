"""The directory pages in Debian's Chromium on a 1366 px desktop and a 390 px phone: the list,
a tone-insensitive search, the edit form, a form error, the groups page and the Excel contact
upload (preview, then confirm). No page scrolls sideways; screenshots of each go to
var/screenshots/agencies/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.core.tables import Agency
from tasks.common.xlsx_writer import Sheet, write_xlsx
from tests.web.conftest import DESKTOP, PHONE, World, fits, needs_chromium, shot, sign_in

pytestmark = needs_chromium


def _workbook(path: Path) -> Path:
    out = io.BytesIO()
    write_xlsx(out, [Sheet(title="Danh bạ", columns=[("Tên cơ quan", 40.0), ("Thư điện tử", 30.0),
                                                     ("Thư điện tử của thủ trưởng", 30.0)],
                           rows=[["so tai chinh", "taichinh.moi@bacgiang.example", ""],
                                 ["Sở Không Có", "a@bacgiang.example", ""],
                                 ["Sở Y tế", "khong-phai-thu", ""]])])
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_directory_pages_work_on_a_phone_and_a_desktop_with_the_excel_upload(
        live: str, chromium, world: World, screen: dict[str, int], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    width = screen["width"]
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live)
        page.click("nav a:has-text('Cơ quan')")
        page.wait_for_selector("#danh-muc")
        assert "Danh mục cơ quan, đơn vị – Bắc Giang" in page.inner_text("h1")
        fits(page, width, "the directory")
        shot(page, "agencies", f"directory-{kind}")

        page.fill("input[name=q]", "so tai chinh")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_selector("#danh-muc")
        assert page.locator("#danh-muc tbody tr").count() == 1
        assert "Sở Tài chính" in page.inner_text("#danh-muc")
        fits(page, width, "a search")
        shot(page, "agencies", f"search-{kind}")

        page.click("#danh-muc a:has-text('Sửa')")
        page.wait_for_selector("input[name=name]")
        fits(page, width, "the edit form")
        shot(page, "agencies", f"edit-{kind}")
        page.fill("input[name=email]", "taichinh@bacgiang.gov.vn")
        page.click("form.stack button[type=submit]")
        page.wait_for_selector("#loi-email")
        assert "chỉ nhận địa chỉ thử nghiệm" in page.inner_text("#loi-email")
        fits(page, width, "the edit form with an error")
        shot(page, "agencies", f"edit-error-{kind}")

        page.goto(f"{live}/agencies/new")
        page.fill("input[name=name]", "Trung tâm Khuyến nông")
        page.select_option("select[name=kind]", "body")
        page.fill("input[name=email]", "khuyennong@bacgiang.example")
        page.click("form.stack button[type=submit]")
        page.wait_for_selector(".flash.ok")
        assert "Trung tâm Khuyến nông" in page.inner_text("#danh-muc")
        fits(page, width, "the directory after an addition")

        page.goto(f"{live}/agencies/groups")
        page.wait_for_selector("h1")
        fits(page, width, "the groups page")
        shot(page, "agencies", f"groups-{kind}")

        page.goto(f"{live}/agencies")
        page.click("#tai-danh-ba summary")
        page.set_input_files("#tai-danh-ba input[type=file]", str(_workbook(tmp_path / "danh-ba.xlsx")))
        page.click("#tai-danh-ba button[type=submit]")
        page.wait_for_selector("#thay-doi")
        text = page.inner_text("main")
        assert "khớp khi bỏ dấu" in text and "Không có cơ quan nào tên như vậy" in text
        assert "không phải địa chỉ thư điện tử hợp lệ" in text
        fits(page, width, "the contact upload's preview")
        shot(page, "agencies", f"contacts-preview-{kind}")
        with Session(world.engine) as s:
            assert s.exec(select(Agency.email).where(Agency.key == "stc")).one() != "taichinh.moi@bacgiang.example"
        page.click("button:has-text('Xác nhận cập nhật')")
        page.wait_for_selector(".flash.ok")
        assert "Đã cập nhật địa chỉ thư điện tử" in page.inner_text(".flash.ok")
        fits(page, width, "the directory after the upload")
        shot(page, "agencies", f"contacts-applied-{kind}")
        with Session(world.engine) as s:
            assert s.exec(select(Agency.email).where(Agency.key == "stc")).one() == "taichinh.moi@bacgiang.example"
    finally:
        context.close()


@pytest.fixture
def in_2026(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """Bắc Ninh set up and the live server's clock (conftest's TODAY, read on every request) in
    2026: today's directory, 128 agencies with its 99 communes, and groups to edit."""
    import sys
    from datetime import date

    from models.agencies.setup import set_up_province
    from models.core.db import session_scope

    with session_scope(world.engine) as s:
        set_up_province(s, slug="bac-ninh", actor="test")
    for name in ("conftest", "tests.web.conftest"):  # pytest may hold the fixtures' module under either name
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "live"):
            monkeypatch.setattr(module, "TODAY", date(2026, 3, 1))
    return world


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_set_up_provinces_directory_and_a_group_are_edited_on_a_phone_and_a_desktop(
        in_2026: World, live: str, chromium, screen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    kind = "phone" if screen is PHONE else "desktop"
    width = screen["width"]
    context = chromium.new_context(locale="vi-VN", viewport=screen)
    page = context.new_page()
    try:
        sign_in(page, live)
        page.goto(f"{live}/agencies?province=bac-ninh")
        page.wait_for_selector("#danh-muc")
        assert page.locator("#danh-muc tbody tr").count() > 120
        fits(page, width, "Bắc Ninh's directory")
        shot(page, "agencies", f"bac-ninh-directory-{kind}")
        page.click("a:has-text('Nhóm cơ quan')")
        page.wait_for_selector("#nhom")
        fits(page, width, "the groups")
        shot(page, "agencies", f"bac-ninh-groups-{kind}")
        page.click("#nhom tr:has-text('Sở, ngành') a:has-text('Sửa nhóm')")
        page.wait_for_selector("input[name=member]")
        fits(page, width, "a group's form")
        shot(page, "agencies", f"bac-ninh-group-{kind}")
        checked = page.locator("input[name=member]:checked")
        before = checked.count()
        label = checked.first.evaluate("e => e.parentElement.textContent.trim()")
        checked.first.uncheck()
        page.click("button:has-text('Lưu nhóm')")
        page.wait_for_selector(".flash.ok")
        assert "Đã lưu nhóm" in page.inner_text(".flash.ok")
        row = page.locator("#nhom tr:has-text('Sở, ngành')").first.inner_text()
        assert str(before - 1) in row
        with Session(in_2026.engine) as s:
            agency = s.exec(select(Agency).where(Agency.province == "bac-ninh", Agency.name == label)).one()
            assert "so_nganh" not in agency.groups
    finally:
        context.close()
