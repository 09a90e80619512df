"""The office's task list as an Excel workbook (``GET /tasks.xlsx``, ``dondoc tasks --xlsx``).

Pure: the rows of the list (``models.listing.task_list.TaskRow`` or anything shaped like it) and a
description of the filters in, the bytes of a .xlsx out; no database.

    Path("nhiem-vu.xlsx").write_bytes(render_task_workbook(rows, ExportScope(as_of=day), coordinating))

One sheet: a title line naming the filters and the day the statuses are judged on, the header,
then one row per assignment in the list's order (due date, then import order). Dates are real
Excel dates shown dd/mm/yyyy; the header is frozen, with an autofilter; the status cell is
coloured as in the period report's workbook (tasks.reports.render.xlsx, same writer).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from tasks.common.text import strip_diacritics
from tasks.common.xlsx_writer import Sheet, write_xlsx
from tasks.escalation.status import STATUS_LABELS, Status, overdue_days
from tasks.reports.render.xlsx import STATUS_FILLS

__all__ = ["MAX_ROWS", "ExportScope", "ListedAssignment", "columns", "export_caption", "export_filename",
           "export_rows", "render_task_workbook"]

MAX_ROWS = 100_000  # rows one export may hold; a longer list is refused (filter it further)
SHEET_TITLE = "Nhiệm vụ"
ROLE_WORDS = {"lead": "Chủ trì", "coordinating": "Phối hợp"}
QUARTERS = ("I", "II", "III", "IV")
STATUS_COLUMN = 9
_DONE = (Status.DONE_ON_TIME, Status.DONE_LATE)
_UNSAFE = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')


class ListedAssignment(Protocol):
    """One row of the task list (an assignment: task x agency x role) with its status on the day."""

    task_id: int
    plan_code: str
    ref: str
    content: str
    agency_name: str
    role: str
    due_date: date | None
    original_due_date: date | None
    completed_on: date | None
    percent: int
    status: Status


@dataclass(frozen=True)
class ExportScope:
    """What the list was filtered by, for the title line and the file name (names, not ids)."""

    as_of: date
    plan: str | None = None  # plan code(s), e.g. "552/KH-BCĐ"
    agency: str | None = None  # agency name(s)
    role: str | None = None  # lead | coordinating | None for both
    status: Status | None = None
    quarter: tuple[int, int] | None = None  # (year, 1..4) of the due date
    text: str | None = None
    due_before: date | None = None
    kind: str | None = "plan"  # plan (the plan's tasks) | report (the agencies' period reports) | None for both
    section: str | None = None  # one section of the plan


KIND_WORDS = {"report": "Báo cáo định kỳ của các cơ quan", None: "Nhiệm vụ của kế hoạch và báo cáo định kỳ"}


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def export_caption(scope: ExportScope) -> str:
    """"Danh sách nhiệm vụ - Kế hoạch 552/KH-BCĐ; Vai trò: chủ trì; ... (tính đến ngày 25/01/2020)"."""
    parts = []
    if scope.kind in KIND_WORDS:
        parts.append(KIND_WORDS[scope.kind])
    if scope.plan:
        parts.append(f"Kế hoạch {scope.plan}")
    if scope.section:
        parts.append(f"Phần: {scope.section}")
    if scope.agency:
        parts.append(f"Cơ quan: {scope.agency}")
    parts.append(f"Vai trò: {ROLE_WORDS[scope.role].lower()}" if scope.role else "Vai trò: chủ trì và phối hợp")
    if scope.status is not None:
        parts.append(f"Tình trạng: {STATUS_LABELS[scope.status]}")
    if scope.quarter is not None:
        year, quarter = scope.quarter
        parts.append(f"Thời hạn trong Quý {QUARTERS[quarter - 1]}/{year}")
    if scope.due_before is not None:
        parts.append(f"Thời hạn đến ngày {_dmy(scope.due_before)}")
    if scope.text:
        parts.append(f"Tìm kiếm: “{scope.text}”")
    return f"Danh sách nhiệm vụ - {'; '.join(parts)} (tính đến ngày {_dmy(scope.as_of)})"


def columns(scope: ExportScope) -> tuple[tuple[str, float], ...]:
    """(header, width): the agency column says "Cơ quan chủ trì" when only leads are listed."""
    return (
        ("STT", 6),
        ("Kế hoạch", 14),
        ("Mã", 8),
        ("Nội dung nhiệm vụ", 60),
        ("Cơ quan chủ trì" if scope.role == "lead" else "Cơ quan, đơn vị", 32),
        ("Vai trò", 10),
        ("Cơ quan phối hợp", 32),
        ("Hạn hoàn thành", 13),
        ("Hạn ban đầu", 13),
        ("Trạng thái", 20),
        ("Số ngày quá hạn", 10),
        ("% hoàn thành", 10),
        ("Ngày hoàn thành", 13),
        # the task's code in the plan ("Mã nhiệm vụ": KH12_CĐS_01.2) and its deadline note: last, so
        # the columns above keep their places for whoever reads the workbook by position
        ("Mã nhiệm vụ", 16),
        ("Ghi chú thời hạn", 30),
    )


def export_rows(rows: Sequence[ListedAssignment], *, as_of: date,
                coordinating: Mapping[int, Sequence[str]] | None = None,
                details: Mapping[int, tuple[str | None, str | None]] | None = None) -> list[list[Any]]:
    """The cells of each row, in the order of ``columns``.

    "Hạn ban đầu" only when an extension moved the due date; "Ngày hoàn thành" only when the
    status on ``as_of`` is done; "Số ngày quá hạn" (tasks.escalation.status.overdue_days) only when late,
    open or done. "Cơ quan phối hợp" lists the task's coordinating agencies other than the row's
    own (``coordinating``: {task id: names}). "Mã nhiệm vụ" and "Ghi chú thời hạn" come from
    ``details`` ({task id: (code, deadline note)}; tasks without either may be left out).
    """
    coordinating = coordinating or {}
    details = details or {}
    out: list[list[Any]] = []
    for n, r in enumerate(rows, start=1):
        done = r.status in _DONE
        late = overdue_days(due_date=r.due_date, completed_on=r.completed_on if done else None, as_of=as_of)
        others = [name for name in coordinating.get(r.task_id, ()) if name != r.agency_name]
        moved = r.original_due_date is not None and r.original_due_date != r.due_date
        out.append([
            n,
            r.plan_code,
            r.ref,
            r.content,
            r.agency_name,
            ROLE_WORDS.get(r.role, r.role),
            "; ".join(others) or None,
            r.due_date,
            r.original_due_date if moved else None,
            STATUS_LABELS[r.status],
            late or None,
            r.percent,
            r.completed_on if done else None,
            *details.get(r.task_id, (None, None)),
        ])
    return out


def render_task_workbook(rows: Sequence[ListedAssignment], scope: ExportScope,
                         coordinating: Mapping[int, Sequence[str]] | None = None,
                         details: Mapping[int, tuple[str | None, str | None]] | None = None) -> bytes:
    """The .xlsx bytes of the list (rules in ``export_rows``)."""
    cells = export_rows(rows, as_of=scope.as_of, coordinating=coordinating, details=details)
    fills = {(i, STATUS_COLUMN): STATUS_FILLS[r.status] for i, r in enumerate(rows) if r.status in STATUS_FILLS}
    caption = export_caption(scope)
    sheet = Sheet(SHEET_TITLE, columns(scope), cells, fills, wrap=frozenset({3, 14}), caption=caption)
    out = io.BytesIO()
    write_xlsx(out, [sheet], title=caption)
    return out.getvalue()


def export_filename(scope: ExportScope) -> tuple[str, str]:
    """(file name, ASCII fallback): ``nhiem-vu-2020-01-25.xlsx``, with the agency's name when the
    list is one agency's (``nhiem-vu-Sở Tài chính-2020-01-25.xlsx``; fallback without diacritics)."""
    middle = ""
    if scope.agency:
        middle = " ".join(_UNSAFE.sub(" ", scope.agency).split())[:80].strip(" .") + "-"
    name = f"nhiem-vu-{middle}{scope.as_of.isoformat()}.xlsx"
    fallback = strip_diacritics(name).encode("ascii", "replace").decode("ascii").replace("?", "_")
    return name, fallback
