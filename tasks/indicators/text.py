"""Numeric targets in a plan's objectives section ("MỤC TIÊU").

A section starts at a numbered heading that reads "Mục tiêu" or "Chỉ tiêu" ("I. MỤC TIÊU, KẾ
HOẠCH PHÂN ĐẤU NĂM 2020", "1. Mục tiêu", "II- QUAN ĐIỂM, MỤC TIÊU", "2. Các chỉ tiêu chủ yếu")
and ends at the next heading of the same level; every such section is read (a resolution's
"1. Mục tiêu" and "2. Chỉ tiêu" are two). General aims and views ("Mục tiêu chung", "Mục tiêu
tổng quát", "Tầm nhìn", "Quan điểm") are left out. A
sentence broken across paragraphs by a page break is joined again. Each remaining paragraph goes
through tasks.indicators.clause.

The horizon year is the nearest heading's ("a) Đến năm 2025", "2.2. Định hướng đến 2030"), else
the section heading's ("... NĂM 2020"), else the title's "đến năm 2020", else the plan year; an
inline "Đến năm 2020," inside a sentence wins over all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tasks.indicators.clause import clause_indicators
from tasks.indicators.targets import Indicator, merge_indicators

__all__ = ["objective_paragraphs", "text_indicators"]

_YEAR_RE = re.compile(r"(?:đến|năm)\s+(?:hết\s+)?(?:năm\s+)?((?:19|20)\d{2})\b", re.IGNORECASE)
_HEADING_RE = re.compile(r"^\s*(?P<num>[IVX]+|\d+(?:\.\d+)*|[a-zđ])\s*(?P<sep>[.\-)])\s*(?P<text>\S.*)$")
# "MỤC TIÊU", "Mục tiêu cụ thể", "QUAN ĐIỂM, MỤC TIÊU", "MỤC TIÊU, CHỈ TIÊU", "Các chỉ tiêu chủ yếu"
_OBJECTIVES_RE = re.compile(
    r"^(?:(?:quan điểm|mục đích|yêu cầu|bối cảnh)\b[^,.:;]{0,30}?(?:,|\svà)\s*)*"
    r"(?:các\s+)?(?P<what>mục tiêu|chỉ tiêu)\b",
    re.IGNORECASE,
)
_SKIP_RE = re.compile(r"^(?:mục tiêu chung|mục tiêu tổng quát|tầm nhìn|quan điểm|mục đích)", re.IGNORECASE)


def _heading(paragraph: str) -> tuple[int, str] | None:
    """(level, text) of a short numbered heading: I. -> 0, 1. -> 1, 1.1. -> 2, a) -> 3."""
    match = _HEADING_RE.match(paragraph)
    if not match or len(paragraph) > 110 or ";" in paragraph:
        return None
    text = match.group("text").strip("* ")
    if ":" in text.rstrip(":") and len(text) > 60:
        return None  # "2. Cấp xã: Có thêm ...": an item with a label, not a heading
    num = match.group("num")
    if re.fullmatch(r"[IVX]+", num) and match.group("sep") in ".-":
        return 0, text
    if num[0].isdigit():
        return 1 + num.count("."), text
    return 3, text


def objective_paragraphs(paragraphs: Sequence[str]) -> list[tuple[str, int | None, bool]]:
    """(paragraph, heading year in force, is_heading) for the objectives section, general aims left out."""
    out: list[tuple[str, int | None, bool]] = []
    index = 0
    while index < len(paragraphs):
        head = _heading(paragraphs[index])
        if head is not None and _is_objectives(head[1]):
            index = _section(paragraphs, index, out)
        else:
            index += 1
    return out


def _is_objectives(text: str) -> bool:
    match = _OBJECTIVES_RE.match(text)
    return match is not None and not _SKIP_RE.match(text[match.start("what") :])


def _section(paragraphs: Sequence[str], start: int, out: list[tuple[str, int | None, bool]]) -> int:
    """Add the objectives section starting at ``start`` to ``out``; the index where it ends."""
    level0, text0 = _heading(paragraphs[start])  # type: ignore[misc]
    years: dict[int, int | None] = {level0: _year(text0)}
    skipping = False
    pending = ""
    end = len(paragraphs)
    for index in range(start + 1, len(paragraphs)):
        paragraph = paragraphs[index]
        head = _heading(paragraph)
        if head is not None:
            level, text = head
            if level <= level0:
                end = index
                break
            years = {k: v for k, v in years.items() if k < level}
            years[level] = _year(text)
            skipping = bool(_SKIP_RE.match(text))
            out.append((paragraph, None, True))
            continue
        if skipping:
            continue
        text = f"{pending} {paragraph}".strip() if pending else paragraph
        if not re.search(r"[.;:!?…]\s*$", text):  # a sentence broken by a page break continues
            pending = text
            continue
        pending = ""
        out.append((text, _current(years), False))
    if pending and not skipping:
        out.append((pending, _current(years), False))
    return end


def _year(text: str) -> int | None:
    match = _YEAR_RE.search(text)
    return int(match.group(1)) if match else None


def _current(years: dict[int, int | None]) -> int | None:
    for level in sorted(years, reverse=True):
        if years[level] is not None:
            return years[level]
    return None


def text_indicators(paragraphs: Sequence[str], *, plan_year: int | None, title: str | None = None) -> list[Indicator]:
    default = _year(title or "") or plan_year
    found: list[Indicator] = []
    for paragraph, year, is_heading in objective_paragraphs(paragraphs):
        if is_heading:
            continue
        horizon = year or default
        if horizon is None:
            continue
        found.extend(clause_indicators(paragraph, year=horizon))
    return merge_indicators(found)
