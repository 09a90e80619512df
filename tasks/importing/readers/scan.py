"""Scanned plans (an image-only PDF, or page images): OCR with Tesseract's Vietnamese model.

Each page goes through the same steps, pages two at a time (one Tesseract process per core,
each single-threaded: Tesseract's own threads only made it slower on this 2-core machine):

1. rasterised at 300 dpi in grey by poppler's pdftoppm (an image is scaled to about that size);
2. de-skewed: the angle (within ±5°) at which the rows of dark pixels line up best (a projection
   profile on a reduced copy), then the page turned back by it;
3. ruling lines found: runs of dark pixels longer than 7 mm, horizontal and vertical; lines that
   cross or touch each other make a table; the grid's cells come from the lines, a cell whose
   border is missing being merged with its neighbour (Table.merged_from, as for Word);
4. the writing of every non-empty cell cut out (ruling lines removed, black on white) and read by
   Tesseract: the cells of a page stacked into one column image read as a block of lines, short
   ones (a number, "TT") also side by side on one line, the surer reading kept; Tesseract misreads
   a lone "5" read on its own. The page outside its tables is read as a page (psm 3);
5. Tesseract's words and lines go to tasks.importing.readers.layout, as a PDF's text layer does:
   wrapped lines joined, page numbers and running heads dropped, tables continued over pages joined.

The result is PlanDocument(source="scan"): tasks.importing.parse flags every task "read by OCR".
Missing tools (tesseract with the "vie" model, pdftoppm) are one line naming the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from tasks.importing.readers.base import PlanDocument, PlanFileError, one_line
from tasks.importing.readers.layout import Grid, Line, Page, PageTable, Word, assemble, join_lines, split_at_gaps

DPI = 300
_TIMEOUT = 300  # seconds for one tool run (one page); a stuck process must not hang an import
_MIN_RULE = 84  # pixels at 300 dpi (7 mm): a shorter dark run is a letter, not a ruling line
_MAX_SKEW = 5.0  # degrees searched either way when de-skewing
_LANGUAGE = "vie"
_FRAME = 40  # white pixels left and right of each cell's writing in a strip
_GAP = 80  # and between two cells': closer, Tesseract may read a stroke of one into the next ("231/12")
_ROW_GAP = 50  # between two short cells side by side: closer, "1 2" reads as "12"; wider, "5" as "Đ"
_ROW_SCALE = 1.5  # short cells side by side are read one and a half times larger
_MAX_SIDE = 30_000  # pixels: Tesseract refuses images over 32,767 pixels high or wide
_ONE_LINE = 80  # pixels at 300 dpi: taller writing is more than one line of 12-14 pt text
_SLACK = 0.4  # line heights: OCR word boxes hug the ink, narrower than the words' advance (layout.wrapped)
Array = np.ndarray


# -- tools --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tesseract_languages(tool: str) -> frozenset[str]:
    done = subprocess.run([tool, "--list-langs"], capture_output=True, text=True, timeout=60, check=False)
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:])


def _tesseract(name: str) -> str:
    tool = shutil.which("tesseract")
    if tool is None or _LANGUAGE not in _tesseract_languages(tool):
        what = "Tesseract OCR is not installed" if tool is None else "Tesseract has no Vietnamese model (vie)"
        raise PlanFileError(
            f"cannot read '{name}': it is a scanned document, and {what} "
            "(Debian: apt-get install tesseract-ocr tesseract-ocr-vie, or `make office`)"
        )
    return tool


def _pdftoppm(name: str) -> str:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PlanFileError(
            f"cannot read '{name}': it is a scanned PDF, and poppler's pdftoppm is not installed "
            "(Debian: apt-get install poppler-utils, or `make office`)"
        )
    return tool


def _run(command: Sequence[str], name: str, what: str) -> str:
    # one thread per Tesseract: its OpenMP threads fight over the cores (4.3 s a page against 1.2 s)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            list(command), capture_output=True, text=True, timeout=_TIMEOUT, check=False, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise PlanFileError(f"cannot read '{name}': {what} took more than {_TIMEOUT} s") from exc
    if done.returncode != 0:
        detail = one_line(RuntimeError(done.stderr.strip() or f"exit status {done.returncode}"))
        raise PlanFileError(f"cannot read '{name}': {what} failed ({detail[:200]})")
    return done.stdout


# -- images -------------------------------------------------------------------------------------


def _otsu(gray: Array) -> int:
    """The grey level that best splits the page into ink and paper."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    weights = np.cumsum(hist)
    means = np.cumsum(hist * np.arange(256))
    between = (means[-1] * weights - means * total) ** 2 / np.maximum(weights * (total - weights), 1e-9)
    return int(np.argmax(between[:-1]))


