"""Targets laid out as a table of indicators, as programmes and resolutions of 2025-2026 often
append them ("Phụ lục: Các chỉ tiêu chủ yếu"):

    STT | Chỉ tiêu                                   | Đơn vị tính | Thực hiện năm 2024 | Năm 2025 | Năm 2030
    I   | Chỉ tiêu về nông thôn mới                  |             |                    |          |
    1   | Tỷ lệ xã đạt chuẩn nông thôn mới           | %           | 80                 | 90       | ≥ 95
    2   | Số xã đạt chuẩn nông thôn mới kiểu mẫu     | xã          | 3                  | 5        | 10

A table qualifies when its header (one or two rows; a cell merged across columns, "Mục tiêu"
over "Năm 2025 | Năm 2030", heads each column it covers) has a column naming the indicator
("Chỉ tiêu", "Tên chỉ tiêu", "Nội dung chỉ tiêu"), a unit column ("Đơn vị tính", "ĐVT") and at
least one column of a target year ("Năm 2025", "Đến năm 2030", "Mục tiêu 2030", "Kế hoạch năm
2026"); a column of what was done ("Thực hiện năm 2024", "Hiện trạng 2025", "Ước thực hiện")
gives the baseline. A unit column is what tells such a table from a task table's target
columns, which tasks.indicators.targets.milestone_indicators reads.

A row becomes an indicator when its name cell is filled and at least one target cell holds a
number, with an optional qualifier ("≥ 95", "trên 50", "tối thiểu 3", "dưới 1", "15 - 20") and
an optional "%"; a cell in words ("Đạt chuẩn", "x") is no target. Rows with no number at all
("I | Chỉ tiêu về nông thôn mới") are groups. Lower is better when the value says so ("≤",
"dưới", "không quá") or the name does ("giảm", "hộ nghèo").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.importing.readers.base import PlanDocument, Table
from tasks.indicators.targets import NUMBER, Indicator, Target, parse_number

__all__ = ["target_table_indicators"]

_NAME_RE = re.compile(r"^(?:tên\s+)?(?:các\s+)?(?:nội dung\s+)?chỉ tiêu\b", re.IGNORECASE)
_UNIT_RE = re.compile(r"^(?:đơn vị tính|đơn vị|đvt|đ\.v\.t)\.?$", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_DONE_RE = re.compile(r"\b(?:thực hiện|ước|hiện trạng|thực trạng|kết quả|đã đạt)\b", re.IGNORECASE)
_TARGET_WORDS_RE = re.compile(r"\b(?:năm|đến|mục tiêu|kế hoạch|chỉ tiêu|phấn đấu|định hướng|giai đoạn)\b",
                              re.IGNORECASE)
_QUALIFIERS = [
    (r"≥|>=|ít nhất|tối thiểu|từ", "at_least"),
    (r"≤|<=|tối đa|không quá", "at_most"),
    (r">|trên|hơn", "more_than"),
    (r"<|dưới", "less_than"),
    (r"khoảng|~", "about"),
]
_VALUE_RE = re.compile(
    r"^(?P<q>" + "|".join(p for p, _ in _QUALIFIERS) + r")?\s*"
    rf"(?P<low>{NUMBER})(?:\s*[-–]\s*(?P<high>{NUMBER}))?\s*(?P<pct>%)?\s*(?:trở lên)?$",
    re.IGNORECASE,
)
_DOWN_NAME_RE = re.compile(r"\b(?:giảm|hộ nghèo|hộ cận nghèo|dưới)\b", re.IGNORECASE)
_HEADER_ROWS = 3


@dataclass(frozen=True)
class _Shape:
    head: int  # header rows
    name: int
    unit: int
    targets: tuple[tuple[int, int], ...]  # (column, year)
    baseline: tuple[int, int] | None  # (column, year)


def _header_texts(table: Table, head: int) -> list[str]:
    """Each column's header, the rows joined; a cell merged across columns heads each one."""
    width = max((len(r) for r in table.rows[:head]), default=0)
    texts: list[str] = []
    for col in range(width):
        parts: list[str] = []
        for r in range(head):
            row = table.rows[r]
            cell = row[col] if col < len(row) else ""
            if not cell.strip() and (r, col) in table.merged_from:
                top_r, top_c = table.merged_from[(r, col)]
                cell = table.rows[top_r][top_c] if top_r == r else ""  # across, not down (that is said once)
            if cell.strip() and cell.strip() not in parts:
                parts.append(cell.strip())
        texts.append(" ".join(" ".join(parts).split()))
    return texts


