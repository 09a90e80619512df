"""Setting a province up as the country is organised today (issue 13): `dondoc province add`, a
2026 plan that assigns to communes and today's departments, and a 2020 plan whose dissolved
agencies hand their open tasks to their successors. Real processes, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import docx

from tests.conftest import PLANS, CliResult, query_rows
from tests.tasks.builders import build_docx_plan

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DEPARTMENTS_TODAY = {
    "Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng",
    "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch", "Sở Giáo dục và Đào tạo", "Sở Y tế",
    "Thanh tra tỉnh", "Văn phòng Ủy ban nhân dân tỉnh",
}


def _word_plan(path: Path, head: list[list[str]], body: list[str], rows: list[list[str]]) -> Path:
    """A Word plan whose head is a borderless table at the top (each line of a cell its own
    paragraph, as Word writes them), then the body and the task table."""
    build_docx_plan(path, head_paragraphs=body, header=HEADER, rows=rows)
    document = docx.Document(str(path))
    table = document.add_table(rows=len(head), cols=len(head[0]))
    for row, values in zip(table.rows, head, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            first, *rest = text.split("\n")
            cell.text = first
            for line in rest:
                cell.add_paragraph(line)
    document.element.body.insert(0, table._tbl)
    document.save(str(path))
    return path


def test_a_2026_plan_assigns_to_communes_and_today_s_departments_once_the_province_is_set_up(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    bac_ninh = run_cli("province", "add", "bac-ninh", "--json").json()
    assert (bac_ninh["created"], bac_ninh["communes"]) == (True, 99)
    ha_noi = run_cli("province", "add", "ha-noi", "--json").json()
    assert (ha_noi["created"], ha_noi["communes"]) == (True, 126)
    again = run_cli("province", "add", "bac-ninh", "--json").json()  # idempotent
    assert (again["created"], again["agencies_created"], again["agencies_updated"]) == (False, 0, 0)

    today = run_cli("agencies", "--province", "bac-ninh", "--json").json()
    communes = [a for a in today if a["kind"] == "commune"]
    assert len(communes) == 99 and {a["province"] for a in today} == {"bac-ninh"}
    assert {"UBND xã Lục Ngạn", "UBND phường Kinh Bắc"} <= {a["name"] for a in communes}
    kinh_bac = next(a for a in communes if a["name"] == "UBND phường Kinh Bắc")
    assert {"Phường Kinh Bắc", "Kinh Bắc"} <= set(kinh_bac["aliases"])
    names = {a["name"] for a in today}
    assert names >= DEPARTMENTS_TODAY and "Sở Nông nghiệp và Phát triển nông thôn" not in names
    assert all(a["valid_to"] is None for a in today)
    everything = run_cli("agencies", "--province", "bac-ninh", "--all", "--json").json()
    former = {a["name"]: a for a in everything if a["valid_to"] is not None}
    assert former["Sở Nông nghiệp và Phát triển nông thôn"]["valid_to"] == "2025-02-28"
    assert former["Sở Nông nghiệp và Phát triển nông thôn"]["successor"] == "Sở Nông nghiệp và Môi trường"
    assert former["Sở Kế hoạch và Đầu tư"]["successor"] == "Sở Tài chính"

    plan = _word_plan(tmp_path / "ke-hoach-45.docx", [
        ["ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\n_______\nSố: 45/KH-UBND",
         f"{NATIONAL}\n{MOTTO}\n_______________\nBắc Ninh, ngày 15 tháng 01 năm 2026"],
    ], ["KẾ HOẠCH", "Chuyển đổi số trong nông nghiệp năm 2026", "I. MỤC ĐÍCH, YÊU CẦU", "Tổ chức thực hiện."], [
        ["1", "Rà soát hạ tầng số", "UBND các xã, phường", "", "30 ngày kể từ ngày ban hành Kế hoạch"],
        ["2", "Thí điểm sàn nông sản", "UBND xã Lục Ngạn, UBND xã Sơn Động", "Sở NN&MT", "Quý II/2026"],
        ["3", "Hướng dẫn chuyển đổi số", "Sở NN&MT", "Các sở, ban, ngành", "Tháng 6/2026"],
        ["4", "Quảng bá du lịch nông thôn", "Sở Văn hóa, Thể thao và Du lịch", "Chủ tịch UBND xã, phường",
         "Quý III/2026"],
        ["5", "Tổng kết mô hình", "Sở NN&PTNT", "UBND huyện Lục Ngạn", "Tháng 12/2026"],
    ])  # fmt: skip
    data = run_cli("import", str(plan), "--json").json()  # no --province: the head names it
    assert (data["plan"]["province"], data["plan"]["code"], data["plan"]["issued_on"]) == (
        "bac-ninh", "45/KH-UBND", "2026-01-15")
    tasks = {t["ref"]: t for t in data["tasks"] if t["source"] == "table"}
    assert len(tasks["1"]["lead"]) == 99 and all(n.startswith(("UBND xã ", "UBND phường ")) for n in tasks["1"]["lead"])
    # the issue date plus 30 days (deadline grammar of issue 14)
    assert (tasks["1"]["deadline_kind"], tasks["1"]["due_date"]) == ("date", "2026-02-14")
    assert (tasks["2"]["lead"], tasks["2"]["coordinating"]) == (
        ["UBND xã Lục Ngạn", "UBND xã Sơn Động"], ["Sở Nông nghiệp và Môi trường"])
    assert tasks["3"]["lead"] == ["Sở Nông nghiệp và Môi trường"]
    assert set(tasks["3"]["coordinating"]) == DEPARTMENTS_TODAY - {"Sở Nông nghiệp và Môi trường"}
    assert tasks["4"]["lead"] == ["Sở Văn hóa, Thể thao và Du lịch"] and len(tasks["4"]["coordinating"]) == 99
    for ref in ("1", "2", "3", "4"):
        assert tasks[ref]["unresolved"] == [] and tasks[ref]["review"] == [], ref
    # abolished names are flagged on their row with the reason, never mapped to a successor
    assert (tasks["5"]["lead"], tasks["5"]["coordinating"]) == ([], [])
    assert tasks["5"]["unresolved"] == ["Sở NN&PTNT", "UBND huyện Lục Ngạn"]
    assert "agency not resolved" in tasks["5"]["review"]
    reasons = {u["name"]: u["reason"] for u in data["unresolved"] if u["ref"] == "5"}
    assert reasons["Sở NN&PTNT"].startswith("Sở Nông nghiệp và Phát triển nông thôn ended on 28/02/2025")
    assert "district level" in reasons["UBND huyện Lục Ngạn"]
    rows = query_rows(db_url, "SELECT ag.kind, ag.province, count(*) FROM assignment a JOIN task t ON t.id = a.task_id "
                              "JOIN plan p ON p.id = t.plan_id JOIN agency ag ON ag.id = a.agency_id "
                              "WHERE p.code = '45/KH-UBND' AND t.ref = '1' GROUP BY ag.kind, ag.province")
    assert rows == [("commune", "bac-ninh", 99)]

    # a Hà Nội plan, its head in two rows: "UBND các xã, phường" is Hà Nội's 126 communes
    hn = _word_plan(tmp_path / "ke-hoach-hn.docx", [
        ["ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI", f"{NATIONAL}\n{MOTTO}"],
        ["Số: 7/KH-UBND", "Hà Nội, ngày 3 tháng 3 năm 2026"],
    ], ["KẾ HOẠCH", "Xây dựng nông thôn mới năm 2026"], [
        ["1", "Rà soát tiêu chí", "UBND các xã, phường", "Sở Nông nghiệp và Môi trường", "Tháng 9/2026"],
    ])  # fmt: skip
    data = run_cli("import", str(hn), "--json").json()
    assert data["plan"]["province"] == "ha-noi"
    (task,) = [t for t in data["tasks"] if t["source"] == "table"]
    assert len(task["lead"]) == 126 and task["coordinating"] == ["Sở Nông nghiệp và Môi trường"]


def test_a_province_add_of_a_former_province_names_its_successor(run_cli: Callable[..., CliResult]) -> None:
    r = run_cli("province", "add", "bac-giang")
    assert r.code == 2 and r.out == ""
    assert r.err.strip() == ("dondoc: error: 'bac-giang' is a former province, part of 'bac-ninh' since 01/07/2025: "
                             "dondoc province add bac-ninh")
    unknown = run_cli("province", "add", "sai-gon")
    assert unknown.code == 2 and len(unknown.err.strip().splitlines()) == 1
    assert "unknown province 'sai-gon'" in unknown.err


def test_a_2020_bac_giang_plan_imports_as_before_and_its_open_tasks_move_to_the_successors(
        db_url: str, run_cli: Callable[..., CliResult]) -> None:
    before = run_cli("import", str(BAC_GIANG), "--json").json()
    code = before["plan"]["code"]
    done = run_cli("update", "I.1", "--agency", "Sở NN&PTNT", "--status", "done", "--plan", code,
                   "--date", "2020-01-30")
    assert done.code == 0, done.err
    assert run_cli("province", "add", "bac-ninh", "--json").json()["former_agencies_dated"] > 0
    # the 2020 plan still reads against the directory of its date, exactly as before
    assert run_cli("import", str(BAC_GIANG), "--dry-run", "--json").json() == before

    def holders() -> dict[str, int]:
        rows = query_rows(db_url, "SELECT ag.province, ag.key, a.status, count(*) FROM assignment a "
                                  "JOIN task t ON t.id = a.task_id JOIN agency ag ON ag.id = a.agency_id "
                                  "WHERE t.state = 'active' GROUP BY ag.province, ag.key, a.status")
        return {f"{p}/{k}/{s}": int(n) for p, k, s, n in rows}

    start = holders()
    assert start.get("bac-giang/snnptnt/open", 0) > 0 and start["bac-giang/snnptnt/done"] == 1
    dry = run_cli("province", "move-to-successors", "bac-ninh", "--dry-run", "--json").json()
    assert dry["dry_run"] and dry["moves"] and holders() == start
    moved = run_cli("province", "move-to-successors", "bac-ninh", "--json").json()
    assert moved["moves"] == dry["moves"]
    by_from: dict[str, set[str]] = {}
    for m in moved["moves"]:
        by_from.setdefault(m["from"], set()).add(m["to"])
    assert by_from["Sở Nông nghiệp và Phát triển nông thôn"] == {"Sở Nông nghiệp và Môi trường"}
    assert by_from["Sở Kế hoạch và Đầu tư"] == {"Sở Tài chính"}
    assert by_from["Văn phòng Điều phối nông thôn mới tỉnh"] == {"Văn phòng Điều phối nông thôn mới tỉnh"}
    # a district UBND has no one successor: its open tasks wait for the office
    assert any(name.startswith("UBND huyện") for name in moved["without_successor"])
    after = holders()
    assert "bac-giang/snnptnt/open" not in after and after["bac-giang/snnptnt/done"] == 1  # done work stays
    assert after.get("bac-ninh/snnmt/open", 0) > 0
    # what stays with a Bắc Giang agency is what no agency of Bắc Ninh carries: said, left to the office
    left = query_rows(db_url, "SELECT DISTINCT ag.name FROM assignment a JOIN task t ON t.id = a.task_id "
                              "JOIN agency ag ON ag.id = a.agency_id WHERE t.state = 'active' AND a.status = 'open' "
                              "AND ag.province = 'bac-giang'")
    assert {n for (n,) in left} == set(moved["without_successor"])
    assert "Sở Ngoại vụ" in moved["without_successor"]  # Bắc Ninh was set up without one
    audit = query_rows(db_url, "SELECT action, count(*) FROM audit_event WHERE entity = 'assignment' "
                               "AND source = 'agency directory' GROUP BY action")
    assert sum(n for _, n in audit) == len(moved["moves"])
    assert {a for a, _ in audit} <= {"moved to successor", "merged into successor"}
    merged = [m for m in moved["moves"] if m["merged"]]
    assert dict(audit).get("merged into successor", 0) == len(merged)
    assert run_cli("province", "move-to-successors", "bac-giang", "--json").json()["moves"] == []  # once only

    # reminders go to the successor now: the 7-day reminder of a moved task is addressed to Sở NN&MT
    (due,) = query_rows(db_url, "SELECT min(a.due_date) FROM assignment a JOIN agency ag ON ag.id = a.agency_id "
                                "WHERE ag.province = 'bac-ninh' AND ag.key = 'snnmt' AND a.role = 'lead' "
                                "AND a.status = 'open'")[0]
    due = due if isinstance(due, date) else date.fromisoformat(str(due))
    preview = run_cli("sweep", "--dry-run", "--as-of", (due - timedelta(days=7)).isoformat())
    assert preview.code == 0, preview.err
    assert "snnmt@bacninh.example" in preview.out and "snnptnt@bacgiang.example" not in preview.out
