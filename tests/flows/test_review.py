"""Duties proposed from plan text: not tracked until confirmed; decisions survive re-import."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from flows.import_plan import import_plan
from flows.sweep import daily_sweep
from models.db import session_scope
from models.duties import decide, edit, proposals
from models.tables import Assignment, Notice, Task
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
