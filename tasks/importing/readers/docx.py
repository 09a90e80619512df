"""Word plans: body paragraphs and tables in document order, merged cells flattened.

We walk the XML ourselves instead of using python-docx's Table.rows/row.cells: those repeat a
horizontally merged cell once per grid column and return the top cell again for vertically
merged continuations, which would duplicate a group title on every row it spans. Here a merged
cell's text appears once, in its top-left grid position, and "" everywhere it covers.

document.xml is streamed (lxml iterparse) rather than loaded whole by python-docx: each
paragraph, table or content control at the body's top level is read when it ends, then freed,
so memory follows the largest table, not the document. The package is opened as a
BoundedPackage (limits.py): a part past the unpacked-size or element limits is refused unread.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import IO

from docx.opc.constants import CONTENT_TYPE as CT
from docx.oxml.ns import qn
from lxml import etree

from tasks.importing.readers.base import PlanDocument, PlanFileError, Table, clean_text, one_line
from tasks.importing.readers.limits import BoundedPackage, reraise_out_of_memory

_BODY, _P, _TBL, _SDT, _SDT_CONTENT = qn("w:body"), qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_TR, _TC, _TR_PR, _TC_PR = qn("w:tr"), qn("w:tc"), qn("w:trPr"), qn("w:tcPr")
_GRID_BEFORE, _GRID_SPAN, _V_MERGE, _VAL = qn("w:gridBefore"), qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
_T, _TAB, _BR, _CR, _NB_HYPHEN = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")
# deleted revisions, field codes, properties, and the fallback copy of a text box are not text
_NOT_TEXT = {
    qn("w:del"), qn("w:instrText"), qn("w:pPr"), qn("w:rPr"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}  # fmt: skip
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def read_docx(path: Path) -> PlanDocument:
    if not zipfile.is_zipfile(path):
        raise PlanFileError(f"cannot read '{path.name}': not a valid Word .docx file (not a zip archive)")
    paragraphs: list[str] = []
    tables: list[Table] = []
    try:
        with zipfile.ZipFile(path) as archive:
            package = BoundedPackage(archive, path.name)
            with package.open(_main_part(package)) as stream:
                _read_body(stream, paragraphs, tables)
    except PlanFileError:
        raise
    except Exception as exc:
        reraise_out_of_memory(exc)
        # a damaged or foreign package is a BadZipFile, a KeyError (missing part), a ValueError
        # (wrong content type), an lxml syntax error...; the user needs one line naming the file,
        # not a traceback
        raise PlanFileError(f"cannot read '{path.name}': not a valid Word .docx file ({one_line(exc)})") from exc
    return PlanDocument(paragraphs=paragraphs, tables=tables, source="docx")


def _main_part(package: BoundedPackage) -> str:
    """The package's main part (word/document.xml), which must be a Word document's."""
    rels = etree.fromstring(package.read("_rels/.rels"))
    targets = [rel.get("Target", "") for rel in rels.iter(_PKG_REL) if rel.get("Type", "").endswith("/officeDocument")]
    if not targets:
        raise KeyError("word/document.xml")
    part = posixpath.normpath(targets[0].lstrip("/"))
    types = etree.fromstring(package.read("[Content_Types].xml"))
    content_type = next((o.get("ContentType") for o in types.iter(f"{_CT_NS}Override")
                         if o.get("PartName", "").lstrip("/").lower() == part.lower()), None)
    if content_type is None:
        extension = part.rsplit(".", 1)[-1].lower()
        content_type = next((d.get("ContentType") for d in types.iter(f"{_CT_NS}Default")
                             if d.get("Extension", "").lower() == extension), None)
    if content_type != CT.WML_DOCUMENT_MAIN:  # e.g. a workbook renamed to .docx
        raise ValueError(f"its main part {part} is not a Word document but {content_type}")
    return part


def _read_body(stream: IO[bytes], paragraphs: list[str], tables: list[Table]) -> None:
    events = etree.iterparse(stream, events=("end",), tag=(_P, _TBL, _SDT), resolve_entities=False, no_network=True)
    for _, element in events:
        body = element.getparent()
        if body is None or body.tag != _BODY:
            continue  # inside a table, a content control, a text box: read with its top-level element
        _read_block(element, paragraphs, tables)
        # free what has been read, and whatever else (bookmarks...) the body held before it
        element.clear()
        while element.getprevious() is not None:
            del body[0]


def _read_block(child: etree._Element, paragraphs: list[str], tables: list[Table]) -> None:
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
            for inner in content.iterchildren():
                _read_block(inner, paragraphs, tables)


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
        row: list[str] = [""] * _number(tr.find(_TR_PR), _GRID_BEFORE, 0)
        for tc in _row_cells(tr):
            col = len(row)
            properties = tc.find(_TC_PR)
            v_merge = properties.find(_V_MERGE) if properties is not None else None
            # vMerge without val="restart" continues the cell above: its text is already there
            continued = index > 0 and v_merge is not None and v_merge.get(_VAL, "continue") != "restart"
            if continued:
                origin = merged_from.get((index - 1, col), (index - 1, col))
                merged_from[(index, col)] = origin
                row.append("")
            else:
                origin = (index, col)
                row.append(_cell_text(tc))
            for offset in range(1, _number(properties, _GRID_SPAN, 1)):  # a horizontal span: text once, "" after it
                merged_from[(index, col + offset)] = origin
                row.append("")
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows], merged_from


def _number(properties: etree._Element | None, tag: str, default: int) -> int:
    """A row or cell property's w:val as a number (w:gridBefore, w:gridSpan), ``default`` when absent."""
    found = properties.find(tag) if properties is not None else None
    value = found.get(_VAL, "") if found is not None else ""
    return int(value) if value.isdigit() else default


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
