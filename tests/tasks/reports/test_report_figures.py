"""Report figures against a hand-counted plan: 7 lead assignments over 3 agencies on 30/06/2020.

    ref    agency  due         done on     status on 30/06/2020
    I.1    A       31/03/2020  20/03/2020  done on time
    I.2    A       31/03/2020  15/04/2020  done late
    II.1   A       30/09/2020  -           not due (in term)
    I.3    B       31/05/2020  -           overdue, 30 days, escalated to level 1
    II.2   B       02/07/2020  -           due soon (2 days; in term)
    I.4    C       28/02/2020  -           overdue, 123 days, escalated to level 2
    III.1  C       -           -           standing duty (in term)

Left out: a coordinating assignment, a cancelled assignment and one of a cancelled task.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tasks.escalation.status import Status
from tasks.reports.figures import AssignmentFact, Period, compute, parse_period, series_days

A = "Sở Nông nghiệp và Phát triển nông thôn"
B = "Sở Tài chính"
C = "UBND huyện Tân Yên"
H1 = parse_period("2020-H1")
AS_OF = date(2020, 6, 30)


def fact(
    aid: int,
    ref: str,
    agency: str,
    due: date | None,
    done_on: date | None = None,
    *,
    role: str = "lead",
    status: str | None = None,
    level: int = 0,
    **kw: object,
) -> AssignmentFact:
    return AssignmentFact(
        assignment_id=aid,
        task_ref=ref,
        section=f"Nhiệm vụ {ref.split('.')[0]}",
        content=f"Nội dung nhiệm vụ {ref}",
        agency_name=agency,
        role=role,
        due_date=due,
        original_due_date=due,
        completed_on=done_on,
        status=status or ("done" if done_on else "in_progress"),
        percent=100 if done_on else 40,
        escalation_level=level,
        plan_code="552/KH-BCĐ",
        task_id=aid,
        **kw,  # type: ignore[arg-type]
    )


FACTS = [
    fact(1, "I.1", A, date(2020, 3, 31), date(2020, 3, 20)),
    fact(2, "I.2", A, date(2020, 3, 31), date(2020, 4, 15)),
    fact(3, "II.1", A, date(2020, 9, 30)),
    fact(4, "I.3", B, date(2020, 5, 31), level=1),
    fact(5, "II.2", B, date(2020, 7, 2)),
    fact(6, "I.4", C, date(2020, 2, 28), level=2),
    fact(7, "III.1", C, None),
    # not counted
    fact(8, "I.1", B, date(2020, 3, 31), role="coordinating"),
    fact(9, "I.5", A, date(2020, 1, 31), status="cancelled"),
    fact(10, "I.6", B, date(2020, 1, 31), task_state="cancelled"),
]


def figures(facts: list[AssignmentFact] = FACTS, as_of: date = AS_OF):  # type: ignore[no-untyped-def]
    return compute(facts, period_start=H1.start, period_end=H1.end, as_of=as_of)


def test_summary_counts_lead_assignments_in_the_official_statuses() -> None:
    f = figures()
    assert dict(f.counts) == {
        Status.NOT_DUE: 1,
        Status.DUE_SOON: 1,
        Status.OVERDUE: 2,
        Status.DONE_ON_TIME: 1,
        Status.DONE_LATE: 1,
        Status.NO_DEADLINE: 1,
    }
    assert f.total == 7
    assert f.coordinating == 1


def test_the_two_by_two_adds_up_to_the_assigned_total() -> None:
    t = figures().totals
    assert (t.done_on_time, t.done_late, t.in_term, t.overdue) == (1, 1, 3, 2)
    assert t.assigned == t.done_on_time + t.done_late + t.in_term + t.overdue == 7
    assert t.done == 2


def test_the_on_time_rate_is_on_time_over_on_time_late_and_overdue() -> None:
    assert figures().on_time_rate == pytest.approx(1 / 4)


def test_each_agency_row_is_counted_by_hand() -> None:
    rows = {r.agency_name: r for r in figures().agencies}
    a, b, c = rows[A], rows[B], rows[C]
    assert (a.assigned, a.done_on_time, a.done_late, a.in_term, a.overdue) == (3, 1, 1, 1, 0)
    assert a.on_time_rate == pytest.approx(0.5)
    assert (b.assigned, b.done_on_time, b.done_late, b.in_term, b.overdue) == (2, 0, 0, 1, 1)
    assert b.on_time_rate == 0.0
    assert (c.assigned, c.done_on_time, c.done_late, c.in_term, c.overdue) == (2, 0, 0, 1, 1)
    assert c.on_time_rate == 0.0


def test_agencies_come_most_assigned_first_then_alphabetically() -> None:
    assert [r.agency_name for r in figures().agencies] == [A, B, C]


def test_an_agency_with_nothing_judged_yet_has_no_rate() -> None:
    only_open = [fact(1, "II.1", A, date(2020, 9, 30)), fact(2, "III.1", A, None)]
    (row,) = figures(only_open).agencies
    assert row.on_time_rate is None


def test_the_overdue_list_is_oldest_first_with_age_bucket_and_escalation_level() -> None:
    items = figures().overdue
    assert [(i.task_ref, i.agency_name, i.age_days, i.bucket, i.escalation_level) for i in items] == [
        ("I.4", C, 123, ">120", 2),
        ("I.3", B, 30, None, 1),  # a bucket holds items strictly more than 30 days overdue
    ]
    assert items[0].due_date == date(2020, 2, 28)


def test_due_and_completed_within_the_period_are_counted() -> None:
    f = figures()
    assert f.due_in_period == 4  # I.1, I.2, I.3, I.4
    assert f.completed_in_period == 2  # I.1, I.2


def test_statuses_over_the_period_are_counted_at_each_month_end() -> None:
    series = {p.on: dict(p.counts) for p in figures().series}
    assert list(series) == [
        date(2020, 1, 31),
        date(2020, 2, 29),
        date(2020, 3, 31),
        date(2020, 4, 30),
        date(2020, 5, 31),
        date(2020, 6, 30),
    ]

    def nonzero(day: date) -> dict[Status, int]:
        return {s: n for s, n in series[day].items() if n}

    assert nonzero(date(2020, 1, 31)) == {Status.NOT_DUE: 6, Status.NO_DEADLINE: 1}
    assert nonzero(date(2020, 2, 29)) == {Status.NOT_DUE: 5, Status.OVERDUE: 1, Status.NO_DEADLINE: 1}
    assert nonzero(date(2020, 3, 31)) == {
        Status.DONE_ON_TIME: 1,
        Status.DUE_SOON: 1,
        Status.OVERDUE: 1,
        Status.NOT_DUE: 3,
        Status.NO_DEADLINE: 1,
    }
    assert nonzero(date(2020, 4, 30)) == {
        Status.DONE_ON_TIME: 1,
        Status.DONE_LATE: 1,
        Status.OVERDUE: 1,
        Status.NOT_DUE: 3,
        Status.NO_DEADLINE: 1,
    }
    assert nonzero(date(2020, 5, 31)) == {
        Status.DONE_ON_TIME: 1,
        Status.DONE_LATE: 1,
        Status.OVERDUE: 1,
        Status.DUE_SOON: 1,
        Status.NOT_DUE: 2,
        Status.NO_DEADLINE: 1,
    }
    assert series[date(2020, 6, 30)] == dict(figures().counts)


def test_a_completion_after_the_cut_off_leaves_the_item_open_on_the_cut_off() -> None:
    later = [fact(1, "I.4", C, date(2020, 2, 28), date(2021, 3, 1))]
    f = figures(later)
    assert f.counts[Status.OVERDUE] == 1
    assert f.overdue[0].age_days == 123
    assert f.completed_in_period == 0


def test_a_reopened_item_is_open_whatever_its_old_completion_date() -> None:
    reopened = [replace(fact(1, "I.1", A, date(2020, 3, 31), date(2020, 3, 20)), status="in_progress")]
    assert figures(reopened).counts[Status.OVERDUE] == 1


def test_a_period_with_no_activity_has_zero_figures_and_empty_lists() -> None:
    f = figures([])
    assert f.total == 0
    assert set(f.counts.values()) == {0}
    assert f.on_time_rate is None
    assert f.agencies == () and f.overdue == ()
    assert (f.due_in_period, f.completed_in_period, f.coordinating) == (0, 0, 0)
    assert len(f.series) == 6 and all(set(p.counts.values()) == {0} for p in f.series)


def test_a_cut_off_before_the_period_end_stops_the_series_at_the_cut_off() -> None:
    f = figures(as_of=date(2020, 6, 14))
    assert [p.on for p in f.series][-2:] == [date(2020, 5, 31), date(2020, 6, 14)]
    assert f.as_of == date(2020, 6, 14)


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        compute([], period_start=date(2020, 7, 1), period_end=date(2020, 6, 30), as_of=AS_OF)


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2020-H1", date(2020, 1, 1), date(2020, 6, 30), "6 tháng đầu năm 2020"),
        ("2020-h2", date(2020, 7, 1), date(2020, 12, 31), "6 tháng cuối năm 2020"),
        ("2020", date(2020, 1, 1), date(2020, 12, 31), "năm 2020"),
        ("2020-Q3", date(2020, 7, 1), date(2020, 9, 30), "quý III năm 2020"),
        ("2020-Q1", date(2020, 1, 1), date(2020, 3, 31), "quý I năm 2020"),
        ("2020-9M", date(2020, 1, 1), date(2020, 9, 30), "9 tháng đầu năm 2020"),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29), "tháng 2 năm 2020"),
        (" 2021 - Q4 ", date(2021, 10, 1), date(2021, 12, 31), "quý IV năm 2021"),
    ],
)
def test_periods_are_read_with_their_dates_and_vietnamese_label(text: str, start: date, end: date, label: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end, period.label_vi) == (start, end, label)
    assert isinstance(period, Period)


@pytest.mark.parametrize("text", ["2020-H3", "H1-2020", "", "2020-Q5", "2020-13", "20-H1", "năm 2020"])
def test_a_period_that_cannot_be_read_is_a_clear_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"period .*expected YYYY|period .*month|period .*out of range"):
        parse_period(text)


def test_series_days_are_the_month_ends_up_to_the_cut_off() -> None:
    assert series_days(date(2020, 7, 1), date(2020, 9, 30), date(2020, 9, 30)) == [
        date(2020, 7, 31),
        date(2020, 8, 31),
        date(2020, 9, 30),
    ]
    assert series_days(date(2020, 7, 1), date(2020, 9, 30), date(2020, 7, 10)) == [date(2020, 7, 10)]
    assert series_days(date(2020, 7, 1), date(2020, 9, 30), date(2020, 6, 30)) == []
