"""`dondoc report` on the imported Bắc Giang plan, on SQLite and PostgreSQL: the three files,
figures hand-counted and equal to the dashboard's, the as-of rebuild, odd periods and plans."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from flows.reports.flow import ReportError, compile_report
from models.core.tables import CANCELLED, Assignment, Plan, Task
from models.overview.dashboard import agency_counts, assignment_levels
from models.reports.data import report_data
from models.reports.runs import report_runs, run_file
from tasks.common.dates import local_today
from tasks.escalation.status import Status
from tasks.reports.content import place_date_line
from tasks.reports.period import parse_period
from tasks.reports.sections import NO_INDICATORS
from tests.flows.reports.report_helpers import (
    CODE,
    H1_END,
    NN,
    NN_NAME,
    VPDP_NAME,
    agency_table,
    docx_text,
    h1_scenario,
    plan_id,
    progress,
)
from tests.models.importing.test_plan_import import _revised

H1 = parse_period("2020-H1")


@pytest.fixture
def h1(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:  # type: ignore[no-untyped-def]
    from tests.flows.reports.report_helpers import mail_to

    mail_to(monkeypatch, smtp_sink)
    h1_scenario(engine)
    return engine


def _data(engine: sa.Engine, as_of: date = H1_END, period: str = "2020-H1"):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        return report_data(s, plan=plan, period=parse_period(period), as_of=as_of, report_date=date(2020, 7, 1))


def _dashboard(engine: sa.Engine, as_of: date) -> dict[str, tuple[int, int, int, int, int]]:
    """What the dashboard shows for the plan on ``as_of``, per agency: (assigned, on time, late, in term,
    overdue)."""
    pid = plan_id(engine)
    with Session(engine) as s:
        rows = agency_counts(s, as_of=as_of, plan_id=pid)
    out = {}
    for a in rows.values():
        c = a.counts
        in_term = c.get(Status.NOT_DUE, 0) + c.get(Status.DUE_SOON, 0) + c.get(Status.NO_DEADLINE, 0)
        out[a.name] = (a.total, c.get(Status.DONE_ON_TIME, 0), c.get(Status.DONE_LATE, 0), in_term,
                       c.get(Status.OVERDUE, 0))
    return out


def test_the_h1_report_has_three_files_whose_docx_opens_and_shows_the_dashboard_figures(  # type: ignore[no-untyped-def]
    h1: sa.Engine, run_cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("report", "--plan", CODE, "--period", "2020-H1", "--out", str(out))
    assert result.code == 0, result.err
    assert "552/KH-BCĐ 2020-H1 as of 30/06/2020" in result.out
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"bao-cao-bac-giang-552-kh-bcd-2020-H1.{ext}" for ext in ("docx", "html", "xlsx")]
    docx_path = out / names[0]
    table = agency_table(docx_path)
    # hand-counted (tests.flows.reports.report_helpers.record_h1)
    assert table[VPDP_NAME] == (9, 1, 1, 7, 0, "50%")
    assert table[NN_NAME] == (8, 0, 0, 7, 1, "0%")
    assert table["UBND huyện Lạng Giang"][1] == 1 and table["UBND huyện Tân Yên"][2] == 1
    # the same numbers as the dashboard for 30/06/2020, agency by agency, and in total
    dashboard = _dashboard(h1, H1_END)
    total = table.pop("Tổng cộng")
    assert {name: row[:5] for name, row in table.items()} == dashboard
    assert total[:5] == tuple(sum(row[i] for row in dashboard.values()) for i in range(5))
    text = docx_text(docx_path)
    assert "BÁO CÁO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Kết quả thực hiện Kế hoạch số 552/KH-BCĐ ngày 17/02/2020" in text and "6 tháng đầu năm 2020" in text
    assert place_date_line("Bắc Giang", local_today()) in text  # the date line: the day it was compiled
    html = (out / names[1]).read_text(encoding="utf-8")
    assert VPDP_NAME in html and "50%" in html
    book = openpyxl.load_workbook(out / names[2], read_only=False)
    sheet = book.worksheets[0]
    assert sheet.auto_filter.ref and sheet["A1"].value == "Mã nhiệm vụ"
    listed = sum(ws.max_row - 1 for ws in book.worksheets)
    with Session(h1) as s:
        live = s.execute(
            sa.select(sa.func.count()).select_from(Assignment).join(Task, Task.id == Assignment.task_id)
            .where(Task.source == "table", Task.state == "active", Assignment.status != CANCELLED)
        ).scalar()
    assert listed == live  # lead and coordinating, one row each


def test_the_overdue_items_carry_the_escalation_level_the_dashboard_shows(h1: sa.Engine) -> None:
    data = _data(h1)
    assert data.figures.overdue
    with Session(h1) as s:
        levels = assignment_levels(s, assignment_ids=[o.assignment_id for o in data.figures.overdue])
    assert {o.assignment_id: o.escalation_level for o in data.figures.overdue} == {
        o.assignment_id: levels.get(o.assignment_id, 0) for o in data.figures.overdue}
    nn_i1 = next(o for o in data.figures.overdue if o.task_ref == "I.1")
    assert nn_i1.agency_name == NN_NAME and nn_i1.age_days == 151 and nn_i1.escalation_level == 3


def test_the_docx_converts_to_pdf_with_libreoffice(h1: sa.Engine, tmp_path: Path, soffice: str) -> None:
    outcome = compile_report(CODE, "2020-H1", out_dir=str(tmp_path / "out"), formats="docx")
    pdf_dir = tmp_path / "pdf"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(pdf_dir), str(outcome.copies["docx"])],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    pdf = pdf_dir / "bao-cao-bac-giang-552-kh-bcd-2020-H1.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 20_000


def test_a_report_produced_after_later_changes_shows_the_figures_of_30_june(h1: sa.Engine, tmp_path: Path) -> None:
    before = agency_table(compile_report(CODE, "2020-H1", out_dir=str(tmp_path / "a"), formats="docx").copies["docx"])
    # July: Sở NN&PTNT finishes I.1 late, VPĐP finishes II.2; then the plan is revised (I.1
    # moves to March, I.11 leaves the plan and is cancelled): all recorded after 30/06/2020
    progress(h1, "I.1", NN, date(2020, 7, 10))
    progress(h1, "II.2", ("bac-giang", "vpdp"), date(2020, 7, 15))
    import_plan(str(_revised(tmp_path)), actor="office")
    _extend(h1, "I.6", ("bac-giang", "ubnd-huyen-tan-yen"), date(2020, 12, 31))  # overdue since 31/03
    after = agency_table(compile_report(CODE, "2020-H1", out_dir=str(tmp_path / "b"), formats="docx").copies["docx"])
    assert after == before
    assert after[NN_NAME] == (8, 0, 0, 7, 1, "0%")
    # as of today the same agencies look different: the rebuild is what kept 30/06
    now = _data(h1, as_of=date(2020, 7, 31), period="2020-07")
    nn_now = next(a for a in now.figures.agencies if a.agency_name == NN_NAME)
    assert (nn_now.done_late, nn_now.overdue) == (1, 0)
    # the extension was approved today: today I.6 is due 31/12/2020, on 31/07/2020 it was still overdue
    i6 = next(f for f in now.facts if f.task_ref == "I.6" and f.agency_name == "UBND huyện Tân Yên")
    assert i6.due_date == date(2020, 3, 31)
    with Session(h1) as s:
        stored = s.execute(sa.select(Assignment.due_date).join(Task, Task.id == Assignment.task_id)
                           .where(Task.ref == "I.6", Assignment.role == "lead")).scalar()
    assert stored == date(2020, 12, 31)


def _extend(engine: sa.Engine, ref: str, agency: tuple[str, str], to: date) -> None:
    """The office approves an agency's request for a later due date (in July 2020)."""
    from models.core.db import session_scope
    from models.progress.extensions import approve_extension, request_extension
    from models.progress.updates import find_assignment, find_task

    with session_scope(engine) as s:
        a = find_assignment(s, task=find_task(s, ref=ref, plan_code=CODE), agency_keys=[agency])
        req = request_extension(s, assignment=a, new_date=to, reason="Chờ kinh phí bổ sung", today=date(2020, 7, 2),
                                actor="agency", source="test")
        approve_extension(s, request_id=req.id, actor="office", source="test")  # type: ignore[arg-type]


