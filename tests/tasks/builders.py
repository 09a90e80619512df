"""Build real .docx and .xlsx plans in a temporary directory, with the merges Word and Excel use.

Shared by the reader/appendix tests, by other tests that need a plan file, and by the benchmark
that imports a 20,000-row workbook (build_big_xlsx_plan: openpyxl's write-only mode, seconds
instead of the ~15 s the merging builder needs for that size). Cells are given as plain
strings; merges are derived:

* a two-row header: a top cell with "" below it is merged down; a "" top cell under which the
  lower row has text belongs to the horizontal span started by the top cell on its left
  (["Chỉ tiêu đánh giá", ""] over ["Đến năm 2020", "Đến năm 2025"]).
* section rows ("I", "Nhiệm vụ trong Quý I/2020", "", ...): the title is merged across the rest
  of the row (section_rows_merged).
* merge_down_columns / group_columns: in those columns an empty cell under a filled one is merged
  into it (a group number and title spanning the group's task rows), up to the next filled
  cell or section row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl
from docx.enum.text import WD_BREAK

Header = Sequence[str] | Sequence[Sequence[str]]
_SECTION_RE = re.compile(r"^(?:[IVXLC]+|[A-ZĐ])$")


def _header_rows(header: Header) -> list[list[str]]:
    if header and isinstance(header[0], str):
        return [list(header)]  # type: ignore[arg-type]
    return [list(row) for row in header]  # type: ignore[union-attr]


def is_section_row(row: Sequence[str]) -> bool:
    return bool(_SECTION_RE.match(row[0].strip())) and not any(cell.strip() for cell in row[2:])


def _header_merges(rows: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """(first_row, first_col, last_row, last_col) ranges, 0-based, for a one- or two-row header."""
    if len(rows) < 2:
        return []
    top, below = rows[0], rows[1]
    merges = []
    col = 0
    while col < len(top):
        if top[col] and not below[col]:
            merges.append((0, col, 1, col))
        elif top[col]:
            end = col
            while end + 1 < len(top) and not top[end + 1] and below[end + 1]:
                end += 1
            if end > col:
                merges.append((0, col, 0, end))
            col = end
        col += 1
    return merges


def _down_runs(rows: Sequence[Sequence[str]], columns: Sequence[int]) -> list[tuple[int, int, int]]:
    """(column, first_row, last_row) of each filled cell with empty cells under it."""
    runs = []
    for col in columns:
        start: int | None = None
        for index, row in enumerate([*rows, None]):
            ends = row is None or is_section_row(row) or bool(row[col].strip())
            if ends:
                if start is not None and index - 1 > start:
                    runs.append((col, start, index - 1))
                start = index if row is not None and not is_section_row(row) and row[col].strip() else None
    return runs


def build_docx_plan(
    path: Path,
    *,
    head_paragraphs: Sequence[str],
    header: Header,
    rows: Sequence[Sequence[str]],
    section_rows_merged: bool = True,
    repeat_header_after: int | None = None,
    split_tables: bool = True,
    merge_down_columns: Sequence[int] = (),
    caption: str | None = None,
    tail_paragraphs: Sequence[str] = (),
) -> Path:
    """A Word plan: head paragraphs, optional caption, the task table, tail paragraphs.

    repeat_header_after=N starts a new page after every N data rows and repeats the header:
    as a second table when split_tables (what Word users usually produce), else as a row
    inside the same table.
    """
    document = docx.Document()
    for text in head_paragraphs:
        document.add_paragraph(text)
    if caption:
        document.add_paragraph(caption)
    header_rows = _header_rows(header)
    width = len(header_rows[0])
    chunks: list[Sequence[Sequence[str]]] = [rows]
    if repeat_header_after:
        chunks = [rows[i : i + repeat_header_after] for i in range(0, len(rows), repeat_header_after)] or [[]]
    table = None
    for chunk in chunks:
        if table is None or split_tables:
            if table is not None:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            table = document.add_table(rows=0, cols=width)
            table.style = "Table Grid"
        _write_rows(table, header_rows, _header_merges(header_rows))
        first = len(table.rows)
        _write_rows(table, [list(row) for row in chunk], [])
        for offset, row in enumerate(chunk):
            if section_rows_merged and is_section_row(row):
                table.cell(first + offset, 1).merge(table.cell(first + offset, width - 1))
        for col, start, end in _down_runs(chunk, merge_down_columns):
            table.cell(first + start, col).merge(table.cell(first + end, col))
    for text in tail_paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def _write_rows(table: docx.table.Table, rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    first = len(table.rows)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    for top, left, bottom, right in merges:
        table.cell(first + top, left).merge(table.cell(first + bottom, right))


def build_xlsx_plan(
    path: Path,
    *,
    title_rows: Sequence[str],
    header: Header,
    rows: Sequence[Sequence[str]],
    merge_groups: bool = True,
    group_columns: Sequence[int] = (0, 1),
    numbers_as_int: bool = True,
    sheet_title: str = "Biểu 05",
) -> Path:
    """A one-sheet workbook: title rows merged across the table, the header, the rows.

    numbers_as_int writes "12" as the number 12, as Excel users type it.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    header_rows = _header_rows(header)
    width = len(header_rows[0])
    line = 1
    for text in title_rows:
        sheet.cell(row=line, column=1, value=text)
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        line += 1
    header_top = line
    for values in header_rows:
        for col, value in enumerate(values, start=1):
            if value:
                sheet.cell(row=line, column=col, value=value)
        line += 1
    for top, left, bottom, right in _header_merges(header_rows):
        sheet.merge_cells(
            start_row=header_top + top, start_column=left + 1, end_row=header_top + bottom, end_column=right + 1
        )
    data_top = line
    for values in rows:
        for col, value in enumerate(values, start=1):
            if value:
                number = numbers_as_int and value.isdigit() and len(value) < 10
                sheet.cell(row=line, column=col, value=int(value) if number else value)
        line += 1
    if merge_groups:
        for col, start, end in _down_runs(rows, group_columns):
            sheet.merge_cells(
                start_row=data_top + start, start_column=col + 1, end_row=data_top + end, end_column=col + 1
            )
    workbook.save(str(path))
    return path


