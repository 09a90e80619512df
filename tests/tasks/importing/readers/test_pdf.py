"""The PDF reader: a plan exported to PDF by a real word processor reads as the .docx it came from."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.parse import ParsedPlan, parse_plan
from tasks.importing.readers import PlanDocument, PlanFileError, read_document
from tasks.importing.readers.layout import Line, Page, Word, assemble
from tasks.importing.readers.pdf import _visible, _words
from tests.tasks.builders import build_docx_plan
from tests.tasks.importing.readers.plans import (
    HEADER,
    PlanFiles,
    build_plan_docx,
    convert,
    office_tools,
    plan_files,  # noqa: F401  (the fixture)
)

RUNNING_HEAD = "Kế hoạch số 45/KH-UBND của UBND tỉnh Lạng Sơn"
LONG_ROWS = [
    (str(i), f"Nhiệm vụ số {i}: rà soát, hoàn thiện hồ sơ xây dựng nông thôn mới tại các xã trên địa bàn",
     "Sở Tài chính", "UBND các huyện, thành phố", f"Tháng {i % 12 + 1}/2025")
    for i in range(1, 41)
]  # fmt: skip


def _words_of(text: str) -> str:
    return " ".join(text.split())


def _tasks(plan: ParsedPlan) -> list[tuple[Any, ...]]:
    return [
        (t.ref, _words_of(t.row.content), [a.name for a in t.lead], [a.name for a in t.coordinating], t.due_date)
        for t in plan.tasks
    ]


def _parse(doc: PlanDocument, name: str) -> ParsedPlan:
    return parse_plan(doc, AgencyDirectory.load(), source_name=name)


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 tasks over several pages, the header row repeating on each, a running head and page numbers."""
    folder = tmp_path_factory.mktemp("long")
    docx_path = build_plan_docx(
        folder / "45-long.docx", rows=LONG_ROWS, repeat_header=True, running_head=RUNNING_HEAD, page_numbers=True
    )
    return convert(office_tools(), docx_path, "pdf", folder)


def test_a_pdf_exported_from_word_reads_as_the_docx_it_came_from(plan_files: PlanFiles) -> None:
    pdf, docx_doc = read_document(plan_files.pdf), read_document(plan_files.docx)
    assert pdf.source == "pdf"
    # wrapped lines joined again: the paragraphs and cells are the Word document's, word for word
    assert [_words_of(p) for p in pdf.paragraphs] == [_words_of(p) for p in docx_doc.paragraphs]
    [table] = pdf.tables
    assert [[_words_of(c) for c in row] for row in table.rows] == [
        [_words_of(c) for c in row] for row in docx_doc.tables[0].rows
    ]
    assert table.paragraphs_before == docx_doc.tables[0].paragraphs_before == 9
    assert table.rows[1][1] == "Rà soát, cập nhật danh mục các dự án đầu tư hạ tầng nông thôn giai đoạn 2026-2030"


def test_parsing_the_pdf_gives_the_tasks_dates_and_agencies_of_the_docx(plan_files: PlanFiles) -> None:
    pdf = _parse(read_document(plan_files.pdf), plan_files.pdf.name)
    docx_plan = _parse(read_document(plan_files.docx), plan_files.docx.name)
    assert len(pdf.tasks) == 6
    assert _tasks(pdf) == _tasks(docx_plan)
    assert (pdf.code, pdf.meta.issued_on, pdf.province.slug) == ("45/KH-UBND", docx_plan.meta.issued_on, "lang-son")
    assert all(task.review == [] for task in pdf.tasks)  # a text layer is read, not guessed


def test_a_table_running_over_pages_with_its_header_repeated_is_one_table(long_pdf: Path) -> None:
    with pdfplumber.open(long_pdf) as pdf:
        pages = len(pdf.pages)
    assert pages >= 4
    doc = read_document(long_pdf)
    [table] = doc.tables
    assert table.rows[0] == HEADER
    assert [row[0] for row in table.rows[1:]] == [str(i) for i in range(1, 41)]  # no header repeated, none lost
    # rows cut by a page break are whole again: "Nhiệm vụ số" at the foot of a page, "29: ..." at the top of the next
    assert [_words_of(row[1]) for row in table.rows[1:]] == [row[1] for row in LONG_ROWS]
    plan = _parse(doc, long_pdf.name)
    assert [t.ref for t in plan.tasks] == [str(i) for i in range(1, 41)]
    assert plan.tasks[28].due_date is not None and plan.tasks[28].due_date.isoformat() == "2025-06-30"


def test_page_numbers_and_the_running_head_are_dropped(long_pdf: Path) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(long_pdf), "-"], capture_output=True, text=True, check=True)
    lines = [line.strip() for line in text.stdout.splitlines()]
    assert lines.count(RUNNING_HEAD) >= 4 and "2" in lines and "3" in lines  # they are on the pages
    doc = read_document(long_pdf)
    assert RUNNING_HEAD not in doc.paragraphs
    assert not [p for p in doc.paragraphs if p.strip().isdigit()]
    assert doc.paragraphs[0] == "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"  # the head is not a running head
    assert doc.paragraphs[-3:] == ["Nơi nhận:", "- Các sở, ban, ngành tỉnh;", "- Lưu: VT."]


