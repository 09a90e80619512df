"""Period reports on the web: the office lists the compiled reports and downloads their files,
sees who has sent the period report and who has not; an agency sends its report from its link."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import docx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import get_settings, reset_settings
from flows.reports.flow import compile_report
from models.core.report_tables import Indicator, IndicatorValue, ReportRun, ReportSubmission
from models.core.tables import Assignment, AuditEvent, Plan, ProgressUpdate, Task
from models.reports.runs import report_runs
from tests.web.conftest import OFFICE, TODAY, VIEWER, Browserless, World

CODE = "552/KH-BCĐ"
VPDP_NAME = "Văn phòng Điều phối nông thôn mới tỉnh"
NN_NAME = "Sở Nông nghiệp và Phát triển nông thôn"
KEY = "so-xa-dat-chuan-nong-thon-moi|xã"  # an indicator of the Bắc Giang plan
PDF = b"%PDF-1.4\n% bao cao 6 thang\n%%EOF\n"
NARRATIVE = "Đã hoàn thành kiểm tra các xã đăng ký đạt chuẩn nông thôn mới."


def plan_id(world: World) -> int:
    with Session(world.engine) as s:
        return s.exec(select(Plan.id).where(Plan.code == CODE)).one()  # type: ignore[return-value]


def duty(world: World, key: str, period: str = "2020-H1") -> Assignment:
    """The agency's report-duty assignment for the period."""
    with Session(world.engine) as s:
        return s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
                      .where(Task.ref == f"BC.{period}", Assignment.agency_id == world.agency_id(key))).one()


def indicator_id(world: World, key: str = KEY) -> int:
    with Session(world.engine) as s:
        return s.exec(select(Indicator.id).where(Indicator.key == key)).one()  # type: ignore[return-value]


def report_url(world: World, key: str, token_of: str | None = None) -> str:
    return f"/a/{world.token(token_of or key)}/reports/{duty(world, key).id}"


def send(c: Browserless, url: str, fields: dict[str, str], file: tuple[str, bytes] | None = None, **kw):  # type: ignore[no-untyped-def]
    files = {"file": (file[0], file[1], "application/octet-stream")} if file else None
    return c.post(url, data={**fields, "csrf_token": c.csrf(url)}, files=files, **kw)


def written(world: World) -> tuple[int, ...]:
    """What a submission writes: submissions, indicator values, progress notes, audit events, stored files."""
    inbox = get_settings().data_dir / "reports-in"
    with Session(world.engine) as s:
        counts = tuple(s.execute(select(sa.func.count()).select_from(t)).scalar() or 0
                       for t in (ReportSubmission, IndicatorValue, ProgressUpdate, AuditEvent))
    return (*counts, len(list(inbox.iterdir())) if inbox.exists() else 0)


@pytest.fixture
def compiled(world: World) -> int:
    """The real 2020-H1 report of the imported plan, compiled as the command line does: its run id."""
    return compile_report(CODE, "2020-H1").run_id


@pytest.fixture
def viewer(anonymous: Browserless) -> Browserless:
    anonymous.login(*VIEWER)
    return anonymous


# --- the office: compiled reports ------------------------------------------------------------


def test_the_plan_page_and_the_menu_lead_to_the_reports(office: Browserless, world: World) -> None:
    pid = plan_id(world)
    page = office.get(f"/plans/{pid}").text
    assert f'href="/plans/{pid}/reports"' in page and '<a href="/reports">Báo cáo</a>' in page
    index = office.get("/reports")
    assert index.status_code == 200 and f'href="/plans/{pid}/reports"' in index.text and "chưa có" in index.text


