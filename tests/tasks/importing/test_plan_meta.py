"""Plan metadata read from the document head, annex captions and the reporting clause."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from tasks.importing.meta import PlanMeta, ReportingSchedule, read_plan_meta
from tasks.importing.readers import read_document
from tests.conftest import PLANS
from tests.tasks.builders import build_docx_plan, build_xlsx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]


def _meta(name: str) -> PlanMeta:
    return read_plan_meta(read_document(PLANS / name).paragraphs)


def test_bac_giang_meta_comes_from_the_head_and_the_appendix_caption() -> None:
    assert _meta("bac-giang-552-kh-bcd-2020.txt") == PlanMeta(
        code="552/KH-BCĐ",  # not the mistyped 55/KH-KH-BCĐ or 17/KH-BCĐ of the Biểu captions
        title="Triển khai thực hiện Chương trình mục tiêu Quốc gia xây dựng nông thôn mới tỉnh Bắc Giang năm 2020",
        issuer="Ban Chỉ đạo tỉnh Bắc Giang",  # "Biên lưu Kế hoạch số. 552 /KH-BCĐ ... của Ban Chỉ đạo tỉnh Bắc Giang)"
        issued_on=date(2020, 2, 17),
        year=2020,
        reporting=None,  # reports go "theo quy định": no periodic clause
    )


def test_ben_tre_meta_comes_from_the_annex_caption() -> None:
    assert _meta("ben-tre-1185-kh-ubnd-2019.txt") == PlanMeta(
        code="1185/KH-UBND",
        title=(
            "THỰC HIỆN KẾT LUẬN CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH VỀ PHÁT TRIỂN NÔNG NGHIỆP, NÔNG DÂN, "
            "XÂY DỰNG NÔNG THÔN MỚI GIAI ĐOẠN 2018-2020 VÀ ĐỊNH HƯỚNG ĐẾN NĂM 2025"
        ),
        issuer="UBND tỉnh Bến Tre",  # "của Ủy ban nhân dân tỉnh", the province the text names
        issued_on=date(2019, 3, 18),  # "kế hoạch số: 1185/KH-UBND ngày 18 tháng 3 năm 2019"
        year=2019,
        reporting=ReportingSchedule(
            deadlines=[(6, 15, "H1"), (12, 15, "year")],
            recipient_text="Sở Nông nghiệp và PTNT",
            clause=(
                "Đồng thời, trong quá trình thực hiện nếu có khó khăn, vướng mắc và định kỳ 6 tháng (ngày 15/06) "
                "và hàng năm (ngày 15/12) báo cáo kết quả thực hiện gửi Sở Nông nghiệp và PTNT tổng hợp, "
                "đề xuất UBND tỉnh theo dõi, chỉ đạo./."
            ),
        ),
    )


def test_lang_son_meta_comes_from_a_head_written_as_a_table() -> None:
    meta = _meta("lang-son-176-kh-ubnd-2023.txt")
    assert (meta.code, meta.issuer, meta.issued_on, meta.year) == (
        "176/KH-UBND", "UBND tỉnh Lạng Sơn", date(2023, 8, 23), 2023
    )
    assert meta.title is not None
    assert meta.title.startswith("THỰC HIỆN CHƯƠNG TRÌNH HÀNH ĐỘNG SỐ 84-CTR/TU NGÀY 09/5/2023")
    assert meta.title.endswith("NÔNG THÔN ĐẾN NĂM 2030, TẦM NHÌN ĐẾN NĂM 2045")
    assert meta.reporting == ReportingSchedule(
        deadlines=[(6, 15, "H1"), (12, 15, "year")],
        recipient_text="Sở Nông nghiệp và Phát triển nông thôn",
        clause=(
            "định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo tình hình gửi Sở Nông nghiệp và Phát triển nông thôn "
            "để tổng hợp, báo cáo Bộ Nông nghiệp và Phát triển nông thôn và UBND tỉnh theo quy định."
        ),
    )


def test_kien_giang_meta_has_a_bold_title_over_three_lines_and_an_undated_reporting_clause() -> None:
    assert _meta("kien-giang-153-kh-ubnd-2018.txt") == PlanMeta(
        code="153/KH-UBND",  # written "Số: 153 /KH-UBND"
        title=(
            "Liên kết sản xuất và tiêu thụ sản phẩm nông nghiệp giữa hợp tác xã, liên hiệp hợp tác xã nông nghiệp "
            "với các doanh nghiệp đến năm 2020 tỉnh Kiên Giang"
        ),
        issuer="UBND tỉnh Kiên Giang",  # "Ủy ban nhân dân tỉnh xây dựng Kế hoạch ..." + "Kiên Giang, ngày ..."
        issued_on=date(2018, 10, 11),
        year=2018,
        reporting=ReportingSchedule(
            deadlines=[],
            recipient_text="UBND tỉnh",
            clause="Định kỳ, đột xuất tổng hợp, báo cáo đánh giá kết quả thực hiện về UBND tỉnh.",
        ),
    )


def test_ninh_thuan_programme_has_no_number_or_date() -> None:
    assert _meta("ninh-thuan-ctr-nq16-2022.txt") == PlanMeta(
        code=None,
        title=(
            "Thực hiện Nghị quyết số 16-NQ/TU ngày 13/01/2022 của Ban Chấp hành Đảng bộ tỉnh Khóa XIV về tiếp tục "
            "tăng cường sự lãnh đạo của các cấp ủy Đảng thực hiện xây dựng nông thôn mới đến năm 2025, "
            "định hướng đến năm 2030"
        ),
        issuer="Ban Cán sự Đảng UBND tỉnh",  # the text never names the province
        issued_on=None,
        year=None,  # the title names 2025 and 2030
        reporting=ReportingSchedule(
            deadlines=[], recipient_text=None,
            clause="Định kỳ hàng năm, 3 năm, 5 năm có báo cáo đánh giá kết quả thực hiện",
        ),
    )


def test_an_uppercase_head_agency_becomes_a_short_issuer() -> None:
    meta = read_plan_meta(
        ["ỦY BAN NHÂN DÂN", "TỈNH BẾN TRE", "Số: 1185 / KH - UBND", "Bến Tre, ngày 18 tháng 3 năm 2019", "KẾ HOẠCH",
         "Về nông thôn mới năm 2019"]
    )
    assert (meta.issuer, meta.code, meta.issued_on, meta.title, meta.year) == (
        "UBND tỉnh Bến Tre", "1185/KH-UBND", date(2019, 3, 18), "Về nông thôn mới năm 2019", 2019,
    )  # fmt: skip


def test_a_head_naming_a_steering_committee_is_sentence_cased() -> None:
    meta = read_plan_meta(["BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG TỈNH BẮC GIANG", "Số: 552/KH-BCĐ"])
    assert meta.issuer == "Ban Chỉ đạo các chương trình MTQG tỉnh Bắc Giang"


def test_the_year_falls_back_to_the_single_year_in_the_title() -> None:
    meta = read_plan_meta(["KẾ HOẠCH", "Xây dựng nông thôn mới năm 2021"])
    assert (meta.issued_on, meta.year) == (None, 2021)


def test_decomposed_text_reads_like_composed_text() -> None:
    paragraphs = ["Số: 552/KH-BCĐ", "Bắc Giang, ngày 17 tháng 02 năm 2020", "KẾ HOẠCH", "Triển khai năm 2020"]
    nfd = [unicodedata.normalize("NFD", p) for p in paragraphs]
    assert read_plan_meta(nfd) == read_plan_meta(paragraphs)
    assert read_plan_meta(nfd).code == "552/KH-BCĐ"


def test_nothing_known_gives_empty_meta() -> None:
    assert read_plan_meta(["Một đoạn văn.", ""]) == PlanMeta(None, None, None, None, None, None)
    assert read_plan_meta([]) == PlanMeta(None, None, None, None, None, None)


@pytest.mark.parametrize(
    ("clause", "deadlines", "recipient"),
    [
        (
            (
                "Các Sở định kỳ 6 tháng (trước ngày 15/6) và hằng năm (trước ngày 15/12) báo cáo kết quả thực hiện "
                "về Sở Nông nghiệp và PTNT để tổng hợp."
            ),
            [(6, 15, "H1"), (12, 15, "year")],
            "Sở Nông nghiệp và PTNT",
        ),
        (
            "Định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo gửi Sở NN&PTNT.",
            [(6, 15, "H1"), (12, 15, "year")],
            "Sở NN&PTNT",
        ),
        (
            "Định kỳ hằng quý (ngày 20/3), 9 tháng (ngày 15/9) báo cáo UBND tỉnh.",
            [(3, 20, "quarter"), (9, 15, "9M")],
            "UBND tỉnh",
        ),
    ],
)
def test_reporting_clauses_give_dated_schedules(clause: str, deadlines: list[tuple[int, int, str]],
                                                recipient: str) -> None:
    reporting = read_plan_meta(["Một đoạn văn.", clause]).reporting
    assert reporting is not None
    assert (reporting.deadlines, reporting.recipient_text) == (deadlines, recipient)


def test_a_dated_clause_wins_over_an_earlier_undated_one() -> None:
    reporting = read_plan_meta(
        ["Định kỳ báo cáo về UBND tỉnh.", "Hàng năm (15/12) báo cáo kết quả gửi Văn phòng Điều phối tỉnh."]
    ).reporting
    assert reporting == ReportingSchedule(
        deadlines=[(12, 15, "year")],
        recipient_text="Văn phòng Điều phối tỉnh",
        clause="Hàng năm (15/12) báo cáo kết quả gửi Văn phòng Điều phối tỉnh.",
    )


def test_meta_is_read_from_xlsx_title_rows(tmp_path: Path) -> None:
    path = build_xlsx_plan(
        tmp_path / "plan.xlsx",
        title_rows=["Biểu 05", "(Kèm theo Kế hoạch số 552 /KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang)"],
        header=HEADER,
        rows=[["1", "Việc", "Sở A", "", ""]],
    )
    meta = read_plan_meta(read_document(path).paragraphs)
    assert (meta.code, meta.issued_on, meta.issuer, meta.year) == (
        "552/KH-BCĐ", date(2020, 2, 17), "Ban Chỉ đạo tỉnh Bắc Giang", 2020
    )


def test_meta_is_read_from_docx_paragraphs(tmp_path: Path) -> None:
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=["ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "Số: 176/KH-UBND", "Lạng Sơn, ngày 23 tháng 8 năm 2023",
                         "KẾ HOẠCH", "Thực hiện Chương trình hành động"],
        header=HEADER,
        rows=[["1", "Việc", "Sở A", "", ""]],
    )
    meta = read_plan_meta(read_document(path).paragraphs)
    assert (meta.code, meta.issuer, meta.issued_on, meta.title) == (
        "176/KH-UBND", "UBND tỉnh Lạng Sơn", date(2023, 8, 23), "Thực hiện Chương trình hành động",
    )  # fmt: skip


def test_a_head_read_row_by_row_keeps_the_locality_under_its_agency() -> None:
    # a PDF's text layer reads Word's two-column head across: the quốc hiệu and its rule come
    # between "ỦY BAN NHÂN DÂN" and "THÀNH PHỐ HÀ NỘI"
    lines = [
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "THÀNH PHỐ HÀ NỘI",
        "Độc lập - Tự do - Hạnh phúc",
        "_______",
        "Số: 35/KH-UBND",
        "Hà Nội, ngày 22 tháng 01 năm 2026",
        "KẾ HOẠCH",
        "Đầu tư công năm 2026",
    ]
    assert read_plan_meta(lines).issuer == "UBND thành phố Hà Nội"
    # a line of another kind in between ends the search: the agency is not completed from the body
    assert read_plan_meta(["ỦY BAN NHÂN DÂN", "KẾ HOẠCH", "THÀNH PHỐ HÀ NỘI"]).issuer == "UBND"


@pytest.mark.parametrize(
    ("place", "issuer"),
    [("Hà Nội", "UBND thành phố Hà Nội"), ("Huế", "UBND thành phố Huế"), ("Lạng Sơn", "UBND tỉnh Lạng Sơn")],
)
def test_a_head_without_its_locality_line_takes_the_level_of_its_place(place: str, issuer: str) -> None:
    # the head as legal-text sites copy it: "ỦY BAN NHÂN DÂN" alone, the place in the date line
    lines = [
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 333/KH-UBND",
        f"{place}, ngày 31 tháng 12 năm 2025",
        "KẾ HOẠCH",
    ]
    assert read_plan_meta(lines).issuer == issuer


def test_a_title_in_sentence_case_wrapped_by_a_pdf_keeps_its_last_line() -> None:
    # LibreOffice's PDF of Đồng Nai 179/KH-UBND breaks the title before "– 2030"
    title = "Phát triển kinh tế số và xã hội số trên địa bàn tỉnh Đồng Nai giai đoạn 2026"
    head = ["Số: 179/KH-UBND", "Đồng Nai, ngày 18 tháng 11 năm 2025", "KẾ HOẠCH", title, "– 2030",
            "___________________________________", "Căn cứ Luật Tổ chức Chính quyền địa phương;"]
    assert read_plan_meta(head).title == f"{title} – 2030"
    # a line in lower case continues it too; the preamble, capitalised, does not
    wrapped = ["KẾ HOẠCH", "Triển khai chuyển đổi số", "trên địa bàn tỉnh năm 2026", "Căn cứ Luật Công nghệ thông tin;"]
    assert read_plan_meta(wrapped).title == "Triển khai chuyển đổi số trên địa bàn tỉnh năm 2026"
