from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.common.workdays import (
    CalendarDays,
    WorkingDays,
    date_range_for_offsets,
    day_counter,
    is_working_day,
)

W = WorkingDays()
C = CalendarDays()
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


# --- what the package says ---------------------------------------------------------


def test_the_package_puts_tet_2020_from_23_to_29_january() -> None:
    vn = holidays.Vietnam(language="vi", years=2020)
    tet = [d for d in vn if date(2020, 1, 15) <= d <= date(2020, 2, 15)]
    assert sorted(tet) == days(date(2020, 1, 23), date(2020, 1, 29))


def test_the_package_puts_tet_2021_from_10_to_16_february() -> None:
    vn = holidays.Vietnam(language="vi", years=2021)
    tet = [d for d in vn if date(2021, 2, 1) <= d <= date(2021, 2, 28)]
    assert sorted(tet) == days(date(2021, 2, 10), date(2021, 2, 16))


def test_working_days_agree_with_the_package_for_twenty_years() -> None:
    vn = holidays.Vietnam(language="vi", years=range(2010, 2031))
    for d in days(date(2010, 1, 1), date(2030, 12, 31)):
        assert is_working_day(d) == vn.is_working_day(d), d


# --- Tết, holidays and weekends ------------------------------------------------------


def test_no_day_of_tet_2020_is_a_working_day() -> None:
    assert not any(is_working_day(d) for d in days(date(2020, 1, 23), date(2020, 1, 29)))
    assert is_working_day(date(2020, 1, 22)) and is_working_day(date(2020, 1, 30))


def test_one_working_day_after_the_eve_of_tet_2020_is_the_first_day_back() -> None:
    assert W.add(date(2020, 1, 22), 1) == date(2020, 1, 30)
    assert W.add(date(2020, 1, 30), -1) == date(2020, 1, 22)
    assert W.between(date(2020, 1, 22), date(2020, 1, 30)) == 1


def test_one_working_day_after_9_february_2021_is_17_february() -> None:
    assert W.add(date(2021, 2, 9), 1) == date(2021, 2, 17)
    assert W.between(date(2021, 2, 9), date(2021, 2, 17)) == 1
    # February 2021: 20 weekdays, 5 of them in Tết; (1 Feb, 28 Feb] leaves out Monday 1 Feb.
    assert W.between(date(2021, 2, 1), date(2021, 2, 28)) == 20 - 5 - 1


def test_the_whole_of_tet_2021_is_zero_working_days_from_its_eve() -> None:
    for d in days(date(2021, 2, 10), date(2021, 2, 16)):
        assert W.between(date(2021, 2, 9), d) == 0


@pytest.mark.parametrize("holiday", [date(2020, 4, 30), date(2020, 5, 1), date(2020, 9, 2), date(2023, 5, 1)])
def test_30_april_1_may_and_2_september_are_not_working_days(holiday: date) -> None:
    assert holiday.weekday() < 5
    assert not is_working_day(holiday)


def test_five_working_days_from_wednesday_29_april_2020_skip_the_two_holidays_and_the_weekend() -> None:
    # 30/4 (Thu) and 1/5 (Fri) off, then Sat, Sun: Mon 4/5 is the first working day after.
    assert W.add(date(2020, 4, 29), 1) == date(2020, 5, 4)
    assert W.add(date(2020, 4, 29), 5) == date(2020, 5, 8)


def test_a_compensatory_day_off_is_not_a_working_day() -> None:
    assert not is_working_day(date(2021, 5, 3))  # 1/5/2021 was a Saturday


def test_a_swapped_working_saturday_is_a_working_day() -> None:
    assert date(2025, 4, 26).weekday() == 5
    assert is_working_day(date(2025, 4, 26))
    assert W.add(date(2025, 4, 25), 1) == date(2025, 4, 26)


def test_weekends_are_skipped_both_ways() -> None:
    friday, monday = date(2024, 6, 7), date(2024, 6, 10)
    assert W.add(friday, 1) == monday
    assert W.add(monday, -1) == friday
    assert W.between(friday, monday) == 1
    assert W.between(monday, friday) == -1


def test_a_weekend_day_counts_like_the_friday_before_it() -> None:
    friday, saturday, sunday = date(2024, 6, 7), date(2024, 6, 8), date(2024, 6, 9)
    assert W.between(friday, saturday) == W.between(friday, sunday) == 0
    assert W.between(date(2024, 6, 3), sunday) == 4
    assert W.between(sunday, date(2024, 6, 10)) == 1


def test_adding_zero_working_days_to_a_weekend_day_gives_the_monday() -> None:
    assert W.add(date(2024, 6, 8), 0) == date(2024, 6, 10)
    assert W.add(date(2024, 6, 7), 0) == date(2024, 6, 7)


