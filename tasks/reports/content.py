"""What a report says, once, for every renderer: ReportData in, header lines and blocks out.

    data = ReportData(plan_code="552/KH-BCĐ", ..., figures=figures, facts=facts, indicators=rows)
    content = build_content(data)   # Paragraph, Bullets, TableBlock, ChartBlock per section

tasks.reports.render.docx and tasks.reports.render.html draw the same ``ReportContent``, so the Word document
and the web page cannot drift apart; tasks.reports.render.xlsx lists ``data.facts``. Everything here is
plain text (no markup): each renderer escapes it its own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tasks.common.dates import fmt_date
from tasks.escalation.status import STATUS_LABELS, Status
from tasks.indicators.targets import IndicatorProgress, fmt_number
from tasks.reports.figures import AgencyFigures, AssignmentFact, Period, ReportFigures

__all__ = [
    "Bullets",
    "ChartBlock",
    "NarrativeExcerpt",
    "Paragraph",
    "ReportContent",
    "ReportData",
    "Section",
    "TableBlock",
    "build_content",
    "fmt_date",
    "fmt_rate",
    "office_signer",
    "place_date_line",
]

EXCERPT_CHARS = 400


def fmt_rate(rate: float | None) -> str:
    """0.6667 -> '66,7%', None -> '-'."""
    return "-" if rate is None else fmt_number(round(rate * 100, 1)) + "%"


def place_date_line(place: str, d: date) -> str:
    """'Bắc Giang, ngày 16 tháng 6 năm 2020': Nghị định 30/2020/NĐ-CP writes a 0 before days
    below 10 and before months 1 and 2 only."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


@dataclass(frozen=True)
class NarrativeExcerpt:
    agency_name: str
    task_ref: str | None  # None: the agency's report as a whole
    text: str
    reported_on: date


@dataclass(frozen=True)
class ReportData:
    plan_code: str  # "552/KH-BCĐ"
    plan_title: str | None
    plan_issuer: str | None  # "Ban Chỉ đạo tỉnh Bắc Giang"
    plan_issued_on: date | None
    province_name: str  # "Bắc Giang": the place of the date line
    period: Period
    as_of: date  # the cut-off: the figures are as of the end of this day
    report_date: date  # the date line
    figures: ReportFigures
    facts: Sequence[AssignmentFact] = ()  # every assignment on as_of (the XLSX)
    indicators: Sequence[IndicatorProgress] = ()
    narratives: Sequence[NarrativeExcerpt] = ()
    missing_reports: Sequence[str] = ()  # agencies that did not submit their period report
    recipients: Sequence[str] = ()  # "Nơi nhận" lines, without the leading dash
    proposals: Sequence[str] = ()  # the office's own proposals, before the generated ones
    issuing_body: tuple[str, ...] = ()  # header lines, upper case; derived from the issuer when empty
    signer_authority: str | None = None  # "TM. BAN CHỈ ĐẠO"; derived when None
    signer_title: str | None = None  # "TRƯỞNG BAN"
    signer_name: str | None = None
    overdue_limit: int | None = 200  # rows of the overdue table in the DOCX/HTML (the XLSX lists all)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # "body" | "note" (italic, smaller) | "heading2" | "heading3"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()  # columns aligned right/centre
    widths: tuple[float, ...] = ()  # relative widths
    total_last: bool = False  # the last row is a total (bold)
    group_rows: tuple[int, ...] = ()  # rows that are group titles spanning the table


@dataclass(frozen=True)
class ChartBlock:
    kind: str  # "by_agency" | "over_period"
    caption: str


Block = Paragraph | Bullets | TableBlock | ChartBlock


@dataclass(frozen=True)
class Section:
    title: str  # "I. KẾT QUẢ THỰC HIỆN"
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportContent:
    issuing_body: tuple[str, ...]  # left of the header: superior body, then the issuing body (bold)
    number_line: str  # "Số: .../BC-BCĐ"
    motto: tuple[str, str]
    place_date: str
    title: str  # "BÁO CÁO"
    subtitle: str  # "Kết quả thực hiện Kế hoạch số ... 6 tháng đầu năm 2020"
    intro: str
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]
    signer: tuple[str, ...]  # authority, title (upper case), then blank space and the name
    signer_name: str


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


