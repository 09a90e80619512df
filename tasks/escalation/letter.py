"""The công văn đôn đốc: the formal reminder letter to an agency, as a Word document in the
format of Nghị định 30/2020/NĐ-CP (pure rendering: the data comes from models/escalation/letters.py).

    Path("cong-van.docx").write_bytes(render_cong_van(data))

Layout, with the official report's pieces (tasks/reports/render/docx.py): A4, Times New Roman,
the header table (cơ quan chủ quản, then the issuing office in bold over a short rule, and
"Số: .../VPĐP" with the trích yếu "V/v đôn đốc thực hiện nhiệm vụ quá hạn" under it on the left;
quốc hiệu and tiêu ngữ over a rule, and "Bắc Giang, ngày 05 tháng 3 năm 2020" on the right),
"Kính gửi:", the body with the agency's overdue tasks in a table, "Nơi nhận:" on the left and
the signature block (the signer's title, space to sign, the name) on the right.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tasks.common.dates import fmt_date
from tasks.common.text import slugify
from tasks.escalation.situation import SituationItem
from tasks.escalation.wording import report_phrase
from tasks.reports.content import ReportContent, TableBlock, place_date_line
from tasks.reports.render.docx import _closing, _header, _setup, _table
from tasks.reports.render.docx_parts import add_para, page_numbers

__all__ = [
    "DOCX_TYPE",
    "SUBJECT",
    "CongVan",
    "content_of",
    "draw_cong_van",
    "file_name",
    "issuer_lines",
    "office_symbol",
    "render_cong_van",
    "signer_lines",
]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUBJECT = "V/v đôn đốc thực hiện nhiệm vụ quá hạn"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
CONTENT_CHARS = 400  # of a task's text in the table


@dataclass(frozen=True)
class CongVan:
    """What one công văn says."""

    province_name: str  # "Bắc Giang": the place of the date line
    office_name: str  # "Văn phòng Điều phối nông thôn mới tỉnh Bắc Giang": who asks, in the body
    issuing_body: tuple[str, str]  # ("UBND TỈNH BẮC GIANG", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
    symbol: str  # "VPĐP": the office's ký hiệu after the number the clerk writes
    issued_on: date
    agency_name: str  # Kính gửi
    items: tuple[SituationItem, ...]  # the agency's overdue lead assignments
    level: int  # the đôn đốc level: from 2 the head is told, from 3 the leadership
    signer_title: tuple[str, ...]  # ("CHÁNH VĂN PHÒNG",) or ("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")
    signer_name: str = ""


def issuer_lines(office_name: str, province_name: str) -> tuple[str, str]:
    """The header's two lines: the superior body and the office, upper case, the office without
    its trailing "tỉnh" (the province is in the line above): ("UBND TỈNH BẮC GIANG",
    "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")."""
    words = office_name.split()
    province = province_name.split()
    if province and words[-len(province):] == province:
        words = words[:-len(province)]
    if words and words[-1].lower() == "tỉnh":
        words = words[:-1]
    return f"UBND TỈNH {province_name.upper()}", " ".join(words).upper()


def office_symbol(aliases: Sequence[str], name: str) -> str:
    """The office's ký hiệu: its first alias written as one upper-case word ("VPĐP"), else the
    initials of its name without "tỉnh"."""
    for alias in aliases:
        if alias and " " not in alias.strip() and alias.strip() == alias.strip().upper():
            return alias.strip()
    words = [w for w in name.split() if w.lower() != "tỉnh"]
    return "".join(w[0] for w in words).upper() or "VP"


def signer_lines(title: str) -> tuple[str, ...]:
    """DONDOC_SIGNER_TITLE as the signature block's lines ("|" starts a new one)."""
    return tuple(line.strip().upper() for line in title.split("|") if line.strip())


def file_name(agency_name: str, issued_on: date) -> str:
    """``cong-van-don-doc-so-tai-chinh-2020-03-05.docx``."""
    return f"cong-van-don-doc-{slugify(agency_name)}-{issued_on.isoformat()}.docx"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CONTENT_CHARS else flat[: CONTENT_CHARS - 1].rstrip() + "…"