def test_adding_working_days_from_a_weekend_day_counts_from_it() -> None:
    saturday = date(2024, 6, 8)
    assert W.add(saturday, 1) == date(2024, 6, 10)
    assert W.add(saturday, -1) == date(2024, 6, 7)


def test_working_days_reach_across_years() -> None:
    assert W.between(date(2020, 1, 1), date(2021, 1, 1)) == W.between(date(2020, 1, 1), date(2020, 12, 31))
    assert W.add(date(2024, 1, 2), 1000) > date(2027, 1, 1)
    assert W.between(date(2024, 1, 2), W.add(date(2024, 1, 2), 1000)) == 1000
    assert W.add(W.add(date(2030, 6, 3), -1500), 1500) == date(2030, 6, 3)


# --- calendar days ----------------------------------------------------------------------


def test_calendar_days_count_every_day() -> None:
    assert C.add(date(2020, 1, 22), 1) == date(2020, 1, 23)
    assert C.add(date(2020, 3, 1), -1) == date(2020, 2, 29)
    assert C.between(date(2020, 1, 1), date(2021, 1, 1)) == 366
    assert C.between(date(2021, 1, 1), date(2020, 1, 1)) == -366


def test_day_counter_picks_working_or_calendar_days() -> None:
    assert isinstance(day_counter(True), WorkingDays)
    assert isinstance(day_counter(False), CalendarDays)


# --- properties -----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(DATES, st.integers(-40, 40))
def test_counting_back_the_working_days_added_gives_the_same_number(d: date, n: int) -> None:
    start = W.add(d, 0)  # a working day
    end = W.add(start, n)
    assert is_working_day(end)
    assert W.between(start, end) == n
    assert W.between(end, start) == -n


@settings(max_examples=300, deadline=None)
@given(DATES, st.integers(1, 40))
def test_adding_working_days_from_any_day_lands_that_many_working_days_later(d: date, n: int) -> None:
    assert W.between(d, W.add(d, n)) == n


@settings(max_examples=300, deadline=None)
@given(DATES, st.integers(-400, 400))
def test_working_days_between_two_dates_count_the_working_days_after_the_earlier(a: date, delta: int) -> None:
    b = a + timedelta(delta)
    lo, hi = min(a, b), max(a, b)
    in_between = sum(is_working_day(lo + timedelta(k)) for k in range(1, (hi - lo).days + 1))
    assert W.between(a, b) == (in_between if b >= a else -in_between)
    assert W.between(b, a) == -W.between(a, b)


@settings(max_examples=300, deadline=None)
@given(DATES, st.integers(-1, 1), st.integers(-25, 25), st.integers(0, 12))
def test_the_date_range_for_offsets_is_exactly_the_dates_with_those_offsets(
    as_of: date, working: int, lo: int, width: int
) -> None:
    counter = day_counter(working >= 0)
    hi = lo + width
    found = date_range_for_offsets(counter, as_of, lo, hi)
    assert found is not None
    first, last = found
    scan = [d for d in days(as_of + timedelta(min(lo, 2 * lo) - 20), as_of + timedelta(max(hi, 2 * hi) + 20))
            if lo <= counter.between(as_of, d) <= hi]
    assert scan == days(first, last)


def test_the_date_range_for_one_working_day_offset_includes_the_weekend_after_it() -> None:
    monday = date(2024, 6, 3)
    assert date_range_for_offsets(W, monday, 4, 4) == (date(2024, 6, 7), date(2024, 6, 9))
    assert date_range_for_offsets(W, monday, -1, -1) == (date(2024, 5, 31), date(2024, 6, 2))


def test_the_date_range_for_zero_working_days_on_a_saturday_reaches_back_to_friday() -> None:
    assert date_range_for_offsets(W, date(2024, 6, 8), 0, 0) == (date(2024, 6, 7), date(2024, 6, 9))


def test_the_date_range_for_offsets_over_tet_2021() -> None:
    friday = date(2021, 2, 5)  # working days after it: Mon 8, Tue 9, then Wed 17 after Tết
    assert date_range_for_offsets(W, friday, 2, 2) == (date(2021, 2, 9), date(2021, 2, 16))
    assert date_range_for_offsets(W, friday, 3, 3) == (date(2021, 2, 17), date(2021, 2, 17))
    assert date_range_for_offsets(C, friday, 3, 3) == (date(2021, 2, 8), date(2021, 2, 8))


def test_no_date_range_when_the_offsets_are_reversed() -> None:
    assert date_range_for_offsets(W, date(2024, 6, 3), 2, 1) is None
    assert date_range_for_offsets(C, date(2024, 6, 3), 2, 1) is None


def test_a_few_thousand_working_day_lookups_are_fast() -> None:
    import time

    start = time.perf_counter()
    base = date(2024, 1, 1)
    for k in range(5000):
        d = base + timedelta(k % 900)
        W.between(base, d)
        W.add(d, 7)
    assert time.perf_counter() - start < 1.0
