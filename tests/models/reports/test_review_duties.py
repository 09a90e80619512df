"""Reviews of several years a programme asks for ("sơ kết 3 năm", "tổng kết 5 năm") become report
duties like the yearly reports, on proposed dates (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import LEAD, Assignment, Plan, Task
from models.duties.store import decide
from models.reports.duties import PROPOSED_NOTE, ensure_report_duties
from tests.flows.importing.test_programme_import import word_programme

CODE = "12/CTr-UBND"


def _duties(engine: sa.Engine) -> dict[str, tuple[date | None, str | None, str, str, int]]:
    """ref -> (due date, deadline note, state, content, lead assignments) of the plan's report duties."""
    with Session(engine) as s:
        tasks = s.exec(select(Task).join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
                       .where(Plan.code == CODE, Task.source == "report")).all()
        leads = dict(s.execute(
            select(Assignment.task_id, sa.func.count()).where(
                Assignment.role == LEAD, Assignment.task_id.in_([t.id for t in tasks]))  # type: ignore[attr-defined]
            .group_by(Assignment.task_id)).all())
        return {t.ref: (t.due_date, t.deadline_note, t.state, t.content, leads.get(t.id, 0)) for t in tasks}


def _programme(engine: sa.Engine, tmp_path: Path) -> None:
    """The 2026 Word programme (reports yearly, sơ kết 3 năm, tổng kết 5 năm; targets to 2030),
    its two text duties confirmed on its issue date."""
    path = word_programme(tmp_path / "chuong-trinh-12.docx", province="Bắc Giang",
                          agriculture="Sở Nông nghiệp và Phát triển nông thôn")
    import_plan(str(path), province="bac-giang")
    assert _duties(engine) == {}  # nobody is tracked before the office confirms the proposals
    with session_scope(engine) as s:
        assert decide(s, plan_code=CODE, refs=None, confirm=True, actor="test", on=date(2026, 3, 20)) == 2


def test_a_programme_asking_for_3_and_5_year_reviews_gets_their_duties_at_the_end_of_the_3rd_and_5th_year(
    engine: sa.Engine, tmp_path: Path
) -> None:
    _programme(engine, tmp_path)
    duties = _duties(engine)
    yearly = {f"BC.{y}" for y in range(2026, 2031)}  # the plan's year to its targets' horizon, 2030
    assert set(duties) == yearly | {"BC.3y.2026-2028", "BC.5y.2026-2030"}
    review, final = duties["BC.3y.2026-2028"], duties["BC.5y.2026-2030"]
    assert (review[0], review[2], review[4]) == (date(2028, 12, 15), "active", 2)
    assert (final[0], final[2], final[4]) == (date(2030, 12, 15), "active", 2)
    assert review[3] == ("Báo cáo sơ kết 3 năm thực hiện Kế hoạch số 12/CTr-UBND (2026-2028) "
                         "gửi Sở Nông nghiệp và Phát triển nông thôn")
    assert final[3].startswith("Báo cáo tổng kết 5 năm thực hiện Kế hoạch số 12/CTr-UBND (2026-2030)")
    # no date is written for any of them: each says its date is proposed
    assert review[1] is not None and review[1].startswith("ngày đề xuất") and "sơ kết 3 năm" in review[1]
    assert final[1] is not None and "tổng kết 5 năm" in final[1] and "2030" in final[1]
    assert {duties[ref][1] for ref in yearly} == {PROPOSED_NOTE}
    assert duties["BC.2026"][0] == date(2026, 12, 15)


def test_the_review_duties_are_kept_once_and_cancelled_when_the_clause_no_longer_asks_for_them(
    engine: sa.Engine, tmp_path: Path
) -> None:
    _programme(engine, tmp_path)
    before = _duties(engine)
    with session_scope(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        again = ensure_report_duties(s, plan_id=plan.id, actor="test")  # type: ignore[arg-type]
        assert (again.created, again.assigned, again.cancelled) == (0, 0, 0)
    assert _duties(engine) == before
    with session_scope(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        # the clause now dates the yearly report and drops the reviews
        plan.report_schedule = [{"month": 12, "day": 10, "period": "year"}]
        counts = ensure_report_duties(s, plan_id=plan.id, actor="test")  # type: ignore[arg-type]
    assert counts.cancelled == 2
    after = _duties(engine)
    assert after["BC.3y.2026-2028"][2] == after["BC.5y.2026-2030"][2] == "cancelled"
    assert (after["BC.2027"][0], after["BC.2027"][1]) == (date(2027, 12, 10), None)  # written: no note


def test_a_plan_asking_for_a_review_of_its_whole_term_gets_one_duty_at_the_end_of_the_years_its_title_gives(
    engine: sa.Engine, tmp_path: Path
) -> None:
    _programme(engine, tmp_path)
    with session_scope(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        # "Định kỳ hằng năm báo cáo ...; tổng kết giai đoạn": the term of unknown length in the
        # clause; the title says "giai đoạn 2026 - 2030"
        assert plan.title is not None and "2026 - 2030" in plan.title
        plan.report_schedule = [{"month": 12, "day": 15, "period": "year", "proposed": True},
                                {"period": "term", "every_years": None, "label": "tổng kết giai đoạn",
                                 "kind": "final"}]
        ensure_report_duties(s, plan_id=plan.id, actor="test")  # type: ignore[arg-type]
    duties = _duties(engine)
    assert duties["BC.3y.2026-2028"][2] == duties["BC.5y.2026-2030"][2] == "cancelled"
    term = duties["BC.term.2026-2030"]
    assert (term[0], term[2], term[4]) == (date(2030, 12, 15), "active", 2)
    assert term[3].startswith("Báo cáo tổng kết giai đoạn thực hiện Kế hoạch số 12/CTr-UBND (2026-2030)")
    assert term[1] is not None and term[1].startswith("ngày đề xuất") and "tổng kết giai đoạn" in term[1]
    with session_scope(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        plan.title = "Xây dựng nông thôn mới hiện đại"  # no years: the plan's horizon (targets of 2030)
        again = ensure_report_duties(s, plan_id=plan.id, actor="test")  # type: ignore[arg-type]
    assert (again.created, again.cancelled) == (0, 0)
    assert _duties(engine)["BC.term.2026-2030"][2] == "active"