def test_the_list_shows_the_compiled_runs_and_the_docx_download_is_the_real_document(
    office: Browserless, world: World, compiled: int
) -> None:
    page = office.get(f"/plans/{plan_id(world)}/reports")
    assert page.status_code == 200
    runs = page.text.split("Báo cáo đã lập", 1)[1].split("</table>", 1)[0]
    assert "6 tháng đầu năm 2020" in runs and "30/06/2020" in runs and "lập theo yêu cầu" in runs
    for fmt in ("docx", "xlsx", "html"):
        assert f'href="/reports/runs/{compiled}/{fmt}"' in runs
    got = office.get(f"/reports/runs/{compiled}/docx")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''bao-cao-bac-giang-552-kh-bcd-2020-H1.docx"
    )
    with Session(world.engine) as s:
        run = s.get(ReportRun, compiled)
        stored = get_settings().data_dir / run.files["docx"]["path"]  # type: ignore[union-attr]
    assert got.content == stored.read_bytes()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
    assert "BÁO CÁO" in text and "6 tháng đầu năm 2020" in text
    html = office.get(f"/reports/runs/{compiled}/html")
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"].startswith("inline")
    assert VPDP_NAME in html.text and "script-src" not in html.headers["content-security-policy"]
    xlsx = office.get(f"/reports/runs/{compiled}/xlsx")
    assert xlsx.content[:4] == b"PK\x03\x04" and xlsx.headers["content-disposition"].startswith("attachment")


def test_a_viewer_reads_the_reports_but_an_unknown_run_or_format_is_not_found(
    viewer: Browserless, world: World, compiled: int
) -> None:
    assert viewer.get(f"/plans/{plan_id(world)}/reports").status_code == 200
    assert viewer.get(f"/reports/runs/{compiled}/docx").status_code == 200
    for url in (f"/reports/runs/{compiled + 1000}/docx", f"/reports/runs/{compiled}/pdf",
                f"/reports/runs/{compiled}/..%2F..%2Fetc%2Fpasswd", "/plans/99999/reports",
                f"/plans/{plan_id(world)}/reports?period=2031-H1", "/reports/submissions/99999/file"):
        r = viewer.get(url)
        assert r.status_code == 404 and "Không tìm thấy" in r.text, url


def test_the_report_pages_and_files_need_an_office_session(
    anonymous: Browserless, world: World, compiled: int
) -> None:
    token = world.token("vpdp")
    for url in (f"/plans/{plan_id(world)}/reports", f"/reports/runs/{compiled}/docx", "/reports"):
        for r in (anonymous.get(url, follow_redirects=False),
                  anonymous.get(f"{url}?token={token}", headers={"Authorization": f"Bearer {token}"},
                                follow_redirects=False)):
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), url


def test_a_viewer_cannot_compile_a_report_and_sees_no_button(viewer: Browserless, world: World) -> None:
    url = f"/plans/{plan_id(world)}/reports"
    assert "Lập báo cáo ngay" not in viewer.get(url).text
    r = viewer.submit(url, url + "/compile", {"period": "2020-H1"})
    assert r.status_code == 403 and "chỉ có quyền xem" in r.text
    with Session(world.engine) as s:
        assert report_runs(s) == []


def test_the_office_compiles_the_report_now_as_of_today(office: Browserless, world: World) -> None:
    url = f"/plans/{plan_id(world)}/reports"
    assert "Lập báo cáo ngay" in office.get(url).text
    forged = office.post(url + "/compile", data={"period": "2020-H1", "csrf_token": "x"})
    assert forged.status_code == 403
    r = office.submit(url, url + "/compile", {"period": "2020-H1"})
    assert r.status_code == 200 and "Đã lập báo cáo" in r.text
    with Session(world.engine) as s:
        runs = report_runs(s)
    assert [(run.period, run.as_of, run.report_date, run.trigger) for run in runs] == [
        ("2020-H1", TODAY, TODAY, "manual")]
    assert f'href="/reports/runs/{runs[0].id}/docx"' in r.text
    unknown = office.submit(url, url + "/compile", {"period": "2019-Q9"})
    assert unknown.status_code == 404


def test_a_report_cannot_be_compiled_before_its_period_starts(world: World) -> None:
    from web.app import create_app

    with Browserless(create_app(today=lambda: date(2019, 12, 20))) as early:
        early.login(*OFFICE)
        url = f"/plans/{plan_id(world)}/reports"
        r = early.submit(url, url + "/compile", {"period": "2020-H1"})
    assert r.status_code == 400 and "Kỳ 6 tháng đầu năm 2020 chưa bắt đầu (từ ngày 01/01/2020)" in r.text
    with Session(world.engine) as s:
        assert report_runs(s) == []


# --- an agency sends its period report --------------------------------------------------------


