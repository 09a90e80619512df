"""What every reader returns: the document's paragraphs and tables, text in NFC.

The readers know nothing about plans; they only flatten a file into paragraphs and grids of
cell text. Everything plan-specific (which table holds the tasks, what a header means) lives
in tasks.importing.appendix and tasks.importing.meta, so a new file format only needs a new reader.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


class PlanFileError(Exception):
    """One clear, user-facing line: why this file cannot be read as a plan."""


@dataclass
class Table:
    rows: list[list[str]]  # NFC text; a merged cell's text only in its top-left cell, "" in the cells it covers
    index: int  # order in the document
    paragraphs_before: int  # how many document paragraphs precede it (to find the caption/title above it)
    # a cell a merge covers (row, col) -> the merge's top-left cell, for .docx and .xlsx; lets the
    # appendix tell "the lead cell is merged down over three tasks" from "the lead cell is empty"
    merged_from: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


@dataclass
class PlanDocument:
    paragraphs: list[str]  # the non-table text, NFC, in document order, empty ones dropped
    tables: list[Table] = field(default_factory=list)
    # "txt" | "docx" | "xlsx" | "pdf" (a text layer) | "scan" (read by OCR: every task is flagged for review)
    source: str = "txt"


def clean_text(text: str) -> str:
    """NFC, unified line ends, no stray outer whitespace: the form every reader stores.

    Word and Excel often hold decomposed Vietnamese (NFD) and non-breaking spaces; comparing
    header wording or agency names later only works on one canonical form.
    """
    text = unicodedata.normalize("NFC", text)
    if "\n" not in text and "\r" not in text:  # the common one-line cell, read fast
        return text.replace("\u00a0", " ").replace("\ufeff", "").strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def one_line(exc: BaseException) -> str:
    """An exception message folded onto one line (lxml and zipfile messages span several)."""
    message = " ".join(str(exc).split())
    return message or type(exc).__name__
