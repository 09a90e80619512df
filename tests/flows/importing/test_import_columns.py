"""`dondoc import FILE --columns task=3,lead=4,...`: the office names the columns of a table whose
header is not understood; the mapping is remembered for the next plans of the same layout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.tasks.importing.test_table_columns import UNKNOWN, _docx, _xlsx

RunCli = Callable[..., Any]  # the run_cli fixture: a CliResult (code, out, err)

SPEC = "task=3,lead=4,coordinating=5,due=7,code=2,number=1"


def _table_tasks(out: str) -> list[dict[str, Any]]:
    return [t for t in json.loads(out)["tasks"] if t["source"] == "table"]


def test_a_bad_columns_spec_is_one_line_and_exit_2_before_anything_is_opened(tmp_path: Path, run_cli: RunCli) -> None:
    plan = _docx(tmp_path / "plan.docx", UNKNOWN)
    for spec, message in [("task=3", "--columns: lead must be given (e.g. task=3,lead=4)"),
                          ("task=3,lead=x", "--columns: lead=x is not a column number (1 is the first column)")]:
        r = run_cli("import", str(plan), "--columns", spec, "--province", "bac-giang")
        assert (r.code, r.out, r.err) == (2, "", f"dondoc: error: {message}\n")
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())  # no database, no layouts


def test_columns_that_fit_no_table_are_one_line_and_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    plan = _docx(tmp_path / "plan.docx", UNKNOWN)
    r = run_cli("import", str(plan), "--columns", "task=3,lead=12", "--province", "bac-giang", "--dry-run")
    assert r.code == 2
    assert r.err == ("dondoc: error: --columns task=3,lead=12: no table has 12 columns under a header row "
                     "(1 table(s) read, the widest has 7)\n")


@pytest.mark.parametrize(("titles", "start"), [
    (["Phụ lục"], "dondoc: error: no task table found: "),  # no province named: the appendix's own line
    (["ỦY BAN NHÂN DÂN TỈNH BẮC GIANG", "Phụ lục"],  # a province, nothing else: not a plan
     "dondoc: error: plan.xlsx: no task table, no duties assigned and no targets set in the text: this is not a plan"),
])
def test_the_error_for_a_header_not_understood_shows_the_columns_to_name(
        tmp_path: Path, run_cli: RunCli, titles: list[str], start: str) -> None:
    r = run_cli("import", str(_xlsx(tmp_path / "plan.xlsx", UNKNOWN, titles=titles)), "--dry-run")
    assert r.code == 2 and r.err.count("\n") == 1
    assert r.err.startswith(start)
    assert r.err.endswith("; or name the columns: dondoc import FILE --columns task=N,lead=N[,coordinating=N,due=N,"
                          "code=N,number=N] (bảng 1: 1 Số | 2 Mã | 3 Việc cần làm | 4 Ai làm | 5 Ai giúp | "
                          "6 Ghi chép | 7 Xong trước)\n")


def test_a_mapping_read_once_is_remembered_for_the_next_plan_of_the_same_layout(
        db_url: str, tmp_path: Path, run_cli: RunCli) -> None:
    first = _docx(tmp_path / "first.docx", UNKNOWN)
    dry = run_cli("import", str(first), "--columns", SPEC, "--province", "bac-giang", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert "a dry run, not remembered" in dry.err
    assert not (tmp_path / "data" / "column_layouts.json").exists()

    r = run_cli("import", str(first), "--columns", SPEC, "--province", "bac-giang")
    assert r.code == 0, r.err
    assert "2 tasks read" in r.out
    assert f"columns {SPEC}: remembered for tables with the header số | mã | việc cần làm" in r.err
    stored = json.loads((tmp_path / "data" / "column_layouts.json").read_text(encoding="utf-8"))
    assert stored["layouts"][0]["columns"] == {"task": 3, "lead": 4, "coordinating": 5, "due": 7, "code": 2,
                                               "number": 1}
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            contents = conn.execute(sa.text("SELECT content FROM task WHERE ref IN ('1', '2') ORDER BY position"))
            assert [row[0] for row in contents] == ["Số hóa hồ sơ", "Lập kho dữ liệu"]
    finally:
        engine.dispose()

    # another plan in the same layout, as an Excel sheet: read without --columns, flagged for review
    second = _xlsx(tmp_path / "second.xlsx", [UNKNOWN[0], ["1", "CĐS-07", "Cấp chữ ký số", "Sở Nội vụ", "",
                                                           "", "30/9/2026"]])
    again = run_cli("import", str(second), "--province", "bac-giang", "--dry-run", "--json")
    assert again.code == 0, again.err
    [task] = _table_tasks(again.out)
    assert (task["ref"], task["code"], task["content"], task["deadline_text"]) == (
        "1", "CĐS-07", "Cấp chữ ký số", "30/9/2026")
    assert "column mapped by hand" in task["review"]
