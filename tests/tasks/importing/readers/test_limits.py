"""Zip bombs (issue 17): a .docx or .xlsx whose parts unpack far past any plan is refused in one
line naming the file and the part, by a process that stays small; a file that would need more
memory than the web import's ceiling is refused by the process that reads it, not by the caller.

The bombs are real packages built by the tests: a real document or workbook whose one part is
replaced by a huge repetitive XML written in chunks (the test itself stays small in memory; the
300 MB part compresses to about 300 KB). Each import runs as `dondoc import --dry-run` under a
wrapper process whose only child it is, so RUSAGE_CHILDREN gives that import's peak memory.
"""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from config.settings import reset_settings
from tasks.importing.readers import PlanFileError, read_document
from tasks.importing.readers.limits import read_with_memory_ceiling
from tests.conftest import DONDOC
from tests.tasks.builders import build_docx_plan, build_xlsx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
ROWS = [["1", "Rà soát quy hoạch vùng sản xuất", "Sở Tài chính", "Các sở, ngành", "Tháng 6/2026"]]
MB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# the part, its opening and closing, and one repeated unit: what each bomb fills a part with
SHAPES: dict[str, tuple[bytes, bytes, bytes]] = {
    "word/document.xml": (f'<w:document xmlns:w="{W}"><w:body>'.encode(), b"</w:body></w:document>", b"<w:p/>"),
    "word/styles.xml": (f'<w:styles xmlns:w="{W}">'.encode(), b"</w:styles>", b"<w:style/>"),
    "xl/worksheets/sheet1.xml": (f'<worksheet xmlns="{S}"><sheetData>'.encode(), b"</sheetData></worksheet>",
                                 b"<row/>"),
    "xl/sharedStrings.xml": (f'<sst xmlns="{S}">'.encode(), b"</sst>", b"<si><t/></si>"),
    "xl/styles.xml": (f'<styleSheet xmlns="{S}">'.encode(), b"</styleSheet>", b"<numFmts/>"),
}  # fmt: skip
SHARED_STRINGS_REL = (b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org'
                      b'/officeDocument/2006/relationships/sharedStrings"/>')
# what runs the import: its peak memory (KB on Linux), exit status and error output
_MEASURED = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    "sys.stdout.write(done.stderr)\n"
)


def _plan(path: Path) -> Path:
    """A real one-task plan of the path's kind."""
    if path.suffix == ".docx":
        return build_docx_plan(path, head_paragraphs=["KẾ HOẠCH"], header=HEADER, rows=ROWS)
    return build_xlsx_plan(path, title_rows=["Biểu 05"], header=HEADER, rows=ROWS)


