"""The office downloads an agency's công văn đôn đốc from the agency page and opens it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from config.settings import get_settings
from tasks.reports.content import place_date_line
from tests.web.conftest import OFFICE, VIEWER, Browserless, World

DAY = date(2020, 3, 5)


@pytest.fixture
def office_in_march(world: World) -> Iterator[Browserless]:
    from web.app import create_app

    with Browserless(create_app(today=lambda: DAY)) as c:
        c.login(*OFFICE)
        yield c


def test_the_office_downloads_the_agencys_cong_van_and_libreoffice_opens_it(
        office_in_march: Browserless, world: World, tmp_path: Path, soffice: str) -> None:
    agency = world.agency_id("snnptnt")
    assert f'href="/agencies/{agency}/cong-van.docx"' in office_in_march.get(f"/agencies/{agency}").text
    r = office_in_march.get(f"/agencies/{agency}/cong-van.docx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert 'filename="cong-van-don-doc-so-nong-nghiep-va-phat-trien-nong-thon-2020-03-05.docx"' in (
        r.headers["content-disposition"])
    source = tmp_path / "cong-van.docx"
    source.write_bytes(r.content)
    done = subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "cong-van.pdf"), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    for part in ("UBND TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: .../VPĐP",
                 place_date_line("Bắc Giang", DAY), "Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.",
                 "nhiệm vụ I.1", "Nơi nhận:", "CHÁNH VĂN PHÒNG"):
        assert part in text, part
    kept = get_settings().data_dir / "cong-van" / "bac-giang" / "snnptnt"
    assert [p.name for p in kept.iterdir()] == ["2020-03-05-cap-3.docx"]


def test_an_agency_with_nothing_overdue_has_no_cong_van_to_download(office: Browserless, world: World) -> None:
    r = office.get(f"/agencies/{world.agency_id('snnptnt')}/cong-van.docx")  # 25/01/2020: nothing overdue yet
    assert r.status_code == 404 and "không có nhiệm vụ chủ trì nào quá hạn" in r.text


def test_a_viewer_cannot_download_a_cong_van(client: Browserless, world: World) -> None:
    client.login(*VIEWER)
    assert client.get(f"/agencies/{world.agency_id('snnptnt')}/cong-van.docx").status_code == 403
