"""The command line as users and acceptance checks run it: real processes, real databases."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tasks.agencies.directory import DEFAULT_ROOT
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"


def _counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
                         for t in ("plan", "task", "audit_event"))
    finally:
        engine.dispose()


def test_import_json_prints_the_plan_and_every_task_in_document_order(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("import", str(BAC_GIANG), "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["plan"] == {**data["plan"], "code": "552/KH-BCĐ", "issued_on": "2020-02-17"}
    refs = [t["ref"] for t in data["tasks"] if t["source"] == "table"]
    assert len(refs) == 36 and refs[:3] == ["I.1", "I.2", "I.3"] and refs[-1] == "III.14"
    # the duties written in the plan's prose follow, as proposals with their paragraph
    text = [t for t in data["tasks"] if t["source"] == "text"]
    assert text and all(t["state"] == "proposed" and t["paragraph"] for t in text)
    first = data["tasks"][0]
    assert set(first) >= {"ref", "section", "number", "content", "lead", "coordinating", "deadline_text",
                          "due_date", "milestones"}
    assert first["due_date"] == "2020-01-31"
    assert isinstance(data["unresolved"], list) and isinstance(data["warnings"], list)
    # and the agencies' two period-report duties (BC.2020-H1, BC.2020), tasks of their own
    assert _counts(db_url)[1] == 36 + len(text) + 2


def test_a_plan_assigned_in_prose_shows_its_periodic_report_duty_to_the_office(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    lang_son = PLANS / "lang-son-176-kh-ubnd-2023.txt"
    r = run_cli("import", str(lang_son))
    assert r.code == 0, r.err
    assert "dry run" not in r.out
    assert ("periodic report duty: 15/06 and 15/12 to Sở Nông nghiệp và Phát triển nông thôn, owed by every agency "
            "with a tracked task (the proposals once confirmed)") in r.out
    data = json.loads(run_cli("import", str(lang_son), "--json").out)
    reporting = data["plan"]["reporting"]
    assert reporting["deadlines"] == [
        {"month": 6, "day": 15, "period": "H1"}, {"month": 12, "day": 15, "period": "year"},
    ]
    assert reporting["duty"]["title"] == ("Báo cáo định kỳ kết quả thực hiện Kế hoạch gửi "
                                          "Sở Nông nghiệp và Phát triển nông thôn")
    assert reporting["duty"]["due"] == ["15/06", "15/12"]
    assert "định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo" in reporting["clause"]


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run `dondoc` with its stderr on a pseudo-terminal (as in a shell); (exit code, what it drew)."""
    import pty
    import subprocess

    from tests.conftest import DONDOC

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([str(DONDOC), *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=slave, env={**os.environ, "COLUMNS": "200", "TERM": "xterm"})
    finally:
        os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(timeout=120), drawn.decode("utf-8", "replace")


def test_an_import_on_a_terminal_shows_a_progress_bar_over_its_steps(db_url: str) -> None:
    code, drawn = _on_a_terminal("import", str(BAC_GIANG))
    assert code == 0, drawn
    assert "Importing bac-giang-552-kh-bcd-2020.txt: writing to the database" in drawn
    assert "0/4" in drawn and "4/4" in drawn and "━" in drawn  # the bar, step by step
    assert _counts(db_url)[0] == 1


def test_a_dry_run_parses_and_resolves_but_writes_nothing(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("import", str(BAC_GIANG), "--dry-run")
    assert r.code == 0, r.err
    assert "36 tasks" in r.out and "dry run" in r.out
    assert _counts(db_url) == (0, 0, 0)


def _minutes(tmp: Path) -> Path:
    """Prose about Bắc Giang with neither a task table nor duties assigned to anyone."""
    p = tmp / "bien-ban.txt"
    p.write_text("BIÊN BẢN HỌP\nBắc Giang, ngày 17 tháng 02 năm 2020\nCuộc họp bắt đầu lúc 8 giờ.\n"
                 "Các đại biểu thảo luận về tình hình thời tiết tỉnh Bắc Giang.\n", encoding="utf-8")
    return p


def _damaged_docx(tmp: Path) -> Path:
    p = tmp / "hong.docx"
    p.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    return p


def _zip_without_document(tmp: Path) -> Path:
    p = tmp / "rong.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "xin chào")
    return p


def _pdf(tmp: Path) -> Path:
    p = tmp / "ke-hoach.pdf"
    p.write_bytes(b"%PDF-1.4\n")
    return p


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda tmp: _minutes(tmp), "not a plan"),
        (_damaged_docx, "hong.docx"),
        (_zip_without_document, "rong.xlsx"),
        (_pdf, ".pdf"),
        (lambda tmp: tmp / "khong-co.docx", "khong-co.docx"),
    ],
    ids=["not-a-plan", "damaged-docx", "zip-that-is-not-xlsx", "unknown-extension", "missing-file"],
)
def test_bad_input_gets_one_clear_line_exit_2_and_an_untouched_database(
    db_url: str, run_cli, tmp_path: Path, make, fragment: str  # type: ignore[no-untyped-def]
) -> None:
    run_cli("import", str(BAC_GIANG))
    before = _counts(db_url)
    r = run_cli("import", str(make(tmp_path)))
    assert r.code == 2
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("dondoc: error:") and fragment in lines[0]
    assert "Traceback" not in r.err
    assert _counts(db_url) == before


