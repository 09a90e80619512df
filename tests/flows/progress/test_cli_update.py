"""`dondoc update`: an agency's progress, by any name the resolver knows, audited."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"


def _rows(url: str, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_update_by_alias_marks_the_assignment_done_and_audits_it(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(BAC_GIANG)).code == 0
    r = run_cli("update", "I.1", "--agency", "VPĐP tỉnh", "--status", "done", "--note", "Đã phân bổ vốn",
                "--date", "2020-01-30")
    assert r.code == 0, r.err
    rows = _rows(db_url, """
        SELECT a.status, a.percent, a.completed_on, ag.name FROM assignment a
        JOIN agency ag ON ag.id = a.agency_id JOIN task t ON t.id = a.task_id
        WHERE t.ref = 'I.1' AND a.role = 'lead' ORDER BY ag.name""")
    done = {name: (status, percent, str(completed)) for status, percent, completed, name in rows}
    assert done["Văn phòng Điều phối nông thôn mới tỉnh"] == ("done", 100, "2020-01-30")
    assert done["Sở Nông nghiệp và Phát triển nông thôn"][0] == "open"  # each lead is tracked on its own
    notes = _rows(db_url, "SELECT note, actor, source FROM progress_update")
    assert notes == [("Đã phân bổ vốn", "VPĐP tỉnh", "cli")]
    audit = _rows(db_url, "SELECT action, actor FROM audit_event WHERE entity = 'assignment'")
    assert audit == [("progress", "VPĐP tỉnh")]


def test_a_ref_in_two_plans_needs_plan(db_url: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "bac-giang-553.txt"
    other.write_text(BAC_GIANG.read_text(encoding="utf-8").replace("Số: 552/KH-BCĐ", "Số: 553/KH-BCĐ"),
                     encoding="utf-8")
    assert run_cli("import", str(BAC_GIANG)).code == 0
    assert run_cli("import", str(other)).code == 0
    r = run_cli("update", "I.1", "--agency", "Sở NN&PTNT", "--status", "in_progress", "--percent", "40")
    assert r.code == 2 and "--plan" in r.err and "552/KH-BCĐ" in r.err and "553/KH-BCĐ" in r.err
    ok = run_cli("update", "I.1", "--plan", "553/KH-BCĐ", "--agency", "Sở NN&PTNT", "--status", "in_progress",
                 "--percent", "40")
    assert ok.code == 0, ok.err


def test_bad_updates_get_one_clear_line_and_change_nothing(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(BAC_GIANG)).code == 0
    cases = [
        (("I.1", "--agency", "Sở Không Có", "--status", "done"), "unknown agency"),
        (("I.1", "--agency", "Công an tỉnh", "--status", "done"), "no assignment"),
        (("IX.99", "--agency", "Sở NN&PTNT", "--status", "done"), "no active task"),
        (("I.1", "--agency", "Sở NN&PTNT", "--status", "finished"), "--status"),
        (("I.1", "--agency", "Sở NN&PTNT", "--status", "in_progress", "--percent", "140"), "percent"),
        (("I.1", "--agency", "Sở NN&PTNT", "--status", "done", "--date", "30/02/2020"), "--date"),
    ]
    for args, fragment in cases:
        r = run_cli("update", *args)
        assert r.code == 2, (args, r.err)
        assert fragment in r.err and "Traceback" not in r.err
    assert _rows(db_url, "SELECT count(*) FROM progress_update") == [(0,)]
