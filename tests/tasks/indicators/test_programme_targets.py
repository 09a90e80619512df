"""Targets of programmes and resolutions without a task table: the Ninh Thuận programme's 2025
and 2030 objectives, a horizon opening a paragraph, objectives under other headings
("QUAN ĐIỂM, MỤC TIÊU", "Các chỉ tiêu chủ yếu"), and a table of indicators."""

from __future__ import annotations

from functools import cache

import pytest

from tasks.importing.meta import plan_paragraphs, read_plan_meta
from tasks.importing.readers import read_document
from tasks.importing.readers.base import PlanDocument, Table
from tasks.indicators.clause import clause_indicators
from tasks.indicators.target_table import target_table_indicators
from tasks.indicators.targets import Indicator, document_indicators, extract_indicators
from tasks.indicators.text import text_indicators
from tests.conftest import PLANS

NINH_THUAN = PLANS / "ninh-thuan-ctr-nq16-2022.txt"


def targets(ind: Indicator) -> dict[int, tuple[float, float | None, str | None]]:
    return {t.year: (t.low, t.high, t.qualifier) for t in ind.targets}


def named(found: list[Indicator], name: str) -> Indicator:
    hits = [i for i in found if i.name == name]
    assert len(hits) == 1, f"{name}: {[i.name for i in found]}"
    return hits[0]


@cache
def ninh_thuan() -> tuple[Indicator, ...]:
    doc = read_document(NINH_THUAN)
    meta = read_plan_meta(plan_paragraphs(doc))
    return tuple(document_indicators(doc, plan_year=meta.year, title=meta.title))


def test_the_ninh_thuan_programme_sets_at_least_eight_targets_for_2025_and_five_for_2030() -> None:
    found = list(ninh_thuan())
    by_year = {year: [i for i in found if any(t.year == year for t in i.targets)] for year in (2025, 2030)}
    assert len(by_year[2025]) >= 8 and len(by_year[2030]) >= 5
    assert {t.year for i in found for t in i.targets} == {2025, 2030}
    assert targets(named(found, "Số xã đạt chuẩn nông thôn mới")) == {
        2025: (38.0, None, "at_least"), 2030: (45.0, None, "at_least")}
    assert (named(found, "Tỷ lệ lao động nông thôn qua đào tạo").unit, targets(
        named(found, "Tỷ lệ lao động nông thôn qua đào tạo"))) == ("%", {2025: (70.0, None, None),
                                                                        2030: (80.0, None, None)})
    assert targets(named(found, "Tỷ lệ che phủ rừng")) == {2025: (49.0, None, None)}
    growth = named(found, "Tốc độ tăng trưởng bình quân giá trị gia tăng ngành nông nghiệp")
    assert targets(growth) == {2025: (3.0, 4.0, None), 2030: (4.0, 5.0, None)}
    value = named(found, "Giá trị sản xuất trên 1 ha đất trồng trọt")
    assert (value.unit, targets(value)) == ("triệu đồng/ha", {2025: (150.0, None, None), 2030: (175.0, None, None)})
    poverty = named(found, "Mức giảm tỷ lệ hộ nghèo theo chuẩn đa chiều")  # "duy trì mức giảm ... ít nhất 1,5%/năm"
    assert (poverty.unit, targets(poverty)) == ("%/năm", {2025: (1.5, None, "at_least")})
    # a multiple of 2020's income ("tăng ít nhất 1,5 lần so với năm 2020") has no base value: left out
    assert not [i for i in found if i.unit == "lần"]


def test_a_horizon_opening_a_paragraph_holds_for_each_of_its_sentences() -> None:
    found = clause_indicators(
        "- Phấn đấu đến năm 2030: tỷ lệ xã đạt chuẩn nông thôn mới đạt 95%; có ít nhất 40% số xã đạt chuẩn "
        "nông thôn mới nâng cao; thu nhập bình quân của người dân nông thôn đạt 95 triệu đồng/người/năm; "
        "tỷ lệ hộ nghèo theo chuẩn đa chiều giảm còn dưới 1%.", year=2026)
    assert [(i.name, i.unit, targets(i), i.direction) for i in found] == [
        ("Tỷ lệ xã đạt chuẩn nông thôn mới", "%", {2030: (95.0, None, None)}, "up"),
        ("Tỷ lệ số xã đạt chuẩn nông thôn mới nâng cao", "%", {2030: (40.0, None, "at_least")}, "up"),
        ("Thu nhập bình quân của người dân nông thôn", "triệu đồng/người/năm", {2030: (95.0, None, None)}, "up"),
        ("Tỷ lệ hộ nghèo theo chuẩn đa chiều", "%", {2030: (1.0, None, "less_than")}, "down"),
    ]
    # a horizon written inside a later sentence still moves it for what follows
    later = clause_indicators("Đến năm 2027, có 30 xã đạt chuẩn nông thôn mới; năm 2030, 100% số xã đạt chuẩn "
                              "nông thôn mới.", year=2026)
    assert [(i.unit, targets(i)) for i in later] == [("xã", {2027: (30.0, None, None)}),
                                                      ("%", {2030: (100.0, None, None)})]


