"""Excel plans: each worksheet's used range becomes one Table.

The sheet XML is streamed with lxml instead of loading the workbook with openpyxl: on the
reference machine openpyxl took ~8 s (read_only=False, needed for merged ranges) and ~4 s
(read_only=True) for a 20,000-row sheet, against a budget of well under 5 s. Streaming the rows
takes about a second. openpyxl still supplies the number-format rules (which styles are dates)
and the Excel serial-date conversion, so values read exactly as openpyxl would give them with
data_only=True: cached formula results, ints without ".0", dates as dd/mm/yyyy. Two exceptions,
read as the sheet shows them: a formula saved without its result (openpyxl writes none) is its
literal when it is one ("Tháng 12/2026", 5) and empty otherwise; a date whose format shows only
the month and year ("Tháng "m/yyyy) is that month ("Tháng 12/2026", due at its end, not on its
first day), and one showing only the year is the year.

The package is opened as a BoundedPackage (limits.py): a part past the unpacked-size or element
limits is refused before it is parsed.

Merged ranges come from the sheet's <mergeCells> and are applied with a lookup over the
parsed grid: a merged text stays in its top-left cell and "" fills the cells it covers (even
when an editor such as LibreOffice left stale values there).

Title rows above the header ("Biểu 05 ... Kèm theo Kế hoạch số 552/KH-BCĐ ngày 17/02/2020")
are also copied to the paragraphs so plan metadata can be read from a workbook.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from tasks.importing.readers.base import PlanDocument, PlanFileError, Table, clean_text, one_line
from tasks.importing.readers.limits import BoundedPackage, reraise_out_of_memory

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_REF_RE = re.compile(r"^([A-Z]+)(\d+)$")
_CELL, _INLINE, _TEXT, _VALUE, _FORMULA = f"{_NS}c", f"{_NS}is", f"{_NS}t", f"{_NS}v", f"{_NS}f"
# a formula that is only a literal: ="Tháng 12/2026" (a quote inside doubled), =5
_LITERAL_FORMULA = re.compile(r'\s*=?\s*(?:"((?:[^"]|"")*)"|([+-]?\d+(?:\.\d+)?))\s*')
# what a number format shows besides its date parts: quoted or escaped text, [colour], [$-locale], padding
_FORMAT_TEXT = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].')
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_MAX_CELLS = 5_000_000  # a sheet claiming more than this is not a plan; refuse instead of exhausting memory


def read_xlsx(path: Path) -> PlanDocument:
    if not zipfile.is_zipfile(path):
        raise PlanFileError(f"cannot read '{path.name}': not a valid Excel .xlsx file (not a zip archive)")
    paragraphs: list[str] = []
    tables: list[Table] = []
    try:
        with zipfile.ZipFile(path) as opened:
            archive = BoundedPackage(opened, path.name)
            book = _Workbook.load(archive)
            for sheet_path in _sheet_paths(archive):
                rows, merged_from = _sheet_rows(archive, sheet_path, book)
                if not rows:
                    continue
                for row in rows[: _header_index(rows)]:
                    text = " ".join(cell for cell in row if cell)
                    if text:
                        paragraphs.append(text)
                tables.append(Table(rows, len(tables), len(paragraphs), merged_from))
    except PlanFileError:
        raise
    except KeyError as exc:
        named = re.search(r"'([^']+)'", str(exc))
        missing = named.group(1) if named else one_line(exc)
        raise PlanFileError(
            f"cannot read '{path.name}': not a valid Excel .xlsx file (missing part {missing})"
        ) from exc
    except Exception as exc:  # zip, XML and value errors all mean a damaged file
        reraise_out_of_memory(exc)
        raise PlanFileError(f"cannot read '{path.name}': not a valid Excel .xlsx file ({one_line(exc)})") from exc
    return PlanDocument(paragraphs=paragraphs, tables=tables, source="xlsx")


def _rels(archive: BoundedPackage, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part path) for one package part."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    found: dict[str, tuple[str, str]] = {}
    for rel in etree.fromstring(archive.read(rels_path), _PARSER).iter(_PKG_REL):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return found


def _workbook_part(archive: BoundedPackage) -> str:
    for kind, target in _rels(archive, "").values():  # the package's own _rels/.rels
        if kind.endswith("/officeDocument"):
            return target
    raise KeyError("xl/workbook.xml")


def _sheet_paths(archive: BoundedPackage) -> list[str]:
    part = _workbook_part(archive)
    rels = _rels(archive, part)
    workbook = etree.fromstring(archive.read(part), _PARSER)
    paths = []
    for sheet in workbook.iter(f"{_NS}sheet"):
        kind, target = rels.get(sheet.get(f"{_REL_NS}id", ""), ("", ""))
        if kind.endswith("/worksheet"):  # chart sheets hold no cells
            paths.append(target)
    if not paths:
        raise ValueError("the workbook has no worksheet")
    return paths


class _Workbook:
    """What cell values need from the workbook: shared strings, date styles, the epoch."""

    def __init__(self, strings: list[str], date_styles: dict[int, str], epoch: dt.datetime) -> None:
        self.strings, self.date_styles, self.epoch = strings, date_styles, epoch

    @classmethod
    def load(cls, archive: BoundedPackage) -> _Workbook:
        part = _workbook_part(archive)
        root = etree.fromstring(archive.read(part), _PARSER)
        if root.tag != f"{_NS}workbook":  # e.g. a Word document renamed to .xlsx
            raise ValueError(f"its main part {part} is not a workbook")
        rels = {kind.rsplit("/", 1)[-1]: target for kind, target in _rels(archive, part).values()}
        properties = root.find(f"{_NS}workbookPr")
        mac = properties is not None and properties.get("date1904", "false").lower() in ("1", "true")
        return cls(
            _shared_strings(archive, rels.get("sharedStrings")),
            _date_styles(archive, rels.get("styles")),
            CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900,
        )


def _text_of(element: Any) -> str:
    # rich text runs are concatenated; phonetic hints (rPh) are not part of the text
    return "".join(t.text or "" for t in element.iter(f"{_NS}t") if t.getparent().tag != f"{_NS}rPh")


def _shared_strings(archive: BoundedPackage, part: str | None) -> list[str]:
    if part is None or part not in archive.namelist():
        return []
    with archive.open(part) as stream:
        strings = []
        for _, item in etree.iterparse(stream, events=("end",), tag=f"{_NS}si", resolve_entities=False):
            strings.append(_text_of(item))
            item.clear()
        return strings


def _date_styles(archive: BoundedPackage, part: str | None) -> dict[int, str]:
    """Cell style index -> what its date format shows: "date", "month" (month and year) or "year"."""
    if part is None or part not in archive.namelist():
        return {}
    styles = etree.fromstring(archive.read(part), _PARSER)
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in styles.iter(f"{_NS}numFmt")}
    cell_xfs = styles.find(f"{_NS}cellXfs")
    dates = {}
    for index, xf in enumerate(cell_xfs.iterfind(f"{_NS}xf") if cell_xfs is not None else []):
        fmt_id = int(xf.get("numFmtId", "0"))
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
        if is_date_format(code):
            dates[index] = date_shown(code)
    return dates


def date_shown(code: str) -> str:
    """What a date number format shows: "month" for month and year only ('"Tháng "m/yyyy',
    "mm/yyyy", "mmm-yy"), "year" for the year only ("yyyy"), else "date".

    A "m" next to hours or seconds is minutes, so a format with a time is a "date"."""
    shown = _FORMAT_TEXT.sub("", code).split(";")[0].lower()
    if any(part in shown for part in "dhs"):
        return "date"
    if "y" in shown or "e" in shown:  # "e": the year in some East Asian locales' formats
        return "month" if "m" in shown else "year"
    return "date"


_COLUMNS: dict[str, int] = {}


def _column_index(letters: str) -> int:
    index = _COLUMNS.get(letters)
    if index is None:
        index = -1 + sum((ord(char) - 64) * 26**power for power, char in enumerate(reversed(letters)))
        _COLUMNS[letters] = index
    return index


def _cell_column(ref: str | None, previous: int) -> int:
    """Column index from "C12" (letters cached), or the next column when r is omitted."""
    if not ref:
        return previous + 1
    letters = ref.rstrip("0123456789")
    return _column_index(letters) if letters.isalpha() and letters.isupper() else previous + 1


def _child(element: Any, tag: str) -> Any:
    """The first child with this tag, or None: ``element.find(tag)`` without ElementPath, whose
    per-call overhead was a third of the reading time of a 20,000-row sheet."""
    for child in element:
        if child.tag == tag:
            return child
    return None


def _value(cell: Any, book: _Workbook) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = _child(cell, _INLINE)
        if inline is not None and len(inline) == 1:
            text = inline[0]
            if text.tag == _TEXT:
                return text.text or ""  # plain inline text, no rich-text runs
        return _text_of(cell)
    found = _child(cell, _VALUE)
    raw = (found.text or "") if found is not None else ""  # as findtext: "" for an empty <v/>
    if not raw.strip():
        return _formula_literal(cell)  # no value, or a formula saved without its result
    if kind == "s":
        return book.strings[int(raw)]
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind in ("str", "e"):
        return raw
    shown = book.date_styles.get(int(cell.get("s", "0")))
    if kind == "d":
        return _date_as_shown(from_ISO8601(raw), shown or "date")
    number: int | float = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    if shown is not None:
        return _date_as_shown(from_excel(number, book.epoch), shown)
    return number


def _formula_literal(cell: Any) -> str | None:
    """A formula cell without a cached result (openpyxl saves none, nor do some exporters):
    its text when the formula is a bare literal (="Tháng 12/2026", =5), else nothing. Computing
    formulas is Excel's job; an empty cell is better than refusing the file."""
    formula = _child(cell, _FORMULA)
    match = _LITERAL_FORMULA.fullmatch(formula.text or "") if formula is not None else None
    if match is None:
        return None
    text, number = match.groups()
    return number if number is not None else text.replace('""', '"')