def test_an_unknown_province_is_refused_with_the_known_ones_listed(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("import", str(BAC_GIANG), "--province", "ha-noi")
    assert r.code == 2
    assert "ha-noi" in r.err and "bac-giang" in r.err
    assert _counts(db_url) == (0, 0, 0)


def test_tasks_filters_by_plan_agency_alias_and_due_date(db_url: str, run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(BAC_GIANG)).code == 0
    r = run_cli("tasks", "--plan", "552/KH-BCĐ", "--agency", "Sở NN&PTNT", "--due-before", "2020-03-31", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert rows and all(row["due_date"] <= "2020-03-31" for row in rows)
    assert all("Sở Nông nghiệp và Phát triển nông thôn" in row["lead"] + row["coordinating"] for row in rows)
    assert "I.1" in {row["ref"] for row in rows}
    assert run_cli("tasks", "--agency", "Sở Không Tồn Tại").code == 2
    # the date as Vietnamese offices write it selects the same rows
    written = run_cli("tasks", "--plan", "552/KH-BCĐ", "--agency", "Sở NN&PTNT", "--due-before", "31/03/2020", "--json")
    assert written.code == 0 and json.loads(written.out) == rows
    bad = run_cli("tasks", "--due-before", "31/02/2020")
    assert bad.code == 2 and bad.err.strip() == (
        "dondoc: error: --due-before expects a date as dd/mm/yyyy or YYYY-MM-DD, got '31/02/2020'"
    )


def test_agencies_json_lists_names_aliases_and_example_addresses(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("agencies", "--province", "bac-giang", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert {"name", "aliases", "kind", "province", "email", "head_email"} <= set(rows[0])
    names = {row["name"] for row in rows}
    assert "UBND huyện Tân Yên" in names and "Sở Nông nghiệp và Phát triển nông thôn" in names
    assert all(row["email"].endswith(".example") and row["head_email"].endswith(".example") for row in rows)


def test_init_creates_the_database_and_loads_every_province(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = Path(os.environ["DONDOC_DATA_DIR"]) / "dondoc.sqlite3"
    r = run_cli("init")
    assert r.code == 0, r.err
    assert db.exists()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        provinces = {p for (p,) in conn.execute(sa.text("SELECT DISTINCT province FROM agency"))}
    engine.dispose()
    assert provinces == {"bac-giang", "ben-tre", "lang-son", "kien-giang"}
    assert "0 created" in run_cli("init").out  # a second init only upgrades


def test_a_broken_agency_directory_is_one_error_line_and_nothing_written(  # type: ignore[no-untyped-def]
        run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "agencies"
    shutil.copytree(DEFAULT_ROOT, folder)
    broken = folder / "bac-giang.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("  - Sơn Động\n", "  - [Sơn Động\n"), encoding="utf-8")
    monkeypatch.setenv("DONDOC_AGENCIES_DIR", str(folder))
    for args in (("init",), ("import", str(BAC_GIANG)), ("agencies",)):
        r = run_cli(*args)
        assert r.code == 2, (args, r.err)
        assert r.err.startswith(f"dondoc: error: {broken}, line ") and "not valid YAML" in r.err, (args, r.err)
        assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err + r.out
    db = sa.create_engine(f"sqlite:///{Path(os.environ['DONDOC_DATA_DIR']) / 'dondoc.sqlite3'}")
    with db.connect() as conn:  # init migrated the schema before reading the folder; no agency, no plan
        assert conn.execute(sa.text("SELECT count(*) FROM agency")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM plan")).scalar() == 0
    db.dispose()
