"""Uploads that would take the server's memory (issue 17): a zip bomb is refused with a form error
naming the part, and a file needing more memory than DONDOC_IMPORT_MEMORY_MB is refused by the
process that reads it; the server itself does not grow, nothing is written, nothing stays staged."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from config.settings import reset_settings
from tests.tasks.importing.readers.test_limits import _big_table_docx, _bomb, _plan
from tests.web.conftest import Browserless, World
from tests.web.importing.test_plan_import_pages import db_state, error_of, staged, upload_file


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