def _date_as_shown(value: Any, shown: str) -> Any:
    """A date cell as its format shows it: a month ("Tháng 12/2026", which the deadline grammar
    reads as due at the month's end) or a year ("2026") when the format hides the day."""
    if not isinstance(value, dt.date) or shown == "date":  # a dt.datetime is a dt.date too; a time is left as is
        return value
    return f"Tháng {value.month:02d}/{value.year}" if shown == "month" else str(value.year)


def _sheet_rows(
    archive: BoundedPackage, part: str, book: _Workbook
) -> tuple[list[list[str]], dict[tuple[int, int], tuple[int, int]]]:
    grid: dict[int, dict[int, str]] = {}
    merges: list[str] = []
    width = 0
    row_number = 0
    with archive.open(part) as stream:
        for _, element in etree.iterparse(
            stream, events=("end",), tag=(f"{_NS}row", f"{_NS}mergeCell"), resolve_entities=False
        ):
            if element.tag == f"{_NS}mergeCell":
                merges.append(element.get("ref", ""))
                continue
            row_number = int(element.get("r", row_number + 1))
            cells: dict[int, str] = {}
            column = -1
            for cell in element.iterchildren(_CELL):
                column = _cell_column(cell.get("r"), column)
                text = cell_text(_value(cell, book))
                if text:
                    cells[column] = text
                    width = max(width, column + 1)
            if cells:
                grid[row_number] = cells
            _release(element)
    if not grid:
        return [], {}
    first, last = min(grid), max(grid)
    if (last - first + 1) * width > _MAX_CELLS:
        raise ValueError(f"sheet too large ({last - first + 1} rows x {width} columns)")
    merged_from = _apply_merges(grid, merges, width)
    rows = [[grid.get(number, {}).get(col, "") for col in range(width)] for number in range(first, last + 1)]
    return rows, {(r - first, c): (top - first, left) for (r, c), (top, left) in merged_from.items()}


