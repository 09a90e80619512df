"""Re-importing a 2020 plan after `dondoc province move-to-successors` (issue 13): the plan still
reads against the directory of its date (the dissolved Bắc Giang agencies), but an open
assignment the move handed to a successor stands for the (dissolved agency, role) it replaced,
so the re-import leaves it with the successor and compares the file against it. Real processes,
the sample plan, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.agencies.moved import TaskMoves
from tests.conftest import CliResult, query_rows
from tests.flows.test_province_setup import BAC_GIANG

# rows of the plan's task table (Biểu 05) the tests edit, as the file writes them
INVESTMENT = (
    "Xây dựng kế hoạch đầu tư công Chương trình MTQG xây dựng nông thôn mới giai đoạn 2021-2025\t"
    "Sở KH&ĐT, NN&PTNT, VPĐP\tSở, ngành, UBND huyện, TP\tQuý III/2020"
)  # II.9
TOWN_PLAN = (
    "Hoàn thành Đồ án quy hoạch vùng huyện Tân Yên đến năm 2040\tUBND huyện Tân Yên\t"
    "Sở XD, UBND các xã\tQuý II/2020"
)  # II.6
INSPECTION = (
    "Kiểm tra Dự án PTSX, xác lập quyền sở hữu công nghiệp, tem nhãn, bao bì sản phẩm, truy xuất nguồn "
    "gốc năm 2020\tVPĐP tỉnh\tSở KH&ĐT, TC, UBND huyện, TP\tQuý I/2020"
)  # I.12

Snapshot = dict[int, tuple[str, str, str, str, str]]


def _assignments(db_url: str) -> Snapshot:
    """Every assignment of the plan's table: id -> (task ref, "province/agency key", role, status, due date)."""
    rows = query_rows(
        db_url,
        "SELECT a.id, t.ref, ag.province, ag.key, a.role, a.status, a.due_date "
        "FROM assignment a JOIN task t ON t.id = a.task_id JOIN agency ag ON ag.id = a.agency_id "
        "WHERE t.source = 'table'",
    )
    return {int(i): (ref, f"{p}/{k}", role, status, str(due)) for i, ref, p, k, role, status, due in rows}


def _of(snapshot: Snapshot, ref: str) -> dict[tuple[str, str], tuple[str, str]]:
    """One task's assignments: (agency, role) -> (status, due date)."""
    return {(agency, role): (status, due) for r, agency, role, status, due in snapshot.values() if r == ref}


def _audit_after(db_url: str, last: int) -> list[tuple[Any, ...]]:
    """The plan import's and the agency directory's audit rows written after row ``last`` (the
    report duties the import also refreshes are their own concern: models/reports/duties.py)."""
    return query_rows(
        db_url,
        "SELECT entity, action, source, changes FROM audit_event WHERE id > :last "
        "AND source IN ('plan import', 'agency directory') ORDER BY id",
        last=last,
    )


def _last_audit(db_url: str) -> int:
    return int(query_rows(db_url, "SELECT max(id) FROM audit_event")[0][0])


def _counts(result: CliResult) -> dict[str, int]:
    """The import's summary line: created, updated, cancelled, unchanged."""
    assert result.code == 0, result.err
    found = re.search(r"created (\d+), updated (\d+), cancelled (\d+), unchanged (\d+)", result.out)
    assert found, result.out
    return dict(zip(("created", "updated", "cancelled", "unchanged"), map(int, found.groups()), strict=True))


