"""The import preview's fields, read back: corrections of the plan's head and of tasks, the
province, the tracking choice and the column mapping. Plain reading of the form; the checking is
tasks.importing.corrections' (corrections), tasks.importing.layouts' (columns) and here (the
tracking day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from models.importing.tracking import BACKLOGS, MAX_DAYS_AHEAD, Tracking
from tasks.common.dates import fmt_date
from tasks.common.text import nfc
from tasks.importing.corrections import HeadFix, RowFix
from tasks.importing.deadlines import read_date
from tasks.importing.layouts import ROLES, ColumnSpecError, parse_columns

MAX_COLUMNS = 60


@dataclass(frozen=True)
class TrackingInput:
    start: str = ""  # dd/mm/yyyy as typed; blank: today
    backlog: str = "level1"

    def for_form(self, today: date) -> dict[str, str]:
        return {"start": self.start or fmt_date(today), "backlog": self.backlog if self.backlog in BACKLOGS
                else "level1", "latest": fmt_date(today + timedelta(days=MAX_DAYS_AHEAD))}


@dataclass(frozen=True)
class ReviewInput:
    head: HeadFix | None = None
    rows: dict[str, RowFix] = field(default_factory=dict)
    province: str = ""
    tracking: TrackingInput = field(default_factory=TrackingInput)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return nfc(value) if isinstance(value, str) else ""


def read_review(form: Any) -> ReviewInput:
    """The fields of the preview's form (names: head_code, head_issued_on, head_title,
    head_province; fix (one per task shown) and content:REF, lead:REF, coordinating:REF,
    deadline:REF; track_from, backlog)."""
    head = None
    if "head_code" in form:
        head = HeadFix(code=_text(form, "head_code"), issued_on=_text(form, "head_issued_on"),
                       title=_text(form, "head_title"))
    rows: dict[str, RowFix] = {}
    for ref in form.getlist("fix"):
        if isinstance(ref, str) and ref and ref not in rows:
            rows[ref] = RowFix(ref=ref, content=_text(form, f"content:{ref}"), lead=_text(form, f"lead:{ref}"),
                               coordinating=_text(form, f"coordinating:{ref}"),
                               deadline=_text(form, f"deadline:{ref}"))
    tracking = TrackingInput(start=_text(form, "track_from"), backlog=_text(form, "backlog") or "level1")
    return ReviewInput(head=head, rows=rows, province=_text(form, "head_province"), tracking=tracking)


def tracking_choice(typed: TrackingInput, *, today: date) -> tuple[Tracking, dict[str, str]]:
    """The tracking day and backlog chosen (today and level 1 when a field does not read, with its
    message)."""
    errors: dict[str, str] = {}
    start = today
    if typed.start.strip():
        try:
            start = read_date(typed.start)
        except ValueError:
            errors["track_from"] = (f"Ngày bắt đầu theo dõi “{typed.start[:40]}” không hợp lệ; "
                                    "nhập theo dạng dd/mm/yyyy.")
        else:
            latest = today + timedelta(days=MAX_DAYS_AHEAD)
            if start < today:
                errors["track_from"] = (f"Ngày bắt đầu theo dõi {fmt_date(start)} đã qua; chọn từ hôm nay "
                                        f"({fmt_date(today)}) đến {fmt_date(latest)}.")
            elif start > latest:
                errors["track_from"] = (f"Ngày bắt đầu theo dõi {fmt_date(start)} quá xa; chọn từ hôm nay "
                                        f"({fmt_date(today)}) đến {fmt_date(latest)}.")
            if errors:
                start = today
    backlog = typed.backlog
    if backlog not in BACKLOGS:
        errors["backlog"] = "Vui lòng chọn cách xử lý các nhiệm vụ đã quá hạn trước ngày theo dõi."
        backlog = "level1"
    return Tracking(start=start, backlog=backlog, today=today), errors  # type: ignore[arg-type]


def read_columns(form: Any) -> tuple[str | None, str | None]:
    """(the --columns spec, None) of the selects col_1, col_2, ...; (None, message) when it does
    not make a mapping (no task or lead column, a role given twice)."""
    chosen: dict[str, list[int]] = {}
    for number in range(1, MAX_COLUMNS + 1):
        role = _text(form, f"col_{number}")
        if role in ROLES:
            chosen.setdefault(role, []).append(number)
    twice = [role for role, columns in chosen.items() if len(columns) > 1]
    names = {"task": "Nội dung nhiệm vụ", "lead": "Cơ quan chủ trì", "coordinating": "Cơ quan phối hợp",
             "due": "Thời hạn", "code": "Mã nhiệm vụ", "number": "Số thứ tự (TT)"}
    if twice:
        return None, (f"Mỗi vai trò chỉ chọn cho một cột: “{names[twice[0]]}” được chọn cho các cột "
                      f"{', '.join(str(c) for c in chosen[twice[0]])}.")
    missing = [names[role] for role in ("task", "lead") if role not in chosen]
    if missing:
        return None, f"Chưa chọn cột {' và cột '.join(f'“{m}”' for m in missing)} của bảng nhiệm vụ."
    spec = ",".join(f"{role}={columns[0]}" for role, columns in chosen.items())
    try:
        return parse_columns(spec).spec(), None
    except ColumnSpecError as exc:  # cannot happen with the checks above; said all the same
        return None, str(exc)


__all__ = ["ReviewInput", "TrackingInput", "read_columns", "read_review", "tracking_choice"]