def issuing_body(issuer: str | None, province: str) -> tuple[str, ...]:
    """'Ban Chỉ đạo tỉnh Bắc Giang' -> ('UBND TỈNH BẮC GIANG', 'BAN CHỈ ĐẠO');
    'UBND tỉnh Bến Tre' -> ('ỦY BAN NHÂN DÂN', 'TỈNH BẾN TRE')."""
    text = (issuer or "").strip()
    lowered = text.lower()
    province_up = province.upper()
    if not text or lowered.startswith(("ubnd", "ủy ban nhân dân", "uỷ ban nhân dân")):
        return ("ỦY BAN NHÂN DÂN", f"TỈNH {province_up}")
    body = text.upper().replace(f" TỈNH {province_up}", "").strip()
    return (f"UBND TỈNH {province_up}", body)


def _signer(issuer: str | None) -> tuple[str, str]:
    lowered = (issuer or "").lower()
    if lowered.startswith("ban chỉ đạo"):
        return "TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN"
    if lowered.startswith("sở"):
        return "", "GIÁM ĐỐC"
    return "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"


def number_line(plan_code: str) -> str:
    """'552/KH-BCĐ' -> 'Số: .../BC-BCĐ' (the number is the clerk's to write)."""
    suffix = plan_code.split("/", 1)[1] if "/" in plan_code else ""
    parts = suffix.split("-", 1)
    body = parts[1] if len(parts) == 2 else (suffix or "UBND")
    return f"Số: .../BC-{body}"


def subtitle(data: ReportData) -> str:
    text = f"Kết quả thực hiện Kế hoạch số {data.plan_code}"
    if data.plan_issued_on:
        text += f" ngày {fmt_date(data.plan_issued_on)}"
    if data.plan_issuer:
        text += f" của {data.plan_issuer}"
    return f"{text} {data.period.label_vi}"


def office_signer(title: str, name: str) -> dict[str, str | None]:
    """The signer of the công văn đôn đốc (DONDOC_SIGNER_TITLE, DONDOC_SIGNER_NAME: the office
    edits them) as a report's signature block fields: with two lines or more ("KT. CHÁNH VĂN
    PHÒNG|PHÓ CHÁNH VĂN PHÒNG") the first is the authority line, the others the title; an empty
    title leaves the block derived from the plan's issuer. Passed to ``ReportData``."""
    from tasks.escalation.letter import signer_lines

    lines = signer_lines(title)
    fields: dict[str, str | None] = {"signer_name": " ".join(name.split()) or None}
    if lines:
        fields["signer_authority"] = lines[0] if len(lines) > 1 else ""
        fields["signer_title"] = " ".join(lines[1:]) if len(lines) > 1 else lines[0]
    return fields


def build_content(data: ReportData) -> ReportContent:
    from tasks.reports.sections import sections

    body = data.issuing_body or issuing_body(data.plan_issuer, data.province_name)
    authority, title = (
        (data.signer_authority or "", data.signer_title or "") if data.signer_title else _signer(data.plan_issuer)
    )
    what = f"Kế hoạch số {data.plan_code}"
    if data.plan_title and not _is_upper(data.plan_title):
        what += f" về {data.plan_title[:1].lower()}{data.plan_title[1:]}"
    intro = (
        f"Thực hiện {what}, trên cơ sở dữ liệu theo dõi, đôn đốc nhiệm vụ và báo cáo của các cơ quan, "
        f"đơn vị, xin báo cáo kết quả thực hiện {data.period.label_vi} (số liệu tính đến ngày "
        f"{fmt_date(data.as_of)}) như sau:"
    )
    recipients = tuple(data.recipients) or ("Như trên",)
    if not any(r.lower().startswith("lưu") for r in recipients):
        recipients = (*recipients, "Lưu: VT")
    return ReportContent(
        issuing_body=tuple(body),
        number_line=number_line(data.plan_code),
        motto=("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
        place_date=place_date_line(data.province_name, data.report_date),
        title="BÁO CÁO",
        subtitle=subtitle(data),
        intro=intro,
        sections=sections(data),
        recipients=recipients,
        signer=tuple(line for line in (authority, title) if line),
        signer_name=data.signer_name or "",
    )


def agency_row(index: str, row: AgencyFigures) -> tuple[str, ...]:
    return (
        index,
        row.agency_name,
        str(row.assigned),
        str(row.done_on_time),
        str(row.done_late),
        str(row.in_term),
        str(row.overdue),
        fmt_rate(row.on_time_rate),
    )


def status_label(status: Status) -> str:
    label = STATUS_LABELS[status]
    return label[:1].upper() + label[1:]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + " …"
