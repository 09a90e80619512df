"""The official status of a lead assignment ("tình trạng thực hiện").

This module is the one place the sweep, the dashboard and the reports take a status
from. Statuses are judged in calendar days on a given day ``as_of``, so a report can
rebuild any past day:

* A completion dated after ``as_of`` has not happened yet at ``as_of``: the item is
  open on that day.
* ``done=False`` makes an item open whatever ``completed_on`` says (it was reopened).
* ``done=True`` without a ``completed_on`` is taken as completed no later than
  ``as_of`` (the only date known): on time when ``as_of`` is on or before the due date,
  late otherwise.
* A standing duty (no due date) is ``NO_DEADLINE`` while open and ``DONE_ON_TIME``
  once done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

__all__ = [
    "ALL_STATUSES",
    "OVERDUE_BUCKETS",
    "STATUS_LABELS",
    "Status",
    "classify",
    "is_done",
    "on_time_rate",
    "overdue_bucket",
    "overdue_days",
]


class Status(StrEnum):
    NOT_DUE = "chua_den_han"
    DUE_SOON = "sap_den_han"
    OVERDUE = "qua_han"
    DONE_ON_TIME = "hoan_thanh_dung_han"
    DONE_LATE = "hoan_thanh_qua_han"
    NO_DEADLINE = "khong_co_thoi_han"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


# Display order: open items by urgency of attention, then done items, then standing duties.
ALL_STATUSES: tuple[Status, ...] = (
    Status.NOT_DUE,
    Status.DUE_SOON,
    Status.OVERDUE,
    Status.DONE_ON_TIME,
    Status.DONE_LATE,
    Status.NO_DEADLINE,
)

STATUS_LABELS: dict[Status, str] = {
    Status.NOT_DUE: "chưa đến hạn",
    Status.DUE_SOON: "sắp đến hạn",
    Status.OVERDUE: "quá hạn",
    Status.DONE_ON_TIME: "hoàn thành đúng hạn",
    Status.DONE_LATE: "hoàn thành quá hạn",
    Status.NO_DEADLINE: "không có thời hạn",
}

# (threshold, label), largest first: a bucket holds items strictly more days overdue.
OVERDUE_BUCKETS: tuple[tuple[int, str], ...] = ((120, ">120"), (60, ">60"), (30, ">30"))


def is_done(*, completed_on: date | None, as_of: date, done: bool | None = None) -> bool:
    """Whether the item counts as done on ``as_of`` (rules in the module docstring)."""
    if done is False:
        return False
    if completed_on is not None:
        return completed_on <= as_of
    return done is True


def classify(
    *,
    due_date: date | None,
    completed_on: date | None,
    as_of: date,
    near_days: int = 3,
    done: bool | None = None,
) -> Status:
    """The status on ``as_of``.

    An open item is ``DUE_SOON`` when its due date is 0 to ``near_days`` days away
    (the due date itself included), ``OVERDUE`` once the due date has passed and
    ``NOT_DUE`` before the near window. A done item is on time when completed on or
    before its due date.
    """
    if near_days < 0:
        raise ValueError(f"near_days must not be negative, got {near_days}")
    if is_done(completed_on=completed_on, as_of=as_of, done=done):
        if due_date is None:
            return Status.DONE_ON_TIME
        finished = completed_on if completed_on is not None else as_of
        return Status.DONE_ON_TIME if finished <= due_date else Status.DONE_LATE
    if due_date is None:
        return Status.NO_DEADLINE
    left = (due_date - as_of).days
    if left < 0:
        return Status.OVERDUE
    return Status.DUE_SOON if left <= near_days else Status.NOT_DUE


def overdue_days(*, due_date: date | None, completed_on: date | None, as_of: date) -> int:
    """Calendar days past due: ``as_of - due_date`` for an open item, ``completed_on -
    due_date`` for one completed late (by ``as_of``); 0 when not late or without a due date."""
    if due_date is None:
        return 0
    end = completed_on if completed_on is not None and completed_on <= as_of else as_of
    return max(0, (end - due_date).days)


def overdue_bucket(days: int) -> str | None:
    """``">120"``, ``">60"`` or ``">30"`` for strictly more days than that, else ``None``."""
    for threshold, label in OVERDUE_BUCKETS:
        if days > threshold:
            return label
    return None


def on_time_rate(counts: Mapping[Status, int]) -> float | None:
    """Done on time / (done on time + done late + overdue); ``None`` when nothing counts.

    Items not yet due and standing duties still open are left out: they can still go either way.
    """
    on_time = counts.get(Status.DONE_ON_TIME, 0)
    total = on_time + counts.get(Status.DONE_LATE, 0) + counts.get(Status.OVERDUE, 0)
    return on_time / total if total else None
