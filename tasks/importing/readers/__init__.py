"""Read a plan file (.txt, .docx, .xlsx, .pdf, a scanned page, .doc/.odt/.rtf) into paragraphs and tables.

    doc = read_document(Path("plan.docx"))   # PlanDocument(paragraphs, tables, source)

Every failure a user can cause (unknown extension, missing, empty, damaged or non-UTF-8 file)
is a PlanFileError whose message is one line naming the file.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from tasks.importing.readers.base import PlanDocument, PlanFileError, Table
from tasks.importing.readers.txt import parse_text

# Readers are imported when needed: python-docx and openpyxl cost a one-shot command ~0.4 s.
_READERS: dict[str, tuple[str, str]] = {
    ".txt": ("tasks.importing.readers.txt", "read_txt"),
    ".docx": ("tasks.importing.readers.docx", "read_docx"),
    ".xlsx": ("tasks.importing.readers.xlsx", "read_xlsx"),
    # a text layer is read as is; pages without one go to the OCR reader (scan.py)
    ".pdf": ("tasks.importing.readers.pdf", "read_pdf"),
    # converted to .docx by LibreOffice (convert.py)
    ".doc": ("tasks.importing.readers.convert", "read_converted"),
    ".odt": ("tasks.importing.readers.convert", "read_converted"),
    ".rtf": ("tasks.importing.readers.convert", "read_converted"),
    # a scanned or photographed page, read by OCR
    ".png": ("tasks.importing.readers.scan", "read_image"),
    ".jpg": ("tasks.importing.readers.scan", "read_image"),
    ".jpeg": ("tasks.importing.readers.scan", "read_image"),
    ".tif": ("tasks.importing.readers.scan", "read_image"),
    ".tiff": ("tasks.importing.readers.scan", "read_image"),
}
EXPECTED = ".docx, .xlsx, .txt, .pdf, .doc, .odt, .rtf or a scanned page (.png, .jpg, .tif)"


def read_document(path: Path | str) -> PlanDocument:
    path = Path(path)
    suffix = path.suffix.lower()
    where = _READERS.get(suffix)
    if where is None:
        shown = f"'{suffix}'" if suffix else f"(no extension on '{path.name}')"
        raise PlanFileError(f"unsupported file type {shown}: expected {EXPECTED}")
    if not path.is_file():
        raise PlanFileError(f"cannot read '{path}': no such file")
    reader = getattr(import_module(where[0]), where[1])
    try:
        return reader(path)
    except OSError as exc:  # unreadable (permissions, a directory, I/O error)
        raise PlanFileError(f"cannot read '{path.name}': {exc.strerror or exc}") from exc


__all__ = ["PlanDocument", "PlanFileError", "Table", "parse_text", "read_document"]
