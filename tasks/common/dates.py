"""Vietnamese formatting helpers shared by templates and other modules."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = ["VN_TZ", "fmt_date", "fmt_days", "local_now", "local_today"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_now() -> datetime:
    """The current time as an aware datetime in Asia/Ho_Chi_Minh (UTC+7)."""
    return datetime.now(VN_TZ)


def local_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh."""
    return local_now().date()


def fmt_date(d: date | datetime) -> str:
    """``date(2025, 3, 5)`` -> ``"05/03/2025"`` (dd/mm/yyyy).

    An aware datetime is first converted to Vietnam time, so a UTC timestamp
    late in the evening shows the Vietnamese calendar day.
    """
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(VN_TZ)
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
