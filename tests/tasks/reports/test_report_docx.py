"""The Word report: official layout pieces, figures in tables, Vietnamese text, charts, PDF."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest

from tasks.indicators.targets import Indicator, IndicatorFact, Target, progress
from tasks.reports.content import (
    NarrativeExcerpt,
    ReportData,
    build_content,
    issuing_body,
    number_line,
    place_date_line,
)
from tasks.reports.figures import compute, parse_period
from tasks.reports.render.docx import render_docx
from tasks.reports.sections import NO_INDICATORS
from tests.tasks.reports.test_report_figures import AS_OF, FACTS

H1 = parse_period("2020-H1")


def report(facts=FACTS, **kw: object) -> ReportData:  # type: ignore[no-untyped-def]
    communes = Indicator(
        "Số xã đạt chuẩn nông thôn mới", "xã", (Target(2020, 124.0),), baseline=101.0, baseline_year=2019
    )
    sơn_động = Indicator(
        "Bình quân tiêu chí/xã", "tiêu chí/xã", (Target(2020, 13.4),), 12.7, 2019, district="Huyện Sơn Động"
    )
    values = {
        "plan_code": "552/KH-BCĐ",
        "plan_title": (
            "Triển khai thực hiện Chương trình mục tiêu Quốc gia xây dựng nông thôn mới tỉnh Bắc Giang năm 2020"
        ),
        "plan_issuer": "Ban Chỉ đạo tỉnh Bắc Giang",
        "plan_issued_on": date(2020, 2, 17),
        "province_name": "Bắc Giang",
        "period": H1,
        "as_of": AS_OF,
        "report_date": date(2020, 7, 1),
        "figures": compute(facts, period_start=H1.start, period_end=H1.end, as_of=AS_OF),
        "facts": facts,
        "indicators": progress(
            [communes, sơn_động], [IndicatorFact(communes.key, 110, date(2020, 6, 15))], as_of=AS_OF
        ),
        "narratives": [
            NarrativeExcerpt(
                "Sở Tài chính", "I.3", "Đã trình UBND tỉnh phương án phân bổ vốn; chờ ý kiến.", date(2020, 6, 12)
            )
        ],
        "missing_reports": ["UBND huyện Tân Yên"],
        "recipients": ["Ban Chỉ đạo Trung ương", "TT Tỉnh ủy, TT HĐND tỉnh", "Các thành viên BCĐ tỉnh"],
    }
    values.update(kw)
    return ReportData(**values)  # type: ignore[arg-type]


def opened(data: ReportData) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(data)))


@pytest.fixture(scope="module")
def default_doc() -> docx.document.Document:
    return opened(report())


def all_text(document: docx.document.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def table_rows(document: docx.document.Document) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def test_the_document_opens_again_with_title_heading_and_national_motto(default_doc: docx.document.Document) -> None:
    text = all_text(default_doc)
    for expected in (
        "UBND TỈNH BẮC GIANG",
        "BAN CHỈ ĐẠO",
        "Số: .../BC-BCĐ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bắc Giang, ngày 01 tháng 7 năm 2020",
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch số 552/KH-BCĐ ngày 17/02/2020 của Ban Chỉ đạo tỉnh Bắc Giang 6 tháng đầu năm 2020",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. TỒN TẠI, HẠN CHẾ",
        "III. ĐỀ XUẤT, KIẾN NGHỊ",
        "Nơi nhận:",
        "- Ban Chỉ đạo Trung ương;",
        "- Lưu: VT.",
        "TM. BAN CHỈ ĐẠO",
        "TRƯỞNG BAN",
    ):
        assert expected in text, expected


def test_the_summary_and_agency_tables_carry_the_hand_counted_figures(default_doc: docx.document.Document) -> None:
    rows = table_rows(default_doc)
    assert ["Đã hoàn thành", "1", "1", "2"] in rows
    assert ["Chưa hoàn thành", "3", "2", "5"] in rows
    assert ["1", "Sở Nông nghiệp và Phát triển nông thôn", "3", "1", "1", "1", "0", "50%"] in rows
    assert ["2", "Sở Tài chính", "2", "0", "0", "1", "1", "0%"] in rows
    assert ["", "Tổng cộng", "7", "1", "1", "3", "2", "25%"] in rows


def test_the_overdue_list_shows_age_due_date_and_escalation_level(default_doc: docx.document.Document) -> None:
    rows = table_rows(default_doc)
    overdue = [r for r in rows if len(r) == 6 and r[0] in ("1", "2") and r[1].startswith("I.")]
    assert [(r[1][:4], r[2], r[3], r[4], r[5]) for r in overdue] == [
        ("I.4.", "UBND huyện Tân Yên", "28/02/2020", "123", "Cấp 2"),
        ("I.3.", "Sở Tài chính", "31/05/2020", "30", "Cấp 1"),
    ]


def test_indicators_narratives_and_missing_reports_are_in_the_text(default_doc: docx.document.Document) -> None:
    document = default_doc
    text = all_text(document)
    rows = table_rows(document)
    assert next(
        r[:6] for r in rows if r[1] == "Số xã đạt chuẩn nông thôn mới"
    ) == ["1", "Số xã đạt chuẩn nông thôn mới", "xã", "101\n(2019)", "124\n(2020)", "110\n(15/06/2020)"]
    assert next(r[:4] for r in rows if r[0] == "Huyện Sơn Động") == ["Huyện Sơn Động", "12,7", "13,4", "-"]
    assert "Bình quân tiêu chí/xã (tiêu chí/xã; thực hiện 2019, kế hoạch 2020)" in text
    assert (
        "Sở Tài chính (nhiệm vụ I.3, báo cáo ngày 12/06/2020): “Đã trình UBND tỉnh phương án phân bổ vốn; chờ ý kiến.”"
        in text
    )
    assert "- UBND huyện Tân Yên" in text
    assert "còn 2 nhiệm vụ quá hạn chưa hoàn thành (1 nhiệm vụ quá hạn trên 120 ngày)" in text


def test_both_charts_are_embedded_as_pictures(default_doc: docx.document.Document) -> None:
    document = default_doc
    assert len(document.inline_shapes) == 2
    assert "Biểu đồ 1. Kết quả thực hiện nhiệm vụ theo cơ quan chủ trì (đến ngày 30/06/2020)" in all_text(document)


def test_the_page_is_a4_with_times_new_roman(default_doc: docx.document.Document) -> None:
    document = default_doc
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(section.left_margin.cm, 1), round(section.right_margin.cm, 1)) == (3.0, 1.5)
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size.pt == 14


def test_a_long_overdue_list_is_cut_in_the_document_and_points_to_the_workbook() -> None:
    text = all_text(opened(report(overdue_limit=1)))
    assert "(Bảng trên nêu 1 nhiệm vụ quá hạn lâu nhất; danh sách đầy đủ 2 nhiệm vụ tại tệp Excel kèm theo.)" in text
    assert "I.3. Nội dung nhiệm vụ I.3" not in text


def test_a_plan_with_no_indicators_says_there_are_none() -> None:
    text = all_text(opened(report(indicators=[])))
    assert NO_INDICATORS in text


def test_a_period_with_no_activity_still_renders_every_section() -> None:
    data = report(facts=[], narratives=[], missing_reports=[])
    text = all_text(opened(data))
    assert "Kế hoạch chưa có nhiệm vụ nào được giao chủ trì thực hiện" in text
    assert "không có nhiệm vụ quá hạn chưa hoàn thành" in text
    assert "Chưa có báo cáo của cơ quan, đơn vị nào trong kỳ." in text
    assert "III. ĐỀ XUẤT, KIẾN NGHỊ" in text


def test_the_date_line_number_and_issuing_body_follow_decree_30() -> None:
    assert place_date_line("Bắc Giang", date(2020, 2, 5)) == "Bắc Giang, ngày 05 tháng 02 năm 2020"
    assert place_date_line("Bến Tre", date(2020, 12, 16)) == "Bến Tre, ngày 16 tháng 12 năm 2020"
    assert number_line("552/KH-BCĐ") == "Số: .../BC-BCĐ"
    assert number_line("176/KH-UBND") == "Số: .../BC-UBND"
    assert issuing_body("Ban Chỉ đạo tỉnh Bắc Giang", "Bắc Giang") == ("UBND TỈNH BẮC GIANG", "BAN CHỈ ĐẠO")
    assert issuing_body("UBND tỉnh Bến Tre", "Bến Tre") == ("ỦY BAN NHÂN DÂN", "TỈNH BẾN TRE")
    content = build_content(
        report(issuing_body=("UBND TỈNH BẮC GIANG", "BAN CHỈ ĐẠO CÁC CTMTQG"), signer_name="Dương Văn Thái")
    )
    assert content.issuing_body == ("UBND TỈNH BẮC GIANG", "BAN CHỈ ĐẠO CÁC CTMTQG")
    assert content.signer_name == "Dương Văn Thái"


def test_an_all_caps_plan_title_is_left_out_of_the_introduction() -> None:
    content = build_content(report(plan_title="THỰC HIỆN CHƯƠNG TRÌNH HÀNH ĐỘNG SỐ 84-CTR/TU"))
    assert "Thực hiện Kế hoạch số 552/KH-BCĐ, trên cơ sở" in content.intro
    lower = build_content(report())
    assert "Kế hoạch số 552/KH-BCĐ về triển khai thực hiện Chương trình" in lower.intro


def test_libreoffice_converts_the_document_to_pdf(tmp_path: Path, soffice: str) -> None:
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(render_docx(report()))
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdf = tmp_path / "bao-cao.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "BÁO CÁO" in text and "Độc lập - Tự do - Hạnh phúc" in text
