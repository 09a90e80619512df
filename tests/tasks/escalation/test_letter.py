"""The công văn đôn đốc as a Word document in the format of Nghị định 30/2020/NĐ-CP, opened by a
real word processor (LibreOffice, to PDF) and read back (pdftotext)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date
from pathlib import Path

from docx import Document

from tasks.escalation.letter import (
    CongVan,
    file_name,
    issuer_lines,
    office_symbol,
    render_cong_van,
    signer_lines,
)
from tasks.escalation.situation import LatestReport, SituationItem

STC = "Sở Tài chính"


def items(n: int = 5) -> tuple[SituationItem, ...]:
    report = LatestReport(reported_on=date(2020, 2, 20), status="in_progress", percent=60, note="Đã trình UBND tỉnh")
    return tuple(SituationItem(assignment_id=k, task_id=k, agency_id=1, agency_name=STC, role="lead",
                               plan_code="552/KH-BCĐ", ref=f"I.{k}", content=f"Nhiệm vụ số {k} của kế hoạch",
                               due_date=date(2020, 1, 31), level=3, report=report if k == 2 else None)
                 for k in range(1, n + 1))


def letter(level: int = 3, **kw: object) -> CongVan:
    values: dict[str, object] = {
        "province_name": "Bắc Giang", "office_name": "Văn phòng Điều phối nông thôn mới tỉnh Bắc Giang",
        "issuing_body": issuer_lines("Văn phòng Điều phối nông thôn mới tỉnh", "Bắc Giang"), "symbol": "VPĐP",
        "issued_on": date(2020, 3, 5), "agency_name": STC, "items": items(), "level": level,
        "signer_title": signer_lines("KT. Chánh Văn phòng|Phó Chánh Văn phòng"), "signer_name": "Nguyễn Văn An"}
    values.update(kw)
    return CongVan(**values)  # type: ignore[arg-type]


def pdf_text(tmp_path: Path, soffice: str, content: bytes) -> str:
    source = tmp_path / "cong-van.docx"
    source.write_bytes(content)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)], capture_output=True, text=True, timeout=240, check=False)
    pdf = tmp_path / "cong-van.pdf"
    assert result.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), result.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def test_the_header_names_the_superior_body_and_the_office_without_repeating_the_province() -> None:
    assert issuer_lines("Văn phòng Điều phối nông thôn mới tỉnh", "Bắc Giang") == (
        "UBND TỈNH BẮC GIANG", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
    assert issuer_lines("Văn phòng Điều phối nông thôn mới tỉnh Bắc Giang", "Bắc Giang")[1] == (
        "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
    assert office_symbol(["VPĐP", "VPĐP tỉnh"], "Văn phòng Điều phối") == "VPĐP"
    assert office_symbol(["Văn phòng Điều phối NTM"], "Văn phòng Điều phối nông thôn mới tỉnh") == "VPĐPNTM"
    assert signer_lines("Chánh Văn phòng") == ("CHÁNH VĂN PHÒNG",)
    assert file_name(STC, date(2020, 3, 5)) == "cong-van-don-doc-so-tai-chinh-2020-03-05.docx"


def test_libreoffice_opens_the_cong_van_and_every_part_of_the_official_format_is_there(
        tmp_path: Path, soffice: str) -> None:
    text = pdf_text(tmp_path, soffice, render_cong_van(letter()))
    parts = [
        "UBND TỈNH BẮC GIANG", "VĂN PHÒNG ĐIỀU PHỐI", "NÔNG THÔN MỚI",  # cơ quan chủ quản, cơ quan ban hành
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",  # quốc hiệu, tiêu ngữ
        "Số: .../VPĐP", "Bắc Giang, ngày 05 tháng 3 năm 2020",  # số, ký hiệu; địa danh, ngày tháng
        "V/v đôn đốc thực hiện nhiệm vụ", "quá hạn",  # trích yếu
        "Kính gửi: Sở Tài chính.",
        "Sở Tài chính còn 5 nhiệm vụ được giao chủ trì đã quá thời hạn",
        "Nơi nhận:", "- Như trên;", "- Thủ trưởng Sở Tài chính (để chỉ đạo);", "- Lãnh đạo UBND tỉnh (để báo cáo);",
        "- Lưu: VT.", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Nguyễn Văn An",
    ]
    missing = [p for p in parts if p not in text]
    assert missing == []
    assert text.index("Kính gửi") < text.index("Nơi nhận") < text.index("Nguyễn Văn An")
    # the overdue tasks, each with its due date, its days overdue and what the agency last reported
    for k in range(1, 6):
        assert f"nhiệm vụ I.{k}" in text
    assert "31/01/2020" in text and "đã báo cáo 60% ngày 20/02/2020" in text and "chưa báo cáo kết quả" in text


def test_the_overdue_tasks_are_a_table_with_one_row_each_and_its_days_overdue() -> None:
    doc = Document(io.BytesIO(render_cong_van(letter())))
    header, tasks = doc.tables[0], doc.tables[1]
    assert "V/v đôn đốc thực hiện nhiệm vụ quá hạn" in header.cell(1, 0).text
    assert [c.text for c in tasks.rows[0].cells] == ["TT", "Nhiệm vụ", "Thời hạn", "Quá hạn (ngày)",
                                                     "Tình hình báo cáo"]
    rows = [[c.text for c in r.cells] for r in tasks.rows[1:]]
    assert len(rows) == 5 and rows[0][0] == "1" and rows[0][2] == "31/01/2020" and rows[0][3] == "34"
    assert rows[1][4] == "đã báo cáo 60% ngày 20/02/2020: Đã trình UBND tỉnh"


def test_a_level_2_letter_copies_the_head_and_not_the_leadership() -> None:
    doc = Document(io.BytesIO(render_cong_van(letter(level=2))))
    text = "\n".join(p.text for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Thủ trưởng Sở Tài chính (để chỉ đạo)" in text and "Lãnh đạo UBND tỉnh" not in text
    assert "đồng thời được gửi Thủ trưởng cơ quan" in body and body.rstrip().endswith("./.")


def test_without_a_signer_name_the_block_keeps_the_title_and_the_space_to_sign() -> None:
    doc = Document(io.BytesIO(render_cong_van(letter(signer_title=("CHÁNH VĂN PHÒNG",), signer_name=""))))
    closing = doc.tables[-1].cell(0, 1)
    lines = [p.text for p in closing.paragraphs]
    assert lines[0] == "CHÁNH VĂN PHÒNG" and lines[-1] == "" and len(lines) >= 5


def _document_text(content: bytes) -> list[object]:
    doc = Document(io.BytesIO(content))
    out: list[object] = [p.text for p in doc.paragraphs]
    out += [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return [*out, doc.core_properties.title, doc.core_properties.author]


def test_the_press_makes_the_document_python_docx_draws_for_every_level_and_odd_text() -> None:
    from dataclasses import replace

    from tasks.escalation.letter import draw_cong_van

    odd = tuple(replace(i, content=f"Rà soát <quy hoạch> & \"đề án\" số {k}", plan_code=f"{k}/KH-UBND & BCĐ")
                for k, i in enumerate(items(7), start=1))
    cases = [letter(level=lv) for lv in (1, 2, 3)]
    cases += [letter(agency_name="Sở Nông nghiệp & Môi trường <NN&MT>", items=odd),
              letter(items=items(1)), letter(items=items(40), level=2)]
    cases.append(letter(items=(replace(items(1)[0], content="dòng một\ndòng hai\tcột"),)))  # python-docx's own path
    for case in cases:
        pressed, drawn = render_cong_van(case), draw_cong_van(case)
        assert _document_text(pressed) == _document_text(drawn)
        assert case.agency_name in _document_text(pressed)[1]  # type: ignore[operator]
    # without the template's unused parts, and nothing left that names them
    with zipfile.ZipFile(io.BytesIO(pressed)) as z:
        names = z.namelist()
        lists = b"".join(z.read(n) for n in names if n.endswith((".rels", "[Content_Types].xml")))
    assert "word/stylesWithEffects.xml" not in names and not any(n.startswith("customXml/") for n in names)
    assert b"stylesWithEffects" not in lists and b"thumbnail" not in lists and b"customXml" not in lists
    assert len(pressed) < 0.7 * len(drawn)
