"""The agency's period-report form: fields read and checked, each problem one Vietnamese sentence."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from models.core.report_tables import Indicator
from models.core.tables import Task
from models.progress.evidence import ALLOWED, ALLOWED_LABEL, clean_filename, too_large_message
from web.forms import MAX_NOTE, FormError
from web.routes.reports.views import SentReport

NARRATIVE = "nar-"  # + task id
INDICATOR = "ind-"  # + indicator id

# models.reports.submissions.SubmissionError (English, one line) -> what the agency reads
SUBMISSION_MESSAGES = (
    ("the plan has no period report due", "Kế hoạch không còn kỳ báo cáo này (kỳ báo cáo đã bị hủy)."),
    ("the agency has no report to submit", "Cơ quan của quý vị không có nghĩa vụ gửi báo cáo kỳ này."),
    ("no active task", "Có nhiệm vụ trong báo cáo không còn trong kế hoạch; vui lòng tải lại trang."),
    ("the agency has no assignment on task", "Có nhiệm vụ trong báo cáo không thuộc cơ quan của quý vị."),
    ("unknown indicator", "Có chỉ tiêu không còn trong kế hoạch; vui lòng tải lại trang."),
)


def submission_message(error: Exception) -> str:
    text = str(error)
    for start, message in SUBMISSION_MESSAGES:
        if text.startswith(start):
            return message
    return "Không ghi nhận được báo cáo; vui lòng kiểm tra lại nội dung và gửi lại."


@dataclass(frozen=True)
class ReportInput:
    narratives: dict[str, str]  # task ref -> text
    indicator_values: dict[str, float]  # indicator key -> value
    summary: str | None
    file: tuple[str, bytes] | None


def _text(raw: str | None, what: str) -> str | None:
    text = (raw or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise FormError(f"{what} quá dài (tối đa {MAX_NOTE} ký tự).")
    return text


def _number(raw: str, indicator: Indicator) -> float:
    text = raw.strip().replace(" ", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FormError(f"Chỉ tiêu “{indicator.name}”: giá trị “{raw.strip()[:30]}” không phải là một số "
                        f"(ví dụ: 110 hoặc 12,5).")
    return value


def check_file(name: str, data: bytes, max_bytes: int) -> tuple[str, bytes]:
    """The evidence policy: PDF, DOCX, XLSX, JPG or PNG, not empty, within the limit, content as named."""
    clean = clean_filename(name)
    ext = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    if ext not in ALLOWED:
        raise FormError(f"Không chấp nhận tệp “.{ext or '?'}”: chỉ nhận {ALLOWED_LABEL}.")
    if len(data) > max_bytes:
        raise FormError(too_large_message(max_bytes))
    if not data:
        raise FormError("Tệp rỗng, vui lòng chọn lại.")
    if not any(data.startswith(m) for m in ALLOWED[ext][1]):
        raise FormError(f"Nội dung tệp không đúng định dạng .{ext}.")
    return clean, data


def parse_report(form: Mapping[str, str], *, tasks: list[Task], indicators: list[Indicator],
                 file: tuple[str, bytes] | None, max_bytes: int) -> ReportInput:
    """The submission the form describes; FormError for the first problem found."""
    narratives: dict[str, str] = {}
    for task in tasks:
        text = _text(form.get(f"{NARRATIVE}{task.id}"), f"Nội dung báo cáo nhiệm vụ {task.ref}")
        if text is not None:
            narratives[task.ref] = text
    values: dict[str, float] = {}
    for indicator in indicators:
        raw = form.get(f"{INDICATOR}{indicator.id}", "")
        if raw.strip():
            values[indicator.key] = _number(raw, indicator)
    summary = _text(form.get("summary"), "Nội dung tóm tắt")
    checked = check_file(*file, max_bytes) if file is not None else None
    if not (narratives or values or summary or checked):
        raise FormError("Báo cáo chưa có nội dung: vui lòng nhập kết quả thực hiện, số liệu chỉ tiêu, "
                        "nội dung tóm tắt hoặc đính kèm tệp báo cáo.")
    return ReportInput(narratives, values, summary, checked)


def number_text(value: float) -> str:
    """A value as the agency types it: 110, 12,5 (a decimal comma)."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value).replace(".", ",")


def form_values(sent: SentReport, *, tasks: list[Task], indicators: list[Indicator]) -> dict[str, str]:
    """The form's fields filled with what the agency has sent for the period (the latest of each)."""
    values = {f"{NARRATIVE}{t.id}": sent.narratives[t.ref] for t in tasks if t.ref in sent.narratives}
    values.update({f"{INDICATOR}{i.id}": number_text(sent.indicator_values[i.key])
                   for i in indicators if i.key in sent.indicator_values})
    if sent.summary:
        values["summary"] = sent.summary
    return values


def what_changed(data: ReportInput, sent: SentReport) -> ReportInput:
    """The part of ``data`` that adds to what was sent: the form shows the report already sent,
    and sending it again unchanged must not record every narrative and value a second time."""
    def same_text(a: str, b: str | None) -> bool:
        return b is not None and " ".join(a.split()) == " ".join(b.split())

    narratives = {ref: text for ref, text in data.narratives.items() if not same_text(text, sent.narratives.get(ref))}
    values = {key: v for key, v in data.indicator_values.items() if sent.indicator_values.get(key) != v}
    summary = None if data.summary is None or same_text(data.summary, sent.summary) else data.summary
    if not (narratives or values or summary or data.file):
        raise FormError("Báo cáo không có gì mới so với báo cáo đã gửi: sửa hoặc bổ sung nội dung, số liệu, "
                        "hoặc đính kèm tệp rồi gửi lại.")
    return ReportInput(narratives, values, summary, data.file)