def test_a_labelled_count_takes_its_label_as_name() -> None:
    found = clause_indicators("- Số xã đạt chuẩn nông thôn mới kiểu mẫu: 10 xã.", year=2030)
    assert [(i.name, i.unit, targets(i)) for i in found] == [
        ("Số xã đạt chuẩn nông thôn mới kiểu mẫu", "xã", {2030: (10.0, None, None)})]


def test_objectives_under_other_headings_of_a_resolution_are_read_and_views_left_out() -> None:
    paragraphs = [
        "NGHỊ QUYẾT",
        "Về xây dựng nông thôn mới giai đoạn 2026 - 2030",
        "I- TÌNH HÌNH",
        "Năm 2025 toàn tỉnh có 60% số xã đạt chuẩn nông thôn mới.",
        "II- QUAN ĐIỂM, MỤC TIÊU",
        "1. Quan điểm",
        "Phấn đấu 100% số thôn có nhà văn hóa.",
        "2. Mục tiêu chung",
        "Nông thôn phát triển toàn diện, có 100% số xã đạt chuẩn.",
        "3. Mục tiêu cụ thể đến năm 2030",
        "- Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao đạt 50%.",
        "III- NHIỆM VỤ, GIẢI PHÁP",
        "1. Các chỉ tiêu chủ yếu đến năm 2028",
        "- Tỷ lệ che phủ rừng đạt 52%.",
        "2. Giải pháp",
        "- Hỗ trợ 20 hợp tác xã mỗi năm.",
    ]
    found = text_indicators(paragraphs, plan_year=2026)
    assert [(i.name, targets(i)) for i in found] == [
        ("Tỷ lệ xã đạt chuẩn nông thôn mới nâng cao", {2030: (50.0, None, None)}),
        ("Tỷ lệ che phủ rừng", {2028: (52.0, None, None)}),
    ]


def _table(rows: list[list[str]], merged: dict[tuple[int, int], tuple[int, int]] | None = None) -> PlanDocument:
    return PlanDocument(paragraphs=[], tables=[Table(rows=rows, index=0, paragraphs_before=0,
                                                     merged_from=merged or {})])


def test_a_table_of_indicators_with_a_merged_header_gives_targets_and_baselines() -> None:
    doc = _table([
        ["STT", "Chỉ tiêu", "Đơn vị tính", "Thực hiện năm 2025", "Mục tiêu", ""],
        ["", "", "", "", "Năm 2027", "Năm 2030"],
        ["I", "Chỉ tiêu về nông thôn mới", "", "", "", ""],
        ["1", "Tỷ lệ xã đạt chuẩn nông thôn mới", "%", "80", "90", "≥ 95"],
        ["2", "Số xã đạt chuẩn nông thôn mới kiểu mẫu", "xã", "3", "5", "10 trở lên"],
        ["3", "Tỷ lệ hộ nghèo đa chiều", "%", "2,1", "1,5", "dưới 1"],
        ["4", "Thu nhập bình quân đầu người khu vực nông thôn", "triệu đồng/người/năm", "60", "75-80", "95"],
        ["5", "Môi trường nông thôn", "", "", "Đạt chuẩn", "Đạt chuẩn"],
    ], merged={(0, 5): (0, 4)})
    found = target_table_indicators(doc)
    assert [(i.name, i.unit, targets(i), i.baseline, i.baseline_year, i.direction) for i in found] == [
        ("Tỷ lệ xã đạt chuẩn nông thôn mới", "%", {2027: (90.0, None, None), 2030: (95.0, None, "at_least")},
         80.0, 2025, "up"),
        ("Số xã đạt chuẩn nông thôn mới kiểu mẫu", "xã", {2027: (5.0, None, None), 2030: (10.0, None, "at_least")},
         3.0, 2025, "up"),
        ("Tỷ lệ hộ nghèo đa chiều", "%", {2027: (1.5, None, None), 2030: (1.0, None, "less_than")}, 2.1, 2025, "down"),
        ("Thu nhập bình quân đầu người khu vực nông thôn", "triệu đồng/người/năm",
         {2027: (75.0, 80.0, None), 2030: (95.0, None, None)}, 60.0, 2025, "up"),
    ]
    assert extract_indicators(doc, plan_year=2026)[0].source == "table"


@pytest.mark.parametrize("header", [
    ["TT", "Nội dung", "Nhiệm vụ", "Đến năm 2020", "Đến năm 2025", "Đơn vị chủ trì", "Cơ quan phối hợp"],
    ["TT", "Chỉ tiêu", "Đến năm 2025", "Đơn vị chủ trì"],
])
def test_a_task_table_with_target_columns_is_no_table_of_indicators(header: list[str]) -> None:
    row = ["1", "Tỷ lệ xã đạt chuẩn", *(["50"] * (len(header) - 2))]
    assert target_table_indicators(_table([header, row])) == []
