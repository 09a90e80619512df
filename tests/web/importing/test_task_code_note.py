"""A task's code ("Mã nhiệm vụ": KH12_CĐS_01.2) and its deadline note ("30/6/2026 (giai đoạn thí
điểm)") are stored by the import, followed by a re-import, and shown on the office's and the
agency's task page (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.tables import Plan, Task
from tests.web.conftest import Browserless, World

HEAD = "Phụ lục (Kèm theo Kế hoạch số 12/KH-UBND ngày 15/01/2026 của UBND tỉnh Bắc Giang)"
START = "chỉ ghi thời điểm bắt đầu, không có thời hạn hoàn thành"
HEADER = ["STT", "Mã nhiệm vụ", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"]


def _workbook(path: Path, *, note: str = "giai đoạn thí điểm") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([HEAD])
    sheet.append(HEADER)
    sheet.append([1, "KH12_CĐS_01.2", "Triển khai nền tảng số dùng chung của tỉnh", "Sở Tài chính", "Sở Nội vụ",
                  f"30/6/2026 ({note})"])
    sheet.append([2, "KH12_CĐS_01.3", "Số hoá hồ sơ thủ tục hành chính", "Sở Nội vụ", "", "31/12/2026"])
    sheet.append([3, "KH12_CĐS_01.4", "Vận hành kho dữ liệu dùng chung", "Sở Tài chính", "", "Từ Quý II/2026"])
    book.save(str(path))
    return path


def _stored(world: World) -> dict[str, tuple[str | None, str | None, str | None]]:
    """{ref: (code, deadline note, due date)} of the tasks of plan 12/KH-UBND."""
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "12/KH-UBND")).one()
        rows = s.exec(select(Task.ref, Task.code, Task.deadline_note, Task.due_date)
                      .where(Task.plan_id == plan_id, Task.source == "table"))
        return {ref: (code, note, due.isoformat() if due else None) for ref, code, note, due in rows}


def test_the_import_stores_each_task_s_code_and_deadline_note_and_a_re_import_updates_only_a_changed_note(
    world: World, tmp_path: Path
) -> None:
    book = _workbook(tmp_path / "kh12.xlsx")
    first = import_plan(str(book), province="bac-giang")
    assert first.summary is not None and first.summary.created == 3
    stored = _stored(world)
    assert sorted(stored.values(), key=str) == [("KH12_CĐS_01.2", "giai đoạn thí điểm", "2026-06-30"),
                                                ("KH12_CĐS_01.3", None, "2026-12-31"),
                                                # a start: no deadline, and the grammar's note in Vietnamese
                                                ("KH12_CĐS_01.4", START, None)]
    again = import_plan(str(book), province="bac-giang")
    assert again.summary is not None and (again.summary.updated, again.summary.unchanged) == (0, 3)
    changed = import_plan(str(_workbook(tmp_path / "kh12-b.xlsx", note="mở rộng toàn tỉnh")), province="bac-giang")
    assert changed.summary is not None and (changed.summary.updated, changed.summary.unchanged) == (1, 2)
    assert sorted(v[1] or "" for v in _stored(world).values()) == ["", START, "mở rộng toàn tỉnh"]


def test_the_office_s_and_the_agency_s_task_page_show_the_code_and_the_deadline_note(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    import_plan(str(_workbook(tmp_path / "kh12.xlsx")), province="bac-giang")
    with Session(world.engine) as s:
        task_id = s.exec(select(Task.id).where(Task.code == "KH12_CĐS_01.2")).one()
        plain_id = s.exec(select(Task.id).where(Task.code == "KH12_CĐS_01.3")).one()
    page = office.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert "<dt>Mã nhiệm vụ</dt><dd>KH12_CĐS_01.2</dd>" in page.text
    assert "<dt>Ghi chú thời hạn</dt><dd>giai đoạn thí điểm</dd>" in page.text
    plain = office.get(f"/tasks/{plain_id}").text
    assert "<dt>Mã nhiệm vụ</dt><dd>KH12_CĐS_01.3</dd>" in plain and "Ghi chú thời hạn" not in plain
    with Session(world.engine) as s:
        start_id = s.exec(select(Task.id).where(Task.code == "KH12_CĐS_01.4")).one()
    assert f"<dt>Ghi chú thời hạn</dt><dd>{START}</dd>" in office.get(f"/tasks/{start_id}").text
    agency_page = office.get(f"/a/{world.token('stc')}/tasks/{task_id}")
    assert agency_page.status_code == 200
    assert "<dt>Mã nhiệm vụ</dt><dd>KH12_CĐS_01.2</dd>" in agency_page.text
    assert "<dt>Ghi chú thời hạn</dt><dd>giai đoạn thí điểm</dd>" in agency_page.text


def test_the_task_list_s_workbook_carries_the_code_and_the_deadline_note(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    import_plan(str(_workbook(tmp_path / "kh12.xlsx")), province="bac-giang")
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "12/KH-UBND")).one()
    r = office.get(f"/tasks.xlsx?plan={plan_id}&role=lead")
    assert r.status_code == 200, r.text
    _title, head, *rows = openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
    found = {(row[head.index("Mã")], row[head.index("Mã nhiệm vụ")], row[head.index("Ghi chú thời hạn")])
             for row in rows}
    assert {(code, note) for _ref, code, note in found} == {("KH12_CĐS_01.2", "giai đoạn thí điểm"),
                                                            ("KH12_CĐS_01.3", None), ("KH12_CĐS_01.4", START)}


def test_the_api_gives_the_task_s_code_and_deadline_note(anonymous: Browserless, world: World, tmp_path: Path) -> None:
    from tests.web.test_api import bearer

    import_plan(str(_workbook(tmp_path / "kh12.xlsx")), province="bac-giang")
    with Session(world.engine) as s:
        task_id = s.exec(select(Task.id).where(Task.code == "KH12_CĐS_01.2")).one()
    body = anonymous.get(f"/api/tasks/{task_id}", headers=bearer(world, "stc")).json()
    assert (body["code"], body["deadline_note"], body["due_date"]) == ("KH12_CĐS_01.2", "giai đoạn thí điểm",
                                                                       "2026-06-30")
