"""An agency submits its period report, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import get_settings
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.report_tables import IndicatorValue, ReportSubmission
from models.core.tables import Agency, Assignment, AuditEvent, Plan, ProgressUpdate, Task
from models.reports.data import report_data
from models.reports.submissions import SubmissionError, period_report_status, submission_path, submit_period_report
from tasks.reports.period import parse_period
from tests.flows.reports.report_helpers import BAC_GIANG, CODE, NN_NAME, VPDP_NAME

KEY = "so-xa-dat-chuan-nong-thon-moi|xã"
PDF = b"%PDF-1.4\n% bao cao 6 thang\n"


@pytest.fixture
def plan(engine: sa.Engine) -> sa.Engine:
    import_plan(str(BAC_GIANG))
    return engine


def _ids(engine: sa.Engine, agency_name: str) -> tuple[int, int]:
    with Session(engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == CODE)).one()
        agency_id = s.exec(select(Agency.id).where(Agency.name == agency_name)).one()
    return plan_id, agency_id  # type: ignore[return-value]


def _submit(engine: sa.Engine, agency_name: str = VPDP_NAME, **kw: object) -> ReportSubmission:
    plan_id, agency_id = _ids(engine, agency_name)
    values = {"period": "2020-H1", "narratives": {}, "indicator_values": {}, "actor": "test", "source": "test",
              "on": date(2020, 6, 10)}
    values.update(kw)
    with session_scope(engine) as s:
        return submit_period_report(s, plan=plan_id, agency=agency_id, **values)  # type: ignore[arg-type]


def _missing(engine: sa.Engine) -> list[str]:
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        data = report_data(s, plan=plan, period=parse_period("2020-H1"), as_of=date(2020, 6, 12),
                           report_date=date(2020, 6, 16))
    return list(data.missing_reports)


def test_submitting_marks_the_duty_done_and_the_agency_leaves_the_missing_list(plan: sa.Engine) -> None:
    assert VPDP_NAME in _missing(plan) and len(_missing(plan)) == 36
    sub = _submit(plan, narratives={"I.12": "Đã hoàn thành kiểm tra các xã đăng ký đạt chuẩn."},
                  indicator_values={KEY: 110}, file=("Báo cáo 6 tháng.pdf", PDF),
                  summary="Văn phòng đã triển khai đầy đủ các nhiệm vụ được giao.")
    assert VPDP_NAME not in _missing(plan) and len(_missing(plan)) == 35
    plan_id, agency_id = _ids(plan, VPDP_NAME)
    with Session(plan) as s:
        status = {r.agency_name: r for r in period_report_status(s, plan_id=plan_id, period="2020-H1")}
        duty = s.get(Assignment, status[VPDP_NAME].assignment_id)
        notes = s.exec(select(ProgressUpdate.note, ProgressUpdate.status).join(Assignment).join(Task)
                       .where(Task.ref == "I.12", Assignment.agency_id == agency_id)).all()
        value = s.exec(select(IndicatorValue)).one()
        actions = {(e.entity, e.action) for e in s.exec(select(AuditEvent).where(AuditEvent.actor == "test"))}
    assert status[VPDP_NAME].submitted and not status[NN_NAME].submitted
    assert (duty.status, duty.completed_on) == ("done", date(2020, 6, 10))  # type: ignore[union-attr]
    # the narrative is a note on the agency's assignment; the assignment's status is untouched
    assert notes == [("Đã hoàn thành kiểm tra các xã đăng ký đạt chuẩn.", "open")]
    assert (value.value, value.period, value.agency_id, value.submission_id) == (110.0, "2020-H1", agency_id, sub.id)
    assert {("assignment", "narrative"), ("indicator", "value"), ("assignment", "progress"),
            ("report_submission", "submitted")} <= actions
    stored = submission_path(get_settings().data_dir, sub)
    assert stored is not None and stored.parent.name == "reports-in" and stored.read_bytes() == PDF
    assert sub.filename == "Báo cáo 6 tháng.pdf" and sub.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "Báo cáo 6 tháng" not in stored.name  # stored under a random name


def test_the_report_shows_the_narratives_and_the_value_as_of_the_cut_off(plan: sa.Engine) -> None:
    _submit(plan, narratives={"I.12": "Đã hoàn thành kiểm tra."}, indicator_values={KEY: "110"}, on=date(2020, 6, 14))
    with Session(plan) as s:
        p = s.exec(select(Plan).where(Plan.code == CODE)).one()
        data = report_data(s, plan=p, period=parse_period("2020-H1"), as_of=date(2020, 6, 12),
                           report_date=date(2020, 6, 16))
    assert [(n.agency_name, n.task_ref, n.text) for n in data.narratives] == [
        (VPDP_NAME, "I.12", "Đã hoàn thành kiểm tra."),
    ]
    row = next(r for r in data.indicators if r.indicator.key == KEY)
    # reported on 14/06 for the period: counted as the data of the 12/06 cut-off
    assert row.actual is not None and row.actual.value == 110 and row.actual.reported_on == date(2020, 6, 12)


def test_a_second_submission_keeps_the_first_completion_date_and_the_latest_value_counts(plan: sa.Engine) -> None:
    _submit(plan, indicator_values={KEY: 105})
    _submit(plan, indicator_values={KEY: 112}, on=date(2020, 6, 12))
    with Session(plan) as s:
        dates = s.exec(select(Assignment.completed_on).join(Task).where(Task.ref == "BC.2020-H1",
                                                                        Assignment.completed_on.is_not(None))).all()
        p = s.exec(select(Plan).where(Plan.code == CODE)).one()
        data = report_data(s, plan=p, period=parse_period("2020-H1"), as_of=date(2020, 6, 12),
                           report_date=date(2020, 6, 16))
    assert dates == [date(2020, 6, 10)]
    assert next(r for r in data.indicators if r.indicator.key == KEY).actual.value == 112  # type: ignore[union-attr]


@pytest.mark.parametrize(("kw", "message"), [
    ({"narratives": {"IX.9": "x"}}, "no active task IX.9"),
    ({"narratives": {"II.4": "x"}}, "no assignment on task II.4"),  # Công an tỉnh leads it, VPĐP has no part
    ({"indicator_values": {"khong-co|%": 1}}, "unknown indicator khong-co|%"),
    ({"indicator_values": {KEY: "nhiều"}}, "is not a number"),
    ({"file": ("bao-cao.exe", b"MZ")}, "not accepted"),
    ({"file": ("bao-cao.pdf", b"<html>")}, "not a .pdf file"),
    ({"period": "2020-Q3"}, "no period report due for 2020-Q3"),
    ({"period": "2020-H9"}, "cannot read period"),
])
def test_a_wrong_submission_is_refused_and_writes_nothing(plan: sa.Engine, kw: dict, message: str) -> None:
    with Session(plan) as s:
        events = s.execute(select(sa.func.count()).select_from(AuditEvent)).scalar()
    with pytest.raises(SubmissionError, match=message.replace("|", r"\|").replace(".", r"\.")):
        _submit(plan, **kw)
    with Session(plan) as s:
        assert s.execute(select(sa.func.count()).select_from(AuditEvent)).scalar() == events
        assert s.exec(select(ReportSubmission)).all() == []
    inbox = get_settings().data_dir / "reports-in"
    assert not inbox.exists() or list(inbox.iterdir()) == []


def test_submit_report_on_the_command_line(plan: sa.Engine, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "bc.pdf"
    pdf.write_bytes(PDF)
    result = run_cli("submit-report", "--plan", CODE, "--period", "2020-H1", "--agency", "VPĐP",
                     "--narrative", "I.12=Đã kiểm tra = xong", "--indicator", f"{KEY}=110,5", "--file", str(pdf),
                     "--date", "2020-06-11")
    assert result.code == 0, result.err
    assert "report of Văn phòng Điều phối nông thôn mới tỉnh recorded on 11/06/2020" in result.out
    with Session(plan) as s:
        sub = s.exec(select(ReportSubmission)).one()
    assert sub.narratives == {"I.12": "Đã kiểm tra = xong"} and sub.indicator_values == {KEY: 110.5}
    listed = run_cli("indicators", "--plan", CODE)
    assert listed.code == 0 and KEY in listed.out and "110.5" in listed.out
    bad = run_cli("submit-report", "--plan", CODE, "--period", "2020-H1", "--agency", "Sở Không Có")
    assert bad.code == 2 and "unknown agency" in bad.err
    late = run_cli("submit-report", "--plan", CODE, "--period", "2020-H1", "--agency", "VPĐP", "--narrative", "IX.1=x")
    assert late.code == 2 and late.err.strip() == "dondoc: error: no active task IX.1 in this plan"
