"""Recognise a task table's header by its wording and map each role to a column.

Plans name their columns in many ways ("Cơ quan chủ trì", "Đơn vị chủ trì", "Chủ trì";
"Thời gian hoàn thành", "Thời hạn", "Tiến độ"...) and put them in any order, so columns are
found by header wording, never by position. Matching is on NFC lowercase text, with a
diacritics-free fallback for files typed without tones or with broken encodings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tasks.common.text import nfc_lower, strip_diacritics

TT, CONTENT, TASK, LEAD, COORD, DEADLINE, TARGET = "tt", "content", "task", "lead", "coord", "deadline", "target"

_MAX_HEADER_CELL = 80  # header cells are short; long cells are data even if they contain a keyword
_MAX_HEADER_SCAN = 30  # title rows above a header are few; do not scan a 20,000-row sheet


# The form header wording is compared in (NFC, lower case, single spaces), also used by
# tasks.importing.appendix under this name. Not tasks.common.text.fold: the header patterns
# read punctuation ("Cơ quan, đơn vị thực hiện", "STT."), which fold turns into spaces.
fold = nfc_lower


@dataclass(frozen=True)
class _Wording:
    """The header keywords, in one spelling (with marks, or stripped of them)."""

    tt: frozenset[str]
    deadline: tuple[str, ...]
    coordinating: str
    lead: re.Pattern[str]
    year: re.Pattern[str]
    content: str
    task: str

    @classmethod
    def build(cls, convert: Callable[[str], str]) -> _Wording:
        return cls(
            tt=frozenset(convert(w) for w in ("tt", "stt", "số tt", "số thứ tự", "thứ tự")),
            deadline=tuple(convert(w) for w in ("thời gian", "thời hạn", "tiến độ", "thời điểm")),
            coordinating=convert("phối hợp"),
            # "Cơ quan chủ trì", "Chủ trì", "Cơ quan thực hiện", "Đơn vị đầu mối"...
            lead=re.compile(convert(r"chủ trì|(?:cơ quan|đơn vị)\s*(?:,\s*đơn vị\s*)?(?:thực hiện|đầu mối|được giao)")),
            year=re.compile(convert("năm") + r"\s*(\d{4})"),
            content=convert("nội dung"),
            task=convert("nhiệm vụ"),
        )

    def role(self, text: str) -> tuple[str, int] | None:
        # order matters: "Thời gian thực hiện" is a deadline, not a lead ("thực hiện"), and
        # "Chỉ tiêu ... Đến năm 2020" is a target even though it is neither content nor lead
        if text.replace(".", "").strip() in self.tt:
            return (TT, 0)
        if any(word in text for word in self.deadline):
            return (DEADLINE, 0)
        if self.coordinating in text:
            return (COORD, 0)
        if self.lead.search(text):
            return (LEAD, 0)
        year = self.year.search(text)
        if year:
            return (TARGET, int(year.group(1)))
        if self.content in text:
            return (CONTENT, 0)
        if self.task in text:
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


@dataclass(frozen=True)
class Header:
    columns: Columns
    first: int  # index of the (first) header row
    last: int  # index of the last header row: first + 1 for a two-row header
    signature: tuple[tuple[str, ...], ...]  # folded header rows, to recognise repeats


def _columns(cells: list[str]) -> Columns | None:
    found: dict[str, int] = {}
    targets: dict[int, int] = {}
    for col, cell in enumerate(cells):
        role = classify(cell)
        if role is None:
            continue
        if role[0] == TARGET:
            targets.setdefault(role[1], col)
        else:
            found.setdefault(role[0], col)
    if LEAD not in found or (CONTENT not in found and TASK not in found):
        return None
    both = CONTENT in found and TASK in found
    return Columns(
        content=found[TASK] if TASK in found else found[CONTENT],
        group=found[CONTENT] if both else None,
        lead=found[LEAD],
        width=len(cells),
        tt=found.get(TT),
        coordinating=found.get(COORD),
        deadline=found.get(DEADLINE),
        targets=targets,
    )


def _continues_header(top: list[str], below: list[str]) -> bool:
    """Is `below` the second line of a two-row header (e.g. "Đến năm 2020" | "Đến năm 2025"
    under a merged "Chỉ tiêu đánh giá")? Each of its cells must read as header wording and
    sit under an empty top cell or under the start of a merged span; a section row such as
    "I | Nhiệm vụ trong Quý I/2020" fails because its number is not header wording."""
    filled = [col for col, cell in enumerate(below) if cell.strip()]
    if not filled or sum(1 for cell in top if cell.strip()) < 2:
        return False  # a one-cell top row is a merged title line ("Biểu 05"), not a header
    for col in filled:
        if classify(below[col]) is None and fold(below[col]) not in {"chủ trì", "phối hợp"}:
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
            columns = _columns(_combine(row, rows[index + 1]))
            if columns is not None:
                return Header(columns, index, index + 1, (signature(row), signature(rows[index + 1])))
        columns = _columns(row)
        if columns is not None:
            return Header(columns, index, index, (signature(row),))
    return None


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
