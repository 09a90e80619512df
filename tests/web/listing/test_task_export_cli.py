"""`dondoc tasks --xlsx PATH`: the web list's workbook from the command line, on the real Bắc
Giang plan (SQLite and PostgreSQL); compared with ``GET /tasks.xlsx`` for the same filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from models.core.tables import Plan
from tests.web.conftest import Browserless, World
from tests.web.listing.test_task_export import NN, download, sheet


def cells(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What does not depend on the day the statuses are judged on."""
    return [(r["Kế hoạch"], r["Mã"], r[list(r)[4]], r["Vai trò"], r["Hạn hoàn thành"], r["Cơ quan phối hợp"])
            for r in rows]


def test_the_command_line_writes_the_same_rows(run_cli, office: Browserless, world: World,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id)).one()
    out = tmp_path / "nhiem-vu.xlsx"
    r = run_cli("tasks", "--plan", "552/KH-BCĐ", "--xlsx", str(out))
    assert r.code == 0, r.err
    title, rows = sheet(out.read_bytes())
    _web_title, web = download(office, f"plan={plan_id}")
    assert r.out.strip() == f"{len(web)} rows written to {out}"
    assert cells(rows) == cells(web) and title.startswith("Danh sách nhiệm vụ - Kế hoạch 552/KH-BCĐ; Vai trò: chủ trì")
    assert {r["Trạng thái"] for r in rows} <= {"quá hạn", "không có thời hạn"}  # as of today: 2020 is long past

    r = run_cli("tasks", "--agency", "Sở NN&PTNT", "--due-before", "2020-06-30", "--xlsx", str(out))
    assert r.code == 0, r.err
    title, rows = sheet(out.read_bytes())
    _web_title, web = download(office, f"agency={world.agency_id('snnptnt')}&role=")
    due_before = datetime(2020, 6, 30)  # noqa: DTZ001 - naive, as the spreadsheet's due dates it is compared with
    assert rows and cells(rows) == [c for c in cells(web) if c[4] is not None and c[4] <= due_before]
    assert f"Cơ quan: {NN}" in title and "Thời hạn đến ngày 30/06/2020" in title


@pytest.mark.parametrize(("target", "expected"), [
    ("missing/nhiem-vu.xlsx", "does not exist"),
    (".", "is a directory"),
    ("nhiem-vu.csv", "ending in .xlsx"),
])
def test_the_command_line_refuses_a_bad_path_with_one_line(run_cli, world: World, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           target: str, expected: str) -> None:
    path = tmp_path / target if target != "." else tmp_path
    r = run_cli("tasks", "--xlsx", str(path))
    assert r.code == 2 and r.out == ""
    [line] = r.err.strip().splitlines()
    assert line.startswith("dondoc: error: --xlsx") and expected in line
    assert list(tmp_path.glob("**/*.xlsx")) == [] and list(tmp_path.glob("*.csv")) == []
