"""Recognise a task table's header by its wording and map each role to a column.

Plans name their columns in many ways ("Cơ quan chủ trì", "Đơn vị chủ trì", "Chủ trì";
"Thời gian hoàn thành", "Thời hạn", "Tiến độ"...) and put them in any order, so columns are
found by header wording, never by position. Matching is on NFC lowercase text, with a
diacritics-free fallback for files typed without tones or with broken encodings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tasks.common.text import fold as text_fold
from tasks.common.text import nfc_lower, strip_diacritics

TT, CONTENT, TASK, LEAD, COORD, DEADLINE, TARGET = "tt", "content", "task", "lead", "coord", "deadline", "target"
CODE, GROUP = "code", "group"

_MAX_HEADER_CELL = 80  # header cells are short; long cells are data even if they contain a keyword
_MAX_HEADER_SCAN = 30  # title rows above a header are few; do not scan a 20,000-row sheet
_CODE_SAMPLE = 50  # data rows looked at to tell a column of task codes from one of task text


# The form header wording is compared in (NFC, lower case, single spaces), also used by
# tasks.importing.appendix under this name. Not tasks.common.text.fold: the header patterns
# read punctuation ("Cơ quan, đơn vị thực hiện", "STT."), which fold turns into spaces.
fold = nfc_lower


@dataclass(frozen=True)
class _Wording:
    """The header keywords, in one spelling (with marks, or stripped of them)."""

    tt: frozenset[str]
    code: re.Pattern[str]
    deadline: tuple[str, ...]
    start: tuple[str, ...]
    coordinating: str
    lead: re.Pattern[str]
    year: re.Pattern[str]
    group: re.Pattern[str]
    content: str
    task: re.Pattern[str]
    subheader: frozenset[str]

    @classmethod
    def build(cls, convert: Callable[[str], str]) -> _Wording:
        return cls(
            tt=frozenset(convert(w) for w in ("tt", "stt", "số tt", "số thứ tự", "thứ tự")),
            # "Mã nhiệm vụ" holds codes (KH12_CĐS_01.2), never the task text, though it says "nhiệm vụ"
            code=re.compile(convert(r"^(?:mã|số hiệu)\b|ký hiệu|mã nhiệm vụ|mã số")),
            deadline=tuple(convert(w) for w in (
                "thời gian", "thời hạn", "tiến độ", "thời điểm", "ngày dự kiến", "số ngày", "dự kiến trình",
                "hạn hoàn thành", "ngày hoàn thành", "hạn trình", "hạn chót",
            )),
            # "Thời gian thực hiện" over "Bắt đầu" | "Kết thúc": the start is not the deadline
            start=tuple(convert(w) for w in ("bắt đầu", "từ ngày", "khởi công")),
            coordinating=convert("phối hợp"),
            # "Cơ quan chủ trì", "Chủ trì", "Cơ quan thực hiện", "Đơn vị đầu mối", "Cơ quan soạn thảo",
            # "Chủ đầu tư" (a project's lead)...
            lead=re.compile(convert(
                r"chủ trì|chủ đầu tư|(?:cơ quan|đơn vị)\s*(?:,\s*đơn vị\s*)?"
                r"(?:thực hiện|đầu mối|được giao|soạn thảo|chủ quản|tham mưu|phụ trách|trình)"
            )),
            year=re.compile(convert("năm") + r"\s*(\d{4})"),
            # a group column merged down over its tasks ("Nhóm nhiệm vụ", "Lĩnh vực")
            group=re.compile(convert(r"^(?:nhóm|lĩnh vực)\b")),
            content=convert("nội dung"),
            # "Nhiệm vụ", "Tên nhiệm vụ", "Công việc", "Tên dự án", "Tên gọi văn bản", "Tên đề án"...
            task=re.compile(convert(
                r"nhiệm vụ|^(?:tên\s*)?công việc"
                r"|^tên\s*(?:gọi|dự án|đề án|văn bản|chương trình|đề tài|công trình|kế hoạch)"
            )),
            # the lower line of a two-row header that names no role of its own
            subheader=frozenset(convert(w) for w in (
                "chủ trì", "phối hợp", "bắt đầu", "kết thúc", "hoàn thành", "ghi chú", "sản phẩm",
                "kết quả", "sản phẩm dự kiến", "kết quả dự kiến", "hình thức văn bản", "kinh phí", "nguồn vốn",
            )),
        )

    def role(self, text: str) -> tuple[str, int] | None:
        # order matters: "Thời gian thực hiện" is a deadline, not a lead ("thực hiện"), and
        # "Chỉ tiêu ... Đến năm 2020" is a target even though it is neither content nor lead
        if text.replace(".", "").strip() in self.tt:
            return (TT, 0)
        if self.code.search(text):
            return (CODE, 0)
        if any(word in text for word in self.deadline):
            return (DEADLINE, 1 if any(word in text for word in self.start) else 0)
        if self.coordinating in text:
            return (COORD, 0)
        if self.lead.search(text):
            return (LEAD, 0)
        year = self.year.search(text)
        if year:
            return (TARGET, int(year.group(1)))
        if self.group.search(text):
            return (GROUP, 0)
        if self.content in text:
            return (CONTENT, 0)
        if self.task.search(text):
            return (TASK, 0)
        return None


_MARKED = _Wording.build(lambda text: text)
_PLAIN = _Wording.build(strip_diacritics)  # for files typed without marks


def classify(cell: str) -> tuple[str, int] | None:
    """The role a header cell names, e.g. ("lead", 0) or ("target", 2025); None if none."""
    text = fold(cell)
    if not text or len(text) > _MAX_HEADER_CELL:
        return None
    return _MARKED.role(text) or _PLAIN.role(strip_diacritics(text))


def _header_word(cell: str) -> str | None:
    """The role a header cell names, "subheader" for a word of a header's lower line ("Bắt đầu",
    "Ghi chú"), None for anything else."""
    role = classify(cell)
    if role is not None:
        return role[0]
    text = fold(cell)
    return "subheader" if text in _MARKED.subheader or strip_diacritics(text) in _PLAIN.subheader else None


def is_header_wording(cell: str) -> bool:
    """Does the cell read as header wording: a role (classify) or a sub-header word ("Bắt đầu", "Ghi chú")?"""
    return _header_word(cell) is not None


def is_header_row(row: list[str]) -> bool:
    """A row made of header wording only (two filled cells or more): a second header line or a
    header repeated in other words, never a task ("| | Chủ trì | Phối hợp | Bắt đầu | Kết thúc").
    Wording about the work alone ("Nhóm 1" | "Các nhiệm vụ về thể chế") is a heading, not a header."""
    filled = [cell.strip() for cell in row if cell.strip()]
    if len(filled) < 2 or any(cell[0].isdigit() for cell in filled):
        return False  # a numbered row (TT, dates) is data: checked first, as this runs on every row
    words = [_header_word(cell) for cell in filled]
    return None not in words and any(word not in (TASK, CONTENT, GROUP) for word in words)


# one token with a digit and a letter: "KH12_CĐS_01.2", "NV-03"; a task text is words, a date has no letter
_CODE_RE = re.compile(r"^(?=\S*\d)(?=\S*[^\W\d_])\S{3,40}$")


def looks_like_code(text: str) -> bool:
    return bool(_CODE_RE.match(text.strip()))


@dataclass(frozen=True)
class Columns:
    content: int  # the task text: "Nhiệm vụ" when the table also has "Nội dung", else "Nội dung"
    lead: int
    width: int
    tt: int | None = None
    group: int | None = None  # "Nội dung" when a separate "Nhiệm vụ" column holds the task
    coordinating: int | None = None
    deadline: int | None = None
    targets: dict[int, int] = field(default_factory=dict)  # year -> column
    code: int | None = None  # task codes ("Mã nhiệm vụ": KH12_CĐS_01.2), the task's reference outside the plan
    mapped: bool = False  # chosen by the office (--columns), not read from the header's wording


@dataclass(frozen=True)
class Header:
    columns: Columns
    first: int  # index of the (first) header row
    last: int  # index of the last header row: first + 1 for a two-row header
    signature: tuple[tuple[str, ...], ...]  # folded header rows, to recognise repeats


def _columns(cells: list[str]) -> Columns | None:
    found: dict[str, int] = {}
    targets: dict[int, int] = {}
    deadlines: list[tuple[int, int]] = []  # (1 for a start date, column): the first end date wins
    for col, cell in enumerate(cells):
        role = classify(cell)
        if role is None:
            continue
        if role[0] == TARGET:
            targets.setdefault(role[1], col)
        elif role[0] == DEADLINE:
            deadlines.append((role[1], col))
        else:
            found.setdefault(role[0], col)
    task = found.get(TASK, found.get(CONTENT))
    if LEAD not in found or task is None:
        return None
    if GROUP in found:
        group: int | None = found[GROUP]
    else:
        group = found[CONTENT] if CONTENT in found and TASK in found else None
    return Columns(
        content=task,
        group=group,
        lead=found[LEAD],
        width=len(cells),
        tt=found.get(TT),
        coordinating=found.get(COORD),
        deadline=min(deadlines)[1] if deadlines else None,
        targets=targets,
        code=found.get(CODE),
    )


def _without_codes(columns: Columns, cells: list[str], data: list[list[str]]) -> Columns | None:
    """A task column that holds codes ("Nhiệm vụ": KH12_CĐS_01.2) is the code column: the text is
    then in the "Nội dung" column beside it, or the table is not understood (--columns)."""

    def codes(col: int) -> bool:
        values = [row[col].strip() for row in data if col < len(row) and row[col].strip()]
        return bool(values) and sum(looks_like_code(value) for value in values) * 5 >= len(values) * 4

    if not codes(columns.content):
        return columns
    group = columns.group
    text_beside = group is not None and classify(cells[group]) == (CONTENT, 0) and not codes(group)
    if group is None or not text_beside:
        return None
    return replace(columns, content=group, group=None, code=columns.code if columns.code is not None
                   else columns.content)


def _continues_header(top: list[str], below: list[str]) -> bool:
    """Is `below` the second line of a two-row header (e.g. "Đến năm 2020" | "Đến năm 2025"
    under a merged "Chỉ tiêu đánh giá")? Each of its cells must read as header wording and
    sit under an empty top cell or under the start of a merged span; a section row such as
    "I | Nhiệm vụ trong Quý I/2020" fails because its number is not header wording."""
    filled = [col for col, cell in enumerate(below) if cell.strip()]
    if not filled or sum(1 for cell in top if cell.strip()) < 2:
        return False  # a one-cell top row is a merged title line ("Biểu 05"), not a header
    for col in filled:
        if not is_header_wording(below[col]):
            return False
        spans = col + 1 < len(below) and not top[col + 1].strip() and below[col + 1].strip()
        if top[col].strip() and not spans:
            return False
    return True


def _combine(top: list[str], below: list[str]) -> list[str]:
    cells: list[str] = []
    parent = ""
    for col, upper in enumerate(top):
        lower = below[col] if col < len(below) else ""
        if upper.strip():
            parent = upper
        elif not lower.strip():
            parent = ""  # a gap ends a horizontal merge
        head = upper if upper.strip() else (parent if lower.strip() else "")
        cells.append(" ".join(part for part in (head.strip(), lower.strip()) if part))
    return cells


def find_header(rows: list[list[str]]) -> Header | None:
    """The first row (or pair of rows) that names a content and a lead column."""
    for index in range(min(len(rows), _MAX_HEADER_SCAN)):
        row = rows[index]
        if not any(cell.strip() for cell in row):
            continue
        if index + 1 < len(rows) and _continues_header(row, rows[index + 1]):
            cells = _combine(row, rows[index + 1])
            columns = _columns(cells)
            if columns is not None:
                checked = _without_codes(columns, cells, rows[index + 2: index + 2 + _CODE_SAMPLE])
                return None if checked is None else Header(
                    checked, index, index + 1, (signature(row), signature(rows[index + 1])))
        columns = _columns(row)
        if columns is not None:
            checked = _without_codes(columns, row, rows[index + 1: index + 1 + _CODE_SAMPLE])
            return None if checked is None else Header(checked, index, index, (signature(row),))
    return None


def layout_header(rows: list[list[str]]) -> int | None:
    """The header row of a table whose wording is not understood: the first row filling two cells
    or more with short text (title lines merged across the table fill one)."""
    for index in range(min(len(rows), _MAX_HEADER_SCAN)):
        filled = [cell for cell in rows[index] if cell.strip()]
        if len(filled) < 2 or is_column_number_row(rows[index]):
            continue
        return index if all(len(cell) <= _MAX_HEADER_CELL for cell in filled) else None
    return None


def layout_signature(row: list[str]) -> tuple[str, ...]:
    """A table's layout, to remember the office's column mapping by: its folded header cells."""
    cells = [text_fold(cell) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def signature(row: list[str]) -> tuple[str, ...]:
    cells = [fold(cell) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


_COLUMN_NUMBER_RE = re.compile(r"^\(?(\d{1,2})\)?$")


def is_column_number_row(row: list[str]) -> bool:
    """The "(1) (2) (3) ..." line some tables put under the header."""
    numbers = []
    for cell in row:
        if cell.strip():
            match = _COLUMN_NUMBER_RE.match(cell.strip())
            if match is None:
                return False
            numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
