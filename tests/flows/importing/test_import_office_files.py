"""The Bắc Giang appendix rebuilt as real .docx and .xlsx files imports like the .txt original."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PLANS
from tests.tasks.builders import build_docx_plan, build_xlsx_plan

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
HEAD = [
    "BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG TỈNH BẮC GIANG",
    "Số: 552/KH-BCĐ",
    "Bắc Giang, ngày 17 tháng 02 năm 2020",
    "KẾ HOẠCH",
    "Triển khai thực hiện Chương trình mục tiêu Quốc gia xây dựng nông thôn mới tỉnh Bắc Giang năm 2020",
]


def _appendix_rows() -> list[list[str]]:
    """The task appendix of the real plan, as rows of five cells (header repeats dropped)."""
    lines = BAC_GIANG.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TT\tNội dung\tCơ quan chủ trì"))
    rows = []
    for line in lines[start:]:
        cells = line.split("\t")
        if len(cells) < 2 or cells[0] == "TT":
            continue
        rows.append((cells + [""] * 5)[:5])
    return rows


def _tasks(out: str) -> list[tuple]:  # type: ignore[type-arg]
    data = json.loads(out)
    return [(t["ref"], t["content"], tuple(t["lead"]), tuple(t["coordinating"]), t["due_date"])
            for t in data["tasks"] if t["source"] == "table"]


def test_word_and_excel_versions_of_the_appendix_give_the_same_36_tasks(db_url: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = _appendix_rows()
    docx_path = build_docx_plan(tmp_path / "552-KH-BCD.docx", head_paragraphs=HEAD, header=HEADER, rows=rows,
                                repeat_header_after=12, split_tables=True)
    xlsx_path = build_xlsx_plan(tmp_path / "552-KH-BCD.xlsx", title_rows=HEAD[1:], header=HEADER, rows=rows)
    expected = _tasks(run_cli("import", str(BAC_GIANG), "--json", "--dry-run").out)
    assert len(expected) == 36
    for path in (docx_path, xlsx_path):
        r = run_cli("import", str(path), "--province", "bac-giang", "--json")
        assert r.code == 0, r.err
        assert _tasks(r.out) == expected, path.suffix
        assert json.loads(r.out)["plan"]["code"] == "552/KH-BCĐ"
    # the second file is the same plan: it updates nothing
    again = run_cli("import", str(xlsx_path), "--province", "bac-giang")
    assert again.code == 0 and "created 0, updated 0, cancelled 0, unchanged 36" in again.out
    assert "withdrawn" not in again.out


def test_a_table_only_version_of_a_plan_says_it_withdraws_the_proposals_read_from_the_text(  # type: ignore[no-untyped-def]
        db_url: str, run_cli, tmp_path: Path) -> None:
    first = run_cli("import", str(BAC_GIANG))
    assert first.code == 0 and "15 new proposals" in first.out
    xlsx_path = build_xlsx_plan(tmp_path / "552-KH-BCD.xlsx", title_rows=HEAD[1:], header=HEADER, rows=_appendix_rows())
    r = run_cli("import", str(xlsx_path), "--province", "bac-giang")
    assert r.code == 0, r.err
    assert "text duties: 15 unreviewed proposals withdrawn (not in this document)" in r.out
