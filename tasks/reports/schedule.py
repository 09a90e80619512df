"""When a plan's progress reports are due, which period each covers, and where its data close.

    calendar = reporting_calendar([(6, 15, "H1"), (12, 15, "year")], years=range(2020, 2021))
    # [ReportDeadline(period 2020-H1, due 15/06/2020), ReportDeadline(period 2020, due 15/12/2020)]
    cut_off(date(2020, 6, 15))   # 12/06/2020: data close one working day before the report is due

A plan's reporting clause ("định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo ...") gives
(month, day, kind) deadlines (tasks.importing.reporting); a plan without a dated clause reports on
the usual semi-annual and annual dates (``DEFAULT_DEADLINES``). Each deadline closes the period
of its kind whose end is nearest: 15/06 closes the first half of the same year, 15/01 an annual
report of the year before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tasks.common.workdays import WorkingDays
from tasks.reports.period import Period, parse_period

__all__ = [
    "DEFAULT_DEADLINES",
    "DUTY_PREFIX",
    "ReportDeadline",
    "ReviewDeadline",
    "cut_off",
    "default_as_of",
    "duty_ref",
    "period_for_deadline",
    "period_of_duty_ref",
    "reporting_calendar",
    "review_calendar",
    "review_of_duty_ref",
    "term_of_title",
]

DEFAULT_DEADLINES: tuple[tuple[int, int, str], ...] = ((6, 15, "H1"), (12, 15, "year"))
DUTY_PREFIX = "BC."
_DUTY_RE = re.compile(r"^BC\.(\d{4}(?:-(?:H[12]|Q[1-4]|9M|\d{2}))?)$")
# the duty of a review of several years: "BC.3y.2026-2028" (sơ kết 3 năm of 2026-2028)
# and of the plan's whole term ("tổng kết giai đoạn"): "BC.term.2026-2030"
_REVIEW_RE = re.compile(r"^BC\.(\d{1,2}y|term)\.(\d{4})-(\d{4})$")
# the years a plan's title gives its term: "giai đoạn 2026-2030", "2026 - 2030", "đến năm 2030"
_TERM_SPAN_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})(?!\d)")
_TERM_UNTIL_RE = re.compile(r"\bđến năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
MAX_REVIEWS = 10  # reviews of one period a plan's horizon may hold (a 2-year review over 20 years)


@dataclass(frozen=True)
class ReportDeadline:
    period: Period
    due: date  # the agencies' reports are due on this day; the compiled report follows it


def _candidates(kind: str, year: int) -> list[str]:
    years = (year - 1, year)
    if kind == "H1":
        return [f"{y}-H1" for y in years]
    if kind == "year":
        return [f"{y}" for y in years]
    if kind == "9M":
        return [f"{y}-9M" for y in years]
    if kind == "quarter":
        return [f"{y}-Q{q}" for y in years for q in range(1, 5)]
    if kind == "month":
        return [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    return []


def period_for_deadline(kind: str, due: date) -> Period | None:
    """The period of ``kind`` a report due on ``due`` covers: the one whose end is nearest."""
    periods = [parse_period(code) for code in _candidates(kind, due.year)]
    if not periods:
        return None
    return min(periods, key=lambda p: (abs((p.end - due).days), p.end))


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def reporting_calendar(
    deadlines: Sequence[tuple[int, int, str]], *, years: Iterable[int], not_before: date | None = None
) -> list[ReportDeadline]:
    """Every (period, due date) of the deadlines in ``years``, in due-date order, one per period.

    Deadlines before ``not_before`` (the plan's issue date) are left out: the plan did not exist.
    """
    found: dict[str, ReportDeadline] = {}
    for year in years:
        for month, day, kind in deadlines or DEFAULT_DEADLINES:
            due = _valid(year, month, day)
            if due is None or (not_before is not None and due < not_before):
                continue
            period = period_for_deadline(kind, due)
            if period is None or period.code in found:
                continue
            found[period.code] = ReportDeadline(period, due)
    return sorted(found.values(), key=lambda d: (d.due, d.period.code))


def cut_off(due: date) -> date:
    """The last day whose data a report due on ``due`` counts: the working day before it."""
    return WorkingDays().add(due, -1)


def default_as_of(period: Period, *, today: date, due: date | None = None, scheduled: bool = False) -> date:
    """The cut-off of a report on ``period`` compiled ``today``.

    Scheduled (the day after the agencies' deadline ``due``): the working day before ``due``,
    within the period. On demand: the period's end, or today when the period is not over; a
    report for 2020-H1 produced in 2021 shows 30/06/2020.
    """
    if scheduled and due is not None:
        return max(period.start, min(period.end, cut_off(due)))
    return max(period.start, min(period.end, today))


def duty_ref(period_code: str) -> str:
    """'2020-H1' -> 'BC.2020-H1': the reference of the report-submission duty of a period."""
    return f"{DUTY_PREFIX}{period_code}"


def period_of_duty_ref(ref: str) -> str | None:
    match = _DUTY_RE.match(ref)
    return match.group(1) if match else None


@dataclass(frozen=True)
class ReviewDeadline:
    """A review of several years the plan asks for ("sơ kết 3 năm", "tổng kết 5 năm"), as a duty.

    The clause never dates a review: its due date is proposed, on the day of the year the yearly
    report is due (15/12 unless the schedule says otherwise), in the last year it covers."""

    period: str  # "3y", "5y"
    label: str  # "sơ kết 3 năm", "tổng kết 5 năm"
    first_year: int
    last_year: int
    due: date

    @property
    def ref(self) -> str:
        return f"{DUTY_PREFIX}{self.period}.{self.first_year}-{self.last_year}"


def term_of_title(title: str | None, *, first: int) -> tuple[int, int] | None:
    """The years of the plan's term as its title gives them: "giai đoạn 2026-2030" -> (2026, 2030);
    "đến năm 2030" -> (``first``, 2030); None when the title names no span ending in or after
    ``first`` (the plan's year)."""
    text = unicodedata.normalize("NFC", title or "")
    spans = [(int(a), int(b)) for a, b in _TERM_SPAN_RE.findall(text) if int(a) < int(b) and int(b) >= first]
    if spans:
        return spans[-1]  # "... giai đoạn 2021-2025, định hướng 2030": the last span written is the term's
    until = [int(y) for y in _TERM_UNTIL_RE.findall(text) if int(y) >= first]
    return (first, max(until)) if until else None


def review_calendar(
    schedule: Sequence[Mapping[str, object]], *, first: int, last: int, term: tuple[int, int] | None = None
) -> list[ReviewDeadline]:
    """The reviews of several years in a plan's stored schedule (``Plan.report_schedule``: items
    with ``every_years`` of 2 or more), from the plan's year ``first``: the N-year review covers
    ``first`` .. ``first + N - 1`` and is due at the end of its last year; the next ones follow
    every N years up to ``last`` (the plan's horizon). The first one is always there: a plan
    that asks for a 5-year review runs five years, whatever horizon its targets show.

    A yearly deadline in the schedule gives the day: 15/12 a year closes the year itself, 15/01
    the year before (the review is then due in the January after its last year).

    The review of the plan's whole term ("tổng kết giai đoạn", an item of period "term") covers
    ``term`` (the years the title gives, ``term_of_title``), else ``first`` .. ``last``, and at
    least as long as the longest review of several years asked for beside it; it is left out
    when a review of several years already covers exactly the same years."""
    month, day = 12, 15
    for item in schedule:
        if item.get("period") == "year" and "month" in item and "day" in item:
            month, day = int(item["month"]), int(item["day"])  # type: ignore[call-overload]
            break
    out: dict[str, ReviewDeadline] = {}
    for item in schedule:
        years = item.get("every_years")
        if not isinstance(years, int) or years < 2 or "month" in item:
            continue
        period = str(item.get("period") or f"{years}y")
        label = str(item.get("label") or f"{years} năm")
        for k in range(1, MAX_REVIEWS + 1):
            end = first + k * years - 1
            if k > 1 and end > last:
                break
            due = _valid(end if month >= 7 else end + 1, month, day) or date(end, 12, 31)
            review = ReviewDeadline(period, label, end - years + 1, end, due)
            out.setdefault(review.ref, review)
    for item in schedule:
        if item.get("period") != "term" or "month" in item:
            continue
        start, end = term or (first, last)
        end = max([end, *(r.last_year for r in out.values() if r.first_year == start)])
        if any((r.first_year, r.last_year) == (start, end) for r in out.values()):
            break  # "tổng kết 5 năm" of 2026-2030 in a 2026-2030 plan is its term's review already
        due = _valid(end if month >= 7 else end + 1, month, day) or date(end, 12, 31)
        review = ReviewDeadline("term", str(item.get("label") or "tổng kết giai đoạn"), start, end, due)
        out[review.ref] = review
        break
    return sorted(out.values(), key=lambda r: (r.due, r.period))


def review_of_duty_ref(ref: str) -> tuple[str, int, int] | None:
    """'BC.3y.2026-2028' -> ('3y', 2026, 2028); None for any other ref."""
    match = _REVIEW_RE.match(ref)
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None
