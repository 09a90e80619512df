"""Indicators read from the real sample plans, checked by hand against the documents."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from tasks.importing.appendix import find_task_rows
from tasks.importing.meta import read_plan_meta
from tasks.importing.readers import parse_text, read_document
from tasks.indicators.clause import clause_indicators
from tasks.indicators.targets import (
    Indicator,
    IndicatorFact,
    Target,
    extract_indicators,
    fmt_number,
    milestone_indicators,
    parse_number,
    progress,
)
from tests.conftest import PLANS


@cache
def plan(name: str) -> tuple[Indicator, ...]:
    doc = read_document(PLANS / name)
    meta = read_plan_meta(doc.paragraphs)
    return tuple(extract_indicators(doc, plan_year=meta.year, title=meta.title))


def by(indicators: tuple[Indicator, ...], name: str, district: str | None = None) -> Indicator:
    found = [i for i in indicators if i.name == name and i.district == district]
    assert len(found) == 1, f"{name} / {district}: {[i.name for i in indicators]}"
    return found[0]


def targets(ind: Indicator) -> dict[int, tuple[float, float | None, str | None]]:
    return {t.year: (t.low, t.high, t.qualifier) for t in ind.targets}


BG = "bac-giang-552-kh-bcd-2020.txt"
LS = "lang-son-176-kh-ubnd-2023.txt"


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("3,5", 3.5), ("4.500", 4500.0), ("16,2", 16.2), ("08", 8.0), ("20.000", 20000.0), ("1.234,5", 1234.5)],
)
def test_vietnamese_numbers_use_a_decimal_comma_and_dotted_thousands(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_numbers_are_shown_back_the_vietnamese_way() -> None:
    assert [fmt_number(v) for v in (4500.0, 63.5, 16.25, 19.0, 0.0, None)] == ["4.500", "63,5", "16,25", "19", "0", ""]


# --- Bắc Giang: text targets -------------------------------------------------------------------


def test_bac_giang_text_targets_are_read_with_units_baselines_and_the_plan_year() -> None:
    text = [i for i in plan(BG) if i.source == "text"]
    assert {(i.name, i.unit): (targets(i), i.baseline) for i in text} == {
        ("Số xã đạt chuẩn nông thôn mới", "xã"): ({2020: (124.0, None, None)}, 101.0),
        ("Tỷ lệ xã đạt chuẩn nông thôn mới", "%"): ({2020: (67.4, None, None)}, None),
        ("Số xã đạt chuẩn xã nông thôn mới nâng cao", "xã"): ({2020: (8.0, None, None)}, 0.0),  # baseline: Biểu 01
        ("Số thôn đạt thôn nông thôn mới", "thôn"): ({2020: (144.0, None, None)}, 122.0),
        ("Số thôn đạt thôn nông thôn mới kiểu mẫu", "thôn"): ({2020: (55.0, None, None)}, 9.0),
        ("Bình quân tiêu chí/xã", "tiêu chí/xã"): ({2020: (16.2, None, None)}, 15.8),
        ("Số xã đạt dưới 10 tiêu chí", "xã"): ({2020: (0.0, None, None)}, 9.0),
        ("Tỷ lệ hộ nghèo", "%"): ({2020: (3.5, None, None)}, None),
        ("Thu nhập bình quân đầu người khu vực nông thôn", "triệu đồng/người/năm"): ({2020: (40.0, None, None)}, None),
        ("Tỷ lệ người dân tham gia BHYT", "%"): ({2020: (99.0, None, "more_than")}, None),
        ("Tỷ lệ dân số nông thôn được cung cấp nước hợp vệ sinh", "%"): ({2020: (98.0, None, None)}, None),
    }


def test_a_falling_target_is_marked_lower_is_better() -> None:
    assert by(plan(BG), "Tỷ lệ hộ nghèo").direction == "down"
    assert by(plan(BG), "Số xã đạt dưới 10 tiêu chí").direction == "down"
    assert by(plan(BG), "Số xã đạt chuẩn nông thôn mới").direction == "up"


def test_numbers_outside_the_objectives_and_dates_codes_and_ratings_are_not_targets() -> None:
    values = {t.low for i in plan(BG) if i.district is None for t in i.targets}
    # section II: "khoảng 65 mô hình", "tối thiểu 30 sản phẩm đạt từ 3 sao", "10 lớp tập huấn", "trên 30 HTX"
    assert not values & {65.0, 30.0, 10.0, 3.0, 18.0}
    assert not values & {2016.0, 2020.0, 1600.0, 975.0}


# --- Bắc Giang: Biểu 01 per district -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "district", "baseline", "target"),
    [
        ("Bình quân tiêu chí/xã", "Huyện Sơn Động", 12.7, 13.4),
        ("Bình quân tiêu chí/xã", "TP Bắc Giang", 19.0, 19.0),
        ("Số xã đạt chuẩn nông thôn mới", "Huyện Hiệp Hòa", 15.0, 22.0),
        ("Số xã đạt chuẩn nông thôn mới", "Huyện Tân Yên", 15.0, 20.0),
        ("Số thôn đạt thôn nông thôn mới kiểu mẫu", "Huyện Lạng Giang", 1.0, 15.0),
        ("Số thôn đạt thôn nông thôn mới", "Huyện Yên Thế", 14.0, 25.0),
        ("Số xã đạt dưới 10 tiêu chí", "Huyện Yên Thế", 3.0, 0.0),
        ("Số xã đạt chuẩn xã nông thôn mới nâng cao", "Huyện Lục Nam", 0.0, 1.0),
    ],
)
def test_bieu_01_gives_actual_2019_and_plan_2020_per_district(
    name: str, district: str, baseline: float, target: float
) -> None:
    ind = by(plan(BG), name, district)
    assert (ind.baseline, ind.baseline_year, targets(ind)) == (baseline, 2019, {2020: (target, None, None)})
    assert ind.source == "table"


def test_bieu_01_district_plans_add_up_to_the_province_targets() -> None:
    for name, total in [
        ("Số xã đạt chuẩn nông thôn mới", 124.0),
        ("Số thôn đạt thôn nông thôn mới", 144.0),
        ("Số thôn đạt thôn nông thôn mới kiểu mẫu", 55.0),
        ("Số xã đạt chuẩn xã nông thôn mới nâng cao", 8.0),
    ]:
        rows = [i for i in plan(BG) if i.name == name and i.district is not None]
        assert sum(i.targets[0].low for i in rows) == total, name
        assert by(plan(BG), name).targets[0].low == total


def test_bieu_01_covers_the_ten_districts_for_the_average_criteria() -> None:
    rows = [i for i in plan(BG) if i.name == "Bình quân tiêu chí/xã" and i.district]
    assert len(rows) == 10
    assert all(i.unit == "tiêu chí/xã" for i in rows)


def test_empty_table_cells_give_no_indicator() -> None:
    # Lạng Giang has no commune below 10 criteria: both cells are empty in Biểu 01
    assert not [i for i in plan(BG) if i.name == "Số xã đạt dưới 10 tiêu chí" and i.district == "Huyện Lạng Giang"]


# --- other plans -------------------------------------------------------------------------------


def test_lang_son_targets_keep_both_horizons_ranges_and_per_year_flags() -> None:
    ls = plan(LS)
    assert targets(by(ls, "Tỷ lệ số xã đạt chuẩn nông thôn mới")) == {
        2025: (63.5, None, None),
        2030: (80.0, None, "more_than"),
    }
    assert targets(by(ls, "Tỷ lệ số xã đạt chuẩn nông thôn mới nâng cao")) == {
        2025: (12.0, None, None),
        2030: (30.0, None, None),
    }
    assert targets(by(ls, "Số sản phẩm OCOP đạt từ 3 sao trở lên")) == {
        2025: (125.0, None, None),
        2030: (180.0, None, None),
    }
    htx = by(ls, "Thành lập mới hợp tác xã hoạt động trong lĩnh vực nông lâm nghiệp và thủy sản")
    assert targets(htx) == {2025: (15.0, 20.0, None), 2030: (15.0, 20.0, None)}
    assert htx.unit == "hợp tác xã" and all(t.per_year for t in htx.targets)
    assert targets(by(ls, "Thành lập mới tổ hợp tác")) == {
        2025: (15.0, None, "at_least"),
        2030: (15.0, None, "at_least"),
    }
    assert targets(by(ls, "Trồng rừng")) == {2025: (9000.0, None, None), 2030: (10000.0, None, None)}
    assert targets(by(ls, "Tỷ trọng ngành nông lâm nghiệp")) == {2025: (16.0, 17.0, None), 2030: (12.0, 13.0, None)}
    assert targets(by(ls, "Số huyện/thành phố đạt chuẩn nông thôn mới")) == {
        2025: (2.0, None, "at_least"),
        2030: (3.0, None, "at_least"),
    }


def test_multipliers_of_an_unstated_base_are_left_out() -> None:
    # "Thu nhập bình quân người dân nông thôn tăng gấp 1,3 lần so với năm 2020"
    assert not [i for i in plan(LS) if "Thu nhập" in i.name or i.unit == "lần"]


def test_kien_giang_takes_its_horizon_from_the_title() -> None:
    kg = plan("kien-giang-153-kh-ubnd-2018.txt")
    assert targets(by(kg, "Củng cố hợp tác xã nông nghiệp hiện có")) == {2020: (322.0, None, None)}
    assert targets(
        by(kg, "Xây dựng mới hợp tác xã nông nghiệp là đại diện sở hữu sản phẩm OCOP của các huyện, thị xã, thành phố")
    ) == {2020: (58.0, None, None)}
    assert targets(by(kg, "Xây dựng mô hình liên kết chuỗi giá trị sản phẩm lúa, tôm, cá lồng bè")) == {
        2020: (6.0, None, "more_than")
    }


def test_ninh_thuan_joins_a_sentence_split_by_a_page_break() -> None:
    nt = plan("ninh-thuan-ctr-nq16-2022.txt")
    assert targets(by(nt, "Số xã dưới 15 tiêu chí")) == {2025: (0.0, None, None)}
    assert targets(by(nt, "Số huyện đạt chuẩn nông thôn mới")) == {
        2025: (4.0, None, "at_least"),
        2030: (5.0, None, "at_least"),
    }
    assert targets(by(nt, "Tỷ lệ số thôn đạt chuẩn nông thôn mới")) == {
        2025: (85.0, None, None),
        2030: (95.0, None, None),
    }


def test_ben_tre_reads_an_inline_horizon_and_coordinated_targets() -> None:
    bt = plan("ben-tre-1185-kh-ubnd-2019.txt")
    # "Đến hết năm 2020 công nhận 50 xã và 01 huyện đạt chuẩn nông thôn mới, năm 2025, ... có ít nhất 3 huyện ..."
    assert targets(by(bt, "Công nhận xã đạt chuẩn nông thôn mới")) == {2020: (50.0, None, None)}
    assert targets(by(bt, "Công nhận huyện đạt chuẩn nông thôn mới")) == {2020: (1.0, None, None)}
    assert targets(by(bt, "Số huyện đạt chuẩn huyện nông thôn mới")) == {2025: (3.0, None, "at_least")}


def test_appendix_targets_become_indicators_owned_by_the_lead_agency() -> None:
    rows = find_task_rows(read_document(PLANS / "ben-tre-1185-kh-ubnd-2019.txt")).rows
    found = milestone_indicators([(r.ref, r.targets, r.lead_text) for r in rows])
    forest = by(tuple(found), "Diện tích có rừng toàn tỉnh")
    assert (forest.unit, targets(forest)) == ("ha", {2020: (4500.0, None, None), 2025: (5000.0, None, None)})
    assert forest.owner == "Sở Tài nguyên và Môi trường Sở Nông nghiệp và Phát triển nông thôn"
    assert targets(by(tuple(found), "Độ che phủ")) == {2020: (1.9, None, None), 2025: (2.1, None, None)}
    gap = by(tuple(found), "Tỷ lệ diện tích sản xuất nông nghiệp được tưới tiết kiệm nước")
    assert targets(gap) == {2020: (5.0, None, "at_least"), 2025: (10.0, None, "at_least")}
    assert all(i.source == "appendix" and i.owner for i in found)


def test_a_plan_without_an_objectives_section_has_no_indicators() -> None:
    doc = parse_text(
        "KẾ HOẠCH\nVề việc tổ chức hội nghị\nI. MỤC ĐÍCH, YÊU CẦU\nTổ chức 02 hội nghị trong năm 2020.\n"
        "II. NỘI DUNG\nCó 30 đại biểu.\n"
    )
    assert extract_indicators(doc, plan_year=2020) == []


@pytest.mark.parametrize(
    "text",
    [
        "Thực hiện Nghị quyết số 16-NQ/TU ngày 13/01/2022 của Tỉnh ủy.",
        "Giai đoạn 2016-2020 và định hướng đến năm 2030.",
        "Tiếp tục phát triển bền vững chuỗi giá trị 08 sản phẩm nông nghiệp chủ lực của tỉnh.",
        "Quy mô 4000m2, sản xuất cây đầu dòng.",
    ],
)
def test_sentences_without_a_readable_target_yield_nothing(text: str) -> None:
    assert clause_indicators(text, year=2020) == []


# --- progress ----------------------------------------------------------------------------------


def test_progress_compares_the_latest_value_with_the_target_and_the_straight_line() -> None:
    communes = Indicator(
        "Số xã đạt chuẩn nông thôn mới", "xã", (Target(2020, 124.0),), baseline=101.0, baseline_year=2019
    )
    facts = [
        IndicatorFact(communes.key, 105, date(2020, 3, 31), "Sở NN&PTNT"),
        IndicatorFact(communes.key, 110, date(2020, 6, 15), "Sở NN&PTNT"),
        IndicatorFact(communes.key, 124, date(2020, 9, 1), "Sở NN&PTNT"),  # after the cut-off
    ]
    (row,) = progress([communes], facts, as_of=date(2020, 6, 30))
    assert row.actual is not None and row.actual.value == 110
    # 182 of 366 days from 31/12/2019 to 31/12/2020: 101 + 23 * 182/366
    assert row.expected == pytest.approx(101 + 23 * 182 / 366)
    assert row.percent_of_target == pytest.approx(110 / 124 * 100)
    assert row.verdict == "chậm tiến độ"


def test_progress_verdicts_for_reached_on_track_down_and_missing() -> None:
    poverty = Indicator("Tỷ lệ hộ nghèo", "%", (Target(2020, 3.5),), baseline=5.0, baseline_year=2019, direction="down")
    income = Indicator("Thu nhập", "triệu đồng/người/năm", (Target(2020, 40.0),))
    htx = Indicator("Thành lập mới hợp tác xã", "hợp tác xã", (Target(2025, 15.0, 20.0, per_year=True),))
    facts = [
        IndicatorFact(poverty.key, 4.2, date(2020, 6, 30)),
        IndicatorFact(income.key, 41, date(2020, 6, 30)),
        IndicatorFact(htx.key, 9, date(2023, 6, 30)),
    ]
    rows = {r.indicator.name: r for r in progress([poverty, income, htx], facts, as_of=date(2023, 6, 30))}
    assert rows["Tỷ lệ hộ nghèo"].verdict == "không đạt"  # the 2020 horizon has passed and 4,2 > 3,5
    assert rows["Thu nhập"].verdict == "đạt chỉ tiêu"
    assert rows["Thành lập mới hợp tác xã"].expected == pytest.approx(15 * 181 / 365)
    assert rows["Thành lập mới hợp tác xã"].verdict == "đúng tiến độ"
    on_2020 = {r.indicator.name: r for r in progress([poverty], facts, as_of=date(2020, 6, 30))}
    assert on_2020["Tỷ lệ hộ nghèo"].verdict == "đúng tiến độ"  # 4,2 is below the line (5 - 1,5 x 182/366)
    assert progress([income], [], as_of=date(2020, 6, 30))[0].verdict == "chưa có số liệu"
    no_line = progress([income], [IndicatorFact(income.key, 30, date(2020, 6, 1))], as_of=date(2020, 6, 30))[0]
    assert (no_line.expected, no_line.verdict) == (None, "chưa đạt")


def test_the_target_in_force_is_the_nearest_horizon_not_yet_passed() -> None:
    ind = Indicator("Tỷ lệ số xã đạt chuẩn", "%", (Target(2025, 63.5), Target(2030, 80.0)))
    assert ind.target_for(2024).year == 2025  # type: ignore[union-attr]
    assert ind.target_for(2026).year == 2030  # type: ignore[union-attr]
    assert ind.target_for(2031).year == 2030  # type: ignore[union-attr]
    assert ind.key == "ty-le-so-xa-dat-chuan|%"
    assert Indicator("Số xã", "xã", (), district="Huyện Lục Nam").key == "so-xa|xã|huyen-luc-nam"
