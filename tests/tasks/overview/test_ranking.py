"""The ranking's rules, pure: worst first by overdue count, then the oldest item's age, then the
on-time rate; the trend against the same day of the previous month."""

from __future__ import annotations

from datetime import date

from tasks.escalation.status import Status
from tasks.overview.ranking import previous_day, rank, standing, standing_of

DAY = date(2020, 4, 5)


def _s(overdue: int = 0, oldest: date | None = None, on_time: int = 0, late: int = 0, open_: int = 0,
       on: date = DAY):  # type: ignore[no-untyped-def]
    return standing({Status.OVERDUE: overdue, Status.DONE_ON_TIME: on_time, Status.DONE_LATE: late,
                     Status.NOT_DUE: open_}, oldest, on)


def test_the_earlier_day_is_the_same_day_of_the_previous_month_or_its_last_day() -> None:
    assert previous_day(date(2020, 4, 5)) == date(2020, 3, 5)
    assert previous_day(date(2020, 3, 31)) == date(2020, 2, 29)  # 2020 is a leap year
    assert previous_day(date(2021, 3, 30)) == date(2021, 2, 28)
    assert previous_day(date(2020, 1, 15)) == date(2019, 12, 15)


def test_more_overdue_items_rank_first_then_the_older_then_the_lower_on_time_rate() -> None:
    now = {
        1: _s(overdue=1, oldest=date(2020, 1, 1), on_time=0),  # one item, 95 days late
        2: _s(overdue=3, oldest=date(2020, 3, 30)),  # three items, 6 days
        3: _s(overdue=1, oldest=date(2020, 3, 1), on_time=1),  # one item, 35 days, rate 50%
        4: _s(overdue=1, oldest=date(2020, 3, 1), on_time=3),  # same age, rate 75%
        5: _s(open_=2),  # nothing judged yet: no rate
        6: _s(on_time=1, late=1),  # rate 50%, nothing overdue
    }
    names = {1: "Sở Y tế", 2: "Sở Xây dựng", 3: "Sở Tài chính", 4: "Sở Công Thương", 5: "Đoàn Thanh niên",
             6: "Ủy ban MTTQ"}
    rows = rank(now=now, before={}, names=names)
    assert [r.agency_id for r in rows] == [2, 1, 3, 4, 6, 5]
    assert [r.place for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[1].now.oldest_age == 95 and rows[4].now.on_time_rate == 0.5
    assert all(r.trend == "new" for r in rows)


def test_equal_agencies_are_in_vietnamese_order() -> None:
    names = {1: "Ủy ban nhân dân huyện", 2: "Văn phòng", 3: "Đoàn Thanh niên", 4: "Ban Dân tộc"}
    rows = rank(now={aid: _s(open_=1) for aid in names}, before={}, names=names)
    assert [r.name for r in rows] == ["Ban Dân tộc", "Đoàn Thanh niên", "Ủy ban nhân dân huyện", "Văn phòng"]


def test_the_trend_says_worse_better_or_the_same_and_the_place_then() -> None:
    then = date(2020, 3, 5)
    before = {1: _s(overdue=1, oldest=date(2020, 3, 1), on=then), 2: _s(overdue=4, oldest=date(2020, 2, 1), on=then),
              3: _s(on_time=1, late=1, on=then), 4: _s(on_time=1, on=then)}
    now = {1: _s(overdue=2, oldest=date(2020, 3, 1)), 2: _s(overdue=1, oldest=date(2020, 2, 1), on_time=3),
           3: _s(on_time=1, late=1), 4: _s(on_time=1, late=1), 5: _s(open_=1)}
    rows = {r.agency_id: r for r in rank(now=now, before=before, names={i: f"Cơ quan {i}" for i in range(1, 6)})}
    assert rows[1].trend == "worse" and rows[1].overdue_change == 1
    assert rows[2].trend == "better" and rows[2].overdue_change == -3 and rows[2].place_before == 1
    assert rows[3].trend == "same" and rows[3].rate_change == 0
    assert rows[4].trend == "worse" and rows[4].rate_change == -50.0  # as many overdue, a lower rate
    assert rows[5].trend == "new" and rows[5].before is None and rows[5].place_before is None


def test_a_standing_judged_from_items_counts_as_classify_does() -> None:
    items = [(date(2020, 3, 1), None, False), (date(2020, 2, 1), None, False),  # overdue, oldest 01/02
             (date(2020, 3, 1), date(2020, 2, 20), True), (date(2020, 3, 1), date(2020, 3, 10), True),
             (date(2020, 3, 1), date(2020, 4, 10), True),  # completed after the day: still overdue then
             (date(2020, 5, 1), None, False), (None, None, False)]
    s = standing_of(items, DAY)
    assert s.overdue == 3 and s.oldest_overdue == date(2020, 2, 1) and s.oldest_age == 64
    assert s.on_time == 1 and s.judged == 5 and s.on_time_rate == 0.2
    assert s.counts[Status.NO_DEADLINE] == 1 and s.counts[Status.NOT_DUE] == 1 and s.total == 7
