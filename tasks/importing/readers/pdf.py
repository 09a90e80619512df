"""PDF plans with a text layer (the signed electronic copy): paragraphs and ruled tables.

pdfplumber gives every character with its box and the page's ruling lines; its table finder
turns the lines into cells (a merged cell is one larger cell). From there tasks.importing.readers.layout
builds the grid (merged_from where a cell spans), joins wrapped lines, drops page numbers and
running heads, and joins a table continued over pages into one, without its repeated header.

The text layer is repaired only where the fix is certain:

* characters drawn twice at the same place (Word's and some printers' "fake bold") count once;
* a combining tone mark is put after the letter it stands over (by position), then NFC;
* ligatures (ﬁ, ﬂ, ﬀ ...) are expanded; soft hyphens and zero-width characters are dropped;
* private-use codes of the Symbol and Wingdings fonts (Word's bullets: "\\uf0b7", "\\uf0a7",
  "\\uf0d8") become the character the font draws there, by a fixed table, only for those fonts;
* "Ð"/"ð" (Icelandic eth, which Vietnamese never uses) become "Đ"/"đ": fonts whose Unicode map
  borrows the eth for the Vietnamese D-with-stroke are common in Vietnamese PDFs.

Anything else stays as read: a glyph without a Unicode mapping ("(cid:72)") is not guessed.

A page with no text layer (fewer than a few characters and a page-sized picture), or one whose
text layer is mostly unmapped glyphs, is read by OCR (tasks.importing.readers.scan); a document
with any such page is a "scan" (every task flagged "read by OCR").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pdfplumber
from pdfplumber.utils.text import LIGATURES, WordExtractor

from tasks.importing.readers.base import PlanDocument, PlanFileError, one_line
from tasks.importing.readers.layout import (
    Grid,
    Line,
    Page,
    PageTable,
    Word,
    assemble,
    group_lines,
    join_lines,
    split_at_gaps,
)

_MIN_TEXT = 20  # visible characters below which a page showing a page-sized picture is a scanned page
_UNMAPPED_SHARE = 0.3  # a text layer with this share of unmapped glyphs ("(cid:N)") is read by OCR instead
_GRID_TOLERANCE = 2.0  # points: ruling lines closer than this are one grid line

# Word's bullets and symbols drawn with the Symbol and Wingdings fonts arrive as U+F0xx (the font's
# own code in the private-use area). Only codes whose glyph is certain are mapped.
_SYMBOL = {
    0x20: " ", 0x2B: "+", 0x2D: "-", 0x3C: "<", 0x3D: "=", 0x3E: ">", 0xA3: "≤", 0xAE: "→", 0xB0: "°",
    0xB1: "±", 0xB3: "≥", 0xB4: "×", 0xB7: "•", 0xB8: "÷", 0xDE: "⇒",
}  # fmt: skip
_WINGDINGS = {0x6C: "●", 0x6E: "■", 0x76: "❖", 0xA7: "▪", 0xD8: "➢"}
_DROP = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})


def _repair(text: str, fontname: str) -> str:
    """One character's text as the reader of the page sees it (see the module docstring)."""
    if text in _DROP:
        return ""
    if text in LIGATURES:
        return LIGATURES[text]
    if len(text) == 1 and 0xF020 <= ord(text) <= 0xF0FF:
        font = fontname.lower()
        table = _SYMBOL if "symbol" in font else _WINGDINGS if "wingdings" in font else {}
        return table.get(ord(text) - 0xF000, text)
    return text.translate(_ETH)