def _shape(table: Table) -> _Shape | None:
    for head in range(1, min(_HEADER_ROWS, len(table.rows) - 1) + 1):
        texts = _header_texts(table, head)
        name = next((i for i, t in enumerate(texts) if _NAME_RE.match(t)), None)
        unit = next((i for i, t in enumerate(texts) if _UNIT_RE.match(t)), None)
        if name is None or unit is None:
            continue
        targets: list[tuple[int, int]] = []
        baseline: tuple[int, int] | None = None
        for col, text in enumerate(texts):
            if col in (name, unit):
                continue
            years = _YEAR_RE.findall(text)
            if not years:
                continue
            if _DONE_RE.search(text):
                baseline = baseline or (col, int(years[-1]))
            elif _TARGET_WORDS_RE.search(text) or re.fullmatch(r"\s*\d{4}\s*", text):
                targets.append((col, int(years[-1])))
        if targets and _data_rows(table, head, name):
            return _Shape(head, name, unit, tuple(targets), baseline)
    return None


def _data_rows(table: Table, head: int, name: int) -> list[list[str]]:
    return [row for row in table.rows[head:] if name < len(row) and row[name].strip()]


def _value(cell: str) -> tuple[float, float | None, str | None, bool] | None:
    """(low, high, qualifier, percent) of a target cell, None when it holds no clear number."""
    text = " ".join(cell.replace("\n", " ").split())
    match = _VALUE_RE.match(text)
    if match is None:
        return None
    qualifier = None
    if match.group("q"):
        word = match.group("q").lower()
        qualifier = next(code for pattern, code in _QUALIFIERS if re.fullmatch(pattern, word, re.IGNORECASE))
    if re.search(r"trở lên\s*$", text, re.IGNORECASE):
        qualifier = "at_least"
    low = parse_number(match.group("low"))
    high = parse_number(match.group("high")) if match.group("high") else None
    return low, high, qualifier, bool(match.group("pct"))


def _indicators(table: Table, shape: _Shape) -> list[Indicator]:
    found: list[Indicator] = []
    for row in _data_rows(table, shape.head, shape.name):
        name = " ".join(row[shape.name].split()).strip(" .:;")
        unit = " ".join(row[shape.unit].split()) if shape.unit < len(row) else ""
        targets: list[Target] = []
        qualifiers: list[str | None] = []
        percent = False
        for col, year in shape.targets:
            value = _value(row[col]) if col < len(row) else None
            if value is None:
                continue
            low, high, qualifier, pct = value
            percent = percent or pct
            qualifiers.append(qualifier)
            targets.append(Target(year=year, low=low, high=high, qualifier=qualifier))
        if not targets or len(name.split()) < 2:
            continue  # a group row, or a row whose targets are words
        unit = unit or ("%" if percent or name.lower().startswith("tỷ lệ") else "")
        if not unit:
            continue
        baseline = None
        if shape.baseline is not None and shape.baseline[0] < len(row):
            done = _value(row[shape.baseline[0]])
            baseline = done[0] if done is not None else None
        down = any(q in ("at_most", "less_than") for q in qualifiers) or _DOWN_NAME_RE.search(name) is not None
        found.append(
            Indicator(
                name=name[:1].upper() + name[1:],
                unit=unit,
                targets=tuple(sorted(targets, key=lambda t: t.year)),
                baseline=baseline,
                baseline_year=shape.baseline[1] if baseline is not None and shape.baseline else None,
                direction="down" if down else "up",
                source="table",
                source_text=f"bảng {table.index + 1}: " + " | ".join(c.strip() for c in row if c.strip()),
            )
        )
    return found


def target_table_indicators(doc: PlanDocument) -> list[Indicator]:
    """Every indicator of every table laid out as a table of indicators (see the module docstring)."""
    found: list[Indicator] = []
    for table in doc.tables:
        shape = _shape(table)
        if shape is not None:
            found.extend(_indicators(table, shape))
    return found
