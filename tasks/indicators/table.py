"""Targets per district from a table such as Bắc Giang's Biểu 01.

    TT | Huyện, thành phố | <indicator>: Thực hiện đến năm 2019 | Kế hoạch đến năm 2020 | <indicator> ...
    1  | TP Bắc Giang     | 19,0 | 19,0 | ...
    Tổng cộng            | 15,8 | 16,2 | ...
    So sánh 2020/2019    |      | Tăng 0,4 tiêu chí | ...

A table qualifies when its header has a district column ("Huyện, thành phố") and the labels
"Thực hiện ... năm YYYY" and "Kế hoạch ... năm YYYY": the columns after the district column then
come in pairs (actual of the earlier year, plan of the later one), for each district row and for
the total row (district None).

Naming a pair, most trusted first: a text target with the same unit whose value equals the
total row's plan value (the plan's prose names it); else the pair's own header cell when it names
an indicator ("Số xã đạt dưới 10 tiêu chí", not a year label). A pair with no name, no unit or no
value is left out. The unit comes from the name ("Số thôn ..." -> thôn, "Bình quân ... /xã" ->
tiêu chí/xã) or from the comparison row ("Tăng 22 thôn").

Extracted text sometimes shifts the two header rows (Bắc Giang's .txt puts the year labels where
the first indicator names should be); matching the totals against the prose is what makes those
pairs readable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.importing.readers.base import PlanDocument, Table
from tasks.indicators.targets import NUMBER, Indicator, Target, parse_number

__all__ = ["table_indicators"]

_DISTRICT_HEADER = re.compile(r"^(?:huyện\s*[,/]\s*(?:thị xã\s*[,/]\s*)?thành phố|đơn vị|địa phương)", re.IGNORECASE)
_ACTUAL = re.compile(r"^(?:thực hiện|TH)\b.*?((?:19|20)\d{2})", re.IGNORECASE)
_PLAN = re.compile(r"^(?:kế hoạch|KH)\b.*?((?:19|20)\d{2})", re.IGNORECASE)
_TOTAL = re.compile(r"^(?:tổng cộng|tổng số|toàn tỉnh|cộng)\b", re.IGNORECASE)
_COMPARE = re.compile(r"^(?:so sánh|số sánh)\b", re.IGNORECASE)
_NAMES = re.compile(r"^(?:số|bình quân|tỷ lệ|tổng)\b", re.IGNORECASE)
_DELTA_UNIT = re.compile(rf"^(?:tăng|giảm)\s+{NUMBER}\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Pair:
    col: int
    header: str  # the header texts over the pair's two columns
    delta_unit: str | None  # "thôn" from "Tăng 22 thôn"
    rows: tuple[tuple[str | None, float | None, float | None], ...]  # (district, actual, plan)


def _number(cell: str) -> float | None:
    cell = cell.strip()
    return parse_number(cell) if re.fullmatch(NUMBER, cell) else None


def _unit_from_name(name: str) -> str | None:
    lowered = name.lower()
    if lowered.startswith("bình quân") and "tiêu chí" in lowered:
        return "tiêu chí/xã" if "/xã" in lowered or "xã" in lowered else "tiêu chí"
    match = re.match(r"^số\s+(xã|thôn|huyện|hộ|hợp tác xã|sản phẩm)\b", lowered)
    if match:
        return match.group(1)
    if lowered.startswith("tỷ lệ"):
        return "%"
    return None


def _header_rows(table: Table) -> int:
    """Rows before the first data row (one whose first or second cell is a row number)."""
    for index, row in enumerate(table.rows):
        if row and re.fullmatch(r"\d+\.?", row[0].strip()) and len(row) > 1 and row[1].strip():
            return index
    return 0


def _shape(table: Table) -> tuple[int, int, int, int] | None:
    """(district column, header rows, actual year, plan year) of a per-district target table."""
    head = _header_rows(table)
    if head == 0:
        return None
    cells = [cell.strip() for row in table.rows[:head] for cell in row]
    district_cols = [i for i, cell in enumerate(table.rows[0]) if _DISTRICT_HEADER.match(cell.strip())]
    actual = [int(m.group(1)) for c in cells if (m := _ACTUAL.match(c))]
    plan = [int(m.group(1)) for c in cells if (m := _PLAN.match(c))]
    if not district_cols or not actual or not plan or min(actual) >= max(plan):
        return None
    return district_cols[0], head, min(actual), max(plan)


def _pairs(table: Table, district_col: int, head: int) -> list[_Pair]:
    width = max(len(row) for row in table.rows)
    rows = [row + [""] * (width - len(row)) for row in table.rows]
    pairs = []
    for col in range(district_col + 1, width - 1, 2):
        header = " ".join(rows[r][c].strip() for r in range(head) for c in (col, col + 1) if rows[r][c].strip())
        values: list[tuple[str | None, float | None, float | None]] = []
        delta_unit = None
        for row in rows[head:]:
            first = " ".join(row[: district_col + 1]).strip()
            if _COMPARE.match(first):
                for cell in (row[col], row[col + 1]):
                    match = _DELTA_UNIT.match(cell.strip())
                    if match:
                        delta_unit = match.group(1).strip()
                continue
            actual, plan = _number(row[col]), _number(row[col + 1])
            if _TOTAL.match(first):
                values.append((None, actual, plan))
            elif re.fullmatch(r"\d+\.?", row[0].strip()) and row[district_col].strip():
                values.append((row[district_col].strip(), actual, plan))
        if any(a is not None or p is not None for _, a, p in values):
            pairs.append(_Pair(col, header, delta_unit, tuple(values)))
    return pairs


def _header_name(header: str) -> str | None:
    """The part of the header that names an indicator, without year labels and "(Lũy kế)" notes."""
    text = re.sub(r"\((?:lấy|lũy|luỹ)\s*kê?́?\w*\)", " ", header, flags=re.IGNORECASE)
    text = re.sub(r"(?:thực hiện|kế hoạch)\s+(?:đến\s+)?năm\s+\d{4}", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s*\([^()]*\)", "", text)
    text = " ".join(text.split())
    return text if text and _NAMES.match(text) else None


def _text_match(
    pair: _Pair, unit: str | None, text_indicators: Sequence[Indicator], plan_year: int
) -> Indicator | None:
    total = next(((a, p) for d, a, p in pair.rows if d is None), None)
    if total is None or total[1] is None:
        return None
    for ind in text_indicators:
        target = ind.target_for(plan_year)
        if target is None or target.year != plan_year or abs(target.low - total[1]) > 1e-9:
            continue
        if ind.district is not None or (unit is not None and ind.unit != unit):
            continue
        if ind.baseline is not None and total[0] is not None and abs(ind.baseline - total[0]) > 1e-9:
            continue
        return ind
    return None


def table_indicators(doc: PlanDocument, *, text_indicators: Sequence[Indicator] = ()) -> list[Indicator]:
    found: list[Indicator] = []
    for table in doc.tables:
        shape = _shape(table)
        if shape is None:
            continue
        district_col, head, actual_year, target_year = shape
        for pair in _pairs(table, district_col, head):
            header_name = _header_name(pair.header)
            unit = (_unit_from_name(header_name) if header_name else None) or pair.delta_unit
            matched = _text_match(pair, unit, text_indicators, target_year)
            if matched is not None:
                name, unit = matched.name, matched.unit
            elif header_name is not None and unit is not None:
                name = header_name
            else:
                continue
            direction = "down" if re.search(r"\bdưới\b", name) else "up"  # "Số xã đạt dưới 10 tiêu chí"
            for district, actual, plan in pair.rows:
                if plan is None:
                    continue
                found.append(
                    Indicator(
                        name=name,
                        unit=unit,
                        targets=(Target(year=target_year, low=plan),),
                        baseline=actual,
                        baseline_year=actual_year if actual is not None else None,
                        district=district,
                        direction=direction,
                        source="table",
                        source_text=f"bảng {table.index + 1}, cột {pair.col + 1}: {district or 'Tổng cộng'}",
                    )
                )
    return found
