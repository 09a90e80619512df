"""Low-level python-docx helpers for tasks.reports.render.docx: fonts, paragraphs, rules, fixed-width tables.

python-docx's own accessors rescan a whole table for each cell (``table.cell(r, c)``,
``row.cells``); the helpers here work on the row XML directly, so a table of 500 agencies stays
linear.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

__all__ = [
    "FONT",
    "add_para",
    "add_rule",
    "fixed_widths",
    "no_borders",
    "page_numbers",
    "row_cells",
    "row_flag",
    "set_font",
    "shade",
    "text_width",
]

FONT = "Times New Roman"
_PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def set_font(
    run_or_style: object, size: float | None = None, *, bold: bool | None = None, italic: bool | None = None
) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def add_para(
    container: DocxDocument | _Cell,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: float | None = None,
    before: float = 0,
    after: float = 6,
) -> DocxParagraph:
    p = container.add_paragraph()
    if text:
        set_font(p.add_run(text), size, bold=bold, italic=italic)
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if align is not None:
        p.alignment = align
    if indent is not None:
        fmt.first_line_indent = Cm(indent)
    return p


def add_rule(container: DocxDocument | _Cell, width: float, line_width: float) -> None:
    """An empty 2 pt paragraph whose bottom border, bounded by indents, draws a centred rule."""
    p = add_para(container, "", after=0)
    p.paragraph_format.line_spacing = Pt(2)
    side = max(0.0, (width - 0.4 - line_width) / 2)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.insert_element_before(border, *_PPR_AFTER_BORDER)


def text_width(text: str, size: float, bold: bool) -> float:
    """Rough width in cm of a line of Times New Roman (average glyph ~0.5 em, bold ~0.55)."""
    return len(text) * size * (0.55 if bold else 0.5) / 72 * 2.54


def no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def row_cells(table: Table, tr: object) -> list[_Cell]:
    """A row's cells straight from its XML: python-docx's table.cell() rescans the whole table."""
    return [_Cell(tc, table) for tc in tr.tc_lst]  # type: ignore[attr-defined]


def fixed_widths(table: Table, widths_cm: list[float]) -> None:
    """Fixed column widths: Word reads the cells' tcW, LibreOffice the grid's gridCol."""
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        col.w = Cm(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for tr in table._tbl.tr_lst:
        for cell, width in zip(row_cells(table, tr), widths_cm, strict=True):
            cell.width = Cm(width)


def row_flag(tr: object, name: str) -> None:
    """w:tblHeader (repeat on each page) or w:cantSplit (keep a row on one page)."""
    tr_pr = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement(f"w:{name}")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def shade(cell: _Cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def page_numbers(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)
