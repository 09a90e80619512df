"""`dondoc import` on the shapes plans arrive in besides .docx: a PDF, a scan, a .doc (issue 14)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.tasks.importing.readers.plans import PlanFiles, plan_files  # noqa: F401  (the fixture)


def _import(run_cli: Any, path: Path) -> dict[str, Any]:
    r = run_cli("import", str(path), "--json", "--dry-run")
    assert r.code == 0, r.err
    data: dict[str, Any] = json.loads(r.out)
    return data


def _tasks(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(t["ref"], t["due_date"], t["lead"], t["coordinating"]) for t in data["tasks"] if t["source"] == "table"]


def test_the_pdf_the_doc_and_the_scan_import_as_the_docx(plan_files: PlanFiles, run_cli: Any) -> None:
    word = _import(run_cli, plan_files.docx)
    assert len(_tasks(word)) == 6 and word["plan"]["code"] == "45/KH-UBND"
    for path in (plan_files.pdf, plan_files.doc):
        data = _import(run_cli, path)
        assert data["plan"] == word["plan"], path.name
        assert [t for t in data["tasks"] if t["source"] == "table"] == [
            t for t in word["tasks"] if t["source"] == "table"
        ], path.name
    scan = _import(run_cli, plan_files.scan)
    assert _tasks(scan) == _tasks(word)  # every task found, with its dates and agencies
    assert {(t["ref"], tuple(t["review"])) for t in scan["tasks"]} == {
        (ref, ("read by OCR",)) for ref, *_rest in _tasks(word)
    }
    assert scan["plan"]["issued_on"] == "2025-03-10" and scan["plan"]["province"] == "lang-son"


def _rows(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(sum(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("plan", "task")))
    finally:
        engine.dispose()


def test_a_damaged_pdf_is_one_error_line_and_nothing_is_written(
    db_url: str, run_cli: Any, plan_files: PlanFiles, tmp_path: Path
) -> None:
    broken = tmp_path / "45-KH-UBND.pdf"
    broken.write_bytes(plan_files.pdf.read_bytes()[:700])
    r = run_cli("import", str(broken))
    assert r.code == 2
    assert r.err.strip().splitlines() == [r.err.strip()] and "'45-KH-UBND.pdf': not a valid PDF file" in r.err
    assert _rows(db_url) == 0


def test_importing_a_scan_without_tesseract_is_one_error_line(
    run_cli: Any, plan_files: PlanFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("pdftoppm", "soffice"):
        found = next((Path(d) / tool for d in os.environ["PATH"].split(os.pathsep) if (Path(d) / tool).exists()), None)
        assert found is not None
        (tools / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(tools))
    r = run_cli("import", str(plan_files.scan), "--dry-run")
    assert r.code == 2
    [line] = r.err.strip().splitlines()
    assert "'45-KH-UBND-scan.pdf': it is a scanned document, and Tesseract OCR is not installed" in line
