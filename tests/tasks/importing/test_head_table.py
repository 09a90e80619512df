"""A plan head laid out as a table (Word's borderless two-column head, a sheet's top rows, the
tab-separated head lines of a converted .txt) gives the number, date, issuer and province."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import docx
import openpyxl
import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.appendix import find_task_rows
from tasks.importing.meta import PlanMeta, head_lines, plan_paragraphs, read_plan_meta
from tasks.importing.parse import NOT_IN_DIRECTORY, PlanImportError, parse_plan
from tasks.importing.readers import PlanDocument, parse_text, read_document
from tests.conftest import PLANS
from tests.tasks.builders import build_docx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
TASKS = [["1", "Rà soát quy hoạch vùng sản xuất", "Sở Tài chính", "Các sở, ngành", "Tháng 6/2026"],
         ["2", "Tổng kết mô hình hợp tác xã", "Sở Công Thương", "", "Tháng 12/2026"]]  # fmt: skip
# the body never names a province: only the head can tell it
BODY = ["KẾ HOẠCH", "Phát triển kinh tế tập thể năm 2026", "I. MỤC ĐÍCH, YÊU CẦU", "Tổ chức thực hiện hiệu quả."]
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@cache
def _directory() -> AgencyDirectory:
    return AgencyDirectory.load()


def _docx_with_head_table(path: Path, head: list[list[str]]) -> Path:
    """A Word plan whose head is a borderless table at the very top (cells given with their lines
    separated by "\\n", each line its own paragraph in the cell, as Word writes them)."""
    build_docx_plan(path, head_paragraphs=BODY, header=HEADER, rows=TASKS)
    document = docx.Document(str(path))
    table = document.add_table(rows=len(head), cols=len(head[0]))  # the default style has no borders
    for row, values in zip(table.rows, head, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            first, *rest = text.split("\n")
            cell.text = first
            for line in rest:
                cell.add_paragraph(line)
    document.element.body.insert(0, table._tbl)  # add_table appends; the head goes first
    document.save(str(path))
    return path


def _meta(doc: PlanDocument) -> tuple[str | None, date | None, str | None, int | None]:
    meta = read_plan_meta(plan_paragraphs(doc))
    return meta.code, meta.issued_on, meta.issuer, meta.year


def test_a_two_column_head_table_gives_number_date_and_issuer(tmp_path: Path) -> None:
    doc = read_document(_docx_with_head_table(tmp_path / "plan.docx", [
        ["ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\n_______\nSố: 45/KH-UBND",
         f"{NATIONAL}\n{MOTTO}\n_______________\nBắc Ninh, ngày 15 tháng 01 năm 2026"],
    ]))  # fmt: skip
    assert read_plan_meta(doc.paragraphs).code is None  # the paragraphs alone miss the head
    assert head_lines(doc) == [
        "ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH", "Số: 45/KH-UBND", NATIONAL, MOTTO, "Bắc Ninh, ngày 15 tháng 01 năm 2026",
    ]  # fmt: skip
    assert plan_paragraphs(doc) == head_lines(doc) + doc.paragraphs
    assert _meta(doc) == ("45/KH-UBND", date(2026, 1, 15), "UBND tỉnh Bắc Ninh", 2026)
    assert read_plan_meta(plan_paragraphs(doc)).title == "Phát triển kinh tế tập thể năm 2026"
    # the head table is not a task table, and the task table is read as before
    assert [(r.ref, r.lead_text) for r in find_task_rows(doc).rows] == [("1", "Sở Tài chính"), ("2", "Sở Công Thương")]
    # Bắc Ninh is not in the directory: named in the head, it is still no known province
    with pytest.raises(PlanImportError, match="cannot tell which province"):
        parse_plan(doc, _directory(), source_name="plan.docx")


def test_a_department_under_its_parent_line_is_the_issuer_and_the_head_names_the_province(tmp_path: Path) -> None:
    doc = read_document(_docx_with_head_table(tmp_path / "plan.docx", [
        ["UBND TỈNH LẠNG SƠN\nSỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG\nSố: 12/KH-SNNMT",
         f"{NATIONAL}\n{MOTTO}\nLạng Sơn, ngày 05 tháng 3 năm 2026"],
    ]))  # fmt: skip
    assert _meta(doc) == ("12/KH-SNNMT", date(2026, 3, 5), "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn", 2026)
    plan = parse_plan(doc, _directory(), source_name="plan.docx").to_json()["plan"]  # no --province
    assert (plan["province"], plan["code"], plan["issued_on"], plan["year"]) == (
        "lang-son", "12/KH-SNNMT", "2026-03-05", 2026,
    )  # fmt: skip
    assert plan["issuer"] == "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn"


def test_a_head_split_into_two_rows_names_a_city(tmp_path: Path) -> None:
    doc = read_document(_docx_with_head_table(tmp_path / "plan.docx", [
        ["UBND THÀNH PHỐ HÀ NỘI", f"{NATIONAL}\n{MOTTO}"],
        ["Số: 7/KH-UBND", "Hà Nội, ngày 3 tháng 3 năm 2025"],
    ]))  # fmt: skip
    assert head_lines(doc)[:2] == ["UBND THÀNH PHỐ HÀ NỘI", "Số: 7/KH-UBND"]  # the left column first
    assert _meta(doc) == ("7/KH-UBND", date(2025, 3, 3), "UBND thành phố Hà Nội", 2025)


def test_a_three_column_head_with_an_empty_middle_column_names_the_province(tmp_path: Path) -> None:
    doc = read_document(_docx_with_head_table(tmp_path / "plan.docx", [
        ["ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG", "", f"{NATIONAL}\n{MOTTO}"],
        ["Số: 88/KH-UBND", "", "Bắc Giang, ngày 20 tháng 4 năm 2024"],
    ]))  # fmt: skip
    assert _meta(doc) == ("88/KH-UBND", date(2024, 4, 20), "UBND tỉnh Bắc Giang", 2024)
    assert parse_plan(doc, _directory(), source_name="plan.docx").province.slug == "bac-giang"


TXT_HEAD = [
    f"ỦY BAN NHÂN DÂN\t{NATIONAL}",
    f"TỈNH LẠNG SƠN\t{MOTTO}",
    "Số: 176/KH-UBND\tLạng Sơn, ngày 23 tháng 8 năm 2023",
]
TXT_BODY = ["KẾ HOẠCH", "Phát triển kinh tế tập thể năm 2023", "I. MỤC ĐÍCH", "Tổ chức thực hiện.", "",
            "\t".join(HEADER), *("\t".join(row) for row in TASKS)]  # fmt: skip


@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["rows-together", "blank-line-between-rows"])
def test_a_txt_head_of_tab_separated_lines_is_read_as_two_columns(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(separator.join(TXT_HEAD) + "\n\n" + "\n".join(TXT_BODY) + "\n", encoding="utf-8")
    doc = read_document(path)
    assert head_lines(doc) == [
        "ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN", "Số: 176/KH-UBND", NATIONAL, MOTTO, "Lạng Sơn, ngày 23 tháng 8 năm 2023",
    ]  # fmt: skip
    assert _meta(doc) == ("176/KH-UBND", date(2023, 8, 23), "UBND tỉnh Lạng Sơn", 2023)
    parsed = parse_plan(doc, _directory(), source_name="plan.txt")
    assert parsed.province.slug == "lang-son"
    assert [task.ref for task in parsed.tasks] == ["1", "2"]


def test_a_sheet_with_the_head_in_its_top_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    rows = [
        ["ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG", "", NATIONAL, "", ""],
        ["Số: 552/KH-UBND", "", "Bắc Giang, ngày 17 tháng 02 năm 2020", "", ""],
        ["KẾ HOẠCH", "", "", "", ""],
        ["Xây dựng nông thôn mới năm 2020", "", "", "", ""],
        HEADER,
        *TASKS,
    ]
    for values in rows:
        sheet.append([value or None for value in values])
    for line in (1, 2):
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=2)
        sheet.merge_cells(start_row=line, start_column=3, end_row=line, end_column=5)
    for line in (3, 4):
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=5)
    workbook.save(str(tmp_path / "plan.xlsx"))
    doc = read_document(tmp_path / "plan.xlsx")
    meta = read_plan_meta(plan_paragraphs(doc))
    assert (meta.code, meta.issued_on, meta.issuer, meta.title) == (
        "552/KH-UBND", date(2020, 2, 17), "UBND tỉnh Bắc Giang", "Xây dựng nông thôn mới năm 2020",
    )  # fmt: skip
    parsed = parse_plan(doc, _directory(), source_name="plan.xlsx")
    assert (parsed.province.slug, [task.ref for task in parsed.tasks]) == ("bac-giang", ["1", "2"])


def test_a_task_table_or_a_late_table_is_not_a_head(tmp_path: Path) -> None:
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=BODY, header=HEADER,
                           rows=[["1", "Số: 3/KH-UBND", "Sở Tài chính", "", ""]])  # fmt: skip
    doc = read_document(path)
    assert (head_lines(doc), plan_paragraphs(doc)) == ([], doc.paragraphs)
    # a head-like table below the body's first paragraphs is not the head
    late = parse_text("\n".join(f"Đoạn {i}." for i in range(10)) + f"\nSố: 3/KH-UBND\t{NATIONAL}\n")
    assert late.tables[0].paragraphs_before == 10
    assert (head_lines(late), plan_paragraphs(late)) == ([], late.paragraphs)


def test_a_head_table_does_not_repeat_lines_a_sheet_already_gave_as_paragraphs() -> None:
    doc = parse_text(f"ỦY BAN NHÂN DÂN TỈNH BẮC GIANG\n{NATIONAL}\tBắc Giang, ngày 1 tháng 2 năm 2021\n")
    doc.paragraphs.append(NATIONAL)  # as if the reader had copied it too
    doc.tables[0].paragraphs_before = 2
    assert plan_paragraphs(doc) == [doc.paragraphs[0], NATIONAL, "Bắc Giang, ngày 1 tháng 2 năm 2021"]


@pytest.mark.parametrize("name", sorted(p.name for p in PLANS.glob("*.txt")))
def test_the_sample_plans_have_no_head_table_and_read_as_before(name: str) -> None:
    doc = read_document(PLANS / name)
    assert plan_paragraphs(doc) == doc.paragraphs
    assert read_plan_meta(plan_paragraphs(doc)) == read_plan_meta(doc.paragraphs)


def test_a_department_name_capitalises_each_of_its_fields() -> None:
    lines = ["UBND TỈNH LẠNG SƠN", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Số: 9/KH-SVHTTDL", NATIONAL]
    issuer = "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn"
    assert read_plan_meta(lines) == PlanMeta("9/KH-SVHTTDL", None, issuer, None, None, None)


def test_a_name_no_agency_carries_is_unresolved_with_a_reason(tmp_path: Path) -> None:
    # Hà Nội 35/KH-UBND/2026: "các chủ đầu tư" (the investors) lead beside the departments
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=["KẾ HOẠCH", "Đầu tư công năm 2020"],
                           header=["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"],
                           rows=[["1", "Giải ngân vốn", "Sở Tài chính và các chủ đầu tư", "", "Quý I/2020"]])
    parsed = parse_plan(read_document(path), _directory(), source_name="plan.docx", province="bac-giang")
    (entry,) = parsed.to_json()["unresolved"]
    assert (entry["name"], entry["reason"]) == ("các chủ đầu tư", NOT_IN_DIRECTORY)
