"""Plans of today the importer has never seen (issues 13/14): real plans of provincial People's
Committees issued since the 2025 reform, built the way offices receive them and imported into a
province set up with ``dondoc province add``.

Each plan's text sits in tests/flows/importing/plans_of_today/<plan>.yaml, its first lines naming
the public address it was read from and what of it the stored copy gave. A plan is built three ways
(tests.tasks.builders and the LibreOffice converter of tests.tasks.importing.readers.plans):

* a Word document: the head as the borderless two-column table Word plans open with, the preamble,
  the appendix caption and the task table;
* a workbook of the appendix alone (the caption as its title row), as departments circulate it;
* the Word document exported to PDF by LibreOffice (a text layer).

All three must give the same plan and the same tasks. What a coordination office checks: the
province, number and date read from the head (the workbook from its caption); every row a task;
its agencies resolved to the province's agencies of today (groups expanded: "UBND các xã, phường"
to the communes, "các sở, ban, ngành" to the departments); deadlines as the plan words them; a name
the directory does not hold flagged on its row with a reason, never given to another agency.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import yaml

from tasks.importing.meta import plan_paragraphs, read_plan_meta
from tasks.importing.parse import NOT_IN_DIRECTORY
from tasks.importing.readers import read_document
from tests.conftest import CliResult, query_rows
from tests.flows.test_province_setup import _word_plan
from tests.tasks.builders import build_xlsx_plan
from tests.tasks.importing.readers.plans import convert, office_tools

FIXTURES = Path(__file__).with_name("plans_of_today")
RunCli = Callable[..., CliResult]


@dataclass(frozen=True)
class Plan:
    """One plan's fixture: the head table's rows, the paragraphs, the appendix."""

    head: list[list[str]]
    body: list[str]
    caption: str
    header: list[str]
    rows: list[list[str]]

    @classmethod
    def load(cls, name: str) -> Plan:
        data = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
        return cls(data["head"], data["body"], data["caption"], data["header"], data["rows"])


def _shapes(plan: Plan, folder: Path, stem: str) -> dict[str, Path]:
    """The plan as a .docx, as an .xlsx of its appendix and as LibreOffice's PDF of the .docx."""
    word = _word_plan(folder / f"{stem}.docx", plan.head, [*plan.body, plan.caption], plan.rows)
    document = docx.Document(str(word))  # the plan's own column titles over its appendix
    for cell, title in zip(document.tables[1].rows[0].cells, plan.header, strict=True):
        cell.text = title
    document.save(str(word))
    sheet = build_xlsx_plan(folder / f"{stem}.xlsx", title_rows=[plan.caption], header=plan.header, rows=plan.rows)
    return {"docx": word, "xlsx": sheet, "pdf": convert(office_tools(), word, "pdf", folder / "pdf")}