def test_an_earlier_cut_off_rebuilds_that_day(h1: sa.Engine) -> None:
    data = _data(h1, as_of=date(2020, 3, 31))
    vpdp = next(a for a in data.figures.agencies if a.agency_name == VPDP_NAME)
    # I.1 done on time; I.12 due that very day and not yet done: due soon, in term
    assert (vpdp.assigned, vpdp.done_on_time, vpdp.done_late, vpdp.in_term, vpdp.overdue) == (9, 1, 0, 8, 0)
    assert data.figures.as_of == date(2020, 3, 31)
    assert [p.on for p in data.figures.series] == [date(2020, 1, 31), date(2020, 2, 29), date(2020, 3, 31)]
    # on 31/01 the plan (issued 17/02) did not exist yet: its tasks count from the issue date
    assert sum(data.figures.series[0].counts.values()) == 0


def test_a_period_before_the_plan_was_issued_has_no_activity(h1: sa.Engine, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--plan", CODE, "--period", "2020-01", "--out", str(tmp_path), "--format", "docx")
    assert result.code == 0, result.err
    assert "0 lead tasks" in result.out and "0 agencies have not reported" in result.out
    text = docx_text(tmp_path / "bao-cao-bac-giang-552-kh-bcd-2020-01.docx")
    assert "Kế hoạch chưa có nhiệm vụ nào được giao chủ trì thực hiện" in text
    assert "Chưa có báo cáo của cơ quan, đơn vị nào trong kỳ." in text


def test_a_plan_without_indicators_says_so(engine: sa.Engine, tmp_path: Path) -> None:
    plan = tmp_path / "kh-99.txt"
    plan.write_text(
        "UBND TỈNH BẮC GIANG\nBắc Giang, ngày 05 tháng 01 năm 2021\nSố: 99/KH-UBND\nKẾ HOẠCH\n"
        "Kiểm tra công tác văn thư năm 2021\n"
        "I. MỤC ĐÍCH, YÊU CẦU\nTổ chức kiểm tra công tác văn thư, lưu trữ tại các cơ quan.\n"
        "TT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành\n"
        "1\tXây dựng kế hoạch kiểm tra\tSở Nội vụ\tVăn phòng UBND tỉnh\tTrước 31/3/2021\n"
        "2\tTổng hợp kết quả kiểm tra\tSở Nội vụ\t\tTrước 30/11/2021\n",
        encoding="utf-8",
    )
    import_plan(str(plan), province="bac-giang")
    outcome = compile_report("99/KH-UBND", "2021-H1", out_dir=str(tmp_path / "out"), formats=("docx", "html"))
    assert outcome.summary["indicators"] == 0 and outcome.summary["assigned"] == 2
    assert NO_INDICATORS in docx_text(outcome.copies["docx"])
    assert NO_INDICATORS in outcome.copies["html"].read_text(encoding="utf-8")


def test_bad_input_is_one_line_and_exit_status_2(h1: sa.Engine, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (("--plan", "999/KH-XX", "--period", "2020-H1"), "no plan 999/KH-XX"),
        (("--plan", CODE, "--period", "2020-H3"), "cannot read period"),
        (("--plan", CODE, "--period", "2020-H1", "--format", "pdf"), "unknown format 'pdf'"),
        (("--plan", CODE, "--period", "2020-H1", "--as-of", "2020-07-15"), "outside the period 2020-H1"),
        (("--plan", CODE, "--period", "2020-H1", "--as-of", "31/06/2020"),
         "expects a date as dd/mm/yyyy or YYYY-MM-DD"),
    ]
    for args, message in cases:
        result = run_cli("report", *args, "--out", str(tmp_path / "x"))
        assert result.code == 2, (args, result.out, result.err)
        assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err
    assert not (tmp_path / "x").exists()
    with pytest.raises(ReportError):
        compile_report(CODE, "2099-H1")


def test_every_run_stays_downloadable_from_the_archive(h1: sa.Engine, tmp_path: Path) -> None:
    from config.settings import get_settings

    first = compile_report(CODE, "2020-H1", as_of=date(2020, 6, 12), formats=("docx", "html"))
    second = compile_report(CODE, "2020-H1", formats=("xlsx",))
    with Session(h1) as s:
        runs = report_runs(s, plan_id=plan_id(h1), period="2020-H1")
    assert [r.id for r in runs] == [second.run_id, first.run_id]
    data_dir = get_settings().data_dir
    html = run_file(data_dir, runs[1], "html")
    assert html is not None and html.is_file() and html.is_relative_to(data_dir / "reports" / "bac-giang-552-kh-bcd")
    assert runs[1].as_of == date(2020, 6, 12) and runs[1].trigger == "manual"
    assert run_file(data_dir, runs[0], "docx") is None
    import hashlib

    assert hashlib.sha256(html.read_bytes()).hexdigest() == runs[1].files["html"]["sha256"]
    assert io.BytesIO(run_file(data_dir, runs[0], "xlsx").read_bytes()).getvalue()[:2] == b"PK"  # type: ignore[union-attr]


def _members(xlsx: bytes) -> dict[str, bytes]:
    """A workbook's parts (the zip entries carry the time they were written)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_a_large_plans_files_made_in_parallel_processes_are_the_same(h1: sa.Engine,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.reports.flow as report_flow

    data = _data(h1)
    monkeypatch.setattr(report_flow, "PARALLEL_FACTS", 10**9)
    serial = report_flow.render_report(data, report_flow.FORMATS)
    # the test's SMTP server runs in a thread, which makes the flow stay in one process: force it
    monkeypatch.setattr(report_flow, "_can_fork", lambda _data: True)
    parallel = report_flow.render_report(data, report_flow.FORMATS)
    assert _members(parallel["xlsx"]) == _members(serial["xlsx"]) and parallel["html"] == serial["html"]
    assert agency_table(parallel["docx"]) == agency_table(serial["docx"])


def test_a_failure_in_a_child_process_is_reported(h1: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.reports.flow as report_flow

    def broken(_data: object) -> bytes:
        raise ValueError("no room on the disk")

    monkeypatch.setattr(report_flow, "_can_fork", lambda _data: True)
    monkeypatch.setattr(report_flow, "_xlsx", broken)
    with pytest.raises(RuntimeError, match="ValueError: no room on the disk"):
        report_flow.render_report(_data(h1), ("docx", "xlsx"))
