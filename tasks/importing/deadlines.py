"""Turn the Vietnamese deadline wording of a plan's task table into a due date.

A deadline cell ("Thời gian hoàn thành") is free text written by hand, e.g.
"Trước 28/02/2020", "Quý II-III/2020", "6 tháng đầu năm", "Thường xuyên".
:func:`parse_deadline` reads it with these rules:

* The text is NFC-normalised and whitespace-collapsed (kept as ``Deadline.text``).
  Matching is done on a *folded* copy: lower case, tone marks and "đ" removed,
  so "Quý"/"Quí"/"QUÝ", decomposed Unicode and stray tone-mark typos all match.
* The folded text is read left to right as a sequence of tokens: date
  expressions (table ``_PATTERNS``), standing-duty words ("thường xuyên",
  "hằng năm", ...) and filler ("hoàn thành", "trước", "trong", "và",
  punctuation, ...). Any other word makes the whole cell ``"unknown"``: we
  would rather say "unreadable" than pick a date out of an unrelated sentence.
* "Trước D" means due *on* D. A month, quarter, half-year or year is due on its
  last day and starts on its first; a range ("Tháng 7-8", "Quý II và Quý III",
  "2021-2025") is due at the end of its last part and starts with its first.
* Several date expressions in one cell: the latest due date wins and the window
  starts at the earliest start given.
* No year in the wording ("Trước 30/9", "Quý III"): ``plan_year`` is used; with
  no ``plan_year`` either, the cell is ``"unknown"``.
* Only standing-duty words (and filler): ``"standing"``. Blank, None or a lone
  dash: ``"empty"``. Impossible dates (31/02/2020): ``"unknown"``.
* Never raises on any string.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tasks.common.text import nfc, plain_key

__all__ = [
    "Deadline",
    "DeadlineKind",
    "end_of_month",
    "end_of_quarter",
    "parse_deadline",
    "read_date",
    "roman_to_int",
]

DeadlineKind = Literal["date", "standing", "unknown", "empty"]


@dataclass(frozen=True)
class Deadline:
    text: str  # the original wording, NFC-normalised and whitespace-collapsed
    kind: DeadlineKind  # "date" | "standing" | "unknown" | "empty"
    due_date: date | None  # set only when kind == "date"; "Trước D" is due ON D
    start_date: date | None = None  # start of the window when the wording gives one


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DMY = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


def read_date(raw: str) -> date:
    """A date a person typed: dd/mm/yyyy, as every page and letter writes it, or YYYY-MM-DD
    (date pickers, scripts). Raises ``ValueError`` for anything else or an impossible day."""
    m = _DMY.fullmatch(raw)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(raw.strip())


def roman_to_int(numeral: str) -> int:
    """Roman numerals I..IV (as used for quarters), case-insensitive."""
    try:
        return _ROMAN[numeral.strip().lower()]
    except KeyError:
        raise ValueError(f"not a quarter numeral: {numeral!r}") from None


def end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def end_of_quarter(year: int, q: int) -> date:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1..4, got {q}")
    return end_of_month(year, 3 * q)


Window = tuple[date | None, date]  # (start_date, due_date)

# Building blocks, written against the folded text (ASCII, lower case).
_YEAR = r"(?P<year>\d{4})(?!\d)"
# "/2020", "-2020", " năm 2020", ", năm 2020", " 2020"
_YEAR_TAIL = rf"(?:\s*,?\s*(?:/|-|\bnam\b)?\s*{_YEAR})?"
_NUM = r"\d{1,2}(?!\d)"
_QNUM = r"(?:iv|iii|ii|i|[1-4])\b"
_LINK = r"\s*(?:-|,|\bva\b|\bden\b)\s*"  # joins parts of a range: "7-8", "II và III"


def _need_year(m: re.Match[str], plan_year: int | None, group: str = "year") -> int:
    if m.group(group):
        return int(m.group(group))
    if plan_year is None:
        raise ValueError("no year in the wording and no plan year")
    return plan_year


def _exact_date(m: re.Match[str], plan_year: int | None) -> Window:
    return None, date(_need_year(m, plan_year), int(m["month"]), int(m["day"]))


def _months(m: re.Match[str], plan_year: int | None) -> Window:
    year = _need_year(m, plan_year)
    months = [int(n) for n in re.findall(r"\d+", m["list"])]
    return date(year, min(months), 1), end_of_month(year, max(months))


def _quarters(m: re.Match[str], plan_year: int | None) -> Window:
    year = _need_year(m, plan_year)
    # Drop repeated "quý" first, or the "i" ending "quí" would read as quarter I.
    numerals = re.findall(_QNUM, re.sub(r"qu[yi]", " ", m["list"]))
    qs = [int(q) if q.isdigit() else roman_to_int(q) for q in numerals]
    return date(year, 3 * min(qs) - 2, 1), end_of_quarter(year, max(qs))


def _half_year(m: re.Match[str], plan_year: int | None) -> Window:
    year = _need_year(m, plan_year)
    if m["half"] == "dau":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def _year_range(m: re.Match[str], plan_year: int | None) -> Window:
    first, last = sorted((int(m["first"]), int(m["year"])))
    return date(first, 1, 1), date(last, 12, 31)


def _whole_year(m: re.Match[str], plan_year: int | None) -> Window:
    year = _need_year(m, plan_year)
    return date(year, 1, 1), date(year, 12, 31)


def _token(body: str) -> re.Pattern[str]:
    # (?!\w): a token never ends in the middle of a word or number.
    return re.compile(rf"(?:{body})(?!\w)", re.ASCII)


# Tried in order at each position; the first match wins, so longer/more specific
# forms come first ("6 tháng đầu năm" before "tháng N", "2021-2025" before "năm 2021").
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], int | None], Window]]] = [
    (_token(rf"6\s*thang\s+(?P<half>dau|cuoi)(?:\s+nam)?(?:\s*/?\s*{_YEAR})?"), _half_year),
    (_token(rf"(?:giai\s+doan\s+|nam\s+)?(?P<first>\d{{4}})\s*(?:-|\bden\b)\s*{_YEAR}"), _year_range),
    (_token(rf"(?:ngay\s*)?(?P<day>{_NUM})\s*(?P<sep>[/.-])\s*(?P<month>{_NUM})"
            rf"(?:\s*(?P=sep)\s*{_YEAR})?"), _exact_date),
    (_token(rf"(?:ngay\s*)?(?P<day>{_NUM})\s+thang\s+(?P<month>{_NUM}){_YEAR_TAIL}"), _exact_date),
    (_token(rf"thang\s*(?P<list>{_NUM}(?:{_LINK}(?:thang\s*)?{_NUM})*){_YEAR_TAIL}"), _months),
    (_token(rf"qu[yi]\s*(?P<list>{_QNUM}(?:{_LINK}(?:qu[yi]\s*)?{_QNUM})*){_YEAR_TAIL}"), _quarters),
    # "Trong năm" alone means the plan year; "trong năm 2020" is left to the next rule.
    (_token(r"trong\s+nam(?!\s*\d)(?P<year>)"), _whole_year),
    (_token(rf"(?:nam\s+)?{_YEAR}"), _whole_year),
]

_STANDING = _token(
    r"thuong\s+xuyen|lien\s+tuc|dinh\s+k[yi]|hang\s+(?:nam|quy|qui|thang|tuan|ngay)"
)
# Leading words and connectors that carry no date of their own ("cuối" as in
# "cuối quý II" changes nothing: a quarter is due at its end anyway).
_FILLER = re.compile(
    r"[\s,;:.!?()\-+&]+"
    r"|(?:xong|hoan\s+thanh|cham\s+nhat|truoc|trong|den|tu|vao|va|cuoi|thoi\s+han)(?!\w)",
    re.ASCII,
)
_EMPTY = re.compile(r"[\s\-–—_.]*")


_DASHES = re.compile(r"[–—‐‑]")


def _fold(text: str) -> str:
    """Lower case without tone marks: "Quí", "QUÝ" and NFD "quý" all become "qui"/"quy".

    ``plain_key`` plus two repairs only deadline cells get (search keeps these characters as
    typed): "ð" (eth, which looks like "đ" and stands in for it, e.g. in Windows-1258 text read as
    Windows-1252) is a "d", and every dash is "-" for the ranges ("2021–2025").
    """
    return _DASHES.sub("-", plain_key(text).replace("ð", "d"))


def parse_deadline(text: str | None, *, plan_year: int | None = None) -> Deadline:
    """Parse one deadline cell; see the module docstring for the rules."""
    clean = nfc(text or "")
    if _EMPTY.fullmatch(clean):
        return Deadline(clean, "empty", None)
    unknown = Deadline(clean, "unknown", None)

    key, pos = _fold(clean), 0
    windows: list[Window] = []
    standing = False
    while pos < len(key):
        for pattern, handler in _PATTERNS:
            if m := pattern.match(key, pos):
                try:
                    windows.append(handler(m, plan_year))
                except (ValueError, OverflowError):  # impossible date or no year at all
                    return unknown
                break
        else:
            if m := _STANDING.match(key, pos):
                standing = True
            elif not (m := _FILLER.match(key, pos)):
                return unknown  # a word we do not understand
        pos = m.end()

    if windows:
        starts = [start for start, _ in windows if start is not None]
        return Deadline(clean, "date", max(due for _, due in windows), min(starts, default=None))
    return Deadline(clean, "standing", None) if standing else unknown
