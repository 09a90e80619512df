"""The directory's pure rules (tasks/agencies/contacts.py): the agency form, addresses, search
with tones ignored, the contact list's header and what an uploaded list changes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tasks.agencies.contacts import (
    ContactRow,
    ContactWorkbookError,
    DirectoryAgency,
    address_problem,
    check_agency_form,
    contact_workbook,
    matches,
    plan_contacts,
    read_contact_rows,
    read_contact_workbook,
)

AGENCIES = [
    DirectoryAgency(1, "Sở Tài chính", ("STC",), "stc@tinh.example", ""),
    DirectoryAgency(2, "UBND xã Tân Lập", (), "", ""),
    DirectoryAgency(3, "UBND phường Tân Lập", (), "", ""),
    DirectoryAgency(4, "Đoàn Thanh niên", ("Tỉnh đoàn",), "", ""),
]


def test_an_address_is_checked_and_outside_production_must_be_an_example_one() -> None:
    assert address_problem("", example_only=True) is None
    assert address_problem("vp@tinh.example", example_only=True) is None
    assert "không phải địa chỉ" in (address_problem("vp@", example_only=False) or "")
    assert "thử nghiệm" in (address_problem("vp@tinh.gov.vn", example_only=True) or "")
    assert address_problem("vp@tinh.gov.vn", example_only=False) is None


def test_the_form_is_cleaned_and_a_name_taken_by_another_agency_is_refused() -> None:
    form, errors = check_agency_form(name="  Sở  Xây dựng ", kind="department", email=" sxd @tinh.example",
                                     head_email="", aliases="SXD\n\nsxd\nSở XD", others=AGENCIES,
                                     example_only=True)
    assert errors == {}
    assert (form.name, form.email, form.aliases) == ("Sở Xây dựng", "sxd@tinh.example", ("SXD", "Sở XD"))
    _, errors = check_agency_form(name="sở tài chính", kind="department", email="", head_email="", aliases="",
                                  others=AGENCIES, example_only=True)
    assert errors["name"] == "Tên “sở tài chính” đã có trong danh mục: Sở Tài chính."
    _, errors = check_agency_form(name="Sở Mới", kind="department", email="", head_email="", aliases="stc",
                                  others=AGENCIES, example_only=True)
    assert "đã là tên của Sở Tài chính" in errors["aliases"]
    # "Đ" is not "D": "Doan Thanh nien" is another name
    _, errors = check_agency_form(name="Doàn Thanh niên", kind="mass_org", email="", head_email="", aliases="",
                                  others=AGENCIES, example_only=True)
    assert "name" not in errors


def test_search_ignores_tones_case_and_the_bar_of_d() -> None:
    assert matches("doan thanh", ["Đoàn Thanh niên"])
    assert matches("TAN LAP xa", ["UBND xã Tân Lập"])
    assert not matches("tan lap phuong", ["UBND xã Tân Lập"])
    assert matches("", ["anything"])


def test_an_uploaded_list_matches_exactly_then_loosely_and_never_guesses_between_two() -> None:
    rows = [ContactRow(2, "Sở Tài chính", "", "giamdoc.stc@tinh.example"),  # empty cell: e-mail kept
            ContactRow(3, "ubnd xa tan lap", "tanlap@tinh.example", ""),  # loose, one agency
            ContactRow(4, "Tân Lập", "x@tinh.example", ""),  # names nothing
            ContactRow(5, "tinh doan", "doan@tinh.example", "")]  # an alias, loosely
    plan = plan_contacts(rows, AGENCIES, example_only=True)
    assert [(c.agency_id, c.fuzzy, c.email, c.head_email) for c in plan.changes] == [
        (1, False, None, ("", "giamdoc.stc@tinh.example")),
        (2, True, ("", "tanlap@tinh.example"), None),
        (4, True, ("", "doan@tinh.example"), None)]
    assert [(p.row, p.name) for p in plan.unmatched] == [(4, "Tân Lập")]
    twins = [DirectoryAgency(7, "UBND xã Tân Lập", (), "", ""), DirectoryAgency(8, "UBND xã Tân Lập", (), "", "")]
    plan = plan_contacts([ContactRow(2, "UBND xã Tân Lập", "a@tinh.example", "")], twins, example_only=True)
    assert plan.changes == [] and "nhiều cơ quan" in plan.unmatched[0].reason


def test_the_header_is_found_below_a_caption_in_other_words() -> None:
    rows = read_contact_rows([[["Danh bạ các đơn vị"], ["STT", "Đơn vị", "Email", "Email lãnh đạo"],
                               ["1", "Sở Tài chính", "stc@tinh.example", "gd@tinh.example"], ["", "", "", ""]]])
    assert rows == [ContactRow(3, "Sở Tài chính", "stc@tinh.example", "gd@tinh.example")]
    with pytest.raises(ContactWorkbookError, match="Không tìm thấy dòng tiêu đề"):
        read_contact_rows([[["Tên", "Điện thoại"], ["Sở Tài chính", "0204"]]])
    with pytest.raises(ContactWorkbookError, match="không có dòng nào"):
        read_contact_rows([[["Tên cơ quan", "Thư điện tử"]]])


def test_the_downloaded_list_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "danh-ba.xlsx"
    path.write_bytes(contact_workbook(AGENCIES, province="Tỉnh thử"))
    rows = read_contact_workbook(path)
    # Vietnamese order: Đ after D, before S; phường before xã
    assert [r.name for r in rows] == ["Đoàn Thanh niên", "Sở Tài chính", "UBND phường Tân Lập", "UBND xã Tân Lập"]
    assert rows[1] == ContactRow(4, "Sở Tài chính", "stc@tinh.example", "")  # under the caption and the header
    assert io.BytesIO(path.read_bytes()).read(2) == b"PK"
