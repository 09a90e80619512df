"""A Lạng Sơn plan built as a real .docx, then turned by real tools into the other shapes plans
arrive in: a PDF (LibreOffice's export, with a text layer), a scan (that PDF rasterised by
pdftoppm and saved by Pillow as a PDF of images only), a .doc/.odt/.rtf (LibreOffice again).

Times New Roman 13 pt (Liberation Serif where LibreOffice renders it), as Vietnamese
administrative documents are typed (Nghị định 30/2020/NĐ-CP).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from PIL import Image

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
HEAD = [
    "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    "Số: 45/KH-UBND",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Lạng Sơn, ngày 10 tháng 3 năm 2025",
    "KẾ HOẠCH",
    "Triển khai thực hiện Chương trình xây dựng nông thôn mới tỉnh Lạng Sơn năm 2025",
    (
        "Căn cứ Quyết định số 263/QĐ-TTg ngày 22/02/2022 của Thủ tướng Chính phủ, Ủy ban nhân dân tỉnh "
        "ban hành Kế hoạch triển khai thực hiện Chương trình năm 2025 với các nhiệm vụ tại Biểu kèm theo."
    ),
]
CAPTION = "Biểu 01. DANH MỤC NHIỆM VỤ (Kèm theo Kế hoạch số 45/KH-UBND ngày 10/3/2025 của UBND tỉnh Lạng Sơn)"
# Word always ends a document with a paragraph; LibreOffice's .doc export drops a table that ends one
TAIL = ["Nơi nhận:", "- Các sở, ban, ngành tỉnh;", "- Lưu: VT."]
# (TT, content, lead, coordinating, deadline); a "\n" in a cell is a line break typed in it
ROWS: list[tuple[str, str, str, str, str]] = [
    ("1", "Rà soát, cập nhật danh mục các dự án đầu tư hạ tầng nông thôn giai đoạn 2026-2030",
     "Sở Nông nghiệp và Phát triển nông thôn", "Sở Kế hoạch và Đầu tư; Sở Tài chính", "Trước 30/6/2025"),
    ("2", "Xây dựng kế hoạch phân bổ vốn ngân sách tỉnh thực hiện Chương trình năm 2026",
     "Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Tháng 9/2025"),
    ("3", "Hoàn thành thu gom, xử lý chất thải rắn sinh hoạt tại các xã trên địa bàn huyện",
     "UBND huyện Tràng Định", "Sở Tài nguyên và Môi trường", "31/12/2025"),
    ("4", "Đo đạc, cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân",
     "Sở Tài nguyên và Môi trường", "UBND huyện Cao Lộc\nUBND huyện Lộc Bình", "Trước 15/10/2025"),
    ("5", "Bảo đảm an ninh trật tự tại các xã khu vực biên giới",
     "Công an tỉnh", "UBND các huyện, thành phố", "Tháng 11/2025"),
    ("6", "Kiểm tra chất lượng các công trình giao thông nông thôn hoàn thành năm 2025",
     "Sở Xây dựng", "UBND thành phố Lạng Sơn", "Trước 20/12/2025"),
]  # fmt: skip


def _style(document: Document, font: str, size: int) -> None:
    normal = document.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(size)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), font)


def _cell_text(cell: _Cell, text: str) -> None:
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(lines[0])
    for line in lines[1:]:
        run.add_break()
        run = paragraph.add_run(line)


def _repeat_as_header(row: _Row) -> None:
    """Word's "Repeat as header row at the top of each page" (w:tblHeader)."""
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field, as Word's "Insert page number" writes it."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def build_plan_docx(
    path: Path,
    *,
    rows: Sequence[Sequence[str]] = ROWS,
    repeat_header: bool = False,
    running_head: str | None = None,
    page_numbers: bool = False,
    head: Sequence[str] = HEAD,
    tail: Sequence[str] = TAIL,
    font: str = "Times New Roman",
    size: int = 13,
) -> Path:
    """The plan as Word writes it: head, caption, the ruled "Biểu" table, tail paragraphs.

    repeat_header marks the header row to repeat on every page the table runs over;
    running_head and page_numbers fill the page header (centred) and footer (a PAGE field)."""
    document = docx.Document()
    _style(document, font, size)
    for text in head:
        document.add_paragraph(text)
    document.add_paragraph(CAPTION)
    table = document.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        _cell_text(cell, text)
    if repeat_header:
        _repeat_as_header(table.rows[0])
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _cell_text(cell, text)
    for text in tail:
        document.add_paragraph(text)
    section = document.sections[0]
    if running_head is not None:
        section.header.paragraphs[0].text = running_head
        section.header.paragraphs[0].alignment = 1
    if page_numbers:
        footer = section.footer.paragraphs[0]
        footer.alignment = 1
        _page_field(footer)
    document.save(str(path))
    return path


def convert(soffice: str, source: Path, kind: str, outdir: Path) -> Path:
    """LibreOffice headless, with a profile of its own (tests may run in parallel)."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir / ".lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", kind, "--outdir", str(outdir),
         str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    converted = outdir / f"{source.stem}.{kind.split(':')[0]}"
    assert converted.is_file(), f"LibreOffice wrote no {converted.name}"
    return converted


def scan_pdf(pdf: Path, out: Path, *, dpi: int = 200, skew: float = 0.0) -> Path:
    """The PDF printed and scanned: every page rasterised in grey by pdftoppm (a tilt of `skew`
    degrees, as a sheet fed slightly askew), saved by Pillow as a PDF of images with no text."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "poppler's pdftoppm is needed: `make office` installs it"
    work = out.parent / f"{out.stem}-pages"
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([pdftoppm, "-r", str(dpi), "-gray", "-png", str(pdf), str(work / "page")], check=True, timeout=120)
    pages = []
    for image_path in sorted(work.glob("page-*.png")):
        with Image.open(image_path) as image:
            page = image.convert("L")
        if skew:
            page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pages.append(page)
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out


@dataclass(frozen=True)
class PlanFiles:
    docx: Path
    pdf: Path  # LibreOffice's export: a text layer
    scan: Path  # the PDF printed and scanned askew at 200 dpi: pages of pictures, no text layer
    doc: Path


def office_tools() -> str:
    """soffice, after checking pdftoppm and tesseract too: `make office` installs them; a missing
    one fails the test, it never skips it."""
    found = shutil.which("soffice")
    if found is None or shutil.which("pdftoppm") is None or shutil.which("tesseract") is None:
        pytest.fail("LibreOffice (soffice), poppler (pdftoppm) and Tesseract are needed: `make office` installs them")
    return found


@pytest.fixture(scope="session")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> PlanFiles:
    """The Lạng Sơn plan in every shape, built once per session (LibreOffice takes seconds).
    Test modules import this fixture by name."""
    folder = tmp_path_factory.mktemp("lang-son-45")
    soffice = office_tools()
    docx_path = build_plan_docx(folder / "45-KH-UBND.docx")
    pdf = convert(soffice, docx_path, "pdf", folder)
    return PlanFiles(
        docx=docx_path,
        pdf=pdf,
        scan=scan_pdf(pdf, folder / "45-KH-UBND-scan.pdf", dpi=200, skew=0.8),
        doc=convert(soffice, docx_path, "doc", folder),
    )
