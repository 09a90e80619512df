"""Report-submission duties and indicators stored at import, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.report_tables import Indicator
from models.core.tables import LEAD, Assignment, AuditEvent, Notice, Plan, Task
from models.reports.duties import tracked_agency_ids
from tests.conftest import PLANS
from tests.flows.reports.report_helpers import BAC_GIANG, CODE, mail_to

BEN_TRE = PLANS / "ben-tre-1185-kh-ubnd-2019.txt"


def _duties(engine: sa.Engine, code: str = CODE) -> dict[str, tuple[date | None, int, set[str]]]:
    """ref -> (due date, lead assignments, their statuses)."""
    with Session(engine) as s:
        rows = s.execute(
            select(Task.ref, Task.due_date, Assignment.status)
            .join(Plan, Plan.id == Task.plan_id).join(Assignment, Assignment.task_id == Task.id)
            .where(Plan.code == code, Task.source == "report", Assignment.role == LEAD)
        ).all()
    out: dict[str, tuple[date | None, int, set[str]]] = {}
    for ref, due, status in rows:
        d, n, statuses = out.get(ref, (due, 0, set()))
        out[ref] = (d, n + 1, statuses | {status})
    return out


def _plan_id(engine: sa.Engine, code: str = CODE) -> int:
    with Session(engine) as s:
        return s.exec(select(Plan.id).where(Plan.code == code)).one()  # type: ignore[return-value]


def test_every_agency_with_a_task_gets_a_report_duty_per_period_due_on_the_deadline(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        agencies = tracked_agency_ids(s, plan_id=_plan_id(engine))
        contents = dict(s.execute(select(Task.ref, Task.content).where(Task.source == "report")).all())
        unscheduled = s.execute(
            select(sa.func.count()).select_from(Assignment).join(Task, Task.id == Assignment.task_id)
            .where(Task.source == "report", Assignment.policy_id.is_(None))
        ).scalar()
    assert len(agencies) == 36
    # the plan has no dated reporting clause: the usual semi-annual and annual dates
    assert _duties(engine) == {
        "BC.2020-H1": (date(2020, 6, 15), 36, {"open"}),
        "BC.2020": (date(2020, 12, 15), 36, {"open"}),
    }
    assert contents["BC.2020-H1"] == "Báo cáo kết quả thực hiện Kế hoạch số 552/KH-BCĐ 6 tháng đầu năm 2020"
    assert unscheduled == 0  # each scheduled under the escalation policy, like any assignment


def test_reimporting_the_plan_adds_no_duty_twice(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        events = s.execute(select(sa.func.count()).select_from(AuditEvent)).scalar()
    before = _duties(engine)
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        assert s.execute(select(sa.func.count()).select_from(AuditEvent)).scalar() == events
    assert _duties(engine) == before


def test_a_dated_clause_and_a_horizon_give_the_periods_up_to_it(engine: sa.Engine) -> None:
    import_plan(str(BEN_TRE))  # 15/06 and 15/12, milestones to 2025: at most five years after 2019
    duties = _duties(engine, "1185/KH-UBND")
    assert sorted(duties, key=lambda r: duties[r][0]) == [
        "BC.2019-H1", "BC.2019", "BC.2020-H1", "BC.2020", "BC.2021-H1", "BC.2021", "BC.2022-H1", "BC.2022",
        "BC.2023-H1", "BC.2023", "BC.2024-H1", "BC.2024",
    ]
    assert duties["BC.2019-H1"][0] == date(2019, 6, 15)


def test_the_sweep_reminds_the_report_duties_and_escalates_the_missing_ones(  # type: ignore[no-untyped-def]
    engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_to(monkeypatch, smtp_sink)
    import_plan(str(BAC_GIANG))
    daily_sweep(date(2020, 6, 8))  # seven days before 15/06
    daily_sweep(date(2020, 6, 16))  # one day late
    with Session(engine) as s:
        rows = s.execute(
            select(Notice.kind, Notice.level, Notice.as_of, Notice.status)
            .join(Assignment, Assignment.id == Notice.assignment_id).join(Task, Task.id == Assignment.task_id)
            .where(Task.ref == "BC.2020-H1", Notice.recipient_role == "lead")
        ).all()
    kinds = Counter((kind, level, as_of) for kind, level, as_of, _ in rows)
    assert kinds[("reminder", 7, date(2020, 6, 8))] == 36
    assert kinds[("escalation", 1, date(2020, 6, 16))] == 36
    assert {status for *_, status in rows} == {"sent"}
    bodies = [m.get_body(("plain",)).get_content() for m in smtp_sink.messages()]
    assert any("BC.2020-H1" in b and "6 tháng đầu năm 2020" in b for b in bodies)


def test_indicators_are_stored_at_import_with_targets_and_district_owners(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        rows = {r.key: r for r in s.exec(select(Indicator))}
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "indicator")).all()
    communes = rows["so-xa-dat-chuan-nong-thon-moi|xã"]
    assert (communes.unit, communes.baseline, communes.targets[0]["year"], communes.targets[0]["low"]) == (
        "xã", 101.0, 2020, 124.0)
    son_dong = rows["binh-quan-tieu-chi-xa|tiêu chí/xã|huyen-son-dong"]
    assert son_dong.district == "Huyện Sơn Động" and son_dong.owner_agency_id is not None
    assert len(events) == len(rows) and all(e.effective_on == date(2020, 2, 17) for e in events)
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        counted = select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity == "indicator")
        assert s.execute(counted).scalar() == len(rows)


def test_the_tasks_of_a_first_import_take_effect_on_the_plans_issue_date(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        days = set(s.exec(select(AuditEvent.effective_on).where(AuditEvent.entity == "task",
                                                                AuditEvent.action == "created")).all())
    assert days == {date(2020, 2, 17)}
