"""The report's workbook: every assignment with its official status on the cut-off day.

    Path("bao-cao.xlsx").write_bytes(render_xlsx(data))

One sheet per section of the plan (in the order the tasks come), the header row frozen, an
autofilter over the whole list, dates as real dates shown dd/mm/yyyy (tasks.common.xlsx_writer).
Lead and coordinating assignments both appear (column "Vai trò"); cancelled ones do not.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from tasks.common.xlsx_writer import Sheet, write_xlsx
from tasks.escalation.status import STATUS_LABELS, Status, overdue_days
from tasks.reports.content import ReportData, fmt_date
from tasks.reports.figures import LEAD, AssignmentFact, fact_status, is_live

__all__ = ["COLUMNS", "NO_SECTION", "STATUS_FILLS", "render_xlsx", "sheet_title"]

NO_SECTION = "Nhiệm vụ chung"
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Mã nhiệm vụ", 11),
    ("Nội dung nhiệm vụ", 60),
    ("Cơ quan, đơn vị", 32),
    ("Vai trò", 11),
    ("Hạn hoàn thành", 14),
    ("Hạn ban đầu", 14),
    ("Ngày hoàn thành", 14),
    ("Tiến độ (%)", 10),
    ("Tình trạng", 22),
    ("Số ngày quá hạn", 10),
    ("Mức đôn đốc", 10),
)
STATUS_COLUMN = 8
STATUS_FILLS = {
    Status.OVERDUE: "F8D7DA",
    Status.DONE_LATE: "FFF3CD",
    Status.DONE_ON_TIME: "D4EDDA",
    Status.DUE_SOON: "FFE8CC",
}
_BAD_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(section: str | None, taken: set[str]) -> str:
    """A legal, unique sheet name (31 characters, none of []:*?/\\) from the section title."""
    base = _BAD_CHARS.sub("-", " ".join((section or NO_SECTION).split())).strip("' ") or NO_SECTION
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _ref_key(ref: str) -> tuple[tuple[int, str], ...]:
    """'I.10' after 'I.9': numeric parts compare as numbers."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"[.\-]", ref))


def _sheet(title: str, facts: Sequence[AssignmentFact], data: ReportData) -> Sheet:
    rows: list[list[Any]] = []
    fills: dict[tuple[int, int], str] = {}
    near = data.figures.near_days
    for fact in sorted(facts, key=lambda f: (_ref_key(f.task_ref), f.role != LEAD, f.agency_name)):
        status = fact_status(fact, data.as_of, near)
        done = status in (Status.DONE_ON_TIME, Status.DONE_LATE)
        late = overdue_days(due_date=fact.due_date, completed_on=fact.completed_on if done else None, as_of=data.as_of)
        if status in STATUS_FILLS:
            fills[(len(rows), STATUS_COLUMN)] = STATUS_FILLS[status]
        rows.append(
            [
                fact.task_ref,
                fact.content,
                fact.agency_name,
                "Chủ trì" if fact.role == LEAD else "Phối hợp",
                fact.due_date,
                fact.original_due_date,
                fact.completed_on if done else None,
                fact.percent,
                STATUS_LABELS[status],
                late or None,
                fact.escalation_level or None,
            ]
        )
    return Sheet(title, COLUMNS, rows, fills, wrap=frozenset({1}))


def render_xlsx(data: ReportData) -> bytes:
    grouped: dict[str | None, list[AssignmentFact]] = {}
    for fact in data.facts:
        if is_live(fact):
            grouped.setdefault(fact.section, []).append(fact)
    if not grouped:
        grouped = {None: []}
    taken: set[str] = set()
    sheets = [_sheet(sheet_title(section, taken), facts, data) for section, facts in grouped.items()]
    out = io.BytesIO()
    title = f"Kế hoạch số {data.plan_code} - {data.period.label_vi} (đến ngày {fmt_date(data.as_of)})"
    write_xlsx(out, sheets, title=title)
    return out.getvalue()
