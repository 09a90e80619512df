from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.escalation.status import (
    ALL_STATUSES,
    STATUS_LABELS,
    Status,
    classify,
    on_time_rate,
    overdue_bucket,
    overdue_days,
)

DUE = date(2024, 6, 30)


def open_on(as_of: date, **kw: object) -> Status:
    return classify(due_date=DUE, completed_on=None, as_of=as_of, **kw)  # type: ignore[arg-type]


# --- labels and order -------------------------------------------------------------


def test_every_status_has_a_vietnamese_label_with_diacritics() -> None:
    assert STATUS_LABELS == {
        Status.NOT_DUE: "chưa đến hạn",
        Status.DUE_SOON: "sắp đến hạn",
        Status.OVERDUE: "quá hạn",
        Status.DONE_ON_TIME: "hoàn thành đúng hạn",
        Status.DONE_LATE: "hoàn thành quá hạn",
        Status.NO_DEADLINE: "không có thời hạn",
    }
    assert Status.OVERDUE.label == "quá hạn"


def test_status_values_are_the_stored_ascii_codes() -> None:
    assert Status.NOT_DUE == "chua_den_han"
    assert Status("hoan_thanh_qua_han") is Status.DONE_LATE
    assert [s.value for s in ALL_STATUSES] == [
        "chua_den_han", "sap_den_han", "qua_han", "hoan_thanh_dung_han", "hoan_thanh_qua_han", "khong_co_thoi_han",
    ]


def test_all_statuses_lists_each_status_once() -> None:
    assert sorted(ALL_STATUSES) == sorted(Status)
    assert len(ALL_STATUSES) == len(set(ALL_STATUSES))


# --- open items -----------------------------------------------------------------------


def test_an_open_item_more_than_three_days_away_is_not_due() -> None:
    assert open_on(DUE - timedelta(4)) is Status.NOT_DUE


@pytest.mark.parametrize("left", [3, 2, 1, 0])
def test_an_open_item_zero_to_three_days_away_is_due_soon(left: int) -> None:
    assert open_on(DUE - timedelta(left)) is Status.DUE_SOON


def test_an_open_item_is_overdue_the_day_after_its_due_date() -> None:
    assert open_on(DUE + timedelta(1)) is Status.OVERDUE


def test_the_near_window_can_be_widened_or_closed() -> None:
    assert open_on(DUE - timedelta(10), near_days=10) is Status.DUE_SOON
    assert open_on(DUE - timedelta(1), near_days=0) is Status.NOT_DUE
    assert open_on(DUE, near_days=0) is Status.DUE_SOON


def test_a_negative_near_window_is_refused() -> None:
    with pytest.raises(ValueError, match="near_days"):
        open_on(DUE, near_days=-1)


def test_an_open_standing_duty_has_no_deadline() -> None:
    assert classify(due_date=None, completed_on=None, as_of=DUE) is Status.NO_DEADLINE


# --- done items -------------------------------------------------------------------------


def test_an_item_completed_on_its_due_date_is_done_on_time() -> None:
    assert classify(due_date=DUE, completed_on=DUE, as_of=DUE + timedelta(100)) is Status.DONE_ON_TIME


def test_an_item_completed_the_day_after_its_due_date_is_done_late() -> None:
    assert classify(due_date=DUE, completed_on=DUE + timedelta(1), as_of=DUE + timedelta(5)) is Status.DONE_LATE


def test_a_done_standing_duty_counts_as_done_on_time() -> None:
    assert classify(due_date=None, completed_on=date(2024, 1, 5), as_of=DUE) is Status.DONE_ON_TIME
    assert classify(due_date=None, completed_on=None, as_of=DUE, done=True) is Status.DONE_ON_TIME


def test_a_completion_after_the_day_looked_at_is_not_done_yet_on_that_day() -> None:
    completed = DUE + timedelta(10)
    assert classify(due_date=DUE, completed_on=completed, as_of=DUE - timedelta(10)) is Status.NOT_DUE
    assert classify(due_date=DUE, completed_on=completed, as_of=DUE - timedelta(1)) is Status.DUE_SOON
    assert classify(due_date=DUE, completed_on=completed, as_of=DUE + timedelta(3)) is Status.OVERDUE
    assert classify(due_date=DUE, completed_on=completed, as_of=completed) is Status.DONE_LATE
    assert classify(due_date=None, completed_on=completed, as_of=DUE) is Status.NO_DEADLINE