def _skew(dark: Array) -> float:
    """The page's tilt in degrees: the angle whose sheared row profile is sharpest."""
    small = dark[::2, ::2]
    ys, xs = np.nonzero(small)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 300_000:  # a sample is enough, and keeps each of the ~50 trials to milliseconds
        keep = np.random.default_rng(0).choice(len(ys), 300_000, replace=False)
        ys, xs = ys[keep], xs[keep]
    height = small.shape[0]

    def sharpness(angle: float) -> float:
        shifted = np.round(ys - xs * np.tan(np.radians(angle))).astype(np.int64) + height
        counts = np.bincount(shifted, minlength=3 * height).astype(np.float64)
        return float(np.sum(counts * counts))

    coarse = max(np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(coarse - 0.25, coarse + 0.26, 0.05), key=sharpness))


def _long_runs(mask: Array, length: int) -> Array:
    """The pixels lying on a horizontal run of at least `length` set pixels."""
    height, width = mask.shape
    if width < length:
        return np.zeros_like(mask)
    sums = np.zeros((height, width + 1), np.int32)
    np.cumsum(mask, axis=1, out=sums[:, 1:])
    full = (sums[:, length:] - sums[:, :-length]) == length  # a run of `length` starts here
    starts = np.zeros((height, width + 1), np.int32)
    np.cumsum(full, axis=1, out=starts[:, 1 : full.shape[1] + 1])
    starts[:, full.shape[1] + 1 :] = starts[:, full.shape[1] : full.shape[1] + 1]
    x = np.arange(width)
    return (starts[:, x + 1] - starts[:, np.maximum(x - length + 1, 0)]) > 0


@dataclass
class _Rule:
    at: float  # y of a horizontal line, x of a vertical one
    start: float
    end: float


def _rules(runs: Array, min_length: int) -> list[_Rule]:
    """Horizontal ruling lines in a mask of long runs: neighbouring rows merged into one line."""
    rows = np.nonzero(runs.any(axis=1))[0]
    rules: list[_Rule] = []
    if len(rows) == 0:
        return rules
    bands = np.split(rows, np.nonzero(np.diff(rows) > 2)[0] + 1)
    for band in bands:
        covered = runs[band[0] : band[-1] + 1].any(axis=0)
        xs = np.nonzero(covered)[0]
        pieces = np.split(xs, np.nonzero(np.diff(xs) > 6)[0] + 1)  # a gap in a scanned line is not an end
        for piece in pieces:
            if piece[-1] - piece[0] + 1 >= min_length:
                rules.append(_Rule(float(band.mean()), float(piece[0]), float(piece[-1])))
    return rules


def _touch(h: _Rule, v: _Rule, slack: float) -> bool:
    return h.start - slack <= v.at <= h.end + slack and v.start - slack <= h.at <= v.end + slack


@dataclass
class _Ruled:
    grid: Grid
    boxes: list[tuple[float, float, float, float]]  # each cell's inner box (inside its lines)