def _import(run_cli: RunCli, path: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("import", str(path), "--json", *extra)
    assert result.code == 0, f"{path.name}: {result.err}"
    data: dict[str, Any] = json.loads(result.out)
    return data


def _table(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["ref"]: t for t in data["tasks"] if t["source"] == "table"}


def _same_tasks(run_cli: RunCli, shapes: dict[str, Path]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The Word plan imported (dry run) and the workbook and the PDF checked to give the same tasks."""
    word = _import(run_cli, shapes["docx"], "--dry-run")
    tasks = _table(word)
    pdf = _import(run_cli, shapes["pdf"], "--dry-run")
    assert pdf["plan"] == word["plan"]
    assert _table(pdf) == tasks
    sheet = _import(run_cli, shapes["xlsx"], "--dry-run")
    assert (sheet["plan"]["code"], sheet["plan"]["issued_on"], sheet["plan"]["province"]) == (
        word["plan"]["code"], word["plan"]["issued_on"], word["plan"]["province"])  # fmt: skip
    assert _table(sheet) == tasks
    return word, tasks


def _today(run_cli: RunCli, slug: str) -> set[str]:
    return {a["name"] for a in run_cli("agencies", "--province", slug, "--json").json()}


def _communes(names: list[str]) -> list[str]:
    return [n for n in names if n.startswith(("UBND xã ", "UBND phường ", "UBND đặc khu "))]


def test_ha_noi_35_kh_ubnd_2026_gives_each_target_to_the_departments_and_the_126_communes(
        db_url: str, run_cli: RunCli, tmp_path: Path) -> None:  # fmt: skip
    assert run_cli("province", "add", "ha-noi", "--json").json()["communes"] == 126
    today = _today(run_cli, "ha-noi")
    word, tasks = _same_tasks(run_cli, _shapes(Plan.load("ha-noi-35-kh-ubnd-2026"), tmp_path, "35-KH-UBND"))
    # the PDF reads the two-column head row by row: "THÀNH PHỐ HÀ NỘI" still completes the agency
    assert word["plan"] == {
        "code": "35/KH-UBND",
        "title": "Thúc đẩy triển khai và giải ngân Kế hoạch đầu tư công năm 2026",
        "issued_on": "2026-01-22",
        "issuer": "UBND thành phố Hà Nội",
        "province": "ha-noi",
        "year": 2026,
        "reporting": None,
    }
    assert list(tasks) == ["1", "2", "3", "4", "5", "6"]
    for ref, task in tasks.items():
        # "Các sở, ban, ngành; UBND các xã, phường": every department of the city and its 126 communes
        assert len(_communes(task["lead"])) == 126, ref
        departments = set(task["lead"]) - set(_communes(task["lead"]))
        assert {"Sở Tài chính", "Sở Nội vụ", "Sở Quy hoạch - Kiến trúc", "Thanh tra Thành phố"} <= departments, ref
        assert set(task["lead"]) <= today, ref  # nobody outside today's directory
        # Sở Tài chính, which collects the figures, already leads as a department: one role each
        assert task["coordinating"] == [], ref
    due = {ref: (t["deadline_kind"], t["due_date"]) for ref, t in tasks.items()}
    assert due == {
        "1": ("date", "2026-09-30"),
        "2": ("date", "2026-03-31"),
        "3": ("date", "2026-06-30"),
        "4": ("date", "2026-09-30"),
        "5": ("date", "2026-09-30"),
        "6": ("empty", None),
    }
    # "các chủ đầu tư" (the investors) is nobody the directory holds: flagged on its rows, given to no one
    assert {ref: (t["unresolved"], t["review"]) for ref, t in tasks.items() if t["review"]} == {
        "5": (["các chủ đầu tư"], ["agency not resolved"]),
        "6": (["các chủ đầu tư"], ["agency not resolved"]),
    }
    assert {u["reason"] for u in word["unresolved"]} == {NOT_IN_DIRECTORY}
    assert [(u["ref"], u["role"], u["name"]) for u in word["unresolved"]] == [
        ("5", "lead", "các chủ đầu tư"),
        ("6", "lead", "các chủ đầu tư"),
    ]

    written = _import(run_cli, tmp_path / "35-KH-UBND.docx")
    assert _table(written) == tasks
    rows = query_rows(
        db_url,
        "SELECT t.ref, ag.kind, count(*) FROM assignment a JOIN task t ON t.id = a.task_id "
        "JOIN agency ag ON ag.id = a.agency_id WHERE ag.province = 'ha-noi' AND t.ref = '2' "
        "GROUP BY t.ref, ag.kind ORDER BY ag.kind",
    )
    assert {kind: n for _ref, kind, n in rows}["commune"] == 126


# what the office expects from each published head: number, date, issuer, title (None where the copy has none)
HEADS = {
    "333/KH-UBND": ("2025-12-31", "UBND tỉnh Lạng Sơn", "CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH LẠNG SƠN NĂM 2026"),
    "0155/KH-UBND": ("2025-12-24", "UBND tỉnh Đắk Lắk", None),
    "186/KH-UBND": ("2025-12-29", "UBND tỉnh Bắc Ninh", "PHÁT TRIỂN CHÍNH QUYỀN SỐ TỈNH BẮC NINH GIAI ĐOẠN 2026-2030"),
    "179/KH-UBND": (
        "2025-11-18", "UBND tỉnh Đồng Nai",
        "Phát triển kinh tế số và xã hội số trên địa bàn tỉnh Đồng Nai giai đoạn 2026 – 2030",
    ),
    "522/KH-UBND": ("2025-09-25", "UBND tỉnh Hà Tĩnh", None),
}  # fmt: skip


def test_heads_as_published_give_number_date_and_province_in_word_and_in_pdf(tmp_path: Path) -> None:
    data = yaml.safe_load((FIXTURES / "heads-as-published-2025.yaml").read_text(encoding="utf-8"))
    words = []
    for index, entry in enumerate(data["plans"]):
        words.append(_word_plan(tmp_path / f"head-{index}.docx", entry["head"], entry["body"], []))
    soffice = office_tools()
    read: dict[str, list[tuple[str | None, str | None, str | None, str | None]]] = {}
    for word in words:
        for path in (word, convert(soffice, word, "pdf", tmp_path / "pdf")):
            meta = read_plan_meta(plan_paragraphs(read_document(path)))
            issued = meta.issued_on.isoformat() if meta.issued_on else None
            read.setdefault(path.suffix, []).append((meta.code, issued, meta.issuer, meta.title))
    expected = [(code, *values) for code, values in HEADS.items()]
    assert read == {".docx": expected, ".pdf": expected}


def test_dong_nai_directive_gives_its_prose_duty_to_so_xay_dung(
        db_url: str, run_cli: RunCli, tmp_path: Path) -> None:  # fmt: skip
    assert run_cli("province", "add", "dong-nai", "--json").json()["created"]
    plan = Plan.load("dong-nai-he-thong-tthc-bxd-2025")
    word = _word_plan(tmp_path / "dong-nai.docx", plan.head, plan.body, [])
    data = _import(run_cli, word, "--dry-run", "--province", "dong-nai")
    (duty,) = [t for t in data["tasks"] if t["source"] != "table"]
    assert duty["lead"] == ["Sở Xây dựng"]
    assert "Sở Khoa học và Công nghệ" in duty["coordinating"] and len(_communes(duty["coordinating"])) > 90
    assert duty["unresolved"] == ["Viễn thông Đồng Nai (VNPT Đồng Nai)"]  # not a state agency: flagged
    assert duty["due_date"] is None  # "theo lộ trình thời gian chỉ đạo của Bộ Xây dựng": no date of its own
