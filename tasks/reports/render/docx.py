"""The report as a Word document in the administrative format of Nghị định 30/2020/NĐ-CP.

    Path("bao-cao.docx").write_bytes(render_docx(data))

Layout: A4, margins 2 cm top and bottom, 3 cm left, 1.5 cm right; Times New Roman 14 pt body
(tables 11-12 pt); a borderless header table with the issuing body (superior body, then the
issuing body in bold over a short rule) and "Số: .../BC-..." on the left, the national motto
over a rule and the place-and-date line on the right; the title "BÁO CÁO" and its subject in
bold; sections I-III; "Nơi nhận:" on the left and the signature block on the right; page numbers
from page 2. Both charts are embedded as PNG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from tasks.reports.content import Bullets, ChartBlock, Paragraph, ReportContent, ReportData, TableBlock, build_content
from tasks.reports.render.docx_parts import (
    FONT,
    add_para,
    add_rule,
    fixed_widths,
    no_borders,
    page_numbers,
    row_cells,
    row_flag,
    set_font,
    shade,
    text_width,
)

__all__ = ["FONT", "render_docx"]

PAGE_W, LEFT, RIGHT = 21.0, 3.0, 1.5
TEXT_W = PAGE_W - LEFT - RIGHT  # 16.5 cm
_TABLE_STYLES = {11: "Bảng 11", 12: "Bảng 12"}
HEAD_LEFT_W, HEAD_RIGHT_W = 6.2, TEXT_W - 6.2


def _header(doc: DocxDocument, content: ReportContent) -> None:
    table = doc.add_table(rows=2, cols=2)
    no_borders(table)
    fixed_widths(table, [HEAD_LEFT_W, HEAD_RIGHT_W])
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    lines = list(content.issuing_body)
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        add_para(left, line, size=13, bold=last, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
        if last:
            add_rule(left, HEAD_LEFT_W, max(1.5, min(text_width(line, 13, True), HEAD_LEFT_W) * 0.4))
    motto, slogan = content.motto
    add_para(right, motto, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    add_para(right, slogan, size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    add_rule(right, HEAD_RIGHT_W, text_width(slogan, 13, True) * 0.95)
    number, place = table.cell(1, 0), table.cell(1, 1)
    number.paragraphs[0].paragraph_format.space_before = Pt(6)
    number.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(number.paragraphs[0].add_run(content.number_line), 13)
    place.paragraphs[0].paragraph_format.space_before = Pt(6)
    place.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(place.paragraphs[0].add_run(content.place_date), 14, italic=True)


def _cell_text(
    cell: _Cell, text: str, style_id: str, *, bold: bool = False, italic: bool = False, center: bool = False
) -> None:
    p = cell.paragraphs[0]
    p._p.style = style_id  # by id: python-docx's p.style = ... looks the default style up every time
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    if bold:
        run.bold = True
    if italic:
        run.italic = True


def _table(doc: DocxDocument, block: TableBlock) -> None:
    style = doc.styles[_TABLE_STYLES[11 if len(block.columns) > 6 else 12]].style_id
    n = len(block.columns)
    table = doc.add_table(rows=1 + len(block.rows), cols=n)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    weights = list(block.widths) or [1.0] * n
    scale = TEXT_W / sum(weights)
    fixed_widths(table, [w * scale for w in weights])
    rows = table._tbl.tr_lst
    for tr in rows:
        row_flag(tr, "cantSplit")
    row_flag(rows[0], "tblHeader")
    for cell, title in zip(row_cells(table, rows[0]), block.columns, strict=True):
        _cell_text(cell, title, style, bold=True, center=True)
        shade(cell, "E7E6E6")
    for r, (tr, values) in enumerate(zip(rows[1:], block.rows, strict=True)):
        cells = row_cells(table, tr)
        if r in block.group_rows:
            _cell_text(cells[0].merge(cells[-1]), values[0], style, bold=True, italic=True)
            continue
        total = block.total_last and r == len(block.rows) - 1
        for col, (cell, value) in enumerate(zip(cells, values, strict=True)):
            _cell_text(cell, value, style, bold=total, center=col in block.numeric)
    add_para(doc, "", size=6, after=0)


def _chart(doc: DocxDocument, block: ChartBlock, charts: Mapping[str, bytes]) -> None:
    png = charts.get(block.kind)
    if not png:
        return
    doc.add_picture(io.BytesIO(png), width=Cm(15.5))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    add_para(doc, block.caption, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)


def _closing(doc: DocxDocument, content: ReportContent) -> None:
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    fixed_widths(table, [8.5, TEXT_W - 8.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    p = left.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    set_font(p.add_run("Nơi nhận:"), 12, bold=True, italic=True)
    for i, line in enumerate(content.recipients):
        end = "." if i == len(content.recipients) - 1 else ";"
        add_para(left, f"- {line.rstrip(' ;.')}{end}", size=11, after=0)
    first = right.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.paragraph_format.space_after = Pt(0)
    signer = list(content.signer) or [""]
    set_font(first.add_run(signer[0]), 14, bold=True)
    for line in signer[1:]:
        add_para(right, line, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    for _ in range(4):
        add_para(right, "", size=14, after=0)
    add_para(right, content.signer_name, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)


def _setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_W), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(LEFT), Cm(RIGHT)
    normal = doc.styles["Normal"]
    set_font(normal, 14)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    for size, name in _TABLE_STYLES.items():  # table text: one style instead of formatting every run
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        set_font(style, size)
        style.paragraph_format.space_before = Pt(1)
        style.paragraph_format.space_after = Pt(1)


def render_docx(data: ReportData, *, charts: Mapping[str, bytes] | None = None) -> bytes:
    """The report as .docx bytes; ``charts`` ({"by_agency": png, ...}) is drawn when not given."""
    content = build_content(data)
    if charts is None:
        from tasks.reports.render.charts import by_agency_png, over_period_png

        charts = {"by_agency": by_agency_png(data.figures)}
        if data.figures.series:
            charts["over_period"] = over_period_png(data.figures)
    doc = Document()
    _setup(doc)
    doc.core_properties.title = f"{content.title} {content.subtitle}"
    doc.core_properties.author = " ".join(content.issuing_body)
    _header(doc, content)
    add_para(doc, content.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    add_para(doc, content.subtitle, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    add_rule(doc, TEXT_W, 3.0)
    add_para(doc, "", size=6, after=6)
    add_para(doc, content.intro, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1.0)
    for section in content.sections:
        add_para(doc, section.title, bold=True, indent=1.0, before=6).paragraph_format.keep_with_next = True
        for block in section.blocks:
            if isinstance(block, Paragraph):
                heading = block.style.startswith("heading")
                p = add_para(
                    doc,
                    block.text,
                    bold=heading,
                    italic=block.style in ("heading3", "note"),
                    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                    indent=1.0,
                )
                p.paragraph_format.keep_with_next = heading or block.text.endswith(":")
            elif isinstance(block, Bullets):
                for item in block.items:
                    add_para(doc, f"- {item}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=1.0)
            elif isinstance(block, TableBlock):
                _table(doc, block)
            elif isinstance(block, ChartBlock):
                _chart(doc, block, charts)
    _closing(doc, content)
    page_numbers(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
