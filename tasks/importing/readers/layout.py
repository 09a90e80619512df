"""Page geometry shared by the PDF and scan readers: positioned words into paragraphs and tables.

A PDF's text layer and an OCR engine both give words with boxes, not paragraphs. Both readers
build one Page per page (the lines outside tables, and the ruled tables as grids of cell text)
and hand the pages to assemble(), which

* drops page furniture: a page number ("2", "- 2 -", "Trang 2/5") or a running head/foot repeated
  on several pages, standing alone in the top or bottom margin band;
* joins the lines of a paragraph (and of a table cell) where the line was only wrapped, and keeps a
  line break where the next word would have fitted on the line (so "Sở Tài chính" / "Sở Xây dựng"
  written on two lines of one cell stay two lines, while a long task text wrapped by the cell's
  width becomes one line again, as in the .docx the PDF was made from);
* joins a table continued on the next page (nothing between them but the page break, the same
  columns) into one Table, dropping its repeated header rows.

Coordinates are in the page's own unit (points for a PDF, pixels for a scan), y growing downwards;
every tolerance is relative to a line's height or the page size, so both units work.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from statistics import median

from tasks.importing.readers.base import PlanDocument, Table, clean_text

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Line:
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return median(w.bottom - w.top for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class PageTable:
    """One ruled table on one page: cell text on the grid the ruling lines make."""

    box: Box
    rows: list[list[str]]
    merged_from: dict[tuple[int, int], tuple[int, int]]
    widths: list[float]  # the grid's column widths, to tell a continuation on the next page


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]  # the text outside tables, each line already split at column gaps
    tables: list[PageTable] = field(default_factory=list)
    # how much room, in line heights, a word must have had to count as fitting on the line above:
    # 0 for a PDF's exact glyph boxes; OCR boxes hug the ink and make every word look narrower
    slack: float = 0.0


# -- words into lines ---------------------------------------------------------------------------


def group_lines(words: Iterable[Word]) -> list[Line]:
    """Words into lines, top to bottom, each line left to right: a word belongs to the line whose
    vertical band holds its middle (a PDF gives every character of a font size the same top)."""
    lines: list[Line] = []
    bands: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        for index in range(len(lines) - 1, max(-1, len(lines) - 4), -1):  # the last few lines only
            top, bottom = bands[index]
            if top <= middle <= bottom:
                lines[index].words.append(word)
                break
        else:
            lines.append(Line([word]))
            bands.append((word.top, word.bottom))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def split_at_gaps(line: Line, factor: float = 2.5) -> list[Line]:
    """A line cut where words are further apart than `factor` line heights: the two columns of a
    document head ("UBND TỈNH ..."   "CỘNG HÒA XÃ HỘI ...") share a baseline, not a paragraph."""
    gap = factor * line.height
    parts = [Line([line.words[0]])]
    for word in line.words[1:]:
        if word.x0 - parts[-1].x1 > gap:
            parts.append(Line([word]))
        else:
            parts[-1].words.append(word)
    return parts


# a line that starts an item of its own: "- ", "+ ", "• ", "a) ", "1. ", "(2) "; not "TP. Lạng Sơn",
# which a wrap can bring to the start of a line
_ITEM_RE = re.compile(r"^(?:[-+•*–—▪➢✓]\s|\(?(?:[0-9]{1,2}|[a-zđ])[.)]\s)")


def _space(lines: Sequence[Line]) -> float:
    """The width of a space: the narrowest gap between two words of these lines (justified text
    only stretches spaces), else a quarter of the line height."""
    gaps = [b.x0 - a.x1 for line in lines for a, b in zip(line.words, line.words[1:], strict=False)]
    gaps = [g for g in gaps if g > 0]
    return min(gaps) if gaps else 0.25 * lines[0].height


def wrapped(before: Line, after: Line, right: float, space: float, slack: float = 0.0) -> bool:
    """Did `before` end only because `after`'s first word did not fit before `right`?"""
    first = after.words[0]
    fits = before.x1 + space + (first.x1 - first.x0) <= right - slack * before.height
    return not fits and not _ITEM_RE.match(after.text)


def _glue(before: str, after: str) -> str:
    """What joins a wrapped line to the next: nothing after a hyphen inside a word ("2016-" +
    "2020", where the word processor broke the line), else a space."""
    return "" if before[-1:] in "-–" and len(before.rsplit(" ", 1)[-1]) > 1 else " "