def _roman(number: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip
    text = ""
    for value, letters in numerals:
        while number >= value:
            text, number = text + letters, number - value
    return text


def build_big_xlsx_plan(path: Path, *, rows: int = 20_000, section_every: int | None = None) -> Path:
    """A large Biểu 05 workbook, written in openpyxl's fast write-only mode (no merges).

    One title row, the header, then `rows` numbered tasks; with section_every=N a section row
    ("I", "Nhiệm vụ nhóm I") opens every N tasks and numbering restarts, as in Bắc Giang.
    """
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Biểu 05")
    sheet.append(["Biểu 05 (Kèm theo Kế hoạch số 552/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)"])
    sheet.append(["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"])
    leads = ["Sở NN&PTNT, VPĐP tỉnh", "UBND huyện, TP", "Sở TN&MT", "Công an tỉnh", "Sở Nội vụ"]
    deadlines = ["Tháng 01/2020", "Trước 28/02/2020", "Quý I/2020", "Quý II-III/2020", "Trong năm 2020"]
    number = 0
    for index in range(rows):
        if section_every and index % section_every == 0:
            section = _roman(index // section_every + 1)
            sheet.append([section, f"Nhiệm vụ nhóm {section}", None, None, None])
            number = 0
        number += 1
        sheet.append(
            [
                number,
                f"Nhiệm vụ số {index + 1}: rà soát, hoàn thiện hồ sơ xây dựng nông thôn mới",
                leads[index % len(leads)],
                "Sở KH&ĐT, TC, UBND các xã",
                deadlines[index % len(deadlines)],
            ]
        )
    workbook.save(str(path))
    return path
