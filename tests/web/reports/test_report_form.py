"""The agency's period-report form (issue 15, item 8): it lists only the indicators the agency
reports, a typo in one value keeps the attached file and everything typed, and after sending
the form shows what was sent. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from config.settings import get_settings
from models.core.report_tables import Indicator, IndicatorValue, ReportSubmission
from models.core.tables import Agency
from models.reports.submissions import submission_path
from tests.web.conftest import Browserless, World
from tests.web.reports.test_report_pages import PDF, report_url, send, written

SON_DONG = "ubnd-huyen-son-dong"
NARRATIVE = "Đã rà soát các xã đăng ký đạt chuẩn năm 2020."


def _inputs(form: str) -> set[int]:
    return {int(i) for i in re.findall(r'name="ind-(\d+)"', form)}


def _owned(world: World, key: str) -> set[int]:
    with Session(world.engine) as s:
        return set(s.exec(select(Indicator.id).where(Indicator.owner_agency_id == world.agency_id(key))).all())  # type: ignore[arg-type]


def _staged() -> list[Path]:
    folder = get_settings().data_dir / "reports-staged"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _field(form: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', form)
    assert found, name
    return found.group(1)


def test_the_form_lists_only_the_indicators_the_agency_reports(client: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        every = len(s.exec(select(Indicator.id)).all())
        unowned = set(s.exec(select(Indicator.id).where(Indicator.owner_agency_id == None)).all())  # type: ignore[arg-type]  # noqa: E711
    assert every == 58
    son_dong = client.get(report_url(world, SON_DONG)).text
    assert _inputs(son_dong) == _owned(world, SON_DONG) and len(_inputs(son_dong)) < 10
    assert "– Huyện Sơn Động" in son_dong and "– Huyện Lục Ngạn" not in son_dong
    # a department answering for no indicator gets no indicator at all, not the plan's 58
    assert _inputs(client.get(report_url(world, "snnptnt")).text) == set()
    # the province's coordination office compiles the province-wide figures no agency is named for
    assert unowned and _inputs(client.get(report_url(world, "vpdp")).text) == unowned


def test_a_value_for_another_agencys_indicator_is_not_recorded(client: Browserless, world: World) -> None:
    other = next(iter(_owned(world, "ubnd-huyen-luc-ngan")))
    mine = next(iter(_owned(world, SON_DONG)))
    r = send(client, report_url(world, SON_DONG), {f"ind-{other}": "99", f"ind-{mine}": "7"})
    assert r.status_code == 200
    with Session(world.engine) as s:
        assert [(v.indicator_id, v.value) for v in s.exec(select(IndicatorValue)).all()] == [(mine, 7.0)]


def test_a_typo_in_one_value_keeps_the_attached_file_and_every_typed_value(client: Browserless, world: World) -> None:
    url = report_url(world, SON_DONG)
    good, bad = sorted(_owned(world, SON_DONG))[:2]
    fields = {f"ind-{good}": "12,5", f"ind-{bad}": "1O0", "summary": "Sơn Động báo cáo 6 tháng."}
    with Session(world.engine) as s:
        agency = s.exec(select(Agency).where(Agency.id == world.agency_id(SON_DONG))).one()
    form = client.get(url).text
    narrative_field = re.search(r'name="(nar-\d+)"', form)
    if narrative_field:
        fields[narrative_field.group(1)] = NARRATIVE
    before = written(world)
    r = send(client, url, fields, ("bao-cao-son-dong.pdf", PDF))
    assert r.status_code == 400 and "“1O0” không phải là một số" in r.text
    assert written(world) == before  # nothing recorded
    page = r.text
    assert "Tệp đã chọn: <strong>bao-cao-son-dong.pdf</strong>" in page  # the file is kept, not lost
    assert _field(page, f"ind-{good}") == "12,5" and _field(page, f"ind-{bad}") == "1O0"
    assert "Sơn Động báo cáo 6 tháng." in page and (not narrative_field or NARRATIVE in page)
    assert len(_staged()) == 1
    # the typo fixed, no file chosen again: the kept file goes with the report
    again = {**fields, f"ind-{bad}": "100", "staged_file": _field(page, "staged_file")}
    r = send(client, url, again)
    assert r.status_code == 200 and "Đã gửi báo cáo định kỳ" in r.text
    with Session(world.engine) as s:
        sub = s.exec(select(ReportSubmission)).one()
        assert sub.agency_id == agency.id and sub.filename == "bao-cao-son-dong.pdf"
        assert sorted(sub.indicator_values.values()) == [12.5, 100.0]
    stored = submission_path(get_settings().data_dir, sub)
    assert stored is not None and stored.read_bytes() == PDF
    assert _staged() == []  # recorded, the staged copy is gone


def test_the_kept_file_can_be_dropped_and_is_never_another_agencys(client: Browserless, world: World) -> None:
    url = report_url(world, SON_DONG)
    mine = sorted(_owned(world, SON_DONG))[0]
    page = send(client, url, {f"ind-{mine}": "x"}, ("bc.pdf", PDF)).text
    ref = _field(page, "staged_file")
    # another agency's form cannot send Sơn Động's file, nor a changed reference
    luc_ngan = report_url(world, "ubnd-huyen-luc-ngan")
    lost = "Tệp đã chọn lần trước không còn trên máy chủ"
    for other_url, other_ref in ((luc_ngan, ref), (url, ref[:-3] + ("AAA" if not ref.endswith("AAA") else "BBB"))):
        r = send(client, other_url, {"summary": "Báo cáo.", "staged_file": other_ref})
        assert r.status_code == 400 and lost in r.text
    with Session(world.engine) as s:
        assert s.exec(select(ReportSubmission)).all() == []
    # "Không gửi tệp này": the report goes without it
    r = send(client, url, {f"ind-{mine}": "3", "staged_file": ref, "drop_staged_file": "1"})
    assert r.status_code == 200
    with Session(world.engine) as s:
        assert s.exec(select(ReportSubmission)).one().filename is None


def test_after_sending_the_form_shows_what_was_sent_and_adds_only_what_changed(
    client: Browserless, world: World
) -> None:
    url = report_url(world, SON_DONG)
    first, second = sorted(_owned(world, SON_DONG))[:2]
    r = send(client, url, {f"ind-{first}": "110", f"ind-{second}": "12.5", "summary": "Lần đầu."}, ("bc.pdf", PDF))
    assert r.status_code == 200
    form = r.text  # the page the redirect opens
    assert _field(form, f"ind-{first}") == "110" and _field(form, f"ind-{second}") == "12,5"
    assert ">Lần đầu.</textarea>" in form and "Tệp đã gửi: bc.pdf" in form and "Gửi bổ sung" in form
    # sent again unchanged: nothing new to record
    before = written(world)
    unchanged = send(client, url, {f"ind-{first}": "110", f"ind-{second}": "12,5", "summary": "Lần đầu."})
    assert unchanged.status_code == 400 and "không có gì mới" in unchanged.text and written(world) == before
    # one value corrected: the new report holds that value only, and the form shows it
    r = send(client, url, {f"ind-{first}": "111", f"ind-{second}": "12,5", "summary": "Lần đầu."})
    assert r.status_code == 200 and _field(r.text, f"ind-{first}") == "111"
    with Session(world.engine) as s:
        latest = s.exec(select(ReportSubmission).order_by(ReportSubmission.id.desc())).first()  # type: ignore[union-attr]
        assert latest is not None and latest.indicator_values == {
            s.get(Indicator, first).key: 111.0}  # type: ignore[union-attr]
