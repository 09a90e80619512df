"""Dates as the province reads them: its time zone (``DONDOC_TIMEZONE``), dd/mm/yyyy, days left.

The zone is the settings' ``timezone`` (Asia/Ho_Chi_Minh unless configured otherwise), read when
it is needed, so tests and a deployment that set ``DONDOC_TIMEZONE`` get it everywhere: today's
date, the calendar day of a stored UTC timestamp, the reports' cut-offs.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from config.settings import get_settings

__all__ = ["end_of_month", "fmt_date", "fmt_days", "local_now", "local_today", "local_zone"]


def local_zone() -> ZoneInfo:
    """The province's zone from the settings (ZoneInfo keeps one instance per name: no cost)."""
    return ZoneInfo(get_settings().timezone)


def local_now() -> datetime:
    """The current time as an aware datetime in the province's zone."""
    return datetime.now(local_zone())


def local_today() -> date:
    """Today's date in the province's zone."""
    return local_now().date()


def end_of_month(year: int, month: int) -> date:
    """The last day of a month: ``end_of_month(2024, 2)`` is 29/02/2024."""
    return date(year, month, calendar.monthrange(year, month)[1])


def fmt_date(d: date | datetime) -> str:
    """``date(2025, 3, 5)`` -> ``"05/03/2025"`` (dd/mm/yyyy).

    An aware datetime is first converted to the province's zone, so a UTC timestamp
    late in the evening shows the Vietnamese calendar day.
    """
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(local_zone())
    if not isinstance(d, date):
        raise TypeError(f"fmt_date expects a date, got {type(d).__name__}: {d!r}")
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def fmt_days(days_left: int) -> str:
    """Days until the due date, as a Vietnamese phrase.

    ``3`` -> ``"còn 3 ngày"``, ``0`` -> ``"đến hạn hôm nay"``,
    ``-5`` -> ``"quá hạn 5 ngày"``.
    """
    n = int(days_left)
    if n > 0:
        return f"còn {n} ngày"
    if n == 0:
        return "đến hạn hôm nay"
    return f"quá hạn {-n} ngày"