def _moved(db_url: str, run_cli: Callable[..., CliResult]) -> Snapshot:
    """The 2020 Bắc Giang plan imported, I.1 done by Sở NN&PTNT, Bắc Ninh added and the open
    assignments moved to the successors, as in test_province_setup; the assignments then."""
    assert run_cli("import", str(BAC_GIANG)).code == 0
    done = run_cli(
        "update", "I.1", "--agency", "Sở NN&PTNT", "--status", "done", "--plan", "552/KH-BCĐ", "--date", "2020-01-30"
    )
    assert done.code == 0, done.err
    assert run_cli("province", "add", "bac-ninh").code == 0
    moves = run_cli("province", "move-to-successors", "bac-ninh", "--json").json()["moves"]
    assert any(m["merged"] for m in moves) and any(not m["merged"] for m in moves)
    return _assignments(db_url)


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    """The sample plan with one row changed, under the sample's own file name."""
    text = BAC_GIANG.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / BAC_GIANG.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_an_unchanged_plan_imported_again_after_the_move_leaves_every_assignment_with_its_successor(
    db_url: str, run_cli: Callable[..., CliResult]
) -> None:
    moved = _moved(db_url, run_cli)
    assert moved[min(i for i, a in moved.items() if a[0] == "I.1" and a[1] == "bac-giang/snnptnt")][3] == "done"
    last = _last_audit(db_url)
    # as the head infers it, then as the office names it
    for args in ((), ("--province", "bac-giang")):
        counts = _counts(run_cli("import", str(BAC_GIANG), *args))
        assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 0, 0)
        assert _assignments(db_url) == moved  # no move undone, no cancelled one revived, done work where it was
    assert _audit_after(db_url, last) == []


def test_a_changed_deadline_updates_one_task_whose_assignments_stay_with_the_successors(
    db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    moved = _moved(db_url, run_cli)
    before = _of(moved, "II.9")
    assert {agency for agency, _role in before} >= {"bac-ninh/snnmt", "bac-ninh/stc"}
    last = _last_audit(db_url)
    plan = _edited(tmp_path, INVESTMENT, INVESTMENT.replace("Quý III/2020", "Quý IV/2020"))
    counts = _counts(run_cli("import", str(plan)))
    assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 1, 0)
    after = _assignments(db_url)
    assert {i: a for i, a in after.items() if a[0] != "II.9"} == {i: a for i, a in moved.items() if a[0] != "II.9"}
    # the same assignments, the same agencies and statuses; the new date on every one that stands
    # for an agency of the file (those cancelled into a successor's stand for none)
    assert {i: a[:4] for i, a in after.items() if a[0] == "II.9"} == {
        i: a[:4] for i, a in moved.items() if a[0] == "II.9"
    }
    assert {status for status, _due in before.values()} == {"open", "cancelled"}
    assert _of(after, "II.9") == {
        key: (status, due if status == "cancelled" else "2020-12-31") for key, (status, due) in before.items()
    }
    events = [(entity, action) for entity, action, _source, _changes in _audit_after(db_url, last)]
    assert events.count(("task", "updated")) == 1 and ("assignment", "moved to successor") not in events


def test_an_agency_the_file_drops_loses_the_assignment_its_successor_took_over(
    db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    moved = _moved(db_url, run_cli)
    before = _of(moved, "II.6")
    assert before[("bac-ninh/sxd", "coordinating")][0] == "open"  # Sở Xây dựng's, moved
    last = _last_audit(db_url)
    plan = _edited(tmp_path, TOWN_PLAN, TOWN_PLAN.replace("Sở XD, UBND các xã", "UBND các xã"))
    counts = _counts(run_cli("import", str(plan)))
    assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 1, 0)
    after = _assignments(db_url)
    expected = dict(before)
    expected[("bac-ninh/sxd", "coordinating")] = ("cancelled", before[("bac-ninh/sxd", "coordinating")][1])
    assert _of(after, "II.6") == expected  # nothing moved back, nothing added on a Bắc Giang agency
    assert {i: a for i, a in after.items() if a[0] != "II.6"} == {i: a for i, a in moved.items() if a[0] != "II.6"}
    (changes,) = [c for entity, action, _s, c in _audit_after(db_url, last) if (entity, action) == ("task", "updated")]
    changes = changes if isinstance(changes, dict) else json.loads(changes)
    assert set(changes) == {"coordinating_text", "assignments_cancelled"}
    assert [role for _agency, role in changes["assignments_cancelled"]] == ["coordinating"]


