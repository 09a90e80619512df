"""Import of a 60-page PDF plan (text layer) and of a 10-page scan of it, whole process, fresh SQLite.

    .venv/bin/python -m benchmarks.bench_import_pdf [--runs 3] [--pages 60] [--scan-pages 10] [--regenerate]

The plan is written with python-docx as a Lạng Sơn office types one (Times New Roman 13 pt): the
head, a caption, then the "Biểu" table TT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời
gian hoàn thành, its header row repeating on every page, a running head and a page number on
every page. LibreOffice (soffice --headless) turns it into out/plan-60p.pdf, rows being added
until the PDF has the pages asked for. The scan is its first pages rasterised by pdftoppm at
200 dpi in grey, turned by 0.7° (a sheet fed askew) and saved by Pillow as a PDF of images only
(out/scan-10p.pdf): read by Tesseract (tasks/importing/readers/scan.py).

Each run: a new empty SQLite file, then ``dondoc import FILE --province lang-son`` (schema
created by that process). Targets: under 10 s for the PDF, under 60 s for the scan, on this
2-core machine. Needs soffice, pdftoppm and tesseract with its "vie" model (`make office`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import DONDOC, OUT, Result, arg_parser, check, env_with, load, print_summary, run_timed

PDF_TARGET = 10.0
SCAN_TARGET = 60.0
PAGES = 60
SCAN_PAGES = 10

HEAD = (
    "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    "Số: 45/KH-UBND",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Lạng Sơn, ngày 10 tháng 3 năm 2025",
    "KẾ HOẠCH",
    "Triển khai thực hiện Chương trình xây dựng nông thôn mới tỉnh Lạng Sơn năm 2025",
)
CAPTION = "Biểu 01. DANH MỤC NHIỆM VỤ (Kèm theo Kế hoạch số 45/KH-UBND ngày 10/3/2025 của UBND tỉnh Lạng Sơn)"
HEADER = ("TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành")
RUNNING_HEAD = "Kế hoạch số 45/KH-UBND của UBND tỉnh Lạng Sơn"
CONTENTS = (
    "Rà soát, cập nhật danh mục các dự án đầu tư hạ tầng nông thôn",
    "Xây dựng kế hoạch phân bổ vốn ngân sách tỉnh thực hiện Chương trình",
    "Hoàn thành thu gom, xử lý chất thải rắn sinh hoạt tại các xã",
    "Đo đạc, cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân",
    "Bảo đảm an ninh trật tự tại các xã khu vực biên giới",
    "Kiểm tra chất lượng các công trình giao thông nông thôn",
)
LEADS = ("Sở Nông nghiệp và Phát triển nông thôn", "Sở Kế hoạch và Đầu tư", "UBND huyện Tràng Định",
         "Sở Tài nguyên và Môi trường", "Công an tỉnh", "Sở Xây dựng")  # fmt: skip
COORDINATING = ("Sở Tài chính", "UBND các huyện, thành phố", "Sở Kế hoạch và Đầu tư; Sở Tài chính",
                "UBND huyện Cao Lộc", "UBND thành phố Lạng Sơn")  # fmt: skip
DEADLINES = ("Trước 30/6/2025", "Tháng 9/2025", "31/12/2025", "Trước 15/10/2025", "Tháng 11/2025", "Quý IV/2025")


def build_docx(path: Path, rows: int) -> Path:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), "Times New Roman")
    for text in (*HEAD, CAPTION):
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for index in range(rows):
        values = (
            str(index + 1),
            f"{CONTENTS[index % len(CONTENTS)]} (nhiệm vụ {index + 1})",
            LEADS[index % len(LEADS)],
            COORDINATING[(index // 2) % len(COORDINATING)],
            DEADLINES[(index // 3) % len(DEADLINES)],
        )
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    document.add_paragraph("Nơi nhận:")
    section = document.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEAD
    footer = section.footer.paragraphs[0]
    run = footer.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        else:
            element.text = text
        run._r.append(element)
    document.save(str(path))
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is needed (make office)")
    return found


def _pages(pdf: Path) -> int:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(found.group(1)) if found else 0


def build_pdf(pages: int, *, regenerate: bool = False) -> tuple[Path, int]:
    """out/plan-<pages>p.pdf and its task count: rows added until LibreOffice lays out that many pages."""
    pdf = OUT / f"plan-{pages}p.pdf"
    rows_file = pdf.with_suffix(".rows")
    if pdf.is_file() and rows_file.is_file() and not regenerate:
        return pdf, int(rows_file.read_text())
    soffice = _tool("soffice")
    rows = pages * 6
    for _attempt in range(8):
        docx_path = build_docx(OUT / f"plan-{pages}p.docx", rows)
        subprocess.run(
            [soffice, f"-env:UserInstallation={(OUT / 'lo-profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(OUT), str(docx_path)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        got = _pages(pdf)
        if got == pages:
            break
        rows = max(1, round(rows * pages / got) - (1 if got > pages else 0))
    rows_file.write_text(str(rows))
    return pdf, rows


def build_scan(pdf: Path, pages: int, *, regenerate: bool = False) -> Path:
    from PIL import Image

    scan = OUT / f"scan-{pages}p.pdf"
    if scan.is_file() and not regenerate:
        return scan
    work = OUT / "scan-pages"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run([_tool("pdftoppm"), "-r", "200", "-gray", "-png", "-l", str(pages), str(pdf), str(work / "p")],
                   check=True, timeout=600)  # fmt: skip
    images = []
    for path in sorted(work.glob("p-*.png")):
        with Image.open(path) as image:
            images.append(image.convert("L").rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=255))
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=200.0)
    return scan


def _created(out: str) -> int:
    found = re.search(r"created (\d+)", out)
    return int(found.group(1)) if found else -1


def _time_import(path: Path, name: str, runs: int) -> tuple[list[float], int]:
    db = OUT / f"{name}.sqlite3"
    env = env_with(DONDOC_DATABASE_URL=f"sqlite:///{db}", DONDOC_DATA_DIR=str(OUT / f"{name}-data"),
                   DONDOC_ENV="test")  # fmt: skip
    samples: list[float] = []
    created = 0
    for i in range(runs):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        timed = check(run_timed([str(DONDOC), "import", str(path), "--province", "lang-son"], env), name)
        created = _created(timed.out)
        print(f"{name} run {i + 1}: {timed.seconds:.2f} s (cpu {timed.cpu:.1f} s; created {created}); {load()}",
              flush=True)
        samples.append(timed.seconds)
    return samples, created


def run(runs: int = 3, pages: int = PAGES, scan_pages: int = SCAN_PAGES, *, regenerate: bool = False) -> list[Result]:
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pdf, rows = build_pdf(pages, regenerate=regenerate)
    scan = build_scan(pdf, scan_pages, regenerate=regenerate)
    print(f"pdf: {pdf.name} ({_pages(pdf)} pages, {rows} tasks), {scan.name} ({_pages(scan)} pages of pictures) "
          f"ready in {time.perf_counter() - start:.1f} s", flush=True)
    pdf_samples, pdf_tasks = _time_import(pdf, "import-pdf", runs)
    if pdf_tasks != rows:
        raise SystemExit(f"the PDF import created {pdf_tasks} tasks, the plan has {rows}")
    scan_samples, scan_tasks = _time_import(scan, "import-scan", runs)
    return [
        Result(f"import pdf {pages} pages (fresh db)", pdf_samples, PDF_TARGET, note=f"{pdf_tasks} tasks"),
        Result(f"import scan {scan_pages} pages (fresh db)", scan_samples, SCAN_TARGET,
               note=f"{scan_tasks} tasks, read by OCR"),
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--scan-pages", type=int, default=SCAN_PAGES)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the PDF and the scan")
    args = parser.parse_args(argv)
    results = run(args.runs, args.pages, args.scan_pages, regenerate=args.regenerate)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
