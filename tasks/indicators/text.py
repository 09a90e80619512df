"""Numeric targets in a plan's objectives section ("MỤC TIÊU").

The section starts at the first numbered heading that reads "Mục tiêu" / "MỤC TIÊU" ("I. MỤC TIÊU,
KẾ HOẠCH PHÂN ĐẤU NĂM 2020", "1. Mục tiêu", "II. MỤC TIÊU") and ends at the next heading of the
same level; general aims ("Mục tiêu chung", "Mục tiêu tổng quát", "Tầm nhìn") are left out. A
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
_OBJECTIVES_RE = re.compile(r"^mục tiêu\b", re.IGNORECASE)
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
    start = None
    for index, paragraph in enumerate(paragraphs):
        head = _heading(paragraph)
        if head is not None and _OBJECTIVES_RE.match(head[1]) and not _SKIP_RE.match(head[1]):
            start = index
            break
    if start is None:
        return []
    level0, text0 = _heading(paragraphs[start])  # type: ignore[misc]
    years: dict[int, int | None] = {level0: _year(text0)}
    out: list[tuple[str, int | None, bool]] = []
    skipping = False
    pending = ""
    for paragraph in paragraphs[start + 1 :]:
        head = _heading(paragraph)
        if head is not None:
            level, text = head
            if level <= level0:
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
    return out


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
