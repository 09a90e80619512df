"""Older word-processor formats: .doc, .odt and .rtf are converted by LibreOffice and read as .docx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.parse import parse_plan
from tasks.importing.readers import PlanDocument, PlanFileError, read_document
from tests.tasks.importing.readers.plans import (
    PlanFiles,
    convert,
    office_tools,
    plan_files,  # noqa: F401  (the fixture)
)


def _shape(doc: PlanDocument) -> tuple[list[str], list[list[list[str]]]]:
    return doc.paragraphs, [table.rows for table in doc.tables]


def test_a_doc_reads_as_the_docx_it_was_saved_from(plan_files: PlanFiles) -> None:
    doc = read_document(plan_files.doc)
    assert doc.source == "doc"
    assert _shape(doc) == _shape(read_document(plan_files.docx))
    assert doc.tables[0].rows[4][3] == "UBND huyện Cao Lộc\nUBND huyện Lộc Bình"  # a line break typed in a cell
    directory = AgencyDirectory.load()
    tasks = parse_plan(doc, directory, source_name=plan_files.doc.name).tasks
    assert [(t.ref, t.due_date, [a.name for a in t.coordinating]) for t in tasks] == [
        (t.ref, t.due_date, [a.name for a in t.coordinating])
        for t in parse_plan(read_document(plan_files.docx), directory, source_name="45.docx").tasks
    ]


@pytest.mark.parametrize("kind", ["odt", "rtf"])
def test_odt_and_rtf_read_as_the_docx_too(plan_files: PlanFiles, tmp_path: Path, kind: str) -> None:
    converted = convert(office_tools(), plan_files.docx, kind, tmp_path)
    doc = read_document(converted)
    assert doc.source == kind
    assert _shape(doc) == _shape(read_document(plan_files.docx))


def test_two_conversions_at_once_do_not_share_a_profile(plan_files: PlanFiles, tmp_path: Path) -> None:
    # one user profile for both would let the second soffice hand its file to the first and convert nothing
    copies = []
    for number in range(2):
        copy = tmp_path / f"45-copy-{number}.doc"
        copy.write_bytes(plan_files.doc.read_bytes())
        copies.append(copy)
    with ThreadPoolExecutor(max_workers=2) as pool:
        docs = list(pool.map(read_document, copies))
    assert [len(doc.tables[0].rows) for doc in docs] == [7, 7]


def test_without_libreoffice_a_doc_is_refused_in_one_line(
    plan_files: PlanFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(PlanFileError) as caught:
        read_document(plan_files.doc)
    message = str(caught.value)
    assert message.startswith("cannot read '45-KH-UBND.doc': a Word 97-2003 .doc file is converted by LibreOffice, ")
    assert "which is not installed" in message and "\n" not in message


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("45.doc", b"\x00\x01 random bytes, not a document" * 20, "Word 97-2003 .doc"),
        ("45.odt", b"not a zip", "OpenDocument .odt"),
        ("45.rtf", b"<html>not rtf</html>", "RTF"),
    ],
)
def test_a_file_that_is_not_of_its_kind_is_refused_before_conversion(
    tmp_path: Path, name: str, content: bytes, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanFileError, match=rf"^cannot read '{name}': not a valid {kind} file$"):
        read_document(path)


def test_an_rtf_saved_under_the_doc_extension_is_read(plan_files: PlanFiles, tmp_path: Path) -> None:
    rtf = convert(office_tools(), plan_files.docx, "rtf", tmp_path)
    renamed = tmp_path / "45-rtf-as.doc"
    renamed.write_bytes(rtf.read_bytes())
    assert len(read_document(renamed).tables[0].rows) == 7