def test_an_assignment_cancelled_into_its_successor_s_stays_cancelled_while_the_file_still_names_its_agency(
    db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    moved = _moved(db_url, run_cli)
    before = _of(moved, "I.12")
    # Sở KH&ĐT's coordination moved to Sở Tài chính of Bắc Ninh; Sở Tài chính of Bắc Giang's was
    # cancelled into it (one assignment, not two)
    assert before[("bac-ninh/stc", "coordinating")][0] == "open"
    assert before[("bac-giang/stc", "coordinating")][0] == "cancelled"
    assert ("bac-giang/skhdt", "coordinating") not in before
    # the file drops Sở KH&ĐT, whose assignment moved, but still names Sở Tài chính: the
    # successor's assignment carries that one's work, so it stays; the dissolved one is not revived
    plan = _edited(tmp_path, INSPECTION, INSPECTION.replace("Sở KH&ĐT, TC, UBND", "TC, UBND"))
    counts = _counts(run_cli("import", str(plan)))
    assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 1, 0)
    assert _of(_assignments(db_url), "I.12") == before
    # the file drops both: the successor's assignment goes as any dropped agency's would
    plan = _edited(tmp_path, INSPECTION, INSPECTION.replace("Sở KH&ĐT, TC, UBND", "UBND"))
    counts = _counts(run_cli("import", str(plan)))
    assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 1, 0)
    after = _of(_assignments(db_url), "I.12")
    assert after[("bac-ninh/stc", "coordinating")][0] == "cancelled"
    assert after[("bac-giang/stc", "coordinating")][0] == "cancelled"
    assert {k: v for k, v in after.items() if "stc" not in k[0]} == {
        k: v for k, v in before.items() if "stc" not in k[0]
    }


def test_a_moved_assignment_stands_for_its_agency_through_a_later_move_and_a_merge() -> None:
    # (1, lead) moved to 2, whose assignment was later cancelled into 3's; (4, lead) merged into (5, lead)
    moves = TaskMoves(moved={(1, "lead"): (2, "lead")}, merged={(2, "lead"): (3, "lead"), (4, "lead"): (5, "lead")})
    held = {(2, "lead"), (3, "lead"), (4, "lead"), (5, "lead"), (6, "coordinating")}
    assert moves.holder((1, "lead"), held) == (3, "lead")
    assert moves.holder((4, "lead"), held) == (5, "lead")
    assert moves.holder((6, "coordinating"), held) == (6, "coordinating")
    assert moves.holder((1, "coordinating"), held) is None  # never assigned: the import adds it


def test_an_assignment_cancelled_into_a_successor_s_that_is_not_found_stands_for_itself() -> None:
    # never None for a key the task holds: the import would add a second row for it
    moves = TaskMoves(merged={(4, "lead"): (5, "lead")})
    assert moves.holder((4, "lead"), {(4, "lead")}) == (4, "lead")


def test_the_report_duties_a_move_handed_to_the_successors_are_not_given_back_to_the_dissolved_agencies(
    db_url: str, run_cli: Callable[..., CliResult]
) -> None:
    _moved(db_url, run_cli)
    duties_sql = (
        "SELECT t.ref, ag.province, ag.key, a.status FROM assignment a JOIN task t ON t.id = a.task_id "
        "JOIN agency ag ON ag.id = a.agency_id WHERE t.source = 'report' ORDER BY a.id"
    )
    before = query_rows(db_url, duties_sql)
    # the open half-year duty of Sở NN&PTNT (still tracked by its done I.1) went to its successor
    assert ("BC.2020-H1", "bac-ninh", "snnmt", "open") in [tuple(r) for r in before]
    last = _last_audit(db_url)
    counts = _counts(run_cli("import", str(BAC_GIANG)))
    assert (counts["created"], counts["updated"], counts["cancelled"]) == (0, 0, 0)
    assert query_rows(db_url, duties_sql) == before
    written = query_rows(db_url, "SELECT source, action FROM audit_event WHERE id > :last", last=last)
    assert [tuple(r) for r in written if r[0] == "report duties"] == []