def _tables(dark: Array) -> tuple[list[_Ruled], Array]:
    """The ruled tables of a page, and the mask of its ruling lines (to whiten before OCR)."""
    # half resolution: faster, and a line broken by a pixel or skewed by one is whole again
    half = dark[: dark.shape[0] // 2 * 2, : dark.shape[1] // 2 * 2]
    half = half[0::2, 0::2] | half[1::2, 0::2] | half[0::2, 1::2] | half[1::2, 1::2]
    length = _MIN_RULE // 2
    thick_h = half | np.roll(half, 1, axis=0) | np.roll(half, -1, axis=0)
    thick_v = half | np.roll(half, 1, axis=1) | np.roll(half, -1, axis=1)
    h_runs = _long_runs(thick_h, length)
    v_runs = _long_runs(thick_v.T, length).T
    ruling = np.repeat(np.repeat(h_runs | v_runs, 2, axis=0), 2, axis=1)
    ruling = np.pad(ruling, ((0, dark.shape[0] - ruling.shape[0]), (0, dark.shape[1] - ruling.shape[1])))
    horizontal = [_Rule(r.at * 2, r.start * 2, r.end * 2) for r in _rules(h_runs, length)]
    vertical = [_Rule(r.at * 2, r.start * 2, r.end * 2) for r in _rules(v_runs.T, length)]
    slack = 12.0
    # a table's lines meet others at both ends: an underline or a rule under the head meets none
    for _ in range(2):
        horizontal = [h for h in horizontal if sum(_touch(h, v, slack) for v in vertical) >= 2]
        vertical = [v for v in vertical if sum(_touch(h, v, slack) for h in horizontal) >= 2]
    groups = _connected(horizontal, vertical, slack)
    return [t for t in (_grid(dark, hs, vs) for hs, vs in groups) if t is not None], ruling


def _connected(horizontal: list[_Rule], vertical: list[_Rule], slack: float) -> list[tuple[list[_Rule], list[_Rule]]]:
    parent = list(range(len(horizontal) + len(vertical)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(horizontal):
        for j, v in enumerate(vertical):
            if _touch(h, v, slack):
                parent[find(i)] = find(len(horizontal) + j)
    groups: dict[int, tuple[list[_Rule], list[_Rule]]] = {}
    for i, h in enumerate(horizontal):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vertical):
        groups.setdefault(find(len(horizontal) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _positions(values: list[float], tolerance: float) -> list[float]:
    merged: list[list[float]] = []
    for value in sorted(values):
        if merged and value - merged[-1][-1] <= tolerance:
            merged[-1].append(value)
        else:
            merged.append([value])
    return [sum(group) / len(group) for group in merged]


def _present(dark: Array, *, horizontal: bool, at: float, start: float, end: float) -> bool:
    """Is there a ruling line at `at` between start and end (most of its length dark)?"""
    margin = 10
    a, b = int(start) + margin, int(end) - margin
    if b <= a:
        return True
    band = slice(max(int(at) - 5, 0), int(at) + 6)
    strip = dark[band, a:b].any(axis=0) if horizontal else dark[a:b, band].any(axis=1)
    return float(strip.mean()) >= 0.6


def _grid(dark: Array, horizontal: list[_Rule], vertical: list[_Rule]) -> _Ruled | None:
    ys = _positions([h.at for h in horizontal], 12)
    xs = _positions([v.at for v in vertical], 12)
    if len(ys) < 2 or len(xs) < 2:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not _present(dark, horizontal=False, at=xs[c + 1], start=ys[r], end=ys[r + 1]):
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and not _present(dark, horizontal=True, at=ys[r + 1], start=xs[c], end=xs[c + 1]):
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            members.setdefault(find(r * cols + c), []).append((r, c))
    spans: list[tuple[int, int, int, int]] = []
    owner: dict[tuple[int, int], int] = {}
    boxes: list[tuple[float, float, float, float]] = []
    for slots in sorted(members.values(), key=min):
        r0, c0 = min(r for r, _ in slots), min(c for _, c in slots)
        r1, c1 = max(r for r, _ in slots) + 1, max(c for _, c in slots) + 1
        index = len(spans)
        spans.append((r0, r1, c0, c1))
        for slot in slots:
            owner.setdefault(slot, index)
        boxes.append((xs[c0] + 6, ys[r0] + 6, xs[c1] - 6, ys[r1] - 6))
    return _Ruled(Grid(xs, ys, spans, owner), boxes)


# -- OCR ----------------------------------------------------------------------------------------


@dataclass
class _OcrLine:
    image: int  # which image of the list (0-based)
    words: list[Word]
    confidences: list[float] = field(default_factory=list)  # Tesseract's, 0-100, one per word


def _parse_tsv(tsv: str, offsets: Sequence[tuple[float, float]]) -> list[_OcrLine]:
    """Tesseract's TSV as lines of words, in page coordinates (each image's offset added). A word
    takes its line's top and bottom: every word of a line then has one height, as in a PDF."""
    boxes: dict[tuple[int, int, int, int], tuple[float, float]] = {}
    lines: dict[tuple[int, int, int, int], _OcrLine] = {}
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12:
            continue
        level, image, block, par, line = (int(p) for p in parts[:5])
        left, top, width, height = (float(p) for p in parts[6:10])
        key = (image, block, par, line)
        dx, dy = offsets[image - 1] if 0 < image <= len(offsets) else (0.0, 0.0)
        if level == 4:
            boxes[key] = (top + dy, top + height + dy)
        elif level == 5 and parts[11].strip() and float(parts[10]) >= 0:
            band = boxes.get(key, (top + dy, top + height + dy))
            word = Word(parts[11].strip(), left + dx, band[0], left + width + dx, band[1])
            found = lines.setdefault(key, _OcrLine(image - 1, []))
            found.words.append(word)
            found.confidences.append(float(parts[10]))
    for found in lines.values():
        order = sorted(range(len(found.words)), key=lambda i: found.words[i].x0)
        found.words = [found.words[i] for i in order]
        found.confidences = [found.confidences[i] for i in order]
    return list(lines.values())


def _save(image: Image.Image, path: Path) -> Path:
    image.save(path)
    return path


_GARBAGE_RE = re.compile(r"^[_~`^=]+$")  # a speck or a ruling line's remnant read as text


def _words_only(line: _OcrLine) -> _OcrLine:
    """The line without specks; "|" read as the "I" it is: a plan's text has no vertical bar, and
    Tesseract reads a capital I without serifs (the section numeral "I") as one."""
    kept = [(w, c) for w, c in zip(line.words, line.confidences, strict=True) if not _GARBAGE_RE.match(w.text)]
    line.words = [Word(w.text.replace("|", "I"), w.x0, w.top, w.x1, w.bottom) for w, _c in kept]
    line.confidences = [c for _w, c in kept]
    return line


@dataclass
class _Piece:
    """The writing of one cell, cut out: its image, its top-left corner on the page, whose it is."""

    image: Array
    at: tuple[int, int]
    owner: tuple[int, int]  # (table, cell)


@dataclass
class _Montage:
    """Pieces laid out on white in one image; where each went: (start, end) along the layout
    axis, widened by half the gap either side, and its corner in the image."""

    image: Array
    vertical: bool
    places: list[tuple[int, int, tuple[int, int], _Piece]]
    scale: float = 1.0  # the image as read is this much larger than the pieces

    def place(self, word: Word) -> tuple[_Piece, Word] | None:
        """The piece a word read in the montage belongs to, and the word where it is on the page."""
        word = Word(word.text, *(v / self.scale for v in (word.x0, word.top, word.x1, word.bottom)))
        # side by side, a word's left part: Tesseract sometimes boxes a short word as wide as the line
        middle = (word.top + word.bottom) / 2 if self.vertical else word.x0 + (word.x1 - word.x0) / 4
        for lo, hi, (x, y), piece in self.places:
            if lo <= middle < hi:
                dx, dy = piece.at[0] - x, piece.at[1] - y
                return piece, Word(word.text, word.x0 + dx, word.top + dy, word.x1 + dx, word.bottom + dy)
        return None


def _montages(pieces: Sequence[_Piece], *, vertical: bool) -> list[_Montage]:
    """Pieces stacked top to bottom (vertical, _GAP apart) or side by side on their bottom edge
    (_ROW_GAP apart), _FRAME from the edges, in images of at most _MAX_SIDE pixels along the stack."""
    gap = _GAP if vertical else _ROW_GAP
    groups: list[list[_Piece]] = []
    length = 0
    for piece in pieces:
        size = piece.image.shape[0] if vertical else piece.image.shape[1]
        if not groups or length + size + gap > _MAX_SIDE:
            groups.append([])
            length = gap
        groups[-1].append(piece)
        length += size + gap
    montages = []
    for group in groups:
        heights = [piece.image.shape[0] for piece in group]
        widths = [piece.image.shape[1] for piece in group]
        if vertical:
            shape = (gap + sum(h + gap for h in heights), max(widths) + 2 * _FRAME)
        else:
            shape = (max(heights) + 2 * _FRAME, gap + sum(w + gap for w in widths))
        image = np.full(shape, 255, np.uint8)
        places = []
        along = gap
        for piece, height, width in zip(group, heights, widths, strict=True):
            y, x = (along, _FRAME) if vertical else (shape[0] - _FRAME - height, along)
            image[y : y + height, x : x + width] = piece.image
            size = height if vertical else width
            places.append((along - gap // 2, along + size + gap // 2, (x, y), piece))
            along += size + gap
        # short texts side by side read more reliably larger ("TT" not "TỪ", "5" not "Đ"); the
        # columns of longer ones read worse
        scale = 1.0 if vertical else _ROW_SCALE
        if scale != 1.0:
            size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
            image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))
        montages.append(_Montage(image, vertical, places, scale))
    return montages


def _ocr_page(gray: Image.Image, work: Path, tool: str, name: str, label: str) -> Page:
    """One page image (grey, about 300 dpi) as a Page: its ruled tables and the text around them."""
    pixels = np.asarray(gray, dtype=np.uint8)
    dark = pixels < _otsu(pixels)
    angle = _skew(dark)
    if abs(angle) >= 0.05:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)  # turned back by the tilt
        pixels = np.asarray(gray, dtype=np.uint8)
        dark = pixels < _otsu(pixels)
    tables, ruling = _tables(dark)
    # black on white, ruling lines removed: Tesseract binarises a small cell image on its own and
    # gets a lone digit wrong ("4" as "FÁ") where the page's threshold gives it clean strokes
    clean = np.where(dark & ~ruling, np.uint8(0), np.uint8(255))
    outside = clean.copy()
    # the writing of every cell, cut out and laid out on white, read in one Tesseract run per kind:
    # cells of several words stacked into a column read as a block of lines (psm 6), short ones (a
    # number, "TT") side by side on one line (psm 7). Read alone, or as a line of a block, a lone
    # "5" comes back as "S", "Si" or "°"; beside the other numbers it is a 5.
    pieces: list[_Piece] = []
    for t, ruled in enumerate(tables):
        xs, ys = ruled.grid.xs, ruled.grid.ys
        outside[int(ys[0]) : int(ys[-1]) + 1, int(xs[0]) : int(xs[-1]) + 1] = 255
        for c, (x0, top, x1, bottom) in enumerate(ruled.boxes):
            x0, top, x1, bottom = int(x0), int(top), int(x1), int(bottom)
            if x1 - x0 < 8 or bottom - top < 8:
                continue
            ink = clean[top:bottom, x0:x1] == 0
            if int(ink.sum()) < 40:  # nothing written in it: no need to read it
                continue
            rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
            y0, y1, cx0, cx1 = top + rows[0], top + rows[-1] + 1, x0 + cols[0], x0 + cols[-1] + 1
            pieces.append(_Piece(clean[y0:y1, cx0:cx1], (int(cx0), int(y0)), (t, c)))
    short: list[_Piece] = []
    long: list[_Piece] = []
    for piece in pieces:
        height, width = piece.image.shape
        (short if height < _ONE_LINE and width <= 3 * height else long).append(piece)
    # short cells are read twice, among the others and side by side; the surer reading is kept
    montages = _montages(long + short, vertical=True) + _montages(short, vertical=False)
    readings: dict[int, list[tuple[float, list[Line]]]] = {}  # id(piece) -> (confidence, its lines) per reading
    for number, montage in enumerate(montages):
        path = _save(Image.fromarray(montage.image), work / f"{label}-cells-{number}.png")
        mode = "6" if montage.vertical else "7"
        command = [tool, str(path), "stdout", "-l", _LANGUAGE, "--psm", mode, "tsv"]
        read: dict[int, tuple[list[float], list[Line]]] = {}
        for line in _parse_tsv(_run(command, name, "OCR (Tesseract)"), [(0.0, 0.0)]):
            # the words of one Tesseract line that fall in one piece make one line of that cell
            per_piece: dict[int, tuple[list[Word], list[float]]] = {}
            _words_only(line)
            for word, confidence in zip(line.words, line.confidences, strict=True):
                found = montage.place(word)
                if found is not None:
                    words, confidences = per_piece.setdefault(id(found[0]), ([], []))
                    words.append(found[1])
                    confidences.append(confidence)
            for key, (words, confidences) in per_piece.items():
                seen = read.setdefault(key, ([], []))
                seen[0].extend(confidences)
                seen[1].append(Line(words))
        for key, (confidences, found_lines) in read.items():
            readings.setdefault(key, []).append((sum(confidences) / len(confidences), found_lines))
    texts: list[list[list[Line]]] = [[[] for _ in ruled.boxes] for ruled in tables]
    for piece in pieces:
        if id(piece) in readings:
            texts[piece.owner[0]][piece.owner[1]] = max(readings[id(piece)], key=lambda r: r[0])[1]
    page_tables: list[PageTable] = []
    for ruled, cells in zip(tables, texts, strict=True):
        joined = [
            join_lines(sorted(lines, key=lambda ln: ln.top), box[0], box[2], _SLACK)
            for box, lines in zip(ruled.boxes, cells, strict=True)
        ]
        page_tables.append(ruled.grid.table(joined))
    lines: list[Line] = []
    if int((outside < 128).sum()) >= 40:
        text_image = _save(Image.fromarray(outside), work / f"{label}-text.png")
        tsv = _run([tool, str(text_image), "stdout", "-l", _LANGUAGE, "--psm", "3", "tsv"], name, "OCR (Tesseract)")
        for text_line in _parse_tsv(tsv, [(0.0, 0.0)]):
            if _words_only(text_line).words:
                lines.extend(split_at_gaps(Line(text_line.words)))
    height, width = pixels.shape
    return Page(width=float(width), height=float(height), lines=lines, tables=page_tables, slack=_SLACK)


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def ocr_pdf_pages(path: Path, numbers: Sequence[int]) -> dict[int, Page]:
    """These pages of a PDF (0-based) read by OCR."""
    tool, raster = _tesseract(path.name), _pdftoppm(path.name)
    with tempfile.TemporaryDirectory(prefix="dondoc-ocr-") as tmp:
        work = Path(tmp)

        def one(number: int) -> Page:
            base = work / f"p{number + 1}"
            _run(
                [raster, "-r", str(DPI), "-gray", "-f", str(number + 1), "-l", str(number + 1), "-singlefile",
                 str(path), str(base)],
                path.name, "rasterising the PDF (pdftoppm)",
            )  # fmt: skip
            with Image.open(base.with_suffix(".pgm")) as image:
                gray = image.convert("L")
            return _ocr_page(gray, work, tool, path.name, f"p{number + 1}")

        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            return dict(zip(numbers, pool.map(one, numbers), strict=True))


def read_image(path: Path) -> PlanDocument:
    """A photographed or scanned page (.png, .jpg, .tif; a multi-page TIFF gives several pages)."""
    tool = _tesseract(path.name)
    try:
        with Image.open(path) as image:
            frames = [_page_sized(frame.convert("L")) for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PlanFileError(f"cannot read '{path.name}': not a readable image ({one_line(exc)})") from exc
    with tempfile.TemporaryDirectory(prefix="dondoc-ocr-") as tmp:
        work = Path(tmp)
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            pages = list(
                pool.map(lambda item: _ocr_page(item[1], work, tool, path.name, f"i{item[0]}"), enumerate(frames))
            )
    document = assemble(pages, "scan", fuzzy_headers=True)
    if not document.paragraphs and not document.tables:
        raise PlanFileError(f"cannot read '{path.name}': no text found in the image")
    return document


def _page_sized(image: Image.Image) -> Image.Image:
    """An image scaled so that its width is about an A4 page's at 300 dpi: a phone photo is larger,
    a fax smaller, and the pixel sizes above (ruling lines, margins) assume 300 dpi."""
    target = 2480
    if abs(image.width - target) / target < 0.25:
        return image
    scale = target / image.width
    return image.resize((target, max(1, round(image.height * scale))), Image.Resampling.LANCZOS)


__all__ = ["DPI", "ocr_pdf_pages", "read_image"]