def test_an_agency_submits_its_period_report_and_the_duty_is_done(client: Browserless, world: World) -> None:
    url = report_url(world, "vpdp")
    home = client.get(url.rsplit("/reports/", 1)[0]).text
    duties = home.split("Báo cáo định kỳ", 1)[1].split("</table>", 1)[0]
    assert f'href="{url}"' in duties and "6 tháng đầu năm 2020" in duties and "chưa gửi" in duties
    form = client.get(url).text
    i12 = world.task_id("I.12")  # VPĐP leads I.12; II.4 is Công an tỉnh's
    assert f'name="nar-{i12}"' in form and f'name="nar-{world.task_id("II.4")}"' not in form
    assert f'name="ind-{indicator_id(world)}"' in form
    r = send(client, url, {f"nar-{i12}": NARRATIVE, f"ind-{indicator_id(world)}": "110,5",
                           "summary": "Văn phòng đã triển khai đầy đủ các nhiệm vụ."}, ("Báo cáo 6 tháng.pdf", PDF))
    assert r.status_code == 200 and "Đã gửi báo cáo định kỳ" in r.text and "đã gửi báo cáo" in r.text
    d = duty(world, "vpdp")
    assert (d.status, d.completed_on) == ("done", TODAY)
    with Session(world.engine) as s:
        sub = s.exec(select(ReportSubmission)).one()
        duty_id = world.assignment("I.12", "vpdp").id
        note = s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id == duty_id)).one()
        value = s.exec(select(IndicatorValue)).one()
    assert (note.note, note.source, note.actor) == (NARRATIVE, "web", f"{VPDP_NAME} (web)")
    assert (value.value, value.period, value.agency_id, value.submission_id) == (
        110.5, "2020-H1", world.agency_id("vpdp"), sub.id
    )
    assert sub.filename == "Báo cáo 6 tháng.pdf"
    assert (sub.period, sub.source, sub.submitted_on) == ("2020-H1", "web", TODAY)
    stored = get_settings().data_dir / "reports-in" / sub.stored_name  # type: ignore[operator]
    assert stored.read_bytes() == PDF
    again = client.get(f"/a/{world.token('vpdp')}").text.split("Báo cáo định kỳ", 1)[1].split("</table>", 1)[0]
    assert "đã gửi ngày 25/01/2020" in again
    own = f"{url}/files/{sub.id}"
    assert f'href="{own}"' in client.get(url).text  # the agency gets its own file back
    r = client.get(own)
    assert r.status_code == 200 and r.content == PDF
    # not through another agency's link, nor another duty of its own
    assert client.get(f"{report_url(world, 'snnptnt')}/files/{sub.id}").status_code == 404


def test_a_district_finds_only_its_own_indicators_on_the_form(client: Browserless, world: World) -> None:
    form = client.get(report_url(world, "ubnd-huyen-luc-ngan")).text
    own = form.split("Số liệu chỉ tiêu của cơ quan", 1)[1].split("</form>", 1)[0]
    assert "– Huyện Lục Ngạn" in own and "– Huyện Lục Nam" not in form and "– TP Bắc Giang" not in form
    with Session(world.engine) as s:
        luc_ngan = s.exec(select(Indicator.id).where(Indicator.district == "Huyện Lục Ngạn")).all()
    assert luc_ngan and sorted(int(i) for i in re.findall(r'name="ind-(\d+)"', form)) == sorted(luc_ngan)  # type: ignore[arg-type]


