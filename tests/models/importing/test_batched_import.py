"""The import in batches: one atomic result however many batches, the same result as in one batch,
and the store's memory bounded by the batch, not by the appendix (SQLite and PostgreSQL)."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

import models.importing.store as store
from config.settings import reset_settings
from flows.importing.flow import import_plan, parse_plan_document, read_plan_file
from models.core.db import dispose_engines, get_engine, make_engine, session_scope, upgrade
from tests.conftest import PLANS, query_rows
from tests.tasks.builders import _roman

HEADER = ("TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành")
LEADS = (
    "Sở NN&PTNT, VPĐP tỉnh", "UBND huyện, TP", "Sở TN&MT", "Công an tỉnh", "Sở Nội vụ", "Sở, ngành thuộc UBND tỉnh",
)
COORDINATING = ("Sở KH&ĐT, TC", "UBND huyện, TP", "Sở XD, UBND các xã", "")
DEADLINES = ("Tháng 01/2020", "Trước 28/02/2020", "Quý I/2020", "Quý II-III/2020", "Trong năm 2020")
SECTION_EVERY = 100


def _ref(index: int) -> str:
    return f"{_roman(index // SECTION_EVERY + 1)}.{index % SECTION_EVERY + 1}"


def _appendix(path: Path, rows: int, *, revised: bool = False, number: int = 552) -> Path:
    """A Biểu 05 workbook of ``rows`` tasks, a section every 100 (I, II, ...); ``revised``: the
    same plan with deadlines moved, leads changed, rows removed and rows added at the end."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Biểu 05")
    sheet.append([f"Biểu 05 (Kèm theo Kế hoạch số {number}/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)"])
    sheet.append(list(HEADER))
    total = rows + (20 if revised else 0)
    for index in range(total):
        if index % SECTION_EVERY == 0:
            numeral = _roman(index // SECTION_EVERY + 1)
            sheet.append([numeral, f"Nhiệm vụ nhóm {numeral}", None, None, None])
        if revised and index % 25 == 7:
            sheet.append([None] * 5)  # the row left the plan (its number stays free)
            continue
        deadline = DEADLINES[index % len(DEADLINES)]
        if revised and index % 10 == 3:
            deadline = "Trước 31/12/2020"
        lead = LEADS[index % len(LEADS)]
        if revised and index % 30 == 11:
            lead = "Sở Tư pháp"
        sheet.append([index % SECTION_EVERY + 1, f"Nhiệm vụ số {index + 1}: rà soát hồ sơ nông thôn mới",
                      lead, COORDINATING[index % len(COORDINATING)], deadline])
    workbook.save(str(path))
    return path


def _snapshot(url: str) -> dict[str, Any]:
    """What the import wrote, by ref and agency name (ids and timestamps aside)."""
    return {
        "plans": query_rows(url, "SELECT code, title, year, source_sha256 FROM plan ORDER BY code"),
        "tasks": query_rows(url, "SELECT ref, position, section, section_code, number, group_title, content, "
                                 "deadline_text, deadline_kind, due_date, lead_text, coordinating_text, state, "
                                 "source, unresolved FROM task ORDER BY ref"),
        "assignments": query_rows(url, "SELECT t.ref, g.name, a.role, a.status, a.due_date, a.original_due_date, "
                                       "a.policy_id IS NULL FROM assignment a JOIN task t ON t.id = a.task_id "
                                       "JOIN agency g ON g.id = a.agency_id ORDER BY t.ref, g.name, a.role"),
        "milestones": query_rows(url, "SELECT t.ref, m.year, m.target FROM milestone m JOIN task t "
                                      "ON t.id = m.task_id ORDER BY t.ref, m.year"),
        "audit": sorted(query_rows(url, "SELECT e.entity, t.ref, e.action, e.changes, e.effective_on "
                                        "FROM audit_event e LEFT JOIN task t ON e.entity = 'task' "
                                        "AND t.id = e.entity_id"), key=repr),
    }


def _counts(url: str) -> dict[str, int]:
    return {table: query_rows(url, f"SELECT count(*) FROM {table}")[0][0]
            for table in ("plan", "task", "assignment", "milestone", "audit_event")}


def _stop_when(url: str, *, ref: str, on: str) -> None:
    """A trigger that fails the statement writing task ``ref``'s row of ``on`` (an INSERT into
    assignment, an UPDATE of task): a database error in the middle of the import."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                event, table, test = (
                    ("INSERT", "assignment", f"NEW.task_id = (SELECT id FROM task WHERE ref = '{ref}')")
                    if on == "assignment" else ("UPDATE", "task", f"NEW.ref = '{ref}'"))
                conn.exec_driver_sql(f"CREATE TRIGGER stop_import BEFORE {event} ON {table} WHEN {test} "
                                     "BEGIN SELECT RAISE(ABORT, 'the disk is full (test)'); END")
                return
            test = (f"(SELECT ref FROM task WHERE id = NEW.task_id) = '{ref}'" if on == "assignment"
                    else f"NEW.ref = '{ref}'")
            conn.exec_driver_sql(
                "CREATE FUNCTION stop_import() RETURNS trigger AS $$ BEGIN "
                f"IF {test} THEN RAISE EXCEPTION 'the disk is full (test)'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql")
            event = "INSERT ON assignment" if on == "assignment" else "UPDATE ON task"
            conn.exec_driver_sql(
                f"CREATE TRIGGER stop_import BEFORE {event} FOR EACH ROW EXECUTE FUNCTION stop_import()")
    finally:
        engine.dispose()


def test_a_failure_in_the_eighth_batch_of_a_first_import_leaves_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _appendix(tmp_path / "bieu05.xlsx", 1_200)
    monkeypatch.setattr(store, "BATCH_TASKS", 100)  # twelve batches; seven are written before the failure
    _stop_when(db_url, ref=_ref(749), on="assignment")
    with pytest.raises(sa.exc.DBAPIError, match="the disk is full"):
        import_plan(str(book), province="bac-giang")
    assert _counts(db_url) == {"plan": 0, "task": 0, "assignment": 0, "milestone": 0, "audit_event": 0}
    assert query_rows(db_url, "SELECT count(*) FROM agency")[0][0] == 0  # nor the directory it synced


def test_a_failure_in_the_middle_of_a_re_import_leaves_the_plan_as_it_was(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "BATCH_TASKS", 100)
    import_plan(str(_appendix(tmp_path / "bieu05.xlsx", 1_200)), province="bac-giang")
    before = _snapshot(db_url)
    assert len(before["tasks"]) >= 1_200 and len(before["assignments"]) > 5_000
    _stop_when(db_url, ref=_ref(903), on="task")  # a changed row of the tenth batch
    revised = _appendix(tmp_path / "bieu05-revised.xlsx", 1_200, revised=True)
    with pytest.raises(sa.exc.DBAPIError, match="the disk is full"):
        import_plan(str(revised), province="bac-giang")
    assert _snapshot(db_url) == before


def _import_into(url: str, monkeypatch: pytest.MonkeyPatch, batch: int, *paths: tuple[Path, str | None]) -> Any:
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    reset_settings()
    dispose_engines()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setattr(store, "BATCH_TASKS", batch)
    summaries = [import_plan(str(path), province=province).summary for path, province in paths]
    dispose_engines()
    return [(s.created, s.updated, s.cancelled, s.unchanged, sorted(s.changed_refs)) for s in summaries]


def test_small_batches_store_exactly_what_one_batch_stores_for_the_sample_plans_and_a_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, revised = _appendix(tmp_path / "bieu05.xlsx", 450), _appendix(tmp_path / "bieu05-v2.xlsx", 450, revised=True)
    plans: list[tuple[Path, str | None]] = [
        (PLANS / name, None) for name in ("bac-giang-552-kh-bcd-2020.txt", "ben-tre-1185-kh-ubnd-2019.txt",
                                          "kien-giang-153-kh-ubnd-2018.txt", "lang-son-176-kh-ubnd-2023.txt")
    ]
    plans += [(first, "bac-giang"), (revised, "bac-giang"), (revised, "bac-giang"), (first, "bac-giang")]
    one, many = f"sqlite:///{tmp_path / 'one.sqlite3'}", f"sqlite:///{tmp_path / 'many.sqlite3'}"
    in_one = _import_into(one, monkeypatch, 1_000_000, *plans)  # every plan in one batch, as before batches
    in_many = _import_into(many, monkeypatch, 7, *plans)
    assert in_many == in_one
    # the revision changed, cancelled and (back to the first file) restored rows: it compared something
    assert in_one[5][1] > 0 and in_one[5][2] > 0 and in_one[7][1] > 0
    assert _snapshot(many) == _snapshot(one)


def _store_peak(tmp_path: Path, rows: int, *, reimport: bool) -> int:
    """Peak bytes Python allocated while storing a ``rows``-task appendix (read and parsed before)."""
    book = _appendix(tmp_path / f"bieu05-{rows}.xlsx", rows, number=rows)  # a plan of its own
    if reimport:
        import_plan(str(book), province="bac-giang")
    doc, sha = read_plan_file(str(book))
    parsed = parse_plan_document(doc, source_name=book.name, province="bac-giang", year=None)
    del doc
    gc.collect()
    tracemalloc.start()
    try:
        with session_scope(get_engine()) as session:
            store.apply_import(session, parsed=parsed, source_name=book.name, sha256=sha, actor="test")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("reimport", [False, True], ids=["first import", "re-import"])
def test_the_stores_memory_does_not_grow_with_the_appendix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reimport: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    reset_settings()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setattr(store, "BATCH_TASKS", 250)
    small = _store_peak(tmp_path, 1_000, reimport=reimport)
    large = _store_peak(tmp_path, 4_000, reimport=reimport)
    # four times the rows, not four times the memory (one batch stored all at once would be)
    assert large < 1.5 * small, (small, large)
