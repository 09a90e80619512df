"""How often a plan asks for reports: the periods its reporting clause names (yearly, 6-monthly,
every 3 and 5 years), the reviews written in a sentence of their own, and the usual dates a clause
without dates reports on."""

from __future__ import annotations

import pytest

from tasks.importing.reporting import ReportingSchedule, read_cadence, read_reporting


def labels(clause: str) -> list[tuple[str, str, str]]:
    return [(c.period, c.label, c.kind) for c in read_cadence(clause)]


def test_a_yearly_three_year_and_five_year_clause_gives_the_report_a_mid_term_and_a_final_review() -> None:
    assert labels("Định kỳ hàng năm, 3 năm, 5 năm có báo cáo đánh giá kết quả thực hiện") == [
        ("year", "hàng năm", "report"), ("3y", "sơ kết 3 năm", "review"), ("5y", "tổng kết 5 năm", "final"),
    ]


@pytest.mark.parametrize(("clause", "expected"), [
    ("Hằng năm báo cáo kết quả; tổ chức sơ kết 2 năm, tổng kết 5 năm việc thực hiện Nghị quyết",
     [("year", "hàng năm", "report"), ("2y", "sơ kết 2 năm", "review"), ("5y", "tổng kết 5 năm", "final")]),
    ("định kỳ 6 tháng (ngày 15/06) và hàng năm (ngày 15/12) báo cáo kết quả",
     [("H1", "6 tháng", "report"), ("year", "hàng năm", "report")]),
    ("Định kỳ hằng quý, 6 tháng, năm báo cáo UBND tỉnh",
     [("quarter", "hằng quý", "report"), ("H1", "6 tháng", "report"), ("year", "hàng năm", "report")]),
    ("Hằng năm, năm năm một lần báo cáo kết quả", [("year", "hàng năm", "report"), ("5y", "5 năm", "review")]),
    ("tổ chức sơ kết hàng năm và tổng kết giai đoạn", [("year", "sơ kết hàng năm", "review"),
                                                      ("term", "tổng kết giai đoạn", "final")]),
])
def test_each_period_written_is_read_once_in_order(clause: str, expected: list[tuple[str, str, str]]) -> None:
    assert labels(clause) == expected


@pytest.mark.parametrize("clause", [
    "Định kỳ, đột xuất tổng hợp, báo cáo đánh giá kết quả thực hiện về UBND tỉnh.",
    "báo cáo định kỳ kết quả giai đoạn 5 năm 2021-2025",
    "Định kỳ báo cáo kết quả thực hiện Nghị quyết số 16-NQ/TU ngày 13/01/2022 đến năm 2025",
])
def test_years_spans_and_document_numbers_are_no_period(clause: str) -> None:
    assert read_cadence(clause) == []


def test_an_undated_yearly_clause_reports_on_the_usual_date_marked_as_proposed() -> None:
    undated = ReportingSchedule([], None, "Định kỳ hàng năm, 3 năm, 5 năm có báo cáo đánh giá kết quả thực hiện")
    assert undated.schedule == [(12, 15, "year")] and undated.dates_proposed
    dated = ReportingSchedule([(6, 15, "H1"), (12, 15, "year")], None, "định kỳ 6 tháng (15/6), hàng năm (15/12)")
    assert dated.schedule == [(6, 15, "H1"), (12, 15, "year")] and not dated.dates_proposed
    nothing = ReportingSchedule([], "UBND tỉnh", "Định kỳ, đột xuất tổng hợp, báo cáo về UBND tỉnh.")
    assert nothing.schedule == [] and not nothing.dates_proposed


def test_a_review_sentence_of_its_own_joins_the_undated_clause() -> None:
    found = read_reporting([
        "3. Định kỳ hằng năm báo cáo kết quả thực hiện về Ban Thường vụ Tỉnh ủy.",
        "4. Tổ chức sơ kết 3 năm, tổng kết 5 năm việc thực hiện Nghị quyết.",
    ])
    assert found is not None and [c.period for c in found.cadence] == ["year", "3y", "5y"]
    assert found.clause.endswith("; Tổ chức sơ kết 3 năm, tổng kết 5 năm việc thực hiện Nghị quyết.")
    alone = read_reporting(["Tổ chức sơ kết 3 năm, tổng kết 5 năm việc thực hiện Chương trình."])
    assert alone is not None and alone.deadlines == [] and [c.kind for c in alone.cadence] == ["review", "final"]


def test_a_dated_clause_still_wins_and_keeps_its_own_wording() -> None:
    found = read_reporting([
        "Tổ chức sơ kết 3 năm việc thực hiện Kế hoạch.",
        "Định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo kết quả gửi Sở Nông nghiệp và Môi trường.",
    ])
    assert found is not None and found.deadlines == [(6, 15, "H1"), (12, 15, "year")]
    assert found.clause.startswith("Định kỳ 6 tháng") and "sơ kết" not in found.clause


def test_a_yearly_report_written_without_định_kỳ_is_a_clause() -> None:
    found = read_reporting([("1. Giao Ủy ban nhân dân tỉnh tổ chức thực hiện Nghị quyết; hằng năm báo cáo kết quả thực "
                            "hiện tại kỳ họp cuối năm của Hội đồng nhân dân tỉnh.")])
    assert found is not None and found.schedule == [(12, 15, "year")] and found.dates_proposed
    assert read_reporting(["Trồng rừng mới hàng năm khoảng 9.000 ha."]) is None


def test_the_plan_keeps_its_deadlines_then_its_reviews() -> None:
    undated = ReportingSchedule([], None, "Định kỳ hàng năm, 3 năm, 5 năm có báo cáo đánh giá kết quả thực hiện")
    assert undated.stored() == [
        {"month": 12, "day": 15, "period": "year", "proposed": True},
        {"period": "3y", "every_years": 3, "label": "sơ kết 3 năm", "kind": "review"},
        {"period": "5y", "every_years": 5, "label": "tổng kết 5 năm", "kind": "final"},
    ]
    # a dated clause stores what it always stored: nothing is added for its periods of a year or less
    dated = ReportingSchedule([(6, 15, "H1"), (12, 15, "year")], None, "định kỳ 6 tháng (15/6), hàng năm (15/12)")
    assert dated.stored() == [{"month": 6, "day": 15, "period": "H1"}, {"month": 12, "day": 15, "period": "year"}]
