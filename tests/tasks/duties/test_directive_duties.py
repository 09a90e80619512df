"""A directive's paragraphs that assign work (no 'Nhiệm vụ'/'Tổ chức thực hiện' section) read as
proposed duties against Đồng Nai's directory of today (tasks/duties/extract.py)."""

from __future__ import annotations

from datetime import date
from functools import cache

from tasks.agencies.directory import ProvinceDirectory
from tasks.agencies.setup import province_setup
from tasks.duties.extract import TextExtraction, extract_text_duties


@cache
def dong_nai() -> ProvinceDirectory:
    return province_setup("dong-nai").directory().on(date(2026, 12, 5))


def extract(paragraphs: list[str]) -> TextExtraction:
    return extract_text_duties(paragraphs, dong_nai(), plan_year=2026)


def test_a_giao_paragraph_is_a_duty_of_its_lead_with_its_coordinating_agencies_and_deadline() -> None:
    result = extract([
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát danh mục dự án; hoàn thành trước ngày 31/3/2026.",
    ])
    (duty,) = result.duties
    assert [a.name for a in duty.lead] == ["Sở Tài chính"]
    assert [a.name for a in duty.coordinating] == ["Sở Xây dựng"]
    assert (duty.ref, duty.due_date, duty.standing) == ("T.P1", date(2026, 3, 31), False)
    assert duty.title.startswith("Rà soát danh mục dự án")


def test_the_issuer_as_subject_and_a_list_of_coordinating_agencies_with_semicolons_are_read() -> None:
    result = extract([
        ("Chủ tịch Ủy ban nhân dân tỉnh giao Sở Xây dựng chủ trì triển khai hệ thống; phối hợp Sở Khoa học và "
         "Công nghệ; Viễn thông Đồng Nai (VNPT Đồng Nai); Ủy ban nhân dân cấp xã thực hiện theo lộ trình."),
    ])
    (duty,) = result.duties
    assert [a.name for a in duty.lead] == ["Sở Xây dựng"]
    assert "Sở Khoa học và Công nghệ" in [a.name for a in duty.coordinating] and len(duty.coordinating) > 90
    assert duty.unresolved == ["Viễn thông Đồng Nai (VNPT Đồng Nai)"]
    assert duty.due_date is None and duty.standing


def test_each_assignment_of_a_paragraph_is_a_duty_and_a_following_deadline_paragraph_completes_the_last() -> None:
    result = extract([
        "Giao Sở Nội vụ chủ trì tổng hợp kết quả. Yêu cầu Sở Y tế triển khai kế hoạch tiêm chủng.",
        "Thời gian hoàn thành: trước ngày 30/6/2026.",
        "Đề nghị Sở Tài chính thực hiện việc bố trí kinh phí trong tháng 5/2026.",
    ])
    assert [(d.ref, [a.name for a in d.lead], d.due_date) for d in result.duties] == [
        ("T.P1.1", ["Sở Nội vụ"], None),
        ("T.P1.2", ["Sở Y tế"], date(2026, 6, 30)),
        ("T.P2", ["Sở Tài chính"], date(2026, 5, 31)),
    ]


def test_a_news_like_paragraph_that_reports_work_done_is_not_a_duty() -> None:
    result = extract([
        "Sở Xây dựng đã triển khai hệ thống thông tin giải quyết thủ tục hành chính trên địa bàn tỉnh.",
        "Thực hiện nhiệm vụ được giao, Sở Tài chính đã phối hợp với Sở Nội vụ rà soát danh mục.",
        "Ủy ban nhân dân tỉnh đã giao Sở Y tế chủ trì triển khai kế hoạch tiêm chủng.",
        "Theo đề nghị của Sở Nội vụ, Ủy ban nhân dân tỉnh ban hành quyết định.",
    ])
    assert result.duties == []
    assert result.warnings == [
        "no 'Nhiệm vụ, giải pháp' or 'Tổ chức thực hiện' section found; no duties proposed from the text"
    ]


def test_an_assigning_verb_without_an_agency_of_the_directory_is_not_a_duty() -> None:
    result = extract([
        "Yêu cầu các chủ đầu tư đẩy nhanh tiến độ giải ngân.",
        "Giao thông vận tải là lĩnh vực được ưu tiên đầu tư.",
    ])
    assert result.duties == []


def test_a_plan_with_a_to_chuc_thuc_hien_section_is_read_by_its_section_only() -> None:
    result = extract([
        "Giao Sở Y tế chủ trì triển khai kế hoạch tiêm chủng.",
        "I. TỔ CHỨC THỰC HIỆN",
        "1. Sở Nội vụ: tổng hợp kết quả.",
    ])
    assert [(d.ref, [a.name for a in d.lead]) for d in result.duties] == [("T.I.1", ["Sở Nội vụ"])]
