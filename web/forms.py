"""Input checks for pages and the API, each with a clear Vietnamese message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.core.tables import DONE, IN_PROGRESS, OPEN
from tasks.escalation.status import Status
from tasks.importing.deadlines import read_date

MAX_NOTE = 4000
MAX_ID = 2**63 - 1  # the largest row id SQLite and PostgreSQL (BIGINT) store
PROGRESS_STATES = {OPEN: "chưa thực hiện", IN_PROGRESS: "đang thực hiện", DONE: "đã hoàn thành"}


class FormError(ValueError):
    """Bad input; the message is shown in the page as is."""


def parse_date(raw: str | None, what: str) -> date | None:
    """dd/mm/yyyy (as shown everywhere) or YYYY-MM-DD (date pickers, the API); blank is ``None``."""
    if raw is None or not raw.strip():
        return None
    try:
        return read_date(raw)
    except ValueError:
        pass
    raise FormError(f"{what} “{raw.strip()[:40]}” không phải là ngày hợp lệ; nhập theo dạng dd/mm/yyyy.")


def parse_percent(raw: str | int | None) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = int(str(raw).strip().rstrip("%"))
    except ValueError:
        raise FormError(f"Tỷ lệ hoàn thành “{str(raw)[:20]}” phải là một số nguyên từ 0 đến 100.") from None
    if not 0 <= value <= 100:
        raise FormError(f"Tỷ lệ hoàn thành phải từ 0 đến 100% (đã nhập {value}%).")
    return value


@dataclass(frozen=True)
class ProgressInput:
    status: str
    percent: int | None
    note: str | None


def parse_progress(*, status: str | None, percent: str | int | None, note: str | None,
                   note_required: bool = False) -> ProgressInput:
    if status not in PROGRESS_STATES:
        raise FormError("Vui lòng chọn trạng thái: chưa thực hiện, đang thực hiện hoặc đã hoàn thành.")
    value = parse_percent(percent)
    if status == DONE and value is not None and value != 100:
        raise FormError(f"Nhiệm vụ đã hoàn thành thì tỷ lệ phải là 100% (đã nhập {value}%).")
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise FormError(f"Nội dung báo cáo quá dài (tối đa {MAX_NOTE} ký tự).")
    if note_required and text is None:
        raise FormError("Vui lòng nhập nội dung ý kiến phối hợp.")
    return ProgressInput(status=status, percent=value, note=text)


def parse_status(raw: str | None) -> Status | None:
    if not raw:
        return None
    try:
        return Status(raw)
    except ValueError:
        raise FormError("Tình trạng không hợp lệ.") from None


def parse_quarter(raw: str | None) -> tuple[int, int] | None:
    """``2020-Q2`` -> ``(2020, 2)``."""
    if not raw:
        return None
    m = re.fullmatch(r"(\d{4})-Q([1-4])", raw.strip())
    if not m:
        raise FormError(f"Quý “{raw[:20]}” không hợp lệ; dạng đúng là 2020-Q2.")
    return int(m.group(1)), int(m.group(2))


def parse_int(raw: str | None, what: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw)
    except ValueError:
        raise FormError(f"{what} không hợp lệ.") from None
    if abs(value) > MAX_ID:
        raise FormError(f"{what} không hợp lệ.")
    return value
