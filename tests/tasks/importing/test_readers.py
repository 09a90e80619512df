"""Readers: a .txt, .docx or .xlsx file becomes NFC paragraphs and tables, or one clear error."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement

from tasks.importing.readers import PlanFileError, parse_text, read_document
from tests.conftest import PLANS
from tests.tasks.builders import build_big_xlsx_plan, build_docx_plan, build_xlsx_plan

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
BEN_TRE = PLANS / "ben-tre-1185-kh-ubnd-2019.txt"
HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]


def _one_line_error(path: Path) -> str:
    with pytest.raises(PlanFileError) as caught:
        read_document(path)
    message = str(caught.value)
    assert "\n" not in message
    assert path.name in message
    return message


# -- txt -------------------------------------------------------------------------------------


def test_bac_giang_txt_reads_its_tables_and_keeps_prose_as_paragraphs() -> None:
    doc = read_document(BAC_GIANG)
    assert doc.source == "txt"
    assert "Số: 552/KH-BCĐ" in doc.paragraphs
    assert "" not in doc.paragraphs
    # Biểu 01, 03, 04 (two pages) and the task appendix (three pages)
    assert [len(t.rows) for t in doc.tables] == [14, 17, 27, 30, 14, 16, 12]
    assert [t.index for t in doc.tables] == list(range(7))
    appendix = doc.tables[4:]
    assert all(t.rows[0] == HEADER for t in appendix)
    assert appendix[0].rows[1] == ["I", "Nhiệm vụ trong Quý I/2020", "", "", ""]
    assert appendix[0].rows[2] == [
        "1",
        "Phân bổ nguồn vốn thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2020",
        "Sở NN&PTNT, VPĐP tỉnh",
        "Sở KH&ĐT, TC",
        "Tháng 01/2020",
    ]
    # page breaks add no paragraph: the three appendix pages follow each other directly
    assert {t.paragraphs_before for t in appendix} == {95}
    assert doc.paragraphs[94].startswith("Biên lưu Kế hoạch số. 552 /KH-BCĐ")


def test_ben_tre_one_cell_per_line_rows_are_reassembled() -> None:
    doc = read_document(BEN_TRE)
    [table] = doc.tables
    assert len(table.rows) == 22 and all(len(row) == 7 for row in table.rows)
    assert table.rows[0] == [
        "TT", "Nội dung", "Nhiệm vụ", "Chỉ tiêu đánh giá Đến năm 2020", "Chỉ tiêu đánh giá Đến năm 2025",
        "Đơn vị chủ trì", "Cơ quan phối hợp",
    ]  # fmt: skip
    assert table.rows[1][:2] == ["1", "Tổ chức, kiện toàn Ban chỉ đạo thực hiện Nghị quyết"]
    assert table.rows[2][:2] == ["", ""]  # the group number and title are only on its first row
    # a cell goes on over lines without a tab
    assert table.rows[13][2].startswith("- Củng cố nâng cao hiệu quả hoạt động HTX hiện có")
    assert table.rows[13][2].endswith(
        "\n- Củng cố nâng cao hiệu quả hoạt động các HTX nghêu, HTX lúa sạch, HTX lúa chất lượng cao, THT rau sạch...."
    )
    # " \t" rows follow without a blank line: the space is the empty TT cell
    assert table.rows[19][:2] == [
        "", "Nâng cao hiệu quả xúc tiến thương mại, chủ trọng các hoạt động kết nối thị trường"
    ]
    assert table.rows[20][1] == "Lĩnh vực Lâm nghiệp"
    assert table.rows[20][5] == "Sở Tài nguyên và Môi trường\nSở Nông nghiệp và Phát triển nông thôn"
    assert table.rows[21][1] == "Lĩnh vực Quản lý chất lượng và an toàn thực phẩm"
    # the lone tab before "Nơi nhận" is not a table: the signature block and caption stay prose
    assert "Nơi nhận: (kèm phụ lục)" in doc.paragraphs
    assert doc.paragraphs[table.paragraphs_before - 1].startswith("(Ban hành kèm theo kế hoạch số: 1185/KH-UBND")


def test_a_plan_without_tables_reads_as_paragraphs_only() -> None:
    doc = read_document(PLANS / "lang-son-176-kh-ubnd-2023.txt")
    assert doc.tables == []
    assert "Số: 176/KH-UBND | Lạng Sơn, ngày 23 tháng 8 năm 2023 |" in doc.paragraphs


def test_row_shape_blocks_separated_by_a_blank_line_are_separate_tables() -> None:
    text = "Caption\n\nTT\tNội dung\tChủ trì\n1\ta\tb\n\n\nTT\tNội dung\tChủ trì\n2\tc\td\t\nAfter\n"
    doc = parse_text(text)
    assert doc.paragraphs == ["Caption", "After"]
    assert [t.rows for t in doc.tables] == [
        [["TT", "Nội dung", "Chủ trì"], ["1", "a", "b"]],
        [["TT", "Nội dung", "Chủ trì"], ["2", "c", "d"]],
    ]
    assert [t.paragraphs_before for t in doc.tables] == [1, 1]


def test_txt_text_is_normalised_to_nfc_and_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "plan.TXT"  # the extension is matched case-insensitively
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", "Kế hoạch\nTT\tNội dung\tChủ trì\n").encode())
    doc = read_document(path)
    assert doc.paragraphs == ["Kế hoạch"]
    assert doc.tables[0].rows == [["TT", "Nội dung", "Chủ trì"]]
    assert all(unicodedata.is_normalized("NFC", cell) for cell in doc.tables[0].rows[0])


def test_an_empty_txt_file_is_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(" \n\n", encoding="utf-8")
    assert "empty" in _one_line_error(path)


def test_a_txt_file_that_is_not_utf8_is_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(b"K\xd5 ho\xb9ch s\xe8 552")  # a legacy Vietnamese code page (TCVN3)
    assert "UTF-8" in _one_line_error(path)


def test_a_binary_file_named_txt_is_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    assert "binary" in _one_line_error(path)


# -- any format ------------------------------------------------------------------------------


def test_an_unknown_extension_is_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.pages"
    path.write_bytes(b"PK\x03\x04")
    expected = r"^unsupported file type '\.pages': expected \.docx, \.xlsx, \.txt, \.pdf, "
    with pytest.raises(PlanFileError, match=expected):
        read_document(path)


def test_a_missing_file_is_a_plan_file_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="no such file"):
        read_document(tmp_path / "nowhere.docx")


# -- docx ------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_keep_document_order(tmp_path: Path) -> None:
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=["BAN CHỈ ĐẠO", "", "Số: 552/KH-BCĐ"],
        caption="(Kèm theo Kế hoạch số 552/KH-BCĐ)",
        header=HEADER,
        rows=[["1", "Việc một", "Sở NN&PTNT", "", "Quý I/2020"]],
        tail_paragraphs=["Nơi nhận:"],
    )
    doc = read_document(path)
    assert doc.source == "docx"
    assert doc.paragraphs == ["BAN CHỈ ĐẠO", "Số: 552/KH-BCĐ", "(Kèm theo Kế hoạch số 552/KH-BCĐ)", "Nơi nhận:"]
    [table] = doc.tables
    assert table.paragraphs_before == 3 and table.index == 0
    assert table.rows == [HEADER, ["1", "Việc một", "Sở NN&PTNT", "", "Quý I/2020"]]


def test_docx_merged_cells_keep_their_text_once(tmp_path: Path) -> None:
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=[],
        header=[
            ["TT", "Nội dung", "Chỉ tiêu đánh giá", "", "Đơn vị chủ trì"],
            ["", "", "Đến năm 2020", "Đến năm 2025", ""],
        ],
        rows=[
            ["I", "Nhiệm vụ chung", "", "", ""],
            ["1", "Việc một", "a", "b", "Sở A"],
            ["", "", "c", "d", "Sở B"],
        ],
        merge_down_columns=(0, 1),
    )
    table = read_document(path).tables[0]
    rows = table.rows
    assert table.merged_from[(0, 3)] == (0, 2)  # "Chỉ tiêu đánh giá" spans two columns
    assert table.merged_from[(1, 0)] == (0, 0)  # "TT" spans the two header rows
    assert table.merged_from[(2, 4)] == (2, 1)  # the section title spans the row
    assert table.merged_from[(4, 1)] == (3, 1)  # the group title spans its tasks
    assert (4, 2) not in table.merged_from
    assert rows == [
        ["TT", "Nội dung", "Chỉ tiêu đánh giá", "", "Đơn vị chủ trì"],  # horizontal merge: text once
        ["", "", "Đến năm 2020", "Đến năm 2025", ""],  # vertical merge continuations are empty
        ["I", "Nhiệm vụ chung", "", "", ""],  # section row merged across the table
        ["1", "Việc một", "a", "b", "Sở A"],
        ["", "", "c", "d", "Sở B"],  # the group number and title merged down
    ]


def test_docx_table_continued_after_a_page_break_is_a_second_table(tmp_path: Path) -> None:
    rows = [[str(n), f"Việc {n}", "Sở A", "", ""] for n in range(1, 6)]
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=["Kế hoạch"], header=HEADER, rows=rows,
                           repeat_header_after=3)
    doc = read_document(path)
    assert [len(t.rows) for t in doc.tables] == [4, 3]
    assert doc.tables[1].rows[0] == HEADER
    assert [t.paragraphs_before for t in doc.tables] == [1, 1]  # the page-break paragraph is empty


def test_docx_text_is_normalised_to_nfc(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(unicodedata.normalize("NFD", "Kế hoạch\u00a0số 1"))
    document.save(str(tmp_path / "nfd.docx"))
    assert read_document(tmp_path / "nfd.docx").paragraphs == ["Kế hoạch số 1"]


def test_docx_text_typed_with_track_changes_reads_as_accepted(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Kế hoạch ")
    inserted, removed = OxmlElement("w:ins"), OxmlElement("w:del")
    for wrapper, tag, text in ((removed, "w:delText", "số 55"), (inserted, "w:t", "số 552")):
        run, node = OxmlElement("w:r"), OxmlElement(tag)
        node.text = text
        run.append(node)
        wrapper.append(run)
        paragraph._p.append(wrapper)
    document.save(str(tmp_path / "tracked.docx"))
    assert read_document(tmp_path / "tracked.docx").paragraphs == ["Kế hoạch số 552"]


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_random_bytes_are_not_a_valid_office_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(bytes(range(256)) * 8)
    assert "not a zip archive" in _one_line_error(path)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_a_zip_without_the_office_parts_is_a_plan_file_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    assert "not a valid" in _one_line_error(path)


def test_a_workbook_renamed_to_docx_is_a_plan_file_error(tmp_path: Path) -> None:
    source = build_xlsx_plan(tmp_path / "book.xlsx", title_rows=[], header=HEADER, rows=[])
    path = tmp_path / "book.docx"
    path.write_bytes(source.read_bytes())
    assert "Word" in _one_line_error(path)


def test_a_document_renamed_to_xlsx_is_a_plan_file_error(tmp_path: Path) -> None:
    source = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=["x"], header=HEADER, rows=[])
    path = tmp_path / "plan.xlsx"
    path.write_bytes(source.read_bytes())
    assert "Excel" in _one_line_error(path)


def test_a_truncated_workbook_is_a_plan_file_error(tmp_path: Path) -> None:
    source = build_xlsx_plan(tmp_path / "book.xlsx", title_rows=["Biểu 05"], header=HEADER,
                             rows=[["1", "a", "b", "", ""]])
    path = tmp_path / "truncated.xlsx"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _one_line_error(path)


def test_a_workbook_with_broken_sheet_xml_is_a_plan_file_error(tmp_path: Path) -> None:
    source = build_xlsx_plan(tmp_path / "book.xlsx", title_rows=[], header=HEADER, rows=[["1", "a", "b", "", ""]])
    path = tmp_path / "badxml.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, data[:-40] if item.filename.endswith("sheet1.xml") else data)
    assert "not a valid Excel" in _one_line_error(path)


# -- xlsx ------------------------------------------------------------------------------------


def test_xlsx_values_read_as_the_user_sees_them(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["TT", "Nội dung", "Chủ trì", "Hạn", "Tỷ lệ", "Giờ"])
    # Excel stores a date-time without a zone: a cell holds a naive one
    sheet.append([1, unicodedata.normalize("NFD", "Việc một"), "Sở A", dt.datetime(2020, 2, 17), 0.5, 3.0])  # noqa: DTZ001
    sheet.append([2.0, "Dòng 1\r\nDòng 2", None, dt.date(2020, 12, 31), 15.8, True])
    sheet["D2"].number_format = "dd/mm/yyyy"
    workbook.save(str(tmp_path / "values.xlsx"))
    doc = read_document(tmp_path / "values.xlsx")
    assert doc.source == "xlsx"
    assert doc.tables[0].rows[1:] == [
        ["1", "Việc một", "Sở A", "17/02/2020", "0.5", "3"],
        ["2", "Dòng 1\nDòng 2", "", "31/12/2020", "15.8", "TRUE"],
    ]


def test_xlsx_title_rows_become_paragraphs_and_merged_ranges_keep_text_top_left(tmp_path: Path) -> None:
    path = build_xlsx_plan(
        tmp_path / "plan.xlsx",
        title_rows=["Biểu 05", "(Kèm theo Kế hoạch số 552/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)"],
        header=["TT", "Nội dung", "Nhiệm vụ", "Đơn vị chủ trì"],
        rows=[["1", "Nhóm một", "Việc a", "Sở A"], ["", "", "Việc b", "Sở B"], ["2", "Nhóm hai", "Việc c", "Sở C"]],
    )
    doc = read_document(path)
    assert doc.paragraphs == [
        "Biểu 05", "(Kèm theo Kế hoạch số 552/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)"
    ]
    [table] = doc.tables
    assert table.paragraphs_before == 2
    assert table.merged_from[(0, 3)] == (0, 0) and table.merged_from[(4, 1)] == (3, 1)
    assert (5, 1) not in table.merged_from
    assert table.rows == [
        ["Biểu 05", "", "", ""],
        ["(Kèm theo Kế hoạch số 552/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)", "", "", ""],
        ["TT", "Nội dung", "Nhiệm vụ", "Đơn vị chủ trì"],
        ["1", "Nhóm một", "Việc a", "Sở A"],
        ["", "", "Việc b", "Sở B"],
        ["2", "Nhóm hai", "Việc c", "Sở C"],
    ]


def test_xlsx_merged_cells_with_stale_values_read_empty(tmp_path: Path) -> None:
    # LibreOffice can keep the old text of cells a merge covers; only the top-left one counts
    path = build_xlsx_plan(tmp_path / "stale.xlsx", title_rows=[], header=HEADER, rows=[], merge_groups=False)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet.append(["1", "Nhóm", "Sở A", "", ""])
    sheet.append(["stale", "stale", "Sở B", "", ""])
    workbook.save(str(path))
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    merged = sheet_xml.replace("</sheetData>",
                               '</sheetData><mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>')
    rewritten = tmp_path / "stale2.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rewritten, "w") as new:
        for item in old.infolist():
            data = merged.encode() if item.filename == "xl/worksheets/sheet1.xml" else old.read(item.filename)
            new.writestr(item, data)
    assert read_document(rewritten).tables[0].rows[1:] == [["1", "", "Sở A", "", ""], ["", "", "Sở B", "", ""]]


def test_every_worksheet_is_a_table(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["TT", "Nội dung"])
    workbook.create_sheet("Trống")
    workbook.create_sheet("Biểu 2").append(["TT", "Nhiệm vụ"])
    workbook.save(str(tmp_path / "sheets.xlsx"))
    tables = read_document(tmp_path / "sheets.xlsx").tables
    assert [(t.index, t.rows) for t in tables] == [(0, [["TT", "Nội dung"]]), (1, [["TT", "Nhiệm vụ"]])]


def test_a_20000_row_workbook_is_read_in_well_under_five_seconds(tmp_path: Path) -> None:
    path = build_big_xlsx_plan(tmp_path / "big.xlsx", rows=20_000)
    started = time.perf_counter()
    doc = read_document(path)
    elapsed = time.perf_counter() - started
    assert len(doc.tables[0].rows) == 20_002  # title, header, tasks
    assert elapsed < 5.0, f"reading took {elapsed:.1f} s"
