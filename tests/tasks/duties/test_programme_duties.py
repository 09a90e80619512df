"""Duties of programmes and resolutions without a task table, against a province set up as it is
today (Khánh Hòa, which Ninh Thuận is part of since 01/07/2025): a council resolution's articles,
a party programme whose bodies lead state bodies, and the other names of a "Tổ chức thực hiện"
section."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from tasks.agencies.directory import ProvinceDirectory
from tasks.agencies.setup import province_setup
from tasks.duties.extract import TextExtraction, assigns_in_text, extract_text_duties
from tasks.duties.outline import parse_outline
from tasks.duties.phrases import carried_out_year


@cache
def khanh_hoa() -> ProvinceDirectory:
    return province_setup("khanh-hoa").directory()


def extract(text: str) -> TextExtraction:
    return extract_text_duties([line for line in text.splitlines() if line.strip()], khanh_hoa(), plan_year=2026)


def leads(result: TextExtraction) -> list[tuple[str, list[str]]]:
    return [(d.ref, [a.name for a in d.lead]) for d in result.duties]


RESOLUTION = """NGHỊ QUYẾT
Về Chương trình xây dựng nông thôn mới giai đoạn 2026 - 2030
HỘI ĐỒNG NHÂN DÂN TỈNH KHÁNH HÒA
QUYẾT NGHỊ:
Điều 1. Thông qua Chương trình xây dựng nông thôn mới giai đoạn 2026 - 2030 với các nội dung sau:
1. Mục tiêu
Phấn đấu đến năm 2030: 95% số xã đạt chuẩn nông thôn mới.
2. Nhiệm vụ, giải pháp
a) Tiếp tục rà soát, nâng cao chất lượng các tiêu chí.
Điều 2. Tổ chức thực hiện
1. Giao Ủy ban nhân dân tỉnh tổ chức triển khai thực hiện Nghị quyết này, hoàn thành trong Quý IV/2026.
2. Giao Thường trực Hội đồng nhân dân tỉnh, các Ban của Hội đồng nhân dân tỉnh giám sát việc thực hiện Nghị quyết.
3. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội tỉnh tham gia giám sát.
Điều 3. Hiệu lực thi hành
Nghị quyết này có hiệu lực từ ngày 01 tháng 01 năm 2026./.
"""


def test_a_council_resolution_assigns_in_its_articles() -> None:
    result = extract(RESOLUTION)
    assert leads(result) == [
        ("T.Đ2.1", ["Ủy ban nhân dân tỉnh"]),
        ("T.Đ2.3", ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh",
                    "Tỉnh đoàn", "Hội Cựu chiến binh tỉnh", "Liên đoàn Lao động tỉnh"]),
    ]
    first = result.duties[0]
    assert first.due_date == date(2026, 12, 31) and first.section_path[0] == "Điều 2. Tổ chức thực hiện"
    # the council's own oversight names no agency of the directory: not proposed


def test_articles_are_outline_headings_and_numbered_items_nest_under_them() -> None:
    root = parse_outline([line for line in RESOLUTION.splitlines() if line.strip()])
    articles = [c for c in root.children if c.kind == "article"]
    assert [(a.label, a.marker, a.text) for a in articles] == [
        ("Đ1", "Điều 1.", "Thông qua Chương trình xây dựng nông thôn mới giai đoạn 2026 - 2030 với các nội dung sau:"),
        ("Đ2", "Điều 2.", "Tổ chức thực hiện"), ("Đ3", "Điều 3.", "Hiệu lực thi hành")]
    assert [c.label for c in articles[1].children] == ["1", "2", "3"]


PROGRAMME = """CHƯƠNG TRÌNH HÀNH ĐỘNG
Thực hiện Nghị quyết số 05-NQ/TU ngày 10/3/2026 của Ban Chấp hành Đảng bộ tỉnh về nông thôn mới đến năm 2030
III. TỔ CHỨC THỰC HIỆN
1. Các cấp ủy, tổ chức đảng tổ chức học tập, quán triệt Nghị quyết.
2. Ban cán sự đảng Ủy ban nhân dân tỉnh lãnh đạo, chỉ đạo Ủy ban nhân dân tỉnh xây dựng kế hoạch triển khai, \
hoàn thành trong Quý II/2026.
3. Sở Nông nghiệp và Môi trường chủ trì, phối hợp với Sở Tài chính tham mưu Ủy ban nhân dân tỉnh phân bổ vốn.
4. Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội tỉnh vận động Nhân dân tham gia.
5. Văn phòng Tỉnh ủy theo dõi, đôn đốc; định kỳ hằng năm báo cáo Ban Thường vụ Tỉnh ủy.
"""


def test_a_party_body_leading_a_state_body_gives_the_duty_to_the_state_body() -> None:
    result = extract(PROGRAMME)
    by_ref = {d.ref: d for d in result.duties}
    assert [a.name for a in by_ref["T.III.2"].lead] == ["Ủy ban nhân dân tỉnh"]
    assert by_ref["T.III.2"].due_date == date(2026, 6, 30)
    assert by_ref["T.III.2"].title.startswith("Xây dựng kế hoạch triển khai")
    assert [a.name for a in by_ref["T.III.3"].lead] == ["Sở Nông nghiệp và Môi trường"]
    assert [a.name for a in by_ref["T.III.3"].coordinating] == ["Sở Tài chính"]
    # a sentence is no heading: the front's bodies lead, "vận động ..." is the duty
    assert len(by_ref["T.III.4"].lead) == 6 and by_ref["T.III.4"].title == "Vận động Nhân dân tham gia"
    # party bodies the directory does not hold are not guessed
    assert "T.III.1" not in by_ref and "T.III.5" not in by_ref
    assert any(w.startswith("T.III.5:") and "names no agency of the directory" in w for w in result.warnings)


@pytest.mark.parametrize("heading", [
    "IV. TRÁCH NHIỆM THỰC HIỆN", "IV. PHÂN CÔNG NHIỆM VỤ", "IV. TỔ CHỨC TRIỂN KHAI THỰC HIỆN",
    "Điều 3. Trách nhiệm thi hành", "IV. CÁC NHIỆM VỤ TRỌNG TÂM",
])
def test_the_other_names_of_an_assigning_section_are_read(heading: str) -> None:
    result = extract(f"{heading}\n1. Sở Tài chính: bố trí kinh phí thực hiện Chương trình.\n")
    assert [(d.title, [a.name for a in d.lead]) for d in result.duties] == [
        ("Bố trí kinh phí thực hiện Chương trình", ["Sở Tài chính"])]


def test_a_section_that_assigns_nothing_proposes_nothing() -> None:
    result = extract("IV. KẾT QUẢ ĐẠT ĐƯỢC\n1. Sở Tài chính: đã bố trí kinh phí thực hiện Chương trình.\n")
    assert result.duties == []


def test_a_programme_with_no_date_of_its_own_is_of_the_year_of_the_text_it_carries_out() -> None:
    assert carried_out_year("Thực hiện Nghị quyết số 16-NQ/TU ngày 13/01/2022 của Ban Chấp hành Đảng bộ tỉnh") == 2022
    assert carried_out_year("Triển khai thực hiện Kết luận số 61-KL/TW ngày 17 tháng 8 năm 2023 của Ban Bí thư") == 2023
    assert carried_out_year("Xây dựng nông thôn mới đến năm 2025, định hướng đến năm 2030") is None


def test_a_text_assigns_work_when_it_has_a_section_that_does() -> None:
    assert assigns_in_text(["CHƯƠNG TRÌNH", "IV- TỔ CHỨC THỰC HIỆN", "1. Chỉ đạo tổ chức quán triệt."])
    assert assigns_in_text(["NGHỊ QUYẾT", "Điều 2. Tổ chức thực hiện", "Giao Ủy ban nhân dân tỉnh thực hiện."])
    assert not assigns_in_text(["BÁO CÁO", "I. KẾT QUẢ", "1. Đã hoàn thành 20 nhiệm vụ."])