def _release(element: Any) -> None:
    """Free parsed rows as we go: a large sheet must not stay in memory as an XML tree."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


def _apply_merges(
    grid: dict[int, dict[int, str]], merges: list[str], width: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """Clear the cells each merge covers; return covered (row, col) -> top-left (row, col)."""
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    if not grid:
        return covered
    first, last = min(grid), max(grid)
    for ref in merges:
        start, _, end = ref.partition(":")
        top_left, bottom_right = _REF_RE.match(start), _REF_RE.match(end)
        if top_left is None or bottom_right is None:
            continue
        top, bottom = int(top_left.group(2)), int(bottom_right.group(2))
        left, right = _column_index(top_left.group(1)), _column_index(bottom_right.group(1))
        if top < first:
            continue  # its top-left cell is outside the used range: nothing to point back to
        # clipped to the used range: a merge over a whole column must not mean a million steps
        for number in range(top, min(bottom, last) + 1):
            row = grid.get(number)
            for col in range(left, min(right, width - 1) + 1):
                if (number, col) == (top, left):
                    continue
                covered[(number, col)] = (top, left)
                if row is not None:
                    row.pop(col, None)
    return covered


def _header_index(rows: list[list[str]]) -> int:
    """Title lines are merged across the sheet and so fill one cell; the header fills several."""
    for index, row in enumerate(rows):
        if sum(1 for cell in row if cell) >= 2:
            return index
    return 0


def cell_text(value: Any) -> str:
    """A cell value as the text a reader of the sheet sees."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # numbers are stored as floats: 5.0 is the 5 the user typed
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_text(str(value))


__all__ = ["cell_text", "date_shown", "read_xlsx"]