def test_merged_cells_are_recorded_as_word_merged_them(tmp_path: Path) -> None:
    rows = [
        ["I", "Nhiệm vụ trong Quý I/2025", "", "", ""],
        ["1", "Rà soát danh mục dự án", "Sở Tài chính", "Sở Xây dựng", "Quý I/2025"],
        ["2", "Phân bổ vốn sự nghiệp", "", "UBND các huyện, thành phố", "Tháng 3/2025"],
        ["3", "Kiểm tra tiến độ giải ngân", "", "Kho bạc Nhà nước tỉnh", "Trước 31/3/2025"],
        ["4", "Tổng hợp báo cáo quý", "Sở Nội vụ", "", "Trước 31/3/2025"],
    ]
    docx_path = build_docx_plan(
        tmp_path / "merged.docx", head_paragraphs=["Số: 45/KH-UBND"], header=HEADER, rows=rows,
        merge_down_columns=[2],
    )  # fmt: skip
    from_word = read_document(docx_path).tables[0]
    assert from_word.merged_from  # the section title spans the row, "Sở Tài chính" spans three tasks
    table = read_document(convert(office_tools(), docx_path, "pdf", tmp_path)).tables[0]
    assert table.merged_from == from_word.merged_from
    assert table.merged_from[(3, 2)] == (2, 2) and table.merged_from[(1, 4)] == (1, 1)
    assert [[_words_of(c) for c in row] for row in table.rows] == from_word.rows
    plan = parse_plan(read_document(tmp_path / "merged.pdf"), AgencyDirectory.load(), source_name="merged.pdf",
                      province="lang-son")
    assert [[a.name for a in t.lead] for t in plan.tasks] == [["Sở Tài chính"]] * 3 + [["Sở Nội vụ"]]


def test_decomposed_vietnamese_is_read_in_nfc(tmp_path: Path) -> None:
    head = ["ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "Số: 45/KH-UBND", "Lạng Sơn, ngày 10 tháng 3 năm 2025"]
    decomposed = [unicodedata.normalize("NFD", line) for line in head]
    assert decomposed != head
    docx_path = build_plan_docx(tmp_path / "nfd.docx", head=decomposed)
    doc = read_document(convert(office_tools(), docx_path, "pdf", tmp_path))
    assert doc.paragraphs[:3] == head


def _char(text: str, x0: float, fontname: str = "ABCDEF+TimesNewRomanPSMT", top: float = 100.0) -> dict[str, Any]:
    """A character as pdfplumber gives it (the keys the reader uses)."""
    return {"text": text, "x0": x0, "x1": x0 + 6.0, "top": top, "bottom": top + 13.0, "doctop": top,
            "upright": True, "fontname": fontname, "size": 13.0}  # fmt: skip


def test_only_certain_repairs_are_made_to_a_broken_text_layer() -> None:
    chars = [
        _char("\uf0b7", 10.0, "BCDEFG+Symbol"),  # Word's bullet, drawn with the Symbol font
        _char("S", 22.0), _char("S", 22.3),  # drawn twice ("fake bold"): one letter
        _char("ơ", 28.0), _char("\u0309", 28.5),  # a combining hook above after its letter
        _char("\u00ad", 34.0),  # a soft hyphen: invisible
        _char("Ð", 46.0), _char("T", 52.0),  # the eth standing in for Đ
        _char("\ufb01", 64.0), _char("(cid:72)", 70.0),  # a ligature; an unmapped glyph stays as read
        _char("\uf0a7", 88.0, "CDEFGH+Wingdings-Regular"), _char("\uf0b7", 100.0, "DEFGHI+Arial"),
    ]  # fmt: skip
    words = [w.text for w in _words(_visible(chars))]
    assert words == ["•", "Sở", "ĐT", "fi(cid:72)", "▪", "\uf0b7"]  # a private-use code of an unknown font is kept


def test_a_combining_mark_drawn_before_its_letter_goes_after_it() -> None:
    # "Sở" whose horn and hook start a little left of the "o" they stand over: read left to right
    # they would come first ("S̛ỏ"); by position they belong to the "o"
    chars = [_char("S", 10.0), _char("\u031b", 15.8), _char("o", 16.0), _char("\u0309", 15.9)]
    assert [w.text for w in _words(_visible(chars))] == ["Sở"]


def test_a_page_number_standing_alone_in_the_margin_is_dropped_but_a_short_body_line_is_not() -> None:
    def line(text: str, top: float, x0: float = 100.0) -> Line:
        return Line([Word(text, x0, top, x0 + 8.0 * len(text), top + 13.0)])

    body = [line("Trong năm", 300.0), line("2025", 315.0), line("Nội dung", 700.0)]
    pages = [
        Page(width=595.0, height=842.0, lines=[line("- 2 -", 40.0, 290.0), *body, line("Trang 2/3", 800.0)]),
        Page(width=595.0, height=842.0, lines=[line("3", 40.0, 290.0), line("Nơi nhận:", 120.0)]),
    ]
    doc = assemble(pages, "pdf")
    assert "- 2 -" not in doc.paragraphs and "3" not in doc.paragraphs and "Trang 2/3" not in doc.paragraphs
    assert "Nội dung" in doc.paragraphs and "Nơi nhận:" in doc.paragraphs


def test_a_damaged_pdf_is_one_line_naming_the_file(plan_files: PlanFiles, tmp_path: Path) -> None:
    broken = tmp_path / "45-cut.pdf"
    broken.write_bytes(plan_files.pdf.read_bytes()[:600])
    with pytest.raises(PlanFileError) as caught:
        read_document(broken)
    assert str(caught.value).startswith("cannot read '45-cut.pdf': not a valid PDF file")
    assert "\n" not in str(caught.value)


def test_a_password_protected_pdf_is_refused_in_one_line(plan_files: PlanFiles, tmp_path: Path) -> None:
    protect = (
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"mat-khau"}}'
    )
    locked = convert(office_tools(), plan_files.docx, protect, tmp_path)
    with pytest.raises(PlanFileError, match=r"^cannot read '45-KH-UBND\.pdf': the PDF is protected by a password$"):
        read_document(locked)
