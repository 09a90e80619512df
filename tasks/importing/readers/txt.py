"""Plain-text plans: tables survive as tab-separated lines, in two shapes.

Row shape (Bắc Giang): one table row per line, cells separated by tabs ("1\\tNội dung\\t...").
A blank line (page break) ends the table; the next block, usually with its header repeated,
becomes a new Table and tasks.importing.appendix stitches the pieces together.

Cell shape (Bến Tre): one cell per line, each line starting with a tab; rows separated by blank
lines; a line without a tab continues the previous cell. Near the end of that appendix some rows
begin with " \\t" and follow the previous row without a blank line: the space is the (empty) TT
cell and the row is complete once it has as many cells as the header row.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from tasks.importing.readers.base import PlanDocument, PlanFileError, Table, clean_text


def read_txt(path: Path) -> PlanDocument:
    data = path.read_bytes()
    try:
        # utf-8-sig also accepts plain UTF-8; it only drops a leading byte-order mark
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            f"cannot read '{path.name}': not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise PlanFileError(f"cannot read '{path.name}': binary data, not a text file")
    if not text.strip():
        raise PlanFileError(f"cannot read '{path.name}': the file is empty")
    return parse_text(text)


def parse_text(text: str) -> PlanDocument:
    """Split text into paragraphs and tables (both shapes above); pure, for tests and callers."""
    parser = _TxtParser()
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    for line in text.split("\n"):
        parser.feed(line.replace("\u00a0", " "))
    parser.close_tables()
    return PlanDocument(paragraphs=parser.paragraphs, tables=parser.tables, source="txt")


def _is_cell_line(line: str) -> bool:
    """'\\tText' or ' \\tText': one tab with nothing but spaces before it."""
    return line.count("\t") == 1 and not line.split("\t", 1)[0].strip()


def _is_row_line(line: str) -> bool:
    return "\t" in line and not _is_cell_line(line)


def _width(cells: list[str]) -> int:
    """Cells up to the last non-empty one: trailing empty cells are extraction noise."""
    width = len(cells)
    while width and not cells[width - 1]:
        width -= 1
    return width


class _TxtParser:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.tables: list[Table] = []
        # row shape: the table being collected
        self._rows: list[list[str]] | None = None
        self._rows_start = 0
        self._rows_width = 0
        # cell shape: the table, the row under construction (cells as lists of lines)
        self._cell_rows: list[list[str]] | None = None
        self._cell_start = 0
        self._row: list[list[str]] | None = None
        self._header_width: int | None = None

    # -- dispatch -------------------------------------------------------------------------
    def feed(self, line: str) -> None:
        if _is_cell_line(line):
            self._cell_line(line)
        elif _is_row_line(line):
            self._row_line(line)
        elif not line.strip():
            self._blank()
        else:
            self._text_line(line)

    def close_tables(self) -> None:
        self._close_row_table()
        self._close_cell_table()

    # -- row shape --------------------------------------------------------------------------
    def _row_line(self, line: str) -> None:
        self._close_cell_table()
        cells = [clean_text(cell) for cell in line.split("\t")]
        width = _width(cells)
        if self._rows is None:
            self._rows, self._rows_start, self._rows_width = [], len(self.paragraphs), 0
        self._rows.append(cells)
        self._rows_width = max(self._rows_width, width)

    def _close_row_table(self) -> None:
        if self._rows:
            width = max(self._rows_width, 1)
            rows = [(row + [""] * width)[:width] for row in self._rows]
            self._emit(rows, self._rows_start)
        self._rows = None

    # -- cell shape -------------------------------------------------------------------------
    def _cell_line(self, line: str) -> None:
        self._close_row_table()
        before, text = line.split("\t", 1)
        if self._cell_rows is None:
            self._cell_rows, self._cell_start = [], len(self.paragraphs)
        if self._row is None:
            self._row = []
        elif self._header_width and len(self._row) >= self._header_width:
            # no blank line, yet the row is already complete: this line starts the next row
            self._flush_row()
            self._row = []
        if before:
            # " \tText": the spaces are the row's empty first (TT) cell
            self._row.append([""])
        self._row.append([text])

    def _text_line(self, line: str) -> None:
        row = self._row
        if row and not (len(row) == 1 and not "".join(row[0]).strip()):
            row[-1].append(line.replace("\t", " "))  # the previous cell goes on
            return
        # a lone empty cell followed by prose (Bến Tre's signature block) is not a table row
        self._row = None
        self._close_row_table()
        self._close_cell_table()
        text = clean_text(line)
        if text:
            self.paragraphs.append(text)

    def _flush_row(self) -> None:
        if self._row is None or self._cell_rows is None:
            return
        cells = [clean_text("\n".join(lines)) for lines in self._row]
        self._row = None
        if len(cells) == 1 and not cells[0]:
            return
        if self._header_width is None and len(cells) >= 2:
            self._header_width = len(cells)  # the first real row is the header
        self._cell_rows.append(cells)

    def _close_cell_table(self) -> None:
        self._flush_row()
        if self._cell_rows:
            width = max(len(row) for row in self._cell_rows)
            self._emit([row + [""] * (width - len(row)) for row in self._cell_rows], self._cell_start)
        self._cell_rows, self._row, self._header_width = None, None, None

    # -- both -------------------------------------------------------------------------------
    def _blank(self) -> None:
        self._close_row_table()  # a page break: the block after it is a new table
        self._flush_row()  # in the cell shape a blank line only ends a row

    def _emit(self, rows: list[list[str]], paragraphs_before: int) -> None:
        self.tables.append(Table(rows=rows, index=len(self.tables), paragraphs_before=paragraphs_before))
