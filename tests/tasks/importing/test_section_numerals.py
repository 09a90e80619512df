"""Section rows numbered with Roman numerals of any length open a section; they are never tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.importing.appendix import find_task_rows
from tasks.importing.readers import read_document
from tests.tasks.builders import build_xlsx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
# numerals a long appendix reaches (section 49, 88, 1999), and short ones
SECTIONS = ["I", "IV", "XLIX", "LXXXVIII", "XC", "CD", "MCMXCIX"]


def _rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for code in SECTIONS:
        rows.append([code, f"Nhiệm vụ phần {code}", "", "", ""])
        rows.append(["1", f"Rà soát hồ sơ phần {code}", "Sở Nội vụ", "Sở Tài chính", "Quý I/2020"])
        rows.append(["2", f"Báo cáo kết quả phần {code}", "Sở Tư pháp", "", "Trước 30/6/2020"])
    return rows


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return build_xlsx_plan(tmp_path / "sections.xlsx", title_rows=["Biểu 05"], header=HEADER, rows=_rows())


def test_long_roman_numeral_rows_of_a_workbook_are_sections_and_not_tasks(workbook: Path) -> None:
    result = find_task_rows(read_document(workbook))
    assert [row.ref for row in result.rows] == [f"{code}.{n}" for code in SECTIONS for n in (1, 2)]
    assert {row.section_code for row in result.rows} == set(SECTIONS)
    eighty_eight = [row for row in result.rows if row.section_code == "LXXXVIII"]
    assert [row.section for row in eighty_eight] == ["Nhiệm vụ phần LXXXVIII"] * 2
    assert not any(row.number == "LXXXVIII" for row in result.rows)
    assert result.warnings == []


def test_an_invalid_numeral_row_is_not_a_section(tmp_path: Path) -> None:
    # "IIII" is not a numeral: a numbered row without agency over rows not numbered as its items
    # is a task without lead, reported, as before
    rows = [["I", "Nhiệm vụ phần I", "", "", ""], ["1", "Rà soát hồ sơ", "Sở Nội vụ", "", "Quý I/2020"],
            ["IIII", "Nhiệm vụ lạ", "", "", ""], ["1", "Báo cáo kết quả", "Sở Tư pháp", "", "Quý II/2020"]]
    book = build_xlsx_plan(tmp_path / "odd.xlsx", title_rows=["Biểu 05"], header=HEADER, rows=rows)
    result = find_task_rows(read_document(book))
    assert [row.ref for row in result.rows] == ["I.1", "I.IIII", "I.1-2"]
    assert any("no lead agency" in w and "I.IIII" in w for w in result.warnings)


def test_a_single_letter_row_with_its_lead_agency_is_a_task_and_without_one_a_section(tmp_path: Path) -> None:
    # "C" and "D" are numerals and letters alike: the row's cells decide, not its label
    rows = [["C", "Nhiệm vụ phần C", "", "", ""], ["1", "Rà soát hồ sơ", "Sở Nội vụ", "", "Quý I/2020"],
            ["D", "Kiểm tra việc thực hiện", "Sở Tư pháp", "", "Quý II/2020"]]
    book = build_xlsx_plan(tmp_path / "letters.xlsx", title_rows=["Biểu 05"], header=HEADER, rows=rows)
    result = find_task_rows(read_document(book))
    assert [(row.ref, row.section_code, row.lead_text) for row in result.rows] == [
        ("C.1", "C", "Sở Nội vụ"), ("C.D", "C", "Sở Tư pháp"),
    ]
