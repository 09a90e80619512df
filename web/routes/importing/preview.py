"""What the import preview page shows, built from the dry run's parsed plan (pure, no database),
and the Vietnamese message for a file that cannot become a plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.duties.store import DutySummary
from models.importing.store import ImportSummary
from tasks.importing.parse import ParsedPlan, PlanImportError
from tasks.importing.readers import PlanFileError

FIRST_ROWS = 15  # rows of the task table shown: enough to recognise the appendix


@dataclass(frozen=True)
class PreviewRow:
    ref: str
    content: str
    lead: list[str]  # resolved agency names; empty: the cell's text is shown instead
    lead_text: str
    coordinating: list[str]
    coordinating_text: str
    due_date: date | None
    deadline_text: str
    deadline_kind: str


@dataclass(frozen=True)
class Problem:
    """A row the office should look at: where it is, its task and what could not be read."""

    row: str
    ref: str
    text: str
    role: str | None = None


@dataclass(frozen=True)
class Preview:
    filename: str
    code: str
    code_from_document: bool  # False: no plan number in the head, the file name stands in
    title: str | None
    issuer: str | None
    province: str  # the province's name
    issued_on: date | None
    year: int | None
    tasks: int
    assignments: int
    duties: int  # proposed from the text, reviewed after the import
    changes: ImportSummary | None  # None: a new plan, every task is created
    duty_changes: DutySummary | None  # the proposals from the text, for a plan already stored
    unread_deadlines: list[Problem]
    unresolved: list[Problem]
    rows: list[PreviewRow]

    @property
    def unchanged(self) -> bool:
        """A plan already stored that this file would not change."""
        return self.changes is not None and not self.changes.changed and not duties_changed(self.duty_changes)


def duties_changed(duties: DutySummary | None) -> bool:
    return duties is not None and bool(duties.proposed or duties.refreshed or duties.withdrawn)


def build_preview(parsed: ParsedPlan, changes: ImportSummary | None, duty_changes: DutySummary | None, *,
                  filename: str) -> Preview:
    meta = parsed.meta
    rows = [
        PreviewRow(ref=t.ref, content=t.row.content, lead=[a.name for a in t.lead], lead_text=t.row.lead_text,
                   coordinating=[a.name for a in t.coordinating], coordinating_text=t.row.coordinating_text,
                   due_date=t.due_date, deadline_text=t.row.deadline_text, deadline_kind=t.deadline.kind)
        for t in parsed.tasks[:FIRST_ROWS]
    ]
    return Preview(
        filename=filename, code=parsed.code, code_from_document=meta.code is not None, title=meta.title,
        issuer=meta.issuer, province=parsed.province.name, issued_on=meta.issued_on, year=parsed.year,
        tasks=len(parsed.tasks), assignments=sum(len(t.lead) + len(t.coordinating) for t in parsed.tasks),
        duties=len(parsed.duties), changes=changes, duty_changes=duty_changes,
        # the same rows the command line warns about, from the parsed rows rather than its English lines
        unread_deadlines=[Problem(row=t.row.row_label, ref=t.ref, text=t.row.deadline_text)
                          for t in parsed.tasks if t.deadline.kind == "unknown"],
        unresolved=[Problem(row=u["row"], ref=u["ref"], text=u["name"], role=u["role"]) for u in parsed.unresolved],
        rows=rows,
    )


def plan_error_message(exc: PlanFileError | PlanImportError, *, original: str, stored: str) -> str:
    """One Vietnamese line for a file the readers or the parser refuse.

    Their messages are the command line's (English, naming the stored copy); the common cases
    get their own wording, anything else is said with its detail, the stored name replaced by
    the one the office knows."""
    detail = str(exc).replace(stored, original)
    if isinstance(exc, PlanImportError):
        if "cannot tell which province" in detail:
            return (f"Không xác định được tỉnh ban hành kế hoạch trong tệp “{original}”: "
                    "hãy chọn tỉnh trong biểu mẫu rồi tải lên lại.")
        return f"Không nhập được tệp “{original}”: {detail}"
    part = re.search(r"its part (\S+) .*\(DONDOC_IMPORT_MAX_PART_(?:MB|ELEMENTS)\)", detail)
    if part is not None:  # a zip bomb, or a file damaged into one
        return (f"Không đọc được tệp “{original}”: phần {part.group(1)} của tệp khi giải nén vượt quá giới hạn "
                "của một kế hoạch; tệp bị hỏng hoặc không phải là kế hoạch.")
    memory = re.search(r"needs more than (\d+) MB of memory", detail)
    if memory is not None:
        return (f"Không đọc được tệp “{original}”: đọc tệp cần hơn {memory.group(1)} MB bộ nhớ, quá giới hạn "
                "của máy chủ; tệp bị hỏng hoặc quá lớn.")
    if "no task table" in detail:
        return (f"Tệp “{original}” không phải là một kế hoạch: không tìm thấy bảng nhiệm vụ (bảng có cột "
                "Nội dung hoặc Nhiệm vụ và cột Cơ quan chủ trì) và lời văn không giao nhiệm vụ cho cơ quan nào.")
    reasons = {
        "not UTF-8": "tệp văn bản không ở mã UTF-8; hãy lưu lại với mã UTF-8",
        "binary data": "nội dung là dữ liệu nhị phân, không phải văn bản",
        "the file is empty": "tệp không có nội dung",
        "not a valid Word": "tệp Word (.docx) bị hỏng hoặc không đúng định dạng",
        "not a valid Excel": "tệp Excel (.xlsx) bị hỏng hoặc không đúng định dạng",
    }
    reason = next((vi for en, vi in reasons.items() if en in detail), None)
    if reason is not None:
        return f"Không đọc được tệp “{original}”: {reason}."
    return f"Không đọc được tệp “{original}”: {detail}"
