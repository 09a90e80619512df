"""Counting days: plain calendar days or Vietnamese working days ("ngày làm việc").

Both counters share one small protocol, :class:`DayCounter`:

* ``add(d, n)``: the date ``n`` days after ``d`` (before it when ``n < 0``).
* ``between(a, b)``: the signed number of days from ``a`` to ``b``.

Working days are Monday to Friday, minus the public holidays ``holidays.Vietnam``
knows (Tết Dương lịch, Tết Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh and
their compensatory days off), plus the Saturdays the government swapped into
working days (``weekend_workdays`` of the package, e.g. 26/04/2025).

Working-day rules, all derived from one number: ``rank(d)`` = the number of working
days on or before ``d`` (counted from an arbitrary origin).

* ``between(a, b) = rank(b) - rank(a)``: for ``b > a`` the number of working days in
  ``(a, b]``, for ``b < a`` minus the number in ``(b, a]``, 0 when equal.
  A non-working day therefore counts like the last working day before it: seen from
  Friday, the Saturday and Sunday after it are 0 days away; a task due on a Saturday
  is "due today" on the Friday and 1 day overdue on the Monday.
* ``add(d, n)`` for ``n > 0``: the ``n``-th working day after ``d``; for ``n < 0``: the
  ``|n|``-th working day before ``d``; for ``n == 0``: ``d`` itself when it is a working
  day, otherwise the next working day. ``between(d, add(d, n)) == n`` whenever ``d`` is a
  working day (or ``n > 0``).

Holiday data are loaded per year on first use and kept in a sorted array of working
days, so ``between`` and ``add`` are two binary searches (the sweep calls them for
thousands of due dates).
"""

from __future__ import annotations

import bisect
import threading
from datetime import date, timedelta
from typing import Protocol

__all__ = [
    "CalendarDays",
    "DayCounter",
    "WorkingDays",
    "date_range_for_offsets",
    "day_counter",
    "is_working_day",
]

_ONE = timedelta(days=1)


class DayCounter(Protocol):
    """Calendar or working-day arithmetic (see the module docstring for the rules)."""

    def add(self, d: date, n: int) -> date: ...

    def between(self, a: date, b: date) -> int: ...


class CalendarDays:
    """Every day counts."""

    def add(self, d: date, n: int) -> date:
        return d + timedelta(days=n)

    def between(self, a: date, b: date) -> int:
        return (b - a).days

    def __repr__(self) -> str:
        return "CalendarDays()"


