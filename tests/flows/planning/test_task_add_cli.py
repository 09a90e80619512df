"""`dondoc task add`, run as a real process on SQLite and PostgreSQL: the command line's mirror of
the new task form; a problem is one line, exit 2, nothing written."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import Agency, Assignment, AuditEvent, Plan, Task

ARGS = ["task", "add", "--province", "bac-giang", "--number", "45/TB-UBND", "--date", "05/03/2020",
        "--kind", "thong_bao", "--title", "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp ngày 02/3/2020",
        "--content", "Hoàn thiện hồ sơ đề nghị công nhận xã đạt chuẩn nông thôn mới",
        "--lead", "Sở NN&PTNT", "--coordinating", "Sở TC", "--coordinating", "skhdt"]


def _tasks(engine: sa.Engine) -> int:
    with Session(engine) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one())


def test_a_task_from_a_thong_bao_ket_luan_is_added_from_the_command_line(engine: sa.Engine, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("init").code == 0
    r = run_cli(*ARGS, "--deadline", "60 ngày kể từ ngày ban hành", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["ref"] == "NT.1" and out["due_date"] == "2020-05-04"
    assert out["document"] == "Thông báo kết luận số 45/TB-UBND ngày 05/03/2020"
    assert out["lead"] == ["Sở Nông nghiệp và Phát triển nông thôn"]
    assert out["coordinating"] == ["Sở Tài chính", "Sở Kế hoạch và Đầu tư"]
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == "45/TB-UBND")).one()
        assert plan.source_name == "Thông báo kết luận (nhập tay)" and plan.issued_on == date(2020, 3, 5)
        rows = s.exec(select(Agency.key, Assignment.role, Assignment.policy_id)
                      .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                      .where(Assignment.task_id == out["id"])).all()
        assert sorted((k, r) for k, r, _ in rows) == [("skhdt", "coordinating"), ("snnptnt", "lead"),
                                                      ("stc", "coordinating")]
        assert all(p is not None for _, _, p in rows)
        assert s.exec(select(AuditEvent.actor).where(AuditEvent.entity == "task",
                                                    AuditEvent.entity_id == out["id"])).all() == ["cli"]
    second = run_cli(*ARGS, "--deadline", "Thường xuyên")
    assert second.code == 0, second.err
    assert second.out.startswith("NT.2 (Thông báo kết luận số 45/TB-UBND ngày 05/03/2020): due no due date")


def test_a_problem_is_one_line_and_nothing_is_written(engine: sa.Engine, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("init").code == 0
    before = _tasks(engine)
    unread = run_cli(*ARGS, "--deadline", "Sau khi có hướng dẫn của Trung ương")
    assert unread.code == 2 and unread.err.count("\n") == 1
    assert "Không đọc được thời hạn “Sau khi có hướng dẫn của Trung ương”" in unread.err
    unknown = run_cli(*[a if a != "skhdt" else "Sở Ma" for a in ARGS], "--deadline", "Quý II/2020")
    assert unknown.code == 2 and "“Sở Ma”" in unknown.err and unknown.err.count("\n") == 1
    province = run_cli(*[a if a != "bac-giang" else "bac-lieu" for a in ARGS], "--deadline", "Quý II/2020")
    assert province.code == 2 and "unknown province 'bac-lieu'" in province.err
    assert _tasks(engine) == before
