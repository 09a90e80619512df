"""Importing plans into a real database (SQLite and PostgreSQL): rows, re-import, revisions."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.db import HEAD, session_scope
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    Agency,
    Assignment,
    AuditEvent,
    Milestone,
    Plan,
    Task,
)
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
BEN_TRE = PLANS / "ben-tre-1185-kh-ubnd-2019.txt"


def _count(engine: sa.Engine, table: type) -> int:
    with Session(engine) as s:
        return s.exec(select(sa.func.count()).select_from(table)).one()


def _table_tasks(engine: sa.Engine) -> int:
    """Tasks from the appendix (duties read from the prose are proposals, counted apart)."""
    with Session(engine) as s:
        return s.exec(select(sa.func.count()).select_from(Task).where(Task.source == "table")).one()


def _task(engine: sa.Engine, ref: str) -> Task:
    with Session(engine) as s:
        return s.exec(select(Task).where(Task.ref == ref)).one()


def _agency_names(engine: sa.Engine, ref: str, role: str) -> list[str]:
    with Session(engine) as s:
        rows = s.exec(
            select(Agency.name).join(Assignment, Assignment.agency_id == Agency.id)
            .join(Task, Task.id == Assignment.task_id)
            .where(Task.ref == ref, Assignment.role == role, Assignment.status != CANCELLED)
            .order_by(Assignment.id)
        ).all()
    return list(rows)


def test_the_bac_giang_plan_gives_its_36_tasks_with_dates_and_agencies(engine: sa.Engine) -> None:
    outcome = import_plan(str(BAC_GIANG))
    assert outcome.summary is not None and outcome.summary.created == 36
    assert _table_tasks(engine) == 36
    with Session(engine) as s:
        plan = s.exec(select(Plan)).one()
    assert (plan.code, plan.province, plan.issued_on) == ("552/KH-BCĐ", "bac-giang", date(2020, 2, 17))
    i1 = _task(engine, "I.1")
    assert i1.due_date == date(2020, 1, 31) and i1.deadline_text == "Tháng 01/2020"
    assert _agency_names(engine, "I.1", LEAD) == [
        "Sở Nông nghiệp và Phát triển nông thôn", "Văn phòng Điều phối nông thôn mới tỉnh"]
    assert _agency_names(engine, "I.1", COORDINATING) == ["Sở Kế hoạch và Đầu tư", "Sở Tài chính"]
    assert _task(engine, "I.8").due_date == date(2020, 2, 28)  # "Trước 28/02/2020"
    assert _task(engine, "II.10").due_date == date(2020, 9, 30)  # "Quý II-III/2020"
    assert _task(engine, "III.7").due_date == date(2020, 12, 31)  # "Trong năm 2020"
    # "UBND huyện, TP" as lead: one lead assignment per district-level UBND
    assert len(_agency_names(engine, "I.2", LEAD)) == 10
    # commune wording cannot be an agency: it stays on the task as text
    assert "UBND các xã" in _task(engine, "I.2").unresolved


def test_the_ben_tre_plan_gives_21_tasks_with_2020_and_2025_milestones(engine: sa.Engine) -> None:
    import_plan(str(BEN_TRE))
    assert _table_tasks(engine) == 21
    with Session(engine) as s:
        years = Counter(m.year for m in s.exec(select(Milestone)))
    assert set(years) == {2020, 2025}
    assert years[2020] >= 15 and years[2025] >= 10
    t = _task(engine, "3.1")
    assert t.due_date == date(2020, 12, 31)


def test_reimporting_the_same_file_changes_nothing(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    before = (_count(engine, Task), _count(engine, Assignment), _count(engine, AuditEvent))
    outcome = import_plan(str(BAC_GIANG))
    assert outcome.summary is not None and not outcome.summary.changed
    assert (outcome.summary.unchanged, outcome.summary.created) == (36, 0)
    assert (_count(engine, Task), _count(engine, Assignment), _count(engine, AuditEvent)) == before


def _revised(tmp_path: Path) -> Path:
    text = BAC_GIANG.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for line in lines:
        cells = line.split("\t")
        if cells[0] == "11" and "thu gom, xử lý rác thải" in line:  # I.11 leaves the plan
            continue
        if cells[0] == "1" and cells[1].startswith("Phân bổ nguồn vốn thực hiện"):
            cells[-1] = "Tháng 03/2020"  # I.1 moves from January to March
            cells[3] = "Sở KH&ĐT"  # and loses Sở Tài chính as coordinator
            line = "\t".join(cells)
        out.append(line)
    path = tmp_path / "bac-giang-552-revised.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_a_revised_file_updates_tasks_audits_changes_and_cancels_vanished_rows(engine: sa.Engine,
                                                                                tmp_path: Path) -> None:
    import_plan(str(BAC_GIANG))
    outcome = import_plan(str(_revised(tmp_path)), actor="office@bacgiang.example")
    s = outcome.summary
    assert s is not None and (s.updated, s.cancelled, s.created) == (1, 1, 0)
    i1 = _task(engine, "I.1")
    assert i1.due_date == date(2020, 3, 31)
    assert _agency_names(engine, "I.1", COORDINATING) == ["Sở Kế hoạch và Đầu tư"]
    gone = _task(engine, "I.11")
    assert gone.state == "cancelled"  # kept, never deleted
    with Session(engine) as sess:
        statuses = set(sess.exec(select(Assignment.status).where(Assignment.task_id == gone.id)))
        lead_due = sess.exec(
            select(Assignment.due_date).where(Assignment.task_id == i1.id, Assignment.role == LEAD)
        ).all()
        events = sess.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == i1.id,
                                                    AuditEvent.action == "updated")).all()
    assert statuses == {CANCELLED}
    assert set(lead_due) == {date(2020, 3, 31)}
    assert len(events) == 1
    changes = events[0].changes
    assert changes["due_date"] == ["2020-01-31", "2020-03-31"]
    assert changes["deadline_text"] == ["Tháng 01/2020", "Tháng 03/2020"]
    assert events[0].actor == "office@bacgiang.example"


def test_a_failure_while_storing_leaves_nothing_half_written(engine: sa.Engine) -> None:
    from flows.importing.flow import parse_plan_document, read_plan_file
    from models.importing.store import apply_import

    doc, sha = read_plan_file(str(BAC_GIANG))
    parsed = parse_plan_document(doc, source_name="x.txt", province=None, year=None)

    def store_then_fail() -> None:
        with session_scope(engine) as session:
            apply_import(session, parsed=parsed, source_name="x.txt", sha256=sha, actor="t")
            assert session.exec(select(sa.func.count()).select_from(Task)).one() == 36
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store_then_fail()
    assert _count(engine, Task) == 0 and _count(engine, Plan) == 0 and _count(engine, AuditEvent) == 0


def test_the_declared_schema_head_is_alembics_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from models.core.db import MIGRATIONS_DIR, alembic_config, make_engine

    cfg = alembic_config(make_engine("sqlite://"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD
    assert MIGRATIONS_DIR.is_dir()