def _bomb(path: Path, part: str, *, unpacked_mb: float) -> Path:
    """A real plan whose ``part`` is replaced by about ``unpacked_mb`` of one repeated element,
    written chunk by chunk (never held whole in memory)."""
    source = _plan(path.with_name("source" + path.suffix))
    opening, closing, unit = SHAPES[part]
    chunk = unit * (MB // len(unit))
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels" and part == "xl/sharedStrings.xml":
                # openpyxl writes inline strings: the shared strings Excel writes are added, as Excel links them
                data = data.replace(b"</Relationships>", SHARED_STRINGS_REL + b"</Relationships>")
            if item.filename != part:
                new.writestr(item, data)
        with new.open(part, "w", force_zip64=True) as stream:
            stream.write(opening)
            for _ in range(int(unpacked_mb)):
                stream.write(chunk)
            stream.write(closing)
    return path


def _import_in_child(path: Path) -> tuple[float, int, list[str]]:
    """`dondoc import --dry-run path` in a process of its own: (peak RSS in MB, exit status, stderr lines)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(DONDOC), "import", str(path), "--dry-run"],
        capture_output=True, text=True, timeout=600, env=dict(os.environ), check=True,
    )
    first, *err = done.stdout.splitlines()
    peak_kb, status = first.split()
    return int(peak_kb) / 1024, int(status), [line for line in err if line.strip()]


def test_a_docx_whose_document_unpacks_to_300_mb_is_refused_in_one_line_by_a_small_process(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.docx", "word/document.xml", unpacked_mb=300)
    assert path.stat().st_size < 2 * MB  # what an upload form lets through
    peak_mb, status, err = _import_in_child(path)
    assert status == 2
    assert len(err) == 1, err
    assert "bomb.docx" in err[0] and "word/document.xml" in err[0] and "DONDOC_IMPORT_MAX_PART_MB" in err[0]
    assert peak_mb < 300, f"the import peaked at {peak_mb:.0f} MB"


@pytest.mark.parametrize(("name", "part"), [
    ("styles.docx", "word/styles.xml"),
    ("sheet.xlsx", "xl/worksheets/sheet1.xml"),
    ("strings.xlsx", "xl/sharedStrings.xml"),
    ("styles.xlsx", "xl/styles.xml"),
])  # fmt: skip
def test_each_part_a_reader_reads_is_refused_past_the_unpacked_size_limit(tmp_path: Path, name: str,
                                                                          part: str) -> None:
    path = _bomb(tmp_path / name, part, unpacked_mb=120)  # the limit is 100 MB
    peak_mb, status, err = _import_in_child(path)
    assert (status, len(err)) == (2, 1), err
    assert name in err[0] and part in err[0] and "DONDOC_IMPORT_MAX_PART_MB" in err[0]
    assert peak_mb < 300, f"the import peaked at {peak_mb:.0f} MB"


@pytest.mark.parametrize(("name", "part"), [("many.docx", "word/document.xml"), ("many.xlsx", "xl/sharedStrings.xml")])
def test_a_part_holding_more_elements_than_the_limit_is_refused_while_streaming(tmp_path: Path, name: str,
                                                                                part: str) -> None:
    path = _bomb(tmp_path / name, part, unpacked_mb=40)  # 40 MB: under the size limit, 3 to 7 million elements
    peak_mb, status, err = _import_in_child(path)
    assert (status, len(err)) == (2, 1), err
    assert name in err[0] and part in err[0] and "DONDOC_IMPORT_MAX_PART_ELEMENTS" in err[0]
    assert peak_mb < 300, f"the import peaked at {peak_mb:.0f} MB"


def _declare_size(path: Path, part: str, size: int) -> None:
    """Make the zip's local header and central directory both claim ``size`` bytes unpacked for ``part``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(part).header_offset
    struct.pack_into("<I", data, local + 22, size)
    name = part.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        (length,) = struct.unpack_from("<H", data, central + 28)
        if data[central + 46 : central + 46 + length] == name:
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_a_part_that_unpacks_to_more_than_its_header_declares_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_MB", "1")
    reset_settings()
    path = _bomb(tmp_path / "liar.docx", "word/document.xml", unpacked_mb=3)
    _declare_size(path, "word/document.xml", 4096)  # passes the limit on its word
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 4096
    with pytest.raises(PlanFileError) as caught:
        read_document(path)
    message = str(caught.value)
    assert "\n" not in message and "liar.docx" in message and "word/document.xml" in message


def test_a_plan_within_the_limits_still_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # limits far below the defaults, still above what a one-task plan's parts hold
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_MB", "1")
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_ELEMENTS", "20000")
    reset_settings()
    for name in ("plan.docx", "plan.xlsx"):
        assert ROWS[0] in read_document(_plan(tmp_path / name)).tables[0].rows


# -- the memory ceiling ------------------------------------------------------------------------


def _big_table_docx(path: Path, rows: int) -> Path:
    """A .docx whose one table has ``rows`` rows: a table is read whole, so it costs memory."""
    template = path.with_name("template.docx")
    docx.Document().save(str(template))
    with zipfile.ZipFile(template) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename != "word/document.xml":
                new.writestr(item, old.read(item.filename))
        with new.open("word/document.xml", "w", force_zip64=True) as stream:
            stream.write(f'<w:document xmlns:w="{W}"><w:body><w:tbl>'.encode())
            row = b"<w:tr><w:tc><w:p/></w:tc></w:tr>"
            for _ in range(rows // 10_000):
                stream.write(row * 10_000)
            stream.write(b"</w:tbl></w:body></w:document>")
    return path


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def test_a_file_needing_more_memory_than_the_ceiling_is_refused_by_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # limits lifted: only the ceiling stands between this table and the memory it needs (~600 MB)
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_MB", "4096")
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_ELEMENTS", "1000000000")
    reset_settings()
    path = _big_table_docx(tmp_path / "table.docx", rows=1_500_000)
    peak_before, rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _rss_mb()
    with pytest.raises(PlanFileError) as caught:
        read_with_memory_ceiling(path, memory_mb=256)
    message = str(caught.value)
    assert message == ("cannot read 'table.docx': reading it needs more than 256 MB of memory "
                       "(DONDOC_IMPORT_MEMORY_MB)")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - peak_before < 50
    assert _rss_mb() - rss_before < 50


def test_a_file_read_under_the_ceiling_is_the_document_read_directly(tmp_path: Path) -> None:
    for name in ("plan.docx", "plan.xlsx"):
        path = _plan(tmp_path / name)
        assert read_with_memory_ceiling(path, memory_mb=1024) == read_document(path)
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(PlanFileError, match=r"^cannot read 'broken.xlsx': not a valid Excel"):
        read_with_memory_ceiling(tmp_path / "broken.xlsx", memory_mb=1024)
