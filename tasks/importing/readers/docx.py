"""Word plans: body paragraphs and tables in document order, merged cells flattened.

We walk the XML ourselves instead of using python-docx's Table.rows/row.cells: those repeat a
horizontally merged cell once per grid column and return the top cell again for vertically
merged continuations, which would duplicate a group title on every row it spans. Here a merged
cell's text appears once, in its top-left grid position, and "" everywhere it covers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from lxml import etree

from tasks.importing.readers.base import PlanDocument, PlanFileError, Table, clean_text, one_line

_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_TR, _TC = qn("w:tr"), qn("w:tc")
_T, _TAB, _BR, _CR, _NB_HYPHEN = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")
# deleted revisions, field codes, properties, and the fallback copy of a text box are not text
_NOT_TEXT = {
    qn("w:del"), qn("w:instrText"), qn("w:pPr"), qn("w:rPr"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}  # fmt: skip


def read_docx(path: Path) -> PlanDocument:
    if not zipfile.is_zipfile(path):
        raise PlanFileError(f"cannot read '{path.name}': not a valid Word .docx file (not a zip archive)")
    paragraphs: list[str] = []
    tables: list[Table] = []
    try:
        document = docx.Document(str(path))
        _walk(document.element.body, paragraphs, tables)
    except Exception as exc:
        # python-docx reports a damaged or foreign package as BadZipFile, KeyError (missing part),
        # ValueError (wrong content type), lxml syntax errors, PackageNotFoundError...; the user
        # needs one line naming the file, not a traceback
        raise PlanFileError(f"cannot read '{path.name}': not a valid Word .docx file ({one_line(exc)})") from exc
    return PlanDocument(paragraphs=paragraphs, tables=tables, source="docx")


def _walk(container: etree._Element, paragraphs: list[str], tables: list[Table]) -> None:
    for child in container.iterchildren():
        if child.tag == _P:
            text = clean_text(_paragraph_text(child))
            if text:
                paragraphs.append(text)
        elif child.tag == _TBL:
            rows, merged_from = _table_rows(child)
            if any(any(cell for cell in row) for row in rows):
                tables.append(Table(rows, len(tables), len(paragraphs), merged_from))
        elif child.tag == _SDT:
            # content controls wrap ordinary paragraphs and tables; keep their order
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _walk(content, paragraphs, tables)


def _paragraph_text(p: etree._Element) -> str:
    """The text a reader sees, tracked insertions included (python-docx's Paragraph.text only
    reads direct runs, so text typed with "Track changes" on would be lost)."""
    parts: list[str] = []

    def collect(element: etree._Element) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag in _NOT_TEXT:
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append(" ")
            elif tag == _CR or (tag == _BR and child.get(qn("w:type")) in (None, "textWrapping")):
                parts.append("\n")
            elif tag == _NB_HYPHEN:
                parts.append("-")
            else:
                collect(child)

    collect(p)
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    # only the cell's own paragraphs: nested tables are ignored on purpose
    return clean_text("\n".join(_paragraph_text(p) for p in tc.iterchildren(_P)))


def _table_rows(tbl: etree._Element) -> tuple[list[list[str]], dict[tuple[int, int], tuple[int, int]]]:
    rows: list[list[str]] = []
    merged_from: dict[tuple[int, int], tuple[int, int]] = {}
    for index, tr in enumerate(tbl.iterchildren(_TR)):
        trPr = tr.trPr
        row: list[str] = [""] * (trPr.grid_before if trPr is not None else 0)
        for tc in _row_cells(tr):
            col = len(row)
            # vMerge without val="restart" continues the cell above: its text is already there
            continued = index > 0 and tc.vMerge is not None and tc.vMerge != "restart"
            if continued:
                origin = merged_from.get((index - 1, col), (index - 1, col))
                merged_from[(index, col)] = origin
                row.append("")
            else:
                origin = (index, col)
                row.append(_cell_text(tc))
            for offset in range(1, tc.grid_span):  # a horizontal span: text once, "" after it
                merged_from[(index, col + offset)] = origin
                row.append("")
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows], merged_from


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    """The row's w:tc elements, including those wrapped in content controls."""
    cells: list[etree._Element] = []
    for child in tr.iterchildren():
        if child.tag == _TC:
            cells.append(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                cells.extend(content.iterchildren(_TC))
    return cells
