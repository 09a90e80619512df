"""The scan reader: a plan printed and scanned (pictures, no text) is read by Tesseract, every task
found with its dates and agencies, every task flagged for the office to review."""

from __future__ import annotations

import os
import shutil
import subprocess
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.parse import ParsedPlan, parse_plan
from tasks.importing.readers import PlanDocument, PlanFileError, read_document
from tasks.importing.readers.scan import _skew
from tests.tasks.importing.readers.plans import (
    ROWS,
    PlanFiles,
    build_plan_docx,
    convert,
    office_tools,
    plan_files,  # noqa: F401  (the fixture)
)


def _parse(doc: PlanDocument, name: str) -> ParsedPlan:
    return parse_plan(doc, AgencyDirectory.load(), source_name=name)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, " ".join(a.split()), " ".join(b.split())).ratio()


def test_a_scanned_plan_gives_every_task_with_its_dates_and_agencies_flagged_for_review(plan_files: PlanFiles) -> None:
    doc = read_document(plan_files.scan)
    assert doc.source == "scan"
    scan = _parse(doc, plan_files.scan.name)
    word = _parse(read_document(plan_files.docx), plan_files.docx.name)
    assert scan.province.slug == "lang-son" and scan.meta.issued_on == word.meta.issued_on
    assert len(scan.tasks) == len(word.tasks) == 6
    for read, typed in zip(scan.tasks, word.tasks, strict=True):
        assert read.due_date == typed.due_date, typed.ref
        assert [a.name for a in read.lead] == [a.name for a in typed.lead], typed.ref
        assert [a.name for a in read.coordinating] == [a.name for a in typed.coordinating], typed.ref
        assert _similar(read.row.content, typed.row.content) > 0.9, (read.row.content, typed.row.content)
        assert "read by OCR" in read.review
    # the table ran onto the second page: its header was not read twice, no task was cut in two
    assert [t.ref for t in scan.tasks] == [t.ref for t in word.tasks]


def test_a_pdf_whose_appendix_page_is_scanned_reads_both_pages(plan_files: PlanFiles, tmp_path: Path) -> None:
    # the signed first page has a text layer; the second was scanned and added: the table goes on across them
    for source, prefix in ((plan_files.pdf, "text"), (plan_files.scan, "scan")):
        subprocess.run(["pdfseparate", str(source), str(tmp_path / f"{prefix}-%d.pdf")], check=True)
    mixed = tmp_path / "45-mixed.pdf"
    subprocess.run(["pdfunite", str(tmp_path / "text-1.pdf"), str(tmp_path / "scan-2.pdf"), str(mixed)], check=True)
    doc = read_document(mixed)
    assert doc.source == "scan"  # part of it was read by OCR: every task is to be reviewed
    [table] = doc.tables
    assert [row[0] for row in table.rows] == ["TT", "1", "2", "3", "4", "5", "6"]
    plan = _parse(doc, mixed.name)
    assert [t.due_date.isoformat() if t.due_date else None for t in plan.tasks] == [
        "2025-06-30", "2025-09-30", "2025-12-31", "2025-10-15", "2025-11-30", "2025-12-20",
    ]  # fmt: skip


def test_a_photographed_page_is_read_like_a_scanned_pdf(tmp_path: Path) -> None:
    docx_path = build_plan_docx(tmp_path / "45-short.docx", rows=ROWS[:3])
    pdf = convert(office_tools(), docx_path, "pdf", tmp_path)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "45-page")], check=True)
    doc = read_document(tmp_path / "45-page.png")
    assert doc.source == "scan"
    plan = _parse(doc, "45-page.png")
    assert [t.ref for t in plan.tasks] == ["1", "2", "3"]
    assert [[a.name for a in t.lead] for t in plan.tasks] == [
        ["Sở Nông nghiệp và Phát triển nông thôn"], ["Sở Kế hoạch và Đầu tư"], ["UBND huyện Tràng Định"],
    ]  # fmt: skip
    assert all(t.review == ["read by OCR"] for t in plan.tasks)


def test_the_tilt_of_a_page_is_measured_to_turn_it_back() -> None:
    page = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
    draw = ImageDraw.Draw(page)
    for y in range(300, 3200, 80):  # lines of "words"
        for x in range(240, 2200, 140):
            draw.rectangle((x, y, x + 100, y + 28), fill=0)
    tilted = page.rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    angle = _skew(np.asarray(tilted) < 128)
    assert abs(angle + 1.5) <= 0.1
    turned_back = tilted.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert abs(_skew(np.asarray(turned_back) < 128)) <= 0.1
    assert abs(_skew(np.asarray(page) < 128)) <= 0.05


def _path_without(tmp_path: Path, *keep: str) -> str:
    """A PATH holding only these tools (linked from where they are installed)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in keep:
        found = shutil.which(tool)
        assert found is not None
        os.symlink(found, folder / tool)
    return str(folder)


def test_without_tesseract_a_scan_is_refused_in_one_line(
    plan_files: PlanFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _path_without(tmp_path, "pdftoppm"))
    with pytest.raises(PlanFileError) as caught:
        read_document(plan_files.scan)
    message = str(caught.value)
    assert message.startswith("cannot read '45-KH-UBND-scan.pdf': it is a scanned document, and Tesseract OCR is not")
    assert "tesseract-ocr-vie" in message and "\n" not in message


def test_an_image_that_is_no_image_is_refused_in_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "45-page.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    with pytest.raises(PlanFileError, match=r"^cannot read '45-page\.jpg': not a readable image \("):
        read_document(fake)