def join_text(head: str, tail: str) -> str:
    """Two pieces of one cell or paragraph cut by a line wrap or a page break, as one text."""
    if not head or not tail:
        return head or tail
    if _ITEM_RE.match(tail):
        return f"{head}\n{tail}"
    return head + _glue(head, tail) + tail


def join_lines(lines: Sequence[Line], left: float, right: float, slack: float = 0.0) -> str:
    """A cell's lines as its text: wrapped lines joined by a space, real line breaks kept.

    The cell's padding is measured on the left (the leftmost line starts at it) and assumed the
    same on the right, capped for centred text, whose left edge is not the padding."""
    if not lines:
        return ""
    height = median(line.height for line in lines)
    pad = min(max(min(line.x0 for line in lines) - left, 0.0), 0.6 * height)
    limit = right - pad
    space = _space(lines)
    parts = [lines[0].text]
    for before, after in pairwise(lines):
        parts.append(_glue(before.text, after.text) if wrapped(before, after, limit, space, slack) else "\n")
        parts.append(after.text)
    return clean_text("".join(parts))


def paragraphs(lines: Sequence[Line], right: float, slack: float = 0.0) -> list[tuple[float, float, str]]:
    """Body lines (outside tables) as paragraphs: (top, x0, text) in reading order.

    A line continues the paragraph whose last line sits right above it (less than 0.8 line height
    of leading), overlaps it horizontally, has about its size, and was wrapped against `right`,
    the page's right margin."""
    groups: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.top, item.x0)):
        for group in reversed(groups[-4:]):  # a two-column head keeps two paragraphs open
            last = group[-1]
            close = -0.3 * last.height <= line.top - last.bottom < 0.8 * last.height
            overlaps = line.x0 < last.x1 and line.x1 > last.x0
            # OCR line boxes follow the ink: "2025" is shorter than "Triển khai" in the same type
            low, high = (0.75, 1.33) if slack == 0 else (0.5, 2.0)
            similar = low <= line.height / max(last.height, 1e-6) <= high
            if close and overlaps and similar and wrapped(last, line, right, _space([last]), slack):
                group.append(line)
                break
        else:
            groups.append([line])
    found = []
    for group in groups:
        text = ""
        for line in group:
            text = text + _glue(text, line.text) + line.text if text else line.text
        text = clean_text(text)
        if text:
            found.append((group[0].top, group[0].x0, text))
    return found


# -- ruled grids --------------------------------------------------------------------------------


def _cluster(values: Iterable[float], tolerance: float) -> list[float]:
    """Sorted values with those closer than `tolerance` merged into their mean."""
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tolerance:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(group) / len(group) for group in groups]


def _nearest(grid: list[float], value: float) -> int:
    index = bisect_right(grid, value)
    if index == 0:
        return 0
    if index == len(grid):
        return len(grid) - 1
    return index if grid[index] - value < value - grid[index - 1] else index - 1


