"""When reports are due, which period each covers, and where their data close."""

from __future__ import annotations

from datetime import date

from tasks.reports.period import parse_period
from tasks.reports.schedule import (
    cut_off,
    default_as_of,
    duty_ref,
    period_for_deadline,
    period_of_duty_ref,
    reporting_calendar,
)


def test_each_deadline_closes_the_period_of_its_kind_whose_end_is_nearest() -> None:
    assert period_for_deadline("H1", date(2020, 6, 15)).code == "2020-H1"  # type: ignore[union-attr]
    assert period_for_deadline("year", date(2020, 12, 15)).code == "2020"  # type: ignore[union-attr]
    assert period_for_deadline("year", date(2021, 1, 15)).code == "2020"  # type: ignore[union-attr]
    assert period_for_deadline("9M", date(2020, 9, 20)).code == "2020-9M"  # type: ignore[union-attr]
    assert period_for_deadline("quarter", date(2020, 4, 10)).code == "2020-Q1"  # type: ignore[union-attr]
    assert period_for_deadline("month", date(2020, 3, 25)).code == "2020-03"  # type: ignore[union-attr]
    assert period_for_deadline("other", date(2020, 3, 25)) is None


def test_the_calendar_of_a_plan_without_a_dated_clause_is_15_june_and_15_december() -> None:
    calendar = reporting_calendar([], years=range(2020, 2022), not_before=date(2020, 2, 17))
    assert [(d.period.code, d.due) for d in calendar] == [
        ("2020-H1", date(2020, 6, 15)), ("2020", date(2020, 12, 15)),
        ("2021-H1", date(2021, 6, 15)), ("2021", date(2021, 12, 15)),
    ]


def test_deadlines_before_the_plan_was_issued_are_left_out() -> None:
    calendar = reporting_calendar([(6, 15, "H1"), (12, 15, "year")], years=[2023], not_before=date(2023, 8, 23))
    assert [d.period.code for d in calendar] == ["2023"]


def test_data_close_the_working_day_before_the_report_is_due() -> None:
    assert cut_off(date(2020, 6, 15)) == date(2020, 6, 12)  # a Monday: the Friday before
    assert cut_off(date(2020, 12, 15)) == date(2020, 12, 14)
    assert cut_off(date(2021, 2, 15)) == date(2021, 2, 9)  # Tết 2021 (10-16 February) skipped


def test_the_default_cut_off_is_the_period_end_or_today_or_before_the_deadline() -> None:
    h1 = parse_period("2020-H1")
    assert default_as_of(h1, today=date(2021, 3, 1)) == date(2020, 6, 30)
    assert default_as_of(h1, today=date(2020, 5, 20)) == date(2020, 5, 20)
    assert default_as_of(h1, today=date(2020, 6, 16), due=date(2020, 6, 15), scheduled=True) == date(2020, 6, 12)


def test_duty_refs_name_their_period() -> None:
    assert duty_ref("2020-H1") == "BC.2020-H1" and period_of_duty_ref("BC.2020-H1") == "2020-H1"
    assert period_of_duty_ref("BC.2020") == "2020" and period_of_duty_ref("I.1") is None


def test_reviews_of_several_years_fall_due_at_the_end_of_their_last_year_and_repeat_within_the_horizon() -> None:
    from tasks.reports.schedule import review_calendar, review_of_duty_ref

    schedule = [
        {"month": 12, "day": 15, "period": "year", "proposed": True},
        {"period": "3y", "every_years": 3, "label": "sơ kết 3 năm", "kind": "review"},
        {"period": "5y", "every_years": 5, "label": "tổng kết 5 năm", "kind": "final"},
        {"period": "term", "every_years": None, "label": "tổng kết giai đoạn", "kind": "final"},
    ]
    found = [(r.ref, r.due, r.label) for r in review_calendar(schedule, first=2022, last=2027)]
    assert found == [
        ("BC.3y.2022-2024", date(2024, 12, 15), "sơ kết 3 năm"),
        ("BC.5y.2022-2026", date(2026, 12, 15), "tổng kết 5 năm"),
        ("BC.3y.2025-2027", date(2027, 12, 15), "sơ kết 3 năm"),
        ("BC.term.2022-2027", date(2027, 12, 15), "tổng kết giai đoạn"),
    ]
    # the first review of each length even when the horizon is shorter: the plan runs that long;
    # the term's review is then the 5-year one, not a second duty for the same years
    assert [r.ref for r in review_calendar(schedule, first=2026, last=2026)] == ["BC.3y.2026-2028", "BC.5y.2026-2030"]
    # a yearly report due in January (on the year before): the review is due the January after it
    january = [{"month": 1, "day": 15, "period": "year"}, schedule[1]]
    assert [r.due for r in review_calendar(january, first=2026, last=2026)] == [date(2029, 1, 15)]
    assert review_calendar(schedule[:1], first=2026, last=2030) == []
    assert review_of_duty_ref("BC.3y.2026-2028") == ("3y", 2026, 2028)
    assert review_of_duty_ref("BC.term.2026-2030") == ("term", 2026, 2030)
    assert review_of_duty_ref("BC.2026") is None and review_of_duty_ref("T.III.1") is None


def test_the_review_of_the_whole_term_covers_the_years_the_title_gives_else_the_plans_horizon() -> None:
    from tasks.reports.schedule import review_calendar

    term = [{"period": "term", "every_years": None, "label": "tổng kết giai đoạn", "kind": "final"}]
    by_title = review_calendar(term, first=2026, last=2026, term=(2026, 2030))
    assert [(r.ref, r.due, r.label) for r in by_title] == [
        ("BC.term.2026-2030", date(2030, 12, 15), "tổng kết giai đoạn")]
    # no years in the title: the plan's horizon, even a single year
    assert [r.ref for r in review_calendar(term, first=2026, last=2028)] == ["BC.term.2026-2028"]
    assert [r.due for r in review_calendar(term, first=2026, last=2026)] == [date(2026, 12, 15)]
    # a 3-year review beside it: the term lasts at least that long
    three = [{"period": "3y", "every_years": 3, "label": "sơ kết 3 năm", "kind": "review"}, *term]
    assert [r.ref for r in review_calendar(three, first=2026, last=2026)] == ["BC.3y.2026-2028"]
    # a yearly report due in January: the term's review is due the January after its last year
    january = [{"month": 1, "day": 15, "period": "year"}, *term]
    assert [r.due for r in review_calendar(january, first=2026, last=2027)] == [date(2028, 1, 15)]


def test_a_plans_term_is_read_from_the_years_its_title_names() -> None:
    from tasks.reports.schedule import term_of_title

    assert term_of_title("Xây dựng nông thôn mới hiện đại giai đoạn 2026 - 2030", first=2026) == (2026, 2030)
    assert term_of_title("Kế hoạch chuyển đổi số giai đoạn 2026–2030, định hướng đến năm 2035", first=2026) == (
        2026, 2030)
    assert term_of_title("Chương trình phát triển du lịch đến năm 2030", first=2026) == (2026, 2030)
    # a span that ended before the plan (a review of 2021-2025 in a 2026 plan) is not its term
    assert term_of_title("Kế hoạch tổng kết Chương trình giai đoạn 2021-2025", first=2026) is None
    assert term_of_title("Kế hoạch năm 2026", first=2026) is None
    assert term_of_title(None, first=2026) is None
