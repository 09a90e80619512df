"""Duties proposed from plan text: not tracked until confirmed; decisions survive re-import."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import Assignment, Notice, Task
from models.duties.store import decide, edit, proposals
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
LANG_SON = PLANS / "lang-son-176-kh-ubnd-2023.txt"
CODE = "552/KH-BCĐ"


def _state(engine: sa.Engine, ref: str) -> Task:
    with Session(engine) as s:
        return s.exec(select(Task).where(Task.ref == ref)).one()


def test_a_plan_without_an_appendix_imports_its_duties_as_proposals_with_their_paragraph(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("import", str(LANG_SON), "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["plan"]["code"] == "176/KH-UBND"
    text = [t for t in data["tasks"] if t["source"] == "text"]
    assert len(text) == len(data["tasks"]) >= 38
    tt = [t for t in text if "Sở Thông tin và Truyền thông" in t["lead"]]
    assert tt and all(t["paragraph"] and t["section_path"] for t in tt)
    listed = run_cli("review", "--plan", "176/KH-UBND", "--json")
    assert len(json.loads(listed.out)) == len(text)


def test_proposals_get_no_reminder_until_the_office_confirms_them(engine: sa.Engine, smtp_sink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from config.settings import reset_settings

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(BAC_GIANG))
    dated = _state(engine, "T.III.3.1")  # "xong trước 28/02/2020" in the text
    assert dated.state == "proposed" and dated.due_date == date(2020, 2, 28)
    daily_sweep(date(2020, 2, 21))
    with Session(engine) as s:
        mine = s.exec(select(Notice).join(Assignment, Assignment.id == Notice.assignment_id)
                      .where(Assignment.task_id == dated.id)).all()
    assert mine == []
    with session_scope(engine) as s:
        assert decide(s, plan_code=CODE, refs=["T.III.3.1"], confirm=True, actor="office") == 1
    daily_sweep(date(2020, 2, 22))
    with Session(engine) as s:
        kinds = {n.kind for n in s.exec(select(Notice).join(Assignment, Assignment.id == Notice.assignment_id)
                                        .where(Assignment.task_id == dated.id))}
    assert "reminder" in kinds


def test_reimporting_keeps_every_review_decision(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with session_scope(engine) as s:
        decide(s, plan_code=CODE, refs=["T.III.3.1"], confirm=True, actor="office")
        decide(s, plan_code=CODE, refs=["T.III.2.1"], confirm=False, actor="office")
        edit(s, plan_code=CODE, ref="T.III.3.2", actor="office", title="Tiêu đề đã sửa", due_date=date(2020, 4, 15))
    outcome = import_plan(str(BAC_GIANG))
    assert outcome.duties is not None and outcome.duties.kept == 3 and outcome.duties.proposed == 0
    assert _state(engine, "T.III.3.1").state == "active"
    assert _state(engine, "T.III.2.1").state == "discarded"
    edited = _state(engine, "T.III.3.2")
    assert (edited.state, edited.title, edited.due_date) == ("proposed", "Tiêu đề đã sửa", date(2020, 4, 15))
    with Session(engine) as s:
        pending = [t.ref for t, _ in proposals(s, plan_code=CODE)]
    assert "T.III.3.1" not in pending and "T.III.2.1" not in pending


def test_review_mistakes_get_one_clear_line(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(BAC_GIANG)).code == 0
    assert run_cli("review", "--confirm", "T.III.3.1").code == 2  # which plan?
    r = run_cli("review", "--plan", CODE, "--confirm", "T.IX.9")
    assert r.code == 2 and "no task T.IX.9" in r.err
    assert run_cli("review", "--plan", CODE, "--confirm", "T.III.3.1").code == 0
    again = run_cli("review", "--plan", CODE, "--confirm", "T.III.3.1")
    assert again.code == 2 and "already reviewed" in again.err


LS_CODE = "176/KH-UBND"


def _report_agencies(engine: sa.Engine, code: str) -> dict[str, set[int]]:
    """Report duty ref -> agencies with a lead assignment on it, for one plan."""
    from models.core.tables import Plan

    out: dict[str, set[int]] = {}
    with Session(engine) as s:
        for ref, agency_id in s.execute(
            select(Task.ref, Assignment.agency_id).join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
            .outerjoin(Assignment, Assignment.task_id == Task.id)
            .where(Plan.code == code, Task.source == "report")
        ):
            out.setdefault(ref, set()).update({agency_id} if agency_id else set())
    return out


def _agencies_of(engine: sa.Engine, code: str, refs: list[str]) -> set[int]:
    from models.core.tables import Plan

    with Session(engine) as s:
        return set(s.execute(
            select(Assignment.agency_id).join(Task, Task.id == Assignment.task_id).join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
            .where(Plan.code == code, Task.ref.in_(refs))  # type: ignore[attr-defined]
        ).scalars())


def test_confirming_text_duties_gives_their_agencies_report_duties_and_there_are_none_before(engine: sa.Engine) -> None:
    from tasks.reports.schedule import period_of_duty_ref

    import_plan(str(LANG_SON), province="lang-son")
    assert _report_agencies(engine, LS_CODE) == {}  # nothing tracked yet: nobody has to report
    with session_scope(engine) as s:
        decide(s, plan_code=LS_CODE, refs=["T.III.10.c.1"], confirm=True, actor="office", on=date(2023, 9, 1))
    first = _report_agencies(engine, LS_CODE)
    one = _agencies_of(engine, LS_CODE, ["T.III.10.c.1"])
    assert one and first and all(period_of_duty_ref(ref) for ref in first)
    assert all(agencies == one for agencies in first.values())  # exactly the confirmed task's agencies
    with session_scope(engine) as s:
        rest = [t.ref for t, _ in proposals(s, plan_code=LS_CODE)]
        decide(s, plan_code=LS_CODE, refs=None, confirm=True, actor="office", on=date(2023, 9, 1))
    after = _report_agencies(engine, LS_CODE)
    everyone = _agencies_of(engine, LS_CODE, [*rest, "T.III.10.c.1"])
    assert set(after) == set(first) and len(everyone) > len(one)
    assert all(agencies == everyone for agencies in after.values())


def test_duties_confirmed_late_get_no_report_duty_for_periods_already_past(engine: sa.Engine) -> None:
    import_plan(str(LANG_SON), province="lang-son")  # issued 23/08/2023: reports 15/6 and 15/12
    with session_scope(engine) as s:
        decide(s, plan_code=LS_CODE, refs=["T.III.10.c.1"], confirm=True, actor="office", on=date(2025, 7, 1))
    with Session(engine) as s:
        dues = sorted(d for d in s.exec(select(Task.due_date).where(Task.source == "report")) if d is not None)
    assert dues and dues[0] == date(2025, 12, 15)  # not 15/12/2023, 15/06/2024, 15/12/2024, 15/06/2025


def test_discarding_text_duties_gives_no_report_duties(engine: sa.Engine) -> None:
    import_plan(str(LANG_SON), province="lang-son")
    with session_scope(engine) as s:
        assert decide(s, plan_code=LS_CODE, refs=None, confirm=False, actor="office") >= 38
    assert _report_agencies(engine, LS_CODE) == {}


def test_dondoc_review_confirm_also_creates_the_report_duties(db_url: str, engine: sa.Engine, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(LANG_SON), "--province", "lang-son").code == 0
    r = run_cli("review", "--plan", LS_CODE, "--confirm", "T.III.10.c.1", "--confirm", "T.III.7.c")
    assert r.code == 0, r.err
    duties = _report_agencies(engine, LS_CODE)
    assert duties and all(a == _agencies_of(engine, LS_CODE, ["T.III.10.c.1", "T.III.7.c"]) for a in duties.values())


def test_editing_a_proposal_to_an_unknown_agency_fails_in_one_line_and_changes_nothing(  # type: ignore[no-untyped-def]
    db_url: str, engine: sa.Engine, run_cli
) -> None:
    assert run_cli("import", str(LANG_SON), "--province", "lang-son").code == 0
    before = _agencies_of(engine, LS_CODE, ["T.III.7.c"])
    r = run_cli("review", "--plan", LS_CODE, "--edit", "T.III.7.c", "--lead", "Sở NN&PTNT", "--lead", "Sở Không Có")
    assert r.code == 2 and "unknown agency 'Sở Không Có' in Lạng Sơn" in r.err
    assert _agencies_of(engine, LS_CODE, ["T.III.7.c"]) == before
    ok = run_cli("review", "--plan", LS_CODE, "--edit", "T.III.7.c", "--lead", "Sở NN&PTNT", "--lead", "Sở Tài chính",
                 "--lead", "Sở NN&PTNT")  # a repeated name is one assignment
    assert ok.code == 0, ok.err
    with Session(engine) as s:
        leads = s.exec(select(Assignment).join(Task, Task.id == Assignment.task_id)
                       .where(Task.ref == "T.III.7.c", Assignment.role == "lead")).all()
    assert len(leads) == 2
