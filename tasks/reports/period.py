"""Report periods: "2020-H1", "2020-H2", "2020", "2020-Q3", "2020-9M", "2020-06".

parse_period("2020-H1")  ->  Period("2020-H1", 01/01/2020, 30/06/2020, "6 tháng đầu năm 2020")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tasks.common.dates import end_of_month

__all__ = ["Period", "parse_period", "series_days"]

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PERIOD_RE = re.compile(r"^\s*(\d{4})(?:\s*-\s*(H[12]|Q[1-4]|9M|\d{1,2}))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    code: str  # "2020-H1", "2020", "2020-Q3", "2020-9M", "2020-06"
    start: date
    end: date
    label_vi: str  # "6 tháng đầu năm 2020", "năm 2020", "quý III năm 2020"


def parse_period(text: str) -> Period:
    """'2020-H1' (01/01-30/06), '2020-H2', '2020' (the year), '2020-Q1'..'Q4', '2020-9M', '2020-06'."""
    match = _PERIOD_RE.match(text or "")
    if not match:
        raise ValueError(
            f"cannot read period {text!r}: expected YYYY, YYYY-H1, YYYY-H2, YYYY-Q1..YYYY-Q4, "
            "YYYY-9M or YYYY-MM (e.g. 2020-H1)"
        )
    year = int(match.group(1))
    part = (match.group(2) or "").upper()
    if not 1900 <= year <= 2999:
        raise ValueError(f"cannot read period {text!r}: year {year} is out of range")
    if not part:
        return Period(f"{year}", date(year, 1, 1), date(year, 12, 31), f"năm {year}")
    if part == "H1":
        return Period(f"{year}-H1", date(year, 1, 1), date(year, 6, 30), f"6 tháng đầu năm {year}")
    if part == "H2":
        return Period(f"{year}-H2", date(year, 7, 1), date(year, 12, 31), f"6 tháng cuối năm {year}")
    if part == "9M":
        return Period(f"{year}-9M", date(year, 1, 1), date(year, 9, 30), f"9 tháng đầu năm {year}")
    if part.startswith("Q"):
        q = int(part[1])
        start = date(year, 3 * q - 2, 1)
        return Period(f"{year}-Q{q}", start, end_of_month(year, 3 * q), f"quý {_ROMAN[q]} năm {year}")
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"cannot read period {text!r}: month {month} is not between 1 and 12")
    return Period(f"{year}-{month:02d}", date(year, month, 1), end_of_month(year, month), f"tháng {month} năm {year}")


def series_days(period_start: date, period_end: date, as_of: date) -> list[date]:
    """Month ends within the period up to ``as_of``, then ``as_of`` itself if it is not one."""
    last = min(period_end, as_of)
    if last < period_start:
        return []
    days: list[date] = []
    year, month = period_start.year, period_start.month
    while True:
        end = end_of_month(year, month)
        if end > last:
            break
        days.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not days or days[-1] != last:
        days.append(last)
    return days
