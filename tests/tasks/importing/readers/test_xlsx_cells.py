"""Excel cells read as the sheet shows them: formulas saved without their results (issue 17) and
dates whose format shows only the month or the year (issue 14). Real workbooks written by
openpyxl, as a script or another program would write them."""

from __future__ import annotations

import datetime as dt
import zipfile
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.parse import parse_plan
from tasks.importing.readers import read_document
from tasks.importing.readers.xlsx import date_shown

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
FIRST_DECEMBER = dt.datetime(2026, 12, 1)  # noqa: DTZ001  (Excel stores dates without a zone)


@cache
def _directory() -> AgencyDirectory:
    return AgencyDirectory.load()


def _workbook(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Biểu 05. Danh mục nhiệm vụ năm 2026"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for ref, code in (formats or {}).items():
        sheet[ref].number_format = code
    workbook.save(str(path))
    return path


def test_a_workbook_whose_formulas_have_no_cached_values_is_read_not_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "formulas.xlsx", [
        [1, "Rà soát quy hoạch", "Sở Tài chính", "=C3", '="Tháng 12/2026"'],
        [2, '=CONCATENATE("Tổng kết ", "mô hình")', "Sở Công Thương", "", "=2026"],
        ["=A4+1", 'Báo cáo ="kết quả"', "Sở Tài chính", '="Sở ""Xây dựng"""', "=TODAY()"],
    ])  # fmt: skip
    with zipfile.ZipFile(path) as package:  # formulas with an empty cached value, as the file has them
        assert b"<f>C3</f><v></v>" in package.read("xl/worksheets/sheet1.xml")
    rows = read_document(path).tables[0].rows
    assert rows[2:] == [
        ["1", "Rà soát quy hoạch", "Sở Tài chính", "", "Tháng 12/2026"],  # a bare literal reads as itself
        ["2", "", "Sở Công Thương", "", "2026"],  # anything to compute reads empty
        ["", 'Báo cáo ="kết quả"', "Sở Tài chính", 'Sở "Xây dựng"', ""],
    ]


def test_a_formula_plan_imports_its_tasks_and_literal_deadlines(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "plan.xlsx", [
        [1, "Rà soát quy hoạch vùng sản xuất", "Sở Tài chính", "", '="Tháng 12/2026"'],
        ["=A3+1", "Tổng kết mô hình hợp tác xã", "Sở Công Thương", "", "=DATE(2026,6,30)"],
    ])  # fmt: skip
    parsed = parse_plan(read_document(path), _directory(), source_name="plan.xlsx", province="bac-giang", year=2026)
    assert [(task.row.content, task.due_date) for task in parsed.tasks] == [
        ("Rà soát quy hoạch vùng sản xuất", dt.date(2026, 12, 31)),
        ("Tổng kết mô hình hợp tác xã", None),  # its deadline is a computation Excel never saved: unread
    ]


@pytest.mark.parametrize(("code", "shown"), [
    ('"Tháng "m/yyyy', "Tháng 12/2026"),  # the format: "Tháng 12/2026" on screen
    ("mm/yyyy", "Tháng 12/2026"),
    ("mmm-yy", "Tháng 12/2026"),  # Excel's built-in 17
    ('"Năm "yyyy', "2026"),
    ("yyyy", "2026"),
    ("dd/mm/yyyy", "01/12/2026"),
    ("d/m/yyyy", "01/12/2026"),
    ("[$-42A]dd mmmm yyyy", "01/12/2026"),  # a Vietnamese long date
])  # fmt: skip
def test_a_date_cell_reads_as_its_format_shows_it(tmp_path: Path, code: str, shown: str) -> None:
    path = _workbook(tmp_path / "dates.xlsx", [[1, "Việc", "Sở Tài chính", "", FIRST_DECEMBER]], {"E3": code})
    assert read_document(path).tables[0].rows[2][4] == shown


def test_a_deadline_formatted_as_a_month_is_due_at_the_month_end_not_its_first_day(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "plan.xlsx", [
        [1, "Rà soát quy hoạch vùng sản xuất", "Sở Tài chính", "", FIRST_DECEMBER],
        [2, "Tổng kết mô hình hợp tác xã", "Sở Công Thương", "", FIRST_DECEMBER],
        [3, "Đánh giá tiêu chí môi trường", "Sở Tài chính", "", FIRST_DECEMBER],
    ], {"E3": '"Tháng "m/yyyy', "E4": "yyyy", "E5": "dd/mm/yyyy"})  # fmt: skip
    parsed = parse_plan(read_document(path), _directory(), source_name="plan.xlsx", province="bac-giang", year=2026)
    assert [(task.row.deadline_text, task.due_date) for task in parsed.tasks] == [
        ("Tháng 12/2026", dt.date(2026, 12, 31)),
        ("2026", dt.date(2026, 12, 31)),
        ("01/12/2026", dt.date(2026, 12, 1)),
    ]


def test_what_a_date_format_shows() -> None:
    assert [date_shown(code) for code in ['"Tháng "m/yyyy', "mmmm yyyy", "m/yy", "yyyy", "[Red]yyyy;@", "dd/mm/yyyy",
                                          "d-mmm", "h:mm", "[h]:mm:ss", "mm:ss", "dd/mm/yyyy hh:mm", 'm"月"yyyy']] == [
        "month", "month", "month", "year", "year", "date", "date", "date", "date", "date", "date", "month",
    ]  # fmt: skip