class _VietnamCalendar:
    """Process-wide, thread-safe cache of Vietnamese working days for a contiguous span of years.

    The state ``(first year, last year, sorted ordinals of the working days)`` is replaced
    as a whole, so a reader always sees one consistent snapshot.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._per_year: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self.state: tuple[int, int, list[int]] = (0, -1, [])  # empty span while first > last

    def _package_year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """(holidays, swapped working weekend days) of one ``holidays.Vietnam`` year."""
        if year not in self._per_year:
            import holidays  # ~20 ms to import: only when a policy counts working days

            vn = holidays.Vietnam(language="vi", years=year)
            self._per_year[year] = (frozenset(vn.keys()), frozenset(getattr(vn, "weekend_workdays", ())))
        return self._per_year[year]

    def _working_days_of(self, year: int) -> list[int]:
        # A year's data may spill into its neighbours (a swapped Saturday in late December
        # belongs to the next year's holiday arrangement), so look at three package years.
        off: set[date] = set()
        swapped: set[date] = set()
        for y in (year - 1, year, year + 1):
            if 1 <= y <= 9999:
                hol, work = self._package_year(y)
                off |= hol
                swapped |= work
        start = date(year, 1, 1).toordinal()
        stop = date(year, 12, 31).toordinal()
        out: list[int] = []
        for o in range(start, stop + 1):
            d = date.fromordinal(o)
            if (d in swapped) if d.weekday() >= 5 else (d not in off):
                out.append(o)
        return out

    def ensure(self, first: int, last: int) -> tuple[int, int, list[int]]:
        """Load years ``first..last`` (clamped to 1..9999) if needed; returns the state."""
        first, last = max(first, 1), min(last, 9999)
        state = self.state
        if state[0] <= first and last <= state[1]:
            return state
        with self._lock:
            lo, hi, ordinals = self.state
            if lo > hi:
                lo, hi = first, first - 1
            new_lo, new_hi = min(lo, first), max(hi, last)
            before = [o for y in range(new_lo, lo) for o in self._working_days_of(y)]
            after = [o for y in range(hi + 1, new_hi + 1) for o in self._working_days_of(y)]
            self.state = (new_lo, new_hi, before + ordinals + after)
            return self.state


_VN = _VietnamCalendar()


def is_working_day(d: date) -> bool:
    """True for a Vietnamese working day (weekday not a holiday, or a swapped working Saturday)."""
    ordinals = _VN.ensure(d.year, d.year)[2]
    i = bisect.bisect_left(ordinals, d.toordinal())
    return i < len(ordinals) and ordinals[i] == d.toordinal()


class WorkingDays:
    """Vietnamese working days (rules in the module docstring). Instances share one cache."""

    def between(self, a: date, b: date) -> int:
        if a == b:
            return 0
        ordinals = _VN.ensure(min(a.year, b.year), max(a.year, b.year))[2]
        return bisect.bisect_right(ordinals, b.toordinal()) - bisect.bisect_right(ordinals, a.toordinal())

    def add(self, d: date, n: int) -> date:
        # About 245 working days a year: load enough years, then widen if it still falls short.
        margin = abs(n) // 200 + 1
        lo, hi = (d.year - 1, d.year + margin) if n >= 0 else (d.year - margin, d.year + 1)
        o = d.toordinal()
        while True:
            ordinals = _VN.ensure(lo, hi)[2]
            after = bisect.bisect_right(ordinals, o)  # index of the first working day after d
            working = after > 0 and ordinals[after - 1] == o
            if n > 0:
                index = after + n - 1
            elif n < 0:
                index = after + n - (1 if working else 0)
            else:
                index = after - 1 if working else after
            if 0 <= index < len(ordinals):
                return date.fromordinal(ordinals[index])
            if (n >= 0 and hi >= 9999) or (n < 0 and lo <= 1):
                raise OverflowError(f"{n} working days from {d.isoformat()} is out of range")
            lo, hi = (lo, hi + margin + 1) if n >= 0 else (lo - margin - 1, hi)

    def __repr__(self) -> str:
        return "WorkingDays()"


_CALENDAR = CalendarDays()
_WORKING = WorkingDays()


def day_counter(working_days: bool) -> DayCounter:
    """The shared :class:`WorkingDays` when ``working_days`` is true, else :class:`CalendarDays`."""
    return _WORKING if working_days else _CALENDAR


def date_range_for_offsets(counter: DayCounter, as_of: date, lo: int, hi: int) -> tuple[date, date] | None:
    """The smallest and largest date ``d`` with ``lo <= counter.between(as_of, d) <= hi``.

    ``between(as_of, d)`` never decreases as ``d`` moves forward, so the dates form one
    unbroken range, returned inclusive. For working days a non-working date counts like
    the last working day before it (see the module docstring): with ``as_of`` a Monday,
    ``lo = hi = 4`` gives Friday to Sunday. Every integer offset is reached by some
    working day, so the result is ``None`` only when ``lo > hi`` or the range would leave
    the calendar (``date.min``/``date.max``).
    """
    if lo > hi:
        return None
    try:
        start = counter.add(as_of, lo)
        while counter.between(as_of, start) < lo:
            start += _ONE
        while start > date.min and counter.between(as_of, start - _ONE) >= lo:
            start -= _ONE
        end = counter.add(as_of, hi + 1) - _ONE
        while counter.between(as_of, end) > hi:
            end -= _ONE
        while end < date.max and counter.between(as_of, end + _ONE) <= hi:
            end += _ONE
    except OverflowError:
        return None
    return (start, end) if start <= end else None