@dataclass
class Grid:
    """Cells on the grid of their edges: each cell spans rows r0..r1-1 and columns c0..c1-1."""

    xs: list[float]
    ys: list[float]
    spans: list[tuple[int, int, int, int]]  # per cell given: (r0, r1, c0, c1); empty cells skipped
    owner: dict[tuple[int, int], int]  # grid slot -> index of the cell covering it

    @classmethod
    def of(cls, boxes: Sequence[Box], tolerance: float) -> Grid:
        xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], tolerance)
        ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], tolerance)
        spans: list[tuple[int, int, int, int]] = []
        owner: dict[tuple[int, int], int] = {}
        for index, (x0, top, x1, bottom) in enumerate(boxes):
            r0, r1, c0, c1 = _nearest(ys, top), _nearest(ys, bottom), _nearest(xs, x0), _nearest(xs, x1)
            spans.append((r0, r1, c0, c1))
            for r in range(r0, r1):
                for c in range(c0, c1):
                    owner.setdefault((r, c), index)  # a cell overlapping another keeps out of its slots
        return cls(xs, ys, spans, owner)

    def slot(self, x: float, y: float) -> int | None:
        """The cell at a point, or None outside the grid."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        c = min(bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        r = min(bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return self.owner.get((r, c))

    def table(self, texts: Sequence[str]) -> PageTable:
        """The grid as rows of text: a cell's text in its top-left slot, "" and a merged_from entry
        in every other slot it covers; rows and columns no cell reaches are left out."""
        rows_used = sorted({r for r, _c in self.owner})
        cols_used = sorted({c for _r, c in self.owner})
        row_at = {r: i for i, r in enumerate(rows_used)}
        col_at = {c: i for i, c in enumerate(cols_used)}
        rows = [[""] * len(cols_used) for _ in rows_used]
        merged_from: dict[tuple[int, int], tuple[int, int]] = {}
        for (r, c), index in self.owner.items():
            r0, _r1, c0, _c1 = self.spans[index]
            origin = (row_at[r0], col_at[c0]) if r0 in row_at and c0 in col_at else None
            here = (row_at[r], col_at[c])
            if origin is None or origin == here:
                rows[here[0]][here[1]] = texts[index]
            else:
                merged_from[here] = origin
        widths = [self.xs[c + 1] - self.xs[c] for c in cols_used]
        box = (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])
        return PageTable(box=box, rows=rows, merged_from=merged_from, widths=widths)


# -- page furniture -----------------------------------------------------------------------------

# "3", "- 3 -", "– 3 –", "Trang 3", "Trang 3/10", "3/10", "Page 3 of 10"
_PAGE_NUMBER_RE = re.compile(
    r"^(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:/|of|trên)\s*\d{1,4})?$", re.IGNORECASE
)
_BAND = 0.12  # the top and bottom eighths of a page hold its running heads and page numbers


def _shape(text: str) -> str:
    """A line's text with its numbers blanked: "Kế hoạch 45/KH-UBND - trang 3" repeats as one shape."""
    return re.sub(r"\d+", "#", " ".join(unicodedata.normalize("NFC", text).lower().split()))


def _margin_lines(page: Page) -> list[tuple[Line, str]]:
    """Lines standing alone in the page's top or bottom band: (line, "top" | "bottom").

    Alone means a clear gap (a line's height) between it and the body: a header or footer sits in
    the margin, a paragraph's last line that happens to reach the band does not."""
    found: list[tuple[Line, str]] = []
    blocks = [(line.top, line.bottom) for line in page.lines] + [(t.box[1], t.box[3]) for t in page.tables]
    for line in page.lines:
        height = line.height
        if line.bottom <= _BAND * page.height:
            # what starts further down than this line (its neighbours on the same row do not count)
            below = [top for top, _bottom in blocks if top > line.top + 0.5 * height]
            if all(top - line.bottom >= 0.8 * height for top in below):
                found.append((line, "top"))
        elif line.top >= (1 - _BAND) * page.height:
            above = [bottom for _top, bottom in blocks if bottom < line.bottom - 0.5 * height]
            if all(line.top - bottom >= 0.8 * height for bottom in above):
                found.append((line, "bottom"))
    return found


def drop_furniture(pages: Sequence[Page]) -> None:
    """Remove page numbers and running heads (in place): a margin line that reads as a page number,
    or whose shape recurs in the same margin on at least two pages."""
    margins = [_margin_lines(page) for page in pages]
    seen: dict[tuple[str, str], int] = {}
    for found in margins:
        for key in {(where, _shape(line.text)) for line, where in found}:
            seen[key] = seen.get(key, 0) + 1
    for page, found in zip(pages, margins, strict=True):
        drop = {
            id(line)
            for line, where in found
            if _PAGE_NUMBER_RE.match(line.text.strip()) or seen[(where, _shape(line.text))] >= 2
        }
        if drop:
            page.lines = [line for line in page.lines if id(line) not in drop]


# -- the document -------------------------------------------------------------------------------


def _same_columns(a: Sequence[float], b: Sequence[float]) -> bool:
    """Two grids with the same columns: as many, each the same share of the table's width."""
    if len(a) != len(b) or not a:
        return False
    total_a, total_b = sum(a), sum(b)
    return all(abs(x / total_a - y / total_b) < 0.02 for x, y in zip(a, b, strict=True))


def _row_key(row: Sequence[str]) -> str:
    return " ".join(" ".join(row).lower().split())