def _visible(chars: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Upright, non-blank characters, repaired, each drawn once."""
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, int, int]] = set()
    for char in chars:
        if not char.get("upright", True):
            continue  # vertical text (a rotated margin note) is not part of the plan
        text = _repair(char["text"], char.get("fontname", ""))
        if not text.strip():
            continue
        x, y = round(char["x0"]), round(char["top"])
        # the same character drawn again within a point of itself: fake bold, not a second letter
        if any((text, x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            continue
        seen.add((text, x, y))
        kept.append(char if text == char["text"] else {**char, "text": text})
    return kept


_EXTRACTOR = WordExtractor(keep_blank_chars=False, use_text_flow=False)


def _word_text(chars: Sequence[dict[str, Any]]) -> str:
    """A word's characters in reading order, each combining mark after the letter it stands over."""
    if not any(unicodedata.combining(c["text"][0]) for c in chars):
        return unicodedata.normalize("NFC", "".join(c["text"] for c in chars))
    bases = [c for c in chars if not unicodedata.combining(c["text"][0])]
    marks: dict[int, list[str]] = {}
    for mark in (c for c in chars if unicodedata.combining(c["text"][0])):
        middle = (mark["x0"] + mark["x1"]) / 2
        if not bases:
            continue
        host = min(range(len(bases)), key=lambda i: abs((bases[i]["x0"] + bases[i]["x1"]) / 2 - middle))
        marks.setdefault(host, []).append(mark["text"])
    text = "".join(base["text"] + "".join(marks.get(i, [])) for i, base in enumerate(bases))
    return unicodedata.normalize("NFC", text)


def _words(chars: Sequence[dict[str, Any]]) -> list[Word]:
    if not chars:
        return []
    words = []
    for word, word_chars in _EXTRACTOR.iter_extract_tuples(chars):
        text = _word_text(word_chars) if len(word_chars) > 1 else unicodedata.normalize("NFC", word["text"])
        if text.strip():
            words.append(Word(text, word["x0"], word["top"], word["x1"], word["bottom"]))
    return words


def _read_page(page: Any, chars: list[dict[str, Any]]) -> Page:
    grids: list[tuple[Grid, list[tuple[float, float, float, float]]]] = []
    for found in page.find_tables():
        boxes = [tuple(cell) for cell in found.cells]
        if len(boxes) >= 2:  # one framed box is a paragraph with a border, not a table
            grids.append((Grid.of(boxes, _GRID_TOLERANCE), boxes))
    in_cells: list[list[list[dict[str, Any]]]] = [[[] for _ in boxes] for _grid, boxes in grids]
    outside: list[dict[str, Any]] = []
    for char in chars:
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for number, (grid, _boxes) in enumerate(grids):
            cell = grid.slot(x, y)
            if cell is not None:
                in_cells[number][cell].append(char)
                break
        else:
            outside.append(char)
    lines: list[Line] = [part for line in group_lines(_words(outside)) for part in split_at_gaps(line)]
    tables: list[PageTable] = []
    for (grid, boxes), cells in zip(grids, in_cells, strict=True):
        texts = [join_lines(group_lines(_words(cs)), box[0], box[2]) for box, cs in zip(boxes, cells, strict=True)]
        tables.append(grid.table(texts))
    return Page(width=float(page.width), height=float(page.height), lines=lines, tables=tables)


def _needs_ocr(page: Any, chars: Sequence[dict[str, Any]]) -> bool:
    if chars:
        unmapped = sum(1 for c in chars if c["text"].startswith("(cid:") or c["text"] == "\ufffd")
        if unmapped >= _UNMAPPED_SHARE * len(chars):
            return True
    if len(chars) >= _MIN_TEXT:
        return False
    area = float(page.width) * float(page.height)
    pictured = sum(abs(float(i["x1"] - i["x0"])) * abs(float(i["bottom"] - i["top"])) for i in page.images)
    return pictured >= 0.5 * area


def read_pdf(path: Path) -> PlanDocument:
    try:
        pages, to_ocr = _read_text_layer(path)
    except PlanFileError:
        raise
    except Exception as exc:  # pdfminer reports damage as many exception types; one line for the user
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if type(cause).__name__ == "PDFPasswordIncorrect":
            raise PlanFileError(f"cannot read '{path.name}': the PDF is protected by a password") from exc
        raise PlanFileError(f"cannot read '{path.name}': not a valid PDF file ({one_line(cause)})") from exc
    if to_ocr:
        from tasks.importing.readers.scan import ocr_pdf_pages

        for number, page in ocr_pdf_pages(path, to_ocr).items():
            pages[number] = page
    read = [page for page in pages if page is not None]
    if not any(page.lines or page.tables for page in read):
        raise PlanFileError(f"cannot read '{path.name}': the PDF holds no text and no scanned page")
    return assemble(read, "scan" if to_ocr else "pdf", fuzzy_headers=bool(to_ocr))


def _read_text_layer(path: Path) -> tuple[list[Page | None], list[int]]:
    """The pages read from the text layer, None for those to OCR (listed, 0-based)."""
    pages: list[Page | None] = []
    to_ocr: list[int] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages):
            chars = _visible(page.chars)
            if _needs_ocr(page, chars):
                to_ocr.append(number)
                pages.append(None)
            else:
                pages.append(_read_page(page, chars))
            page.close()  # frees the page's parsed objects: a 60-page plan stays small in memory
    return pages, to_ocr


__all__ = ["read_pdf"]