def _rows(items: Sequence[SituationItem], as_of: date) -> tuple[tuple[str, ...], ...]:
    rows = []
    for n, i in enumerate(items, start=1):
        report = i.report
        state = (report.phrase if report else report_phrase(reported_on=None, status=None, percent=None))
        if report and report.note:
            state += f": {_excerpt(report.note)[:200]}"
        label = "báo cáo định kỳ" if i.report_duty else "nhiệm vụ"
        rows.append((str(n), f"Kế hoạch số {i.plan_code}, {label} {i.ref}: {_excerpt(i.content)}",
                     fmt_date(i.due_date) if i.due_date else "", str((as_of - i.due_date).days) if i.due_date else "",
                     state))
    return tuple(rows)


def _plans(items: Sequence[SituationItem]) -> str:
    codes = list(dict.fromkeys(i.plan_code for i in items))
    return ("Kế hoạch số " if len(codes) == 1 else "các Kế hoạch số ") + ", ".join(codes)


def content_of(data: CongVan) -> ReportContent:
    """The header and closing as the official report's renderer draws them."""
    recipients = ["Như trên"]
    if data.level >= 2:
        recipients.append(f"Thủ trưởng {data.agency_name} (để chỉ đạo)")
    if data.level >= 3:
        recipients.append("Lãnh đạo UBND tỉnh (để báo cáo)")
    recipients.append("Lưu: VT")
    return ReportContent(
        issuing_body=data.issuing_body, number_line=f"Số: .../{data.symbol}", motto=MOTTO,
        place_date=place_date_line(data.province_name, data.issued_on), title="", subtitle="", intro="",
        sections=(), recipients=tuple(recipients), signer=tuple(line.upper() for line in data.signer_title if line),
        signer_name=data.signer_name,
    )


def draw_cong_van(data: CongVan) -> bytes:
    """The công văn as .docx bytes, drawn with python-docx (the reference of ``render_cong_van``)."""
    return _draw(data, agency=data.agency_name, plans=_plans(data.items), count=str(len(data.items)),
                 rows=_rows(data.items, data.issued_on))