def _same_row(a: Sequence[str], b: Sequence[str], fuzzy: bool) -> bool:
    key_a, key_b = _row_key(a), _row_key(b)
    if not key_a or key_a == key_b:
        return bool(key_a)
    # OCR reads the same header twice with small differences ("Cơ quan chủ trì" / "Cơ quan chú trì");
    # rows of a formulaic table differ in little but their numbers ("1 Nhiệm vụ số 1" / "24 Nhiệm vụ
    # số 24"), so the numbers must be the same
    if not fuzzy or re.findall(r"\d+", key_a) != re.findall(r"\d+", key_b):
        return False
    return SequenceMatcher(None, key_a, key_b).ratio() >= 0.85


@dataclass
class _Open:
    """The table being built, while nothing but page breaks follows it."""

    table: Table
    widths: list[float]
    page: int


def assemble(pages: Sequence[Page], source: str, *, fuzzy_headers: bool = False) -> PlanDocument:
    """The pages as one document: furniture dropped, paragraphs and tables in reading order,
    tables continued over a page break joined (their repeated header rows dropped)."""
    drop_furniture(pages)
    document = PlanDocument(paragraphs=[], tables=[], source=source)
    open_table: _Open | None = None
    for number, page in enumerate(pages):
        right = max((line.x1 for line in page.lines), default=page.width)
        blocks: list[tuple[float, float, str | PageTable]] = list(paragraphs(page.lines, right, page.slack))
        blocks += [(t.box[1], t.box[0], t) for t in page.tables]
        blocks.sort(key=lambda block: (block[0], block[1]))
        for position, (_top, _x0, block) in enumerate(blocks):
            if isinstance(block, str):
                document.paragraphs.append(block)
                open_table = None
                continue
            continues = (
                open_table is not None
                and position == 0
                and open_table.page < number  # pages in between may be blank, never written on
                and _same_columns(open_table.widths, block.widths)
            )
            if open_table is not None and continues:
                _append(open_table.table, block, fuzzy_headers)
                open_table.page = number
                continue
            table = Table(block.rows, len(document.tables), len(document.paragraphs), dict(block.merged_from))
            document.tables.append(table)
            open_table = _Open(table, block.widths, number)
        if blocks and isinstance(blocks[-1][2], str):
            open_table = None
    document.tables = [t for t in document.tables if any(any(cell for cell in row) for row in t.rows)]
    for index, table in enumerate(document.tables):
        table.index = index
    return document


_MAX_HEADER_ROWS = 4  # a title row, two header rows and the "(1) (2) (3)" row at most


def _append(table: Table, more: PageTable, fuzzy: bool) -> None:
    """A continuation's rows after the table's, without the header rows it repeats."""
    skip = 0
    while (
        skip < min(len(more.rows), _MAX_HEADER_ROWS)
        and skip < len(table.rows) - 1
        and _same_row(more.rows[skip], table.rows[skip], fuzzy)
    ):
        skip += 1
    if skip < len(more.rows) and table.rows and _rest_of_row(table.rows[-1], more.rows[skip]):
        _extend_row(table, more.rows[skip])
        skip += 1
        # what a merge started in the joined row covers now hangs from the table's last row
        last = len(table.rows) - 1
        origin_of = {(skip - 1, c): (last, c) for c in range(len(more.rows[skip - 1]))}
    else:
        origin_of = {}
    offset = len(table.rows) - skip
    table.rows.extend(more.rows[skip:])
    for (r, c), (top, left) in more.merged_from.items():
        if r >= skip and (top, left) in origin_of:
            table.merged_from[(r + offset, c)] = origin_of[(top, left)]
        elif r >= skip and top >= skip:
            table.merged_from[(r + offset, c)] = (top + offset, left)


def _rest_of_row(last: Sequence[str], first: Sequence[str]) -> bool:
    """Is the continuation's first row the rest of the row the page break cut?

    Word and LibreOffice let a row break across pages; the part on the next page has no number
    (its first cell is empty while the row above has one) and its text goes on mid-sentence: the
    first text starts with a small letter or a digit ("Nhiệm vụ số" / "29: rà soát ..."). A new
    row (a task, a heading) starts with a capital."""
    if not last or not first or first[0].strip() or not last[0].strip():
        return False
    text = next((cell for cell in first if cell.strip()), "")
    return bool(text) and (text[0].islower() or text[0].isdigit())


def _extend_row(table: Table, tail: Sequence[str]) -> None:
    row = len(table.rows) - 1
    for col, text in enumerate(tail):
        if not text:
            continue
        r, c = table.merged_from.get((row, col), (row, col))  # the text of a merged cell is at its origin
        table.rows[r][c] = join_text(table.rows[r][c], text)
