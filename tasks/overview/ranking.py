"""The ranking of agencies, worst first, and how each moved since the same day a month before.

    before = previous_day(as_of)                                  # 05/03/2020 -> 05/02/2020
    rows = rank(now={aid: standing(counts, oldest, as_of)}, before={aid: standing_of(facts, before)}, names=...)

What ranks (the overview's population: lead assignments, not cancelled, of active plan tasks,
report duties apart; the statuses of ``tasks.escalation.status.classify``):

1. the number of overdue items, more is worse;
2. the age of the oldest overdue item in days, older is worse;
3. the on-time rate (done on time / (done on time + done late + overdue)), lower is worse; an
   agency with nothing judged yet (no rate) ranks after every rate;
4. the name, in Vietnamese order.

The trend compares each agency with itself on the same day of the previous month (the last day
of that month when it is shorter: 31/03 -> 29/02): overdue count and on-time rate, and its place
in the ranking then. "Worse" when it has more overdue items, or as many with a lower on-time
rate; "better" the other way round; an agency that had no lead item then is "new".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tasks.common.dates import end_of_month
from tasks.common.text import vi_sort_key
from tasks.escalation.status import ALL_STATUSES, Status, classify, on_time_rate

__all__ = ["RankedAgency", "Standing", "Trend", "previous_day", "rank", "standing", "standing_of"]

Trend = Literal["worse", "better", "same", "new"]


@dataclass(frozen=True)
class Standing:
    """One agency's figures on one day."""

    on: date
    counts: Mapping[Status, int]
    oldest_overdue: date | None  # due date of its oldest overdue item

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def overdue(self) -> int:
        return self.counts.get(Status.OVERDUE, 0)

    @property
    def oldest_age(self) -> int:
        """Days since the oldest overdue item was due (0 with none overdue)."""
        return (self.on - self.oldest_overdue).days if self.oldest_overdue is not None and self.overdue else 0

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.counts)

    @property
    def on_time(self) -> int:
        return self.counts.get(Status.DONE_ON_TIME, 0)

    @property
    def judged(self) -> int:
        """The items the on-time rate is taken over: done on time, done late, overdue."""
        return self.on_time + self.counts.get(Status.DONE_LATE, 0) + self.overdue


@dataclass(frozen=True)
class RankedAgency:
    agency_id: int
    name: str
    place: int  # 1 = worst
    now: Standing
    before: Standing | None  # None: no lead item on the earlier day
    place_before: int | None

    @property
    def overdue_change(self) -> int | None:
        return None if self.before is None else self.now.overdue - self.before.overdue

    @property
    def rate_change(self) -> float | None:
        """Change of the on-time rate in percentage points (None when either day has no rate)."""
        if self.before is None or self.now.on_time_rate is None or self.before.on_time_rate is None:
            return None
        return 100.0 * (self.now.on_time_rate - self.before.on_time_rate)

    @property
    def trend(self) -> Trend:
        if self.before is None:
            return "new"
        change = self.now.overdue - self.before.overdue
        if change:
            return "worse" if change > 0 else "better"
        rate = self.rate_change
        if rate is None or abs(rate) < 0.5:  # less than the whole point the page shows
            return "same"
        return "worse" if rate < 0 else "better"


def previous_day(as_of: date) -> date:
    """The same day of the previous month, or that month's last day when it has fewer days."""
    year, month = (as_of.year - 1, 12) if as_of.month == 1 else (as_of.year, as_of.month - 1)
    return date(year, month, min(as_of.day, end_of_month(year, month).day))


def standing(counts: Mapping[Status, int], oldest_overdue: date | None, on: date) -> Standing:
    """A standing from counts by status (every status present, zeros included)."""
    full = dict.fromkeys(ALL_STATUSES, 0)
    full.update(counts)
    return Standing(on=on, counts=full, oldest_overdue=oldest_overdue if full[Status.OVERDUE] else None)


def standing_of(items: Iterable[tuple[date | None, date | None, bool]], on: date, near_days: int = 3) -> Standing:
    """A standing from an agency's lead items (due date, completed on, done flag) judged on ``on``."""
    counts = dict.fromkeys(ALL_STATUSES, 0)
    oldest: date | None = None
    for due, completed, done in items:
        status = classify(due_date=due, completed_on=completed, as_of=on, near_days=near_days, done=done)
        counts[status] += 1
        if status is Status.OVERDUE and due is not None and (oldest is None or due < oldest):
            oldest = due
    return Standing(on=on, counts=counts, oldest_overdue=oldest)


def _key(name: str, s: Standing) -> tuple[object, ...]:
    rate = s.on_time_rate
    return (-s.overdue, -s.oldest_age, rate is None, rate if rate is not None else 0.0, vi_sort_key(name))


def _places(standings: Mapping[int, Standing], names: Mapping[int, str]) -> list[int]:
    return sorted(standings, key=lambda aid: _key(names.get(aid, ""), standings[aid]))


def rank(*, now: Mapping[int, Standing], before: Mapping[int, Standing],
         names: Mapping[int, str]) -> list[RankedAgency]:
    """Every agency of ``now``, worst first (rules in the module docstring), with its standing and
    its place among ``before``'s agencies on the earlier day. An agency without lead items on a day
    (total 0) has no place that day."""
    earlier = {aid: s for aid, s in before.items() if s.total}
    place_then = {aid: i for i, aid in enumerate(_places(earlier, names), start=1)}
    out = []
    for place, aid in enumerate(_places({a: s for a, s in now.items() if s.total}, names), start=1):
        out.append(RankedAgency(agency_id=aid, name=names.get(aid, ""), place=place, now=now[aid],
                                before=earlier.get(aid), place_before=place_then.get(aid)))
    return out
