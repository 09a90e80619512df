"""What the import preview page shows, built from the dry run's parsed plan (pure, no database),
and the Vietnamese message for a file that cannot become a plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from models.duties.store import DutySummary
from models.importing.store import ImportSummary
from models.importing.tracking import Forecast
from tasks.importing.columns import layout_header
from tasks.importing.corrections import CORRECTED, HeadFix, RowFix, head_fields, row_fields
from tasks.importing.layouts import ColumnMapping
from tasks.importing.parse import ParsedPlan, ParsedTask, PlanImportError
from tasks.importing.readers import PlanDocument, PlanFileError

FIRST_ROWS = 15  # rows of the task table shown: enough to recognise the appendix
MAX_FLAGGED = 300  # rows to review shown with their correction fields (the rest: counted, and listed by ref)

# the review reasons of `dondoc import --json` (tasks.importing.parse), as the office reads them
REASONS = {
    "read by OCR": "đọc từ bản quét bằng nhận dạng ký tự (OCR): kiểm tra chữ, số và ngày",
    "column mapped by hand": "đọc theo cột Văn phòng chọn, không theo tiêu đề bảng",
    "date proposed, not read": "thời hạn do hệ thống đề xuất, văn bản không ghi ngày cụ thể",
    "start date only, no deadline": "văn bản chỉ ghi thời điểm bắt đầu, không có thời hạn",
    "agency not resolved": "có tên cơ quan không có trong danh mục",
    "deadline not read": "không đọc được thời hạn: nhiệm vụ sẽ không được nhắc việc cho đến khi có ngày",
    "deadline note": "thời hạn kèm ghi chú",
    CORRECTED: "đã được Văn phòng đính chính",
}
# the roles a column can be given in the preview, as `dondoc import --columns` names them
COLUMN_ROLES = {"": "(bỏ qua)", "task": "Nội dung nhiệm vụ", "lead": "Cơ quan chủ trì",
                "coordinating": "Cơ quan phối hợp", "due": "Thời hạn", "code": "Mã nhiệm vụ",
                "number": "Số thứ tự (TT)"}


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
    reasons: list[str] = field(default_factory=list)  # why to look at it (Vietnamese); empty when sure
    code: str | None = None  # the task's code ("Mã nhiệm vụ"), when the table has one


@dataclass(frozen=True)
class ReviewRow:
    """A task to look at before confirming, with the fields that correct it."""

    ref: str
    row: str  # where it is in the file
    reasons: list[str]
    fields: RowFix  # what the fields hold (as typed, after an error)
    errors: dict[str, str]


@dataclass(frozen=True)
class ColumnTable:
    """The task table's header, a select per column: what the office maps (1-based columns)."""

    number: int  # the table's number in the file (1-based)
    cells: list[str]
    chosen: dict[int, str]  # column -> role


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
    province_slug: str = ""
    review: list[ReviewRow] = field(default_factory=list)
    review_total: int = 0  # rows to review, those past MAX_FLAGGED included
    head: HeadFix | None = None
    head_errors: dict[str, str] = field(default_factory=dict)
    forecast: Forecast | None = None
    columns: ColumnTable | None = None
    columns_spec: str | None = None

    @property
    def unchanged(self) -> bool:
        """A plan already stored that this file would not change."""
        return self.changes is not None and not self.changes.changed and not duties_changed(self.duty_changes)


def duties_changed(duties: DutySummary | None) -> bool:
    return duties is not None and bool(duties.proposed or duties.refreshed or duties.withdrawn)


def reasons_of(task: ParsedTask) -> list[str]:
    """The task's review reasons in Vietnamese, with what makes each concrete (the names not
    found, the note beside the date)."""
    out: list[str] = []
    for reason in task.review:
        text = REASONS.get(reason, reason)
        if reason == "agency not resolved" and task.unresolved:
            text += ": " + ", ".join(f"“{name}”" for name in task.unresolved)
        elif reason in ("deadline note", "date proposed, not read") and task.deadline.note:
            text += f" (“{task.deadline.note}”)"
        elif reason == "deadline not read" and task.row.deadline_text:
            text += f" (văn bản ghi “{task.row.deadline_text}”)"
        out.append(text)
    return out


def column_table(doc: PlanDocument, mapping: ColumnMapping | None) -> ColumnTable | None:
    """The widest table with a header row, to choose its columns (None: the file has no table)."""
    headed = [(table, row) for table in doc.tables if (row := layout_header(table.rows)) is not None]
    if not headed:
        return None
    table, row = max(headed, key=lambda item: len(item[0].rows[item[1]]))
    cells = [" ".join(cell.split())[:60] for cell in table.rows[row]]
    chosen = {}
    if mapping is not None:
        chosen = {getattr(mapping, role): role for role in COLUMN_ROLES if role and getattr(mapping, role) is not None}
    return ColumnTable(number=table.index + 1, cells=cells, chosen=chosen)


def build_preview(parsed: ParsedPlan, changes: ImportSummary | None, duty_changes: DutySummary | None, *,
                  filename: str, typed: dict[str, RowFix] | None = None,
                  errors: dict[str, dict[str, str]] | None = None,
                  head: HeadFix | None = None, forecast: Forecast | None = None, columns: ColumnTable | None = None,
                  columns_spec: str | None = None) -> Preview:
    """``typed``/``errors``: what the office typed and what of it did not read (after a refused
    confirmation), shown again in the fields."""
    meta = parsed.meta
    typed, errors = typed or {}, errors or {}
    rows = [
        PreviewRow(ref=t.ref, content=t.row.content, lead=[a.name for a in t.lead], lead_text=t.row.lead_text,
                   coordinating=[a.name for a in t.coordinating], coordinating_text=t.row.coordinating_text,
                   due_date=t.due_date, deadline_text=t.row.deadline_text, deadline_kind=t.deadline.kind,
                   reasons=reasons_of(t), code=t.row.code)
        for t in parsed.tasks[:FIRST_ROWS]
    ]
    # every row dondoc is unsure of, and every row the office touched (an error on it included)
    flagged = [t for t in parsed.tasks if t.review or t.ref in typed]
    review = [
        ReviewRow(ref=t.ref, row=t.row.row_label, reasons=reasons_of(t), fields=typed.get(t.ref) or row_fields(t),
                  errors=errors.get(t.ref, {}))
        for t in flagged[:MAX_FLAGGED]
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
        rows=rows, province_slug=parsed.province.slug, review=review, review_total=len(flagged),
        head=head or head_fields(parsed), head_errors=errors.get("head", {}), forecast=forecast, columns=columns,
        columns_spec=columns_spec,
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
    widest = re.search(r"--columns \S+: no table has (\d+) columns .*the widest has (\d+)", detail)
    if widest is not None:  # the office's columns reach past every table of the file
        return (f"Các cột đã chọn không khớp bảng nào của tệp “{original}”: cần bảng có ít nhất {widest.group(1)} cột, "
                f"bảng rộng nhất có {widest.group(2)} cột; hãy chọn lại.")
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
