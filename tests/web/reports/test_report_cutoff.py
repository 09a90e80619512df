"""'Lập báo cáo ngay' asks for the cut-off day (today by default, dd/mm/yyyy) and the compiled
report is as of that day, signed by the office's signer (DONDOC_SIGNER_TITLE, DONDOC_SIGNER_NAME,
as on the công văn đôn đốc) in the Nghị định 30/2020 signature block. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import docx
import pytest
from sqlmodel import Session, select

from config.settings import get_settings, reset_settings
from models.core.report_tables import ReportRun
from models.reports.runs import run_file
from tests.web.conftest import Browserless, World
from tests.web.reports.test_report_pages import plan_id


@pytest.fixture
def signer(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("DONDOC_SIGNER_TITLE", "KT. Chánh Văn phòng|Phó Chánh Văn phòng")
    monkeypatch.setenv("DONDOC_SIGNER_NAME", "Nguyễn Văn An")
    reset_settings()
    return world


def _runs(world: World) -> list[ReportRun]:
    with Session(world.engine) as s:
        return list(s.exec(select(ReportRun).order_by(ReportRun.id)))  # type: ignore[arg-type]


def _compile(c: Browserless, pid: int, as_of: str):  # type: ignore[no-untyped-def]
    page = f"/plans/{pid}/reports"
    return c.submit(page, f"/plans/{pid}/reports/compile", {"period": "2020-H1", "as_of": as_of},
                    follow_redirects=False)


def test_the_form_asks_for_the_cut_off_day_with_today_filled_in(office: Browserless, world: World) -> None:
    page = office.get(f"/plans/{plan_id(world)}/reports").text
    form = page.split('action="/plans/', 1)[1].split("</form>", 1)[0]
    assert 'name="as_of" value="25/01/2020"' in form and "Lập báo cáo ngay" in form


def test_the_report_is_compiled_as_of_the_day_given_and_signed_by_the_offices_signer(
        office: Browserless, signer: World) -> None:
    pid = plan_id(signer)
    r = _compile(office, pid, "20/01/2020")
    assert r.status_code == 303 and "msg=report_compiled" in r.headers["location"]
    run = _runs(signer)[-1]
    assert (run.as_of, run.report_date, run.trigger) == (date(2020, 1, 20), date(2020, 1, 25), "manual")
    path = run_file(get_settings().data_dir, run, "docx")
    assert path is not None
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    text += "\n".join(cell.text for t in docx.Document(str(path)).tables for row in t.rows for cell in row.cells)
    assert "số liệu tính đến ngày 20/01/2020" in text
    assert "KT. CHÁNH VĂN PHÒNG" in text and "PHÓ CHÁNH VĂN PHÒNG" in text and "Nguyễn Văn An" in text
    assert "TRƯỞNG BAN" not in text  # the office signs, as on its công văn đôn đốc


def test_a_blank_cut_off_is_today(office: Browserless, world: World) -> None:
    assert _compile(office, plan_id(world), "").status_code == 303
    assert _runs(world)[-1].as_of == date(2020, 1, 25)


@pytest.mark.parametrize(("typed", "message"), [
    ("31/02/2020", "“31/02/2020” không phải là ngày hợp lệ; nhập theo dạng dd/mm/yyyy."),
    ("hôm qua", "“hôm qua” không phải là ngày hợp lệ"),
    ("26/01/2020", "Ngày chốt số liệu 26/01/2020 là ngày trong tương lai (hôm nay 25/01/2020)"),
    ("31/12/2019", ("Kỳ 6 tháng đầu năm 2020 chưa bắt đầu (từ ngày 01/01/2020): chưa lập được báo cáo số liệu "
                    "đến ngày 31/12/2019.")),
])
def test_a_bad_or_future_cut_off_is_a_form_error_and_nothing_is_compiled(
        office: Browserless, world: World, typed: str, message: str) -> None:
    r = _compile(office, plan_id(world), typed)
    assert r.status_code == 400
    error = r.text.split('class="flash error" role="alert">', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&#34;", '"')
    assert f'name="as_of" value="{typed}"' in r.text  # what was typed is kept
    assert _runs(world) == []
