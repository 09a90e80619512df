"""The task list's workbook built from rows alone (tasks/task_export.py): no database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from tasks.escalation.status import Status, classify
from tasks.listing.export import (
    ExportScope,
    columns,
    export_caption,
    export_filename,
    export_rows,
    render_task_workbook,
)

AS_OF = date(2020, 3, 15)
CONTENT = "Phân bổ nguồn vốn thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2020"


@dataclass
class Row:
    task_id: int
    ref: str
    agency_name: str
    due_date: date | None
    completed_on: date | None = None
    original_due_date: date | None = None
    role: str = "lead"
    percent: int = 0
    plan_code: str = "552/KH-BCĐ"
    content: str = CONTENT
    done: bool | None = None

    @property
    def status(self) -> Status:
        return classify(due_date=self.due_date, completed_on=self.completed_on, as_of=AS_OF, done=self.done)


ROWS = [
    Row(1, "I.1", "Sở Nông nghiệp và Phát triển nông thôn", date(2020, 1, 31)),  # open, 44 days late
    Row(1, "I.1", "Sở Tài chính", date(2020, 1, 31), role="coordinating"),
    Row(2, "I.2", "Sở Tài chính", date(2020, 2, 28), completed_on=date(2020, 3, 5), percent=100),  # done 6 days late
    Row(3, "II.1", "Sở Y tế", date(2020, 6, 30), original_due_date=date(2020, 3, 31), percent=40),  # extended
    Row(4, "II.2", "Sở Xây dựng", date(2020, 3, 31), original_due_date=date(2020, 3, 31),
        completed_on=date(2020, 3, 10), percent=100),  # done on time, never extended
    Row(5, "III.1", "Sở Nội vụ", None),  # standing duty
]
COORDINATING = {1: ["Sở Tài chính", "Sở Kế hoạch và Đầu tư"], 2: ["Sở Nông nghiệp và Phát triển nông thôn"]}


SCOPE = ExportScope(as_of=AS_OF)


def by_header(scope: ExportScope = SCOPE) -> list[dict[str, object]]:
    heads = [h for h, _ in columns(scope)]
    return [dict(zip(heads, cells, strict=True)) for cells in export_rows(ROWS, as_of=AS_OF, coordinating=COORDINATING)]


def test_each_row_carries_the_official_status_words_and_the_days_overdue() -> None:
    rows = by_header()
    assert [r["Trạng thái"] for r in rows] == ["quá hạn", "quá hạn", "hoàn thành quá hạn", "chưa đến hạn",
                                                 "hoàn thành đúng hạn", "không có thời hạn"]
    assert [r["Số ngày quá hạn"] for r in rows] == [44, 44, 6, None, None, None]
    assert [r["STT"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["Vai trò"] == "Chủ trì" and rows[1]["Vai trò"] == "Phối hợp"


def test_the_completion_date_shows_only_when_done_and_the_original_due_date_only_when_moved() -> None:
    rows = by_header()
    assert [r["Ngày hoàn thành"] for r in rows] == [None, None, date(2020, 3, 5), None, date(2020, 3, 10), None]
    assert [r["Hạn ban đầu"] for r in rows] == [None, None, None, date(2020, 3, 31), None, None]
    assert rows[3]["Hạn hoàn thành"] == date(2020, 6, 30) and rows[5]["Hạn hoàn thành"] is None


def test_a_completion_after_the_day_of_the_export_is_not_yet_shown() -> None:
    later = Row(9, "I.9", "Sở Y tế", date(2020, 3, 1), completed_on=date(2020, 4, 2), percent=100)
    [cells] = export_rows([later], as_of=AS_OF)
    assert cells[9] == "quá hạn" and cells[10] == 14 and cells[12] is None


def test_a_reopened_item_is_late_until_the_day_of_the_export_whatever_its_old_completion() -> None:
    reopened = Row(9, "I.9", "Sở Y tế", date(2020, 3, 1), completed_on=date(2020, 3, 3), done=False, percent=60)
    [cells] = export_rows([reopened], as_of=AS_OF)
    assert cells[9] == "quá hạn" and cells[10] == 14 and cells[12] is None and cells[11] == 60


def test_the_coordinating_column_lists_the_task_s_other_coordinating_agencies() -> None:
    rows = by_header()
    assert rows[0]["Cơ quan phối hợp"] == "Sở Tài chính; Sở Kế hoạch và Đầu tư"
    assert rows[1]["Cơ quan phối hợp"] == "Sở Kế hoạch và Đầu tư"  # the row's own agency left out
    assert rows[3]["Cơ quan phối hợp"] is None


def test_the_title_line_names_the_filters_in_vietnamese_and_the_day() -> None:
    scope = ExportScope(as_of=AS_OF, plan="552/KH-BCĐ", agency="Sở Tài chính", role="lead", status=Status.OVERDUE,
                        quarter=(2020, 1), text="phan bo von", due_before=date(2020, 3, 31))
    assert export_caption(scope) == (
        "Danh sách nhiệm vụ - Kế hoạch 552/KH-BCĐ; Cơ quan: Sở Tài chính; Vai trò: chủ trì; Tình trạng: quá hạn; "
        "Thời hạn trong Quý I/2020; Thời hạn đến ngày 31/03/2020; Tìm kiếm: “phan bo von” (tính đến ngày 15/03/2020)")
    assert export_caption(ExportScope(as_of=date(2020, 1, 5))) == \
        "Danh sách nhiệm vụ - Vai trò: chủ trì và phối hợp (tính đến ngày 05/01/2020)"
    assert columns(ExportScope(as_of=AS_OF, role="lead"))[4][0] == "Cơ quan chủ trì"
    assert columns(ExportScope(as_of=AS_OF))[4][0] == "Cơ quan, đơn vị"


def test_the_file_is_named_after_the_day_and_the_agency_with_an_ascii_fallback() -> None:
    assert export_filename(ExportScope(as_of=AS_OF)) == ("nhiem-vu-2020-03-15.xlsx", "nhiem-vu-2020-03-15.xlsx")
    name, fallback = export_filename(ExportScope(as_of=AS_OF, agency='Sở Nông nghiệp/"PTNT"'))
    assert name == "nhiem-vu-Sở Nông nghiệp PTNT-2020-03-15.xlsx"
    assert fallback == "nhiem-vu-So Nong nghiep PTNT-2020-03-15.xlsx" and fallback.isascii()


def test_the_workbook_has_a_title_a_frozen_header_a_filter_and_real_dates() -> None:
    scope = ExportScope(as_of=AS_OF, role=None)
    wb = load_workbook(io.BytesIO(render_task_workbook(ROWS, scope, COORDINATING)))
    ws = wb.active
    assert ws.title == "Nhiệm vụ"
    assert ws["A1"].value == export_caption(scope) and ws["A1"].font.b
    assert [c.value for c in ws[2]] == [h for h, _ in columns(scope)]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:O{len(ROWS) + 2}"
    assert ws.max_row == len(ROWS) + 2
    assert ws["D3"].value == CONTENT and ws["E3"].value == "Sở Nông nghiệp và Phát triển nông thôn"
    due = ws["H3"]
    # a spreadsheet cell's date-time has no zone: openpyxl reads it back naive
    assert due.value == datetime(2020, 1, 31) and due.number_format == "dd/mm/yyyy"  # noqa: DTZ001
    assert ws["M5"].value == datetime(2020, 3, 5) and ws["M5"].number_format == "dd/mm/yyyy"  # noqa: DTZ001
    assert ws["J3"].fill.fgColor.rgb == "FFF8D7DA"  # overdue: the report's red
    assert ws.column_dimensions["D"].width == 60 and ws.column_dimensions["A"].width == 6


def test_an_empty_list_is_a_workbook_with_its_title_and_header() -> None:
    ws = load_workbook(io.BytesIO(render_task_workbook([], ExportScope(as_of=AS_OF)))).active
    assert ws.max_row == 2 and ws["A2"].value == "STT" and ws.auto_filter.ref == "A2:O2"


def test_the_task_s_code_and_deadline_note_are_the_last_two_columns() -> None:
    details = {ROWS[0].task_id: ("KH12_CĐS_01.2", "giai đoạn thí điểm")}
    heads = [h for h, _ in columns(SCOPE)]
    rows = [dict(zip(heads, cells, strict=True))
            for cells in export_rows(ROWS, as_of=AS_OF, coordinating=COORDINATING, details=details)]
    assert heads[-2:] == ["Mã nhiệm vụ", "Ghi chú thời hạn"]
    same_task = [r for r, listed in zip(rows, ROWS, strict=True) if listed.task_id == ROWS[0].task_id]
    assert same_task and all((r["Mã nhiệm vụ"], r["Ghi chú thời hạn"]) == details[ROWS[0].task_id] for r in same_task)
    assert all(r["Mã nhiệm vụ"] is None and r["Ghi chú thời hạn"] is None for r in rows if r not in same_task)