def test_the_office_sees_who_has_not_submitted_and_downloads_the_file_sent(
    client: Browserless, anonymous: Browserless, world: World
) -> None:
    url = report_url(world, "vpdp")
    send(client, url, {"summary": "Báo cáo 6 tháng của Văn phòng."}, ("bc.pdf", PDF))
    anonymous.login(*OFFICE)
    page = anonymous.get(f"/plans/{plan_id(world)}/reports?period=2020-H1").text
    missing = page.split('id="chua-gui"', 1)[1].split("</section>", 1)[0]
    sent = page.split('id="da-gui"', 1)[1].split("</section>", 1)[0]
    assert NN_NAME in missing and VPDP_NAME not in missing
    assert VPDP_NAME in sent and NN_NAME not in sent and "25/01/2020" in sent
    with Session(world.engine) as s:
        sub = s.exec(select(ReportSubmission)).one()
    received = page.split('id="bao-cao-da-nhan"', 1)[1]
    assert f'href="/reports/submissions/{sub.id}/file"' in received and "Báo cáo 6 tháng của Văn phòng." in received
    got = anonymous.get(f"/reports/submissions/{sub.id}/file")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''bc.pdf"
    # only through the page's route: not from a static path, not without a session, not with a link
    assert client.get(f"/static/{sub.stored_name}").status_code == 404
    assert client.get(f"/reports-in/{sub.stored_name}").status_code == 404
    token = world.token("vpdp")
    r = client.get(f"/reports/submissions/{sub.id}/file?token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.content != PDF


@pytest.fixture
def small_limit(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browserless]:
    """The app with a 1 MB file limit."""
    from web.app import create_app

    monkeypatch.setenv("DONDOC_EVIDENCE_MAX_MB", "1")
    reset_settings()
    with Browserless(create_app(today=lambda: TODAY)) as c:
        yield c


@pytest.mark.parametrize(("fields", "file", "message"), [
    ({"ind": "abc"}, None, "giá trị “abc” không phải là một số"),
    ({"ind": "110", "nar": NARRATIVE}, ("bao-cao.exe", b"MZ\x90\x00" * 10), "Không chấp nhận tệp “.exe”"),
    ({"nar": NARRATIVE}, ("anh.png", PDF), "Nội dung tệp không đúng định dạng .png."),
    ({"nar": NARRATIVE}, ("lon.pdf", PDF + b"0" * (1024 * 1024)), "Tệp quá lớn: dung lượng tối đa là 1 MB."),
    ({"nar": "x" * 4001}, None, "quá dài (tối đa 4000 ký tự)"),
    ({}, None, "Báo cáo chưa có nội dung"),
])
def test_a_bad_value_or_file_gives_one_message_and_writes_nothing(
    small_limit: Browserless, world: World, fields: dict[str, str], file: tuple[str, bytes] | None, message: str
) -> None:
    url = report_url(world, "vpdp")
    names = {"ind": f"ind-{indicator_id(world)}", "nar": f"nar-{world.task_id('I.12')}"}
    before = written(world)
    r = send(small_limit, url, {names[k]: v for k, v in fields.items()}, file)
    assert r.status_code == 400 and message in r.text
    assert r.text.count('class="flash error"') == 1
    if "nar" in fields and len(fields["nar"]) < 4000:
        assert fields["nar"] in r.text  # what was typed is kept in the form
    assert written(world) == before and duty(world, "vpdp").status == "open"


def test_a_body_far_over_the_limit_is_refused_unread(client: Browserless, world: World) -> None:
    url = report_url(world, "vpdp")
    before = written(world)
    big = io.BytesIO(b"%PDF-" + b"0" * (50 * 1024 * 1024))
    r = client.post(url, files={"file": ("lon.pdf", big, "application/pdf")}, data={"csrf_token": client.csrf(url)})
    assert r.status_code == 413 and "Tệp quá lớn: dung lượng tối đa là 10 MB." in r.text
    assert written(world) == before


def test_another_agencys_token_is_refused_and_nothing_is_written(client: Browserless, world: World) -> None:
    foreign = report_url(world, "vpdp", token_of="snnptnt")  # Sở NN&PTNT's link, VPĐP's report duty
    own = report_url(world, "snnptnt")
    before = written(world)
    page = client.get(foreign)
    assert page.status_code == 403 and "không thuộc cơ quan của quý vị" in page.text and VPDP_NAME not in page.text
    r = client.post(foreign, data={"summary": "Báo cáo giả mạo", "csrf_token": client.csrf(own)},
                    files={"file": ("bc.pdf", PDF, "application/pdf")})
    assert r.status_code == 403
    # nor by the plan task's assignment id, a report duty of another plan, or without a valid link
    other_task = world.assignment("I.12", "vpdp").id
    assert client.get(f"/a/{world.token('vpdp')}/reports/{other_task}").status_code == 403
    assert client.get(f"/a/not-a-token/reports/{duty(world, 'vpdp').id}").status_code == 403
    assert written(world) == before and duty(world, "vpdp").status == "open"
    home = client.get(own.rsplit("/reports/", 1)[0]).text
    assert f"/reports/{duty(world, 'vpdp').id}\"" not in home and f'href="{own}"' in home


def test_the_form_refuses_a_post_without_its_csrf_token(client: Browserless, world: World) -> None:
    url = report_url(world, "vpdp")
    before = written(world)
    r = client.post(url, data={"summary": "Báo cáo"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert written(world) == before
