"""Uploads that would take the server's memory (issue 17): a zip bomb is refused with a form error
naming the part, and a file needing more memory than DONDOC_IMPORT_MEMORY_MB is refused by the
process that reads it; the server itself does not grow, nothing is written, nothing stays staged."""

from __future__ import annotations

import resource
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from config.settings import reset_settings
from tests.tasks.importing.readers.test_limits import _big_table_docx, _bomb, _plan
from tests.web.conftest import Browserless, World
from tests.web.importing.test_plan_import_pages import confirm, db_state, error_of, ref_of, staged, upload_file


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def ceiling(monkeypatch: pytest.MonkeyPatch) -> int:
    """The part limits lifted and a low memory ceiling, set before the app is made: only the
    ceiling stands between an upload and the memory it needs."""
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_MB", "4096")
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_ELEMENTS", "1000000000")
    monkeypatch.setenv("DONDOC_IMPORT_MEMORY_MB", "256")
    reset_settings()
    return 256


def test_a_zip_bomb_upload_is_refused_with_a_form_error_naming_the_part(office: Browserless, world: World,
                                                                        tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "Kế hoạch 45.docx", "word/document.xml", unpacked_mb=300)
    before, rss, peak = db_state(world), _rss_mb(), _peak_mb()
    page = upload_file(office, bomb)
    assert page.status_code == 400
    assert error_of(page) == ("Không đọc được tệp “Kế hoạch 45.docx”: phần word/document.xml của tệp khi giải nén "
                              "vượt quá giới hạn của một kế hoạch; tệp bị hỏng hoặc không phải là kế hoạch.")
    assert staged() == [] and db_state(world) == before
    assert _rss_mb() - rss < 50 and _peak_mb() - peak < 50


def test_an_upload_needing_more_memory_than_the_ceiling_is_refused_and_the_server_does_not_grow(
    ceiling: int, office: Browserless, world: World, tmp_path: Path
) -> None:
    table = _big_table_docx(tmp_path / "bang.docx", rows=1_500_000)  # ~600 MB to read
    before, rss, peak = db_state(world), _rss_mb(), _peak_mb()
    page = upload_file(office, table)
    assert page.status_code == 400
    assert error_of(page) == (f"Không đọc được tệp “bang.docx”: đọc tệp cần hơn {ceiling} MB bộ nhớ, quá giới hạn "
                              "của máy chủ; tệp bị hỏng hoặc quá lớn.")
    assert staged() == [] and db_state(world) == before
    assert _rss_mb() - rss < 50, f"the server grew by {_rss_mb() - rss:.0f} MB"
    assert _peak_mb() - peak < 50, f"the server peaked {_peak_mb() - peak:.0f} MB higher"


def test_a_plan_under_the_ceiling_previews_as_before(ceiling: int, office: Browserless, world: World,
                                                     tmp_path: Path) -> None:
    page = upload_file(office, _plan(tmp_path / "plan.xlsx"), province="bac-giang", year="2026")
    assert page.status_code == 200, error_of(page)
    assert "Rà soát quy hoạch vùng sản xuất" in page.text


def _padded_plan(path: Path, empty_rows: int) -> Path:
    """A real one-task Word plan followed by a table of ``empty_rows`` empty rows: read whole as
    a table (about 0.5 KB a row while it is read) and then dropped, so the document read back
    is as small as the plan's, however much its reading cost."""
    source = _plan(path.with_name("source.docx"))
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename != "word/document.xml":
                new.writestr(item, data)
                continue
            head, section, tail = data.rpartition(b"<w:sectPr")
            with new.open(item.filename, "w", force_zip64=True) as stream:
                stream.write(head + b"<w:tbl>")
                for _ in range(empty_rows // 10_000):
                    stream.write(b"<w:tr><w:tc><w:p/></w:tc></w:tr>" * 10_000)
                stream.write(b"</w:tbl>" + section + tail)
    return path


@contextmanager
def _rss_peak() -> Iterator[list[float]]:
    """The highest resident size above the block's starting one (MB), sampled every few ms: the
    process's lifetime peak (ru_maxrss) may already be higher than anything the block does."""
    growth = [0.0]
    start, done = _rss_mb(), threading.Event()

    def sample() -> None:
        while not done.wait(0.002):
            growth[0] = max(growth[0], _rss_mb() - start)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield growth
    finally:
        done.set()
        sampler.join()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # what is measured is the reading, not the database
def test_confirming_a_plan_costly_to_read_imports_it_without_reading_it_again_in_the_server(
    ceiling: int, monkeypatch: pytest.MonkeyPatch, office: Browserless, world: World, tmp_path: Path
) -> None:
    """The confirmation stores what the capped reading process read for it: the file is not
    read again in the server (it was, by import_plan: a file just under the ceiling cost the
    server as much again, ~130 MB for this one)."""
    monkeypatch.setenv("DONDOC_IMPORT_MEMORY_MB", "1024")  # this plan reads under the ceiling
    reset_settings()
    plan = _padded_plan(tmp_path / "Kế hoạch 12.docx", empty_rows=250_000)
    page = upload_file(office, plan, province="bac-giang", year="2026")
    assert page.status_code == 200, error_of(page)
    before = db_state(world)
    with _rss_peak() as growth:
        done = confirm(office, ref_of(page), follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    assert "msg=plan_created" in done.headers["location"]
    after = db_state(world)
    assert after["Plan"] == before["Plan"] + 1 and after["Task"] > before["Task"]
    assert staged() == []
    assert growth[0] < 50, f"the server grew by {growth[0]:.0f} MB while confirming"
