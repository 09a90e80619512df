"""Programmes and resolutions without a task table (issue 14): `dondoc import` gives their duties
from the text (proposed, as every text duty), their targets as indicators and their reporting
cadence. The Ninh Thuận programme of ../shared/plans, and a 2026 Word programme built here with
other wording, so the rules are seen to be general. Real processes, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest

from config.settings import REPO_ROOT, SAMPLE_PLANS
from tests.conftest import CliResult, query_rows

NINH_THUAN = REPO_ROOT.parent / "shared" / "plans" / "ninh-thuan-ctr-nq16-2022.txt"
CADENCE = [
    {"period": "year", "every_years": 1, "label": "hàng năm", "kind": "report"},
    {"period": "3y", "every_years": 3, "label": "sơ kết 3 năm", "kind": "review"},
    {"period": "5y", "every_years": 5, "label": "tổng kết 5 năm", "kind": "final"},
]


def _json_column(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value  # SQLite gives text, PostgreSQL JSONB


def _targets_by_year(indicators: list[dict[str, Any]]) -> dict[int, int]:
    years: dict[int, int] = {}
    for ind in indicators:
        for target in ind["targets"]:
            years[target["year"]] = years.get(target["year"], 0) + 1
    return years


@pytest.mark.skipif(not NINH_THUAN.is_file(), reason="no ../shared/plans next to this checkout")
def test_the_ninh_thuan_programme_imports_its_duties_targets_and_reporting_cadence(
        db_url: str, run_cli: Callable[..., CliResult]) -> None:
    # the copy shipped with the code is the shared original (tests/test_sample_plans.py checks every byte)
    assert (SAMPLE_PLANS / NINH_THUAN.name).read_bytes() == NINH_THUAN.read_bytes()
    # the programme never names its province: without --province it is no longer "not a plan", but asks
    refused = run_cli("import", str(NINH_THUAN), "--json")
    assert refused.code == 2 and refused.out == ""
    assert "cannot tell which province issued this plan; pass --province" in refused.err
    assert "no task table" not in refused.err
    # Ninh Thuận is part of Khánh Hòa since 01/07/2025
    assert run_cli("province", "add", "khanh-hoa").code == 0
    data = run_cli("import", str(NINH_THUAN), "--province", "khanh-hoa", "--json").json()
    plan = data["plan"]
    assert (plan["province"], plan["code"], plan["year"]) == ("khanh-hoa", "ninh-thuan-ctr-nq16-2022", 2022)
    assert any("year is taken as 2022" in w for w in data["warnings"])  # from "Nghị quyết ... ngày 13/01/2022"

    # duties: the three under "IV- TỔ CHỨC THỰC HIỆN", led by UBND tỉnh, proposed for the office to confirm
    duties = [t for t in data["tasks"] if t["source"] == "text"]
    assert [(t["ref"], t["lead"], t["state"]) for t in duties] == [
        (ref, ["Ủy ban nhân dân tỉnh"], "proposed") for ref in ("T.IV.1", "T.IV.2", "T.IV.3")]
    assert duties[2]["title"].startswith("Nghiên cứu đưa một số tiêu chí")  # its reports go to the cadence
    assert not [t for t in data["tasks"] if t["source"] == "table"]

    # targets as indicators: at least eight for 2025 and five for 2030, with name, unit, year and value
    indicators = data["indicators"]
    years = _targets_by_year(indicators)
    assert years[2025] >= 8 and years[2030] >= 5 and set(years) == {2025, 2030}
    communes = next(i for i in indicators if i["name"] == "Số xã đạt chuẩn nông thôn mới")
    assert communes["unit"] == "xã"
    assert [(t["year"], t["value"]) for t in communes["targets"]] == [(2025, 38.0), (2030, 45.0)]
    villages = next(i for i in indicators if i["name"] == "Tỷ lệ số thôn đạt chuẩn nông thôn mới")
    assert (villages["unit"], [(t["year"], t["value"]) for t in villages["targets"]]) == (
        "%", [(2025, 85.0), (2030, 95.0)])

    # the reporting cadence: every year (on the usual 15/12, proposed), a 3-year and a 5-year review
    reporting = plan["reporting"]
    assert reporting["cadence"] == CADENCE
    assert reporting["dates_proposed"] is True and reporting["duty"]["due"] == ["15/12"]

    # stored: the plan with its cadence, the proposals, the indicators with their targets
    rows = query_rows(db_url, "SELECT id, year, report_schedule, report_clause FROM plan WHERE code = :c",
                      c="ninh-thuan-ctr-nq16-2022")
    (plan_id, year, schedule, clause), = rows
    assert year == 2022 and clause.startswith("Định kỳ hàng năm, 3 năm, 5 năm")
    assert _json_column(schedule) == [{"month": 12, "day": 15, "period": "year", "proposed": True}, *CADENCE[1:]]
    tasks = query_rows(db_url, "SELECT t.ref, t.source, t.state, ag.name FROM task t "
                       "JOIN assignment a ON a.task_id = t.id JOIN agency ag ON ag.id = a.agency_id "
                       "WHERE t.plan_id = :p ORDER BY t.ref", p=plan_id)
    assert tasks == [(ref, "text", "proposed", "Ủy ban nhân dân tỉnh") for ref in ("T.IV.1", "T.IV.2", "T.IV.3")]
    stored = query_rows(db_url, "SELECT name, unit, targets FROM indicator WHERE plan_id = :p AND active = :t",
                        p=plan_id, t=True)
    assert len(stored) == len(indicators)
    assert _targets_by_year([{"targets": _json_column(t)} for _n, _u, t in stored]) == years
    listed = run_cli("indicators", "--plan", "ninh-thuan-ctr-nq16-2022", "--json").json()
    assert {i["name"] for i in listed} >= {"Số xã đạt chuẩn nông thôn mới", "Tỷ lệ che phủ rừng"}

    # the same file again changes nothing
    again = run_cli("import", str(NINH_THUAN), "--province", "khanh-hoa")
    assert again.code == 0, again.err
    assert "created 0, updated 0, cancelled 0, unchanged 0" in again.out
    assert "text duties: 0 new proposals, 0 refreshed" in again.out
    assert len(query_rows(db_url, "SELECT id FROM indicator WHERE plan_id = :p", p=plan_id)) == len(indicators)


def word_programme(path: Path, *, province: str = "Bắc Ninh", issued: str = "ngày 20 tháng 3 năm 2026",
                   agriculture: str = "Sở Nông nghiệp và Môi trường") -> Path:
    """A programme as a Word file: a head naming its province, targets written "Phấn đấu đến năm
    2030: ... đạt 95%" and in a table of indicators, duties per agency, reports yearly with reviews."""
    document = docx.Document()
    for line in [
        "ỦY BAN NHÂN DÂN", f"TỈNH {province.upper()}", "Số: 12/CTr-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", f"{province}, {issued}",
        "CHƯƠNG TRÌNH", "Xây dựng nông thôn mới hiện đại giai đoạn 2026 - 2030",
        "I. MỤC ĐÍCH, YÊU CẦU", "Cụ thể hóa các mục tiêu của Nghị quyết Đại hội Đảng bộ tỉnh.",
        "II. MỤC TIÊU",
        "1. Mục tiêu chung", "Nông thôn phát triển toàn diện, hiện đại, xanh, sạch, đẹp; 100% số xã văn minh.",
        "2. Mục tiêu cụ thể",
        ("- Phấn đấu đến năm 2030: tỷ lệ xã đạt chuẩn nông thôn mới đạt 95%; có ít nhất 40% số xã đạt chuẩn "
        "nông thôn mới nâng cao; thu nhập bình quân của người dân nông thôn đạt 95 triệu đồng/người/năm; "
        "tỷ lệ hộ nghèo theo chuẩn đa chiều giảm còn dưới 1%."),
        "- Các chỉ tiêu chủ yếu theo từng năm tại Phụ lục kèm theo.",
        "III. TỔ CHỨC THỰC HIỆN",
        (f"1. {agriculture}: chủ trì, phối hợp với Sở Tài chính tham mưu phân bổ vốn, hoàn thành "
        "trong Quý II/2026."),
        "2. Sở Tài chính: bố trí kinh phí thực hiện Chương trình hằng năm.",
        (f"3. Chế độ báo cáo: Hằng năm, các cơ quan báo cáo kết quả thực hiện về {agriculture}; "
        "sơ kết 3 năm, tổng kết 5 năm việc thực hiện Chương trình./."),
        "PHỤ LỤC: CÁC CHỈ TIÊU CHỦ YẾU",
    ]:
        document.add_paragraph(line)
    rows = [
        ["STT", "Chỉ tiêu", "Đơn vị tính", "Thực hiện năm 2025", "Mục tiêu", ""],
        ["", "", "", "", "Năm 2027", "Năm 2030"],
        ["1", "Số xã đạt chuẩn nông thôn mới kiểu mẫu", "xã", "3", "6", "≥ 10"],
        ["2", "Tỷ lệ che phủ rừng", "%", "30", "31", "32"],
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    table.cell(0, 4).merge(table.cell(0, 5)).text = "Mục tiêu"  # "Mục tiêu" over the two target years
    document.save(str(path))
    return path


def test_a_word_programme_with_other_wording_gives_its_duties_targets_and_cadence(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    assert run_cli("province", "add", "bac-ninh").code == 0
    data = run_cli("import", str(word_programme(tmp_path / "chuong-trinh-12.docx")), "--json").json()
    plan = data["plan"]
    assert (plan["province"], plan["code"], plan["issued_on"]) == ("bac-ninh", "12/CTr-UBND", "2026-03-20")
    duties = {t["ref"]: t for t in data["tasks"] if t["source"] == "text"}
    assert sorted(duties) == ["T.III.1", "T.III.2"]  # "Chế độ báo cáo" is the cadence, not a duty
    assert (duties["T.III.1"]["lead"], duties["T.III.1"]["coordinating"], duties["T.III.1"]["due_date"]) == (
        ["Sở Nông nghiệp và Môi trường"], ["Sở Tài chính"], "2026-06-30")
    assert duties["T.III.2"]["lead"] == ["Sở Tài chính"] and duties["T.III.2"]["deadline_kind"] == "standing"

    found = {i["name"]: (i["unit"], [(t["year"], t["value"]) for t in i["targets"]]) for i in data["indicators"]}
    assert found == {
        # "Phấn đấu đến năm 2030: ...; ...": every sentence of the paragraph is for 2030
        "Tỷ lệ xã đạt chuẩn nông thôn mới": ("%", [(2030, 95.0)]),
        "Tỷ lệ số xã đạt chuẩn nông thôn mới nâng cao": ("%", [(2030, 40.0)]),
        "Thu nhập bình quân của người dân nông thôn": ("triệu đồng/người/năm", [(2030, 95.0)]),
        "Tỷ lệ hộ nghèo theo chuẩn đa chiều": ("%", [(2030, 1.0)]),
        # the appendix table of indicators: target years under a merged "Mục tiêu", 2025 as baseline
        "Số xã đạt chuẩn nông thôn mới kiểu mẫu": ("xã", [(2027, 6.0), (2030, 10.0)]),
        "Tỷ lệ che phủ rừng": ("%", [(2027, 31.0), (2030, 32.0)]),
    }
    poverty = next(i for i in data["indicators"] if i["name"] == "Tỷ lệ hộ nghèo theo chuẩn đa chiều")
    assert (poverty["direction"], poverty["targets"][0]["qualifier"]) == ("down", "less_than")
    forest = next(i for i in data["indicators"] if i["name"] == "Tỷ lệ che phủ rừng")
    assert (forest["baseline"], forest["baseline_year"], forest["source"]) == (30.0, 2025, "table")

    reporting = plan["reporting"]
    assert reporting["cadence"] == CADENCE and reporting["recipient"] == "Sở Nông nghiệp và Môi trường"
    (schedule,), = query_rows(db_url, "SELECT report_schedule FROM plan WHERE code = '12/CTr-UBND'")
    assert _json_column(schedule)[1:] == CADENCE[1:]
    count, = query_rows(db_url, "SELECT count(*) FROM indicator i JOIN plan p ON p.id = i.plan_id "
                            "WHERE p.code = '12/CTr-UBND'")
    assert count == (6,)