def test_an_item_marked_not_done_is_open_whatever_its_completion_date() -> None:
    assert classify(due_date=DUE, completed_on=DUE, as_of=DUE + timedelta(1), done=False) is Status.OVERDUE


def test_an_item_marked_done_without_a_date_is_judged_by_the_day_looked_at() -> None:
    assert classify(due_date=DUE, completed_on=None, as_of=DUE, done=True) is Status.DONE_ON_TIME
    assert classify(due_date=DUE, completed_on=None, as_of=DUE + timedelta(1), done=True) is Status.DONE_LATE


def test_an_item_marked_done_with_a_date_is_judged_by_that_date() -> None:
    status = classify(due_date=DUE, completed_on=DUE - timedelta(1), as_of=DUE + timedelta(9), done=True)
    assert status is Status.DONE_ON_TIME


@given(
    st.dates(date(2020, 1, 1), date(2030, 1, 1)) | st.none(),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)) | st.none(),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_a_status_is_done_exactly_when_completed_by_the_day_looked_at(
    due: date | None, completed: date | None, as_of: date
) -> None:
    status = classify(due_date=due, completed_on=completed, as_of=as_of)
    done = completed is not None and completed <= as_of
    assert (status in (Status.DONE_ON_TIME, Status.DONE_LATE)) == done
    late = overdue_days(due_date=due, completed_on=completed, as_of=as_of) > 0
    assert (status in (Status.OVERDUE, Status.DONE_LATE)) == late


# --- overdue days and buckets --------------------------------------------------------------


def test_an_open_item_is_as_many_days_overdue_as_days_since_its_due_date() -> None:
    assert overdue_days(due_date=DUE, completed_on=None, as_of=DUE + timedelta(12)) == 12


def test_an_item_not_yet_due_is_zero_days_overdue() -> None:
    assert overdue_days(due_date=DUE, completed_on=None, as_of=DUE) == 0
    assert overdue_days(due_date=DUE, completed_on=None, as_of=DUE - timedelta(5)) == 0
    assert overdue_days(due_date=None, completed_on=None, as_of=DUE) == 0


def test_an_item_done_late_stays_as_many_days_overdue_as_it_was_late() -> None:
    completed = DUE + timedelta(8)
    assert overdue_days(due_date=DUE, completed_on=completed, as_of=completed + timedelta(100)) == 8


def test_an_item_done_on_time_is_zero_days_overdue() -> None:
    assert overdue_days(due_date=DUE, completed_on=DUE - timedelta(2), as_of=DUE + timedelta(30)) == 0


def test_an_item_completed_after_the_day_looked_at_counts_overdue_days_up_to_that_day() -> None:
    assert overdue_days(due_date=DUE, completed_on=DUE + timedelta(40), as_of=DUE + timedelta(10)) == 10


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, None), (30, None), (31, ">30"), (60, ">30"), (61, ">60"), (120, ">60"), (121, ">120"), (999, ">120")],
)
def test_overdue_buckets_hold_items_strictly_over_their_threshold(days: int, bucket: str | None) -> None:
    assert overdue_bucket(days) == bucket


# --- on-time rate ----------------------------------------------------------------------------


def test_the_on_time_rate_is_done_on_time_over_done_and_overdue() -> None:
    counts = {Status.DONE_ON_TIME: 6, Status.DONE_LATE: 2, Status.OVERDUE: 2, Status.NOT_DUE: 50, Status.DUE_SOON: 5}
    assert on_time_rate(counts) == pytest.approx(0.6)


def test_the_on_time_rate_ignores_standing_duties_and_missing_statuses() -> None:
    assert on_time_rate({Status.DONE_ON_TIME: 1, Status.NO_DEADLINE: 9}) == 1.0


def test_there_is_no_on_time_rate_when_nothing_is_done_or_overdue() -> None:
    assert on_time_rate({}) is None
    assert on_time_rate({Status.NOT_DUE: 4, Status.DUE_SOON: 1, Status.NO_DEADLINE: 2}) is None