def _draw(data: CongVan, *, agency: str, plans: str, count: str, rows: Sequence[Sequence[str]]) -> bytes:
    content = content_of(replace(data, agency_name=agency))
    doc = Document()
    _setup(doc)
    doc.core_properties.title = f"{SUBJECT} – {agency}"
    doc.core_properties.author = data.office_name
    _header(doc, content)
    # the trích yếu goes under the number, on the left (Nghị định 30/2020/NĐ-CP, Phụ lục I)
    add_para(doc.tables[0].cell(1, 0), SUBJECT, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, before=2, after=0)
    add_para(doc, f"Kính gửi: {agency}.", align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=12)
    add_para(doc, f"Qua theo dõi tình hình thực hiện {plans}, tính đến ngày {fmt_date(data.issued_on)}, "
                  f"{agency} còn {count} nhiệm vụ được giao chủ trì đã quá thời hạn nhưng chưa hoàn thành, "
                  "cụ thể như sau:", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1.0)
    _table(doc, TableBlock(columns=("TT", "Nhiệm vụ", "Thời hạn", "Quá hạn (ngày)", "Tình hình báo cáo"),
                           rows=tuple(tuple(r) for r in rows), numeric=(0, 2, 3), widths=(1.1, 6.2, 2.6, 1.8, 4.8)))
    add_para(doc, f"Để bảo đảm tiến độ thực hiện kế hoạch, {data.office_name} đề nghị {agency} khẩn trương "
                  "chỉ đạo hoàn thành các nhiệm vụ nêu trên và báo cáo kết quả thực hiện; trường hợp chưa hoàn thành, "
                  "đề nghị báo cáo rõ nguyên nhân, khó khăn, vướng mắc và đề xuất giải pháp, thời hạn hoàn thành.",
             align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1.0)
    if data.level >= 3:
        tail = ("Do các nhiệm vụ vẫn chưa hoàn thành sau các lần đôn đốc trước, văn bản này đồng thời được báo cáo "
                "lãnh đạo UBND tỉnh xem xét, chỉ đạo")
    elif data.level == 2:
        tail = ("Do các nhiệm vụ tiếp tục quá hạn sau lần đôn đốc trước, văn bản này đồng thời được gửi Thủ trưởng "
                "cơ quan để chỉ đạo thực hiện")
    else:
        tail = f"Rất mong nhận được sự phối hợp của {agency}"
    add_para(doc, f"{tail}./.", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1.0, after=12)
    _closing(doc, content)
    page_numbers(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- the press: the same document without python-docx per letter ---------------------------------
#
# A national sweep attaches thousands of công văn (4,040 on the national benchmark's day); drawing
# each with python-docx cost 25-100 ms (parsing its template, adding a few thousand elements,
# compressing every part), most of the sweep. Within one sweep every letter of an office and a
# level is the same document but for the agency, its tasks and their count: the press draws that
# document once with python-docx, with markers in place of those, and then makes each letter by
# replacing the markers in the XML text and appending document.xml and core.xml to the other
# parts, already compressed. A value the markers cannot stand for as python-docx would write it
# (a line break or tab, which python-docx turns into elements; edge spaces; characters XML cannot
# hold) sends that letter to python-docx itself.

_AGENCY, _PLANS, _COUNT = "QQDONDOCAGENCYQQ", "QQDONDOCPLANSQQ", "QQDONDOCCOUNTQQ"
_CELLS = tuple(f"QQDONDOCCELL{k}QQ" for k in range(5))
_PLAIN = re.compile(r"[^\x00-\x1f\ud800-\udfff\ufffe\uffff]*")
_DOCUMENT, _CORE = "word/document.xml", "docProps/core.xml"


@dataclass(frozen=True)
class _Press:
    others: bytes  # a zip of every part but document.xml and core.xml
    head: str  # document.xml up to the first task row
    row: str  # one task row with the cell markers
    tail: str  # document.xml after it
    core: str


@functools.lru_cache(maxsize=256)
def _press(key: CongVan) -> _Press:
    drawn = _draw(key, agency=_AGENCY, plans=_PLANS, count=_COUNT, rows=[_CELLS])
    parts: dict[str, bytes] = {}
    others = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(drawn)) as src, zipfile.ZipFile(others, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in (_DOCUMENT, _CORE):
                parts[info.filename] = src.read(info)
            elif not info.filename.startswith(_UNUSED):
                dst.writestr(info.filename, _without_unused(src.read(info)) if info.filename in _LISTS
                             else src.read(info))
    xml = parts[_DOCUMENT].decode("utf-8")
    at = xml.index(_CELLS[0])
    start = max(xml.rfind("<w:tr>", 0, at), xml.rfind("<w:tr ", 0, at))
    end = xml.index("</w:tr>", at) + len("</w:tr>")
    return _Press(others.getvalue(), xml[:start], xml[start:end], xml[end:], parts[_CORE].decode("utf-8"))


# parts of python-docx's default template that no letter uses and every letter carried (15 of its
# 39 KB): Word 2010's copy of the styles, the template's thumbnail, its bibliography store; they
# are dropped with their entries in the content types and relationships (all optional in OPC)
_UNUSED = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")
_LISTS = ("[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels")
_UNUSED_ENTRY = re.compile(
    rb'<(?:Override|Relationship)\b[^>]*(?:stylesWithEffects\.xml|thumbnail\.jpeg|customXml/)[^>]*/>')


def _without_unused(xml: bytes) -> bytes:
    return _UNUSED_ENTRY.sub(b"", xml)


def _pressable(value: str) -> bool:
    return value == value.strip() and _PLAIN.fullmatch(value) is not None


def render_cong_van(data: CongVan) -> bytes:
    """The công văn as .docx bytes: ``draw_cong_van``'s document, made by the press (above)."""
    plans, count, rows = _plans(data.items), str(len(data.items)), _rows(data.items, data.issued_on)
    values = [data.agency_name, plans, *(v for r in rows for v in r)]
    if not all(_pressable(v) for v in values) or len(data.agency_name) == 0:
        return draw_cong_van(data)
    press = _press(replace(data, agency_name="", items=()))
    agency, plan_text = escape(data.agency_name), escape(plans)

    def fill(text: str) -> str:
        return text.replace(_AGENCY, agency).replace(_PLANS, plan_text).replace(_COUNT, count)

    body = [fill(press.head)]
    for r in rows:
        row = press.row
        for marker, value in zip(_CELLS, r, strict=True):
            row = row.replace(marker, escape(value))
        body.append(row)
    body.append(fill(press.tail))
    out = io.BytesIO(press.others)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_DOCUMENT, "".join(body).encode("utf-8"))
        z.writestr(_CORE, fill(press.core).encode("utf-8"))
    return out.getvalue()
