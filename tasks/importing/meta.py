"""Plan metadata from the document's paragraphs: number, title, issuer, date, year, reporting.

Where each piece comes from, in order of trust:
* code: "Số: 552/KH-BCĐ" in the head; else the annex caption "(Kèm theo Kế hoạch số 1185/KH-UBND
  ngày ... của ...)". Body references ("theo Kế hoạch số 4310/KH-UBND ...") are never used.
* issued_on: the place-and-date line "Bắc Giang, ngày 17 tháng 02 năm 2020" in the head; else the
  date written right after the plan's code in a caption.
* issuer: the agency line of the head ("ỦY BAN NHÂN DÂN"); else the caption naming the plan's code
  ("... của Ban Chỉ đạo tỉnh Bắc Giang"); else the preamble ("..., Ủy ban nhân dân tỉnh ban hành
  Kế hoạch ..."). "Ủy ban nhân dân" is shortened to "UBND" and a bare "tỉnh" is completed with the
  province (from the place-and-date line, or the "tỉnh X" the text names most).
* title: the line(s) after the "KẾ HOẠCH" / "CHƯƠNG TRÌNH HÀNH ĐỘNG" heading, as written.
* year: issued_on.year, else the single "năm YYYY" the title names.

Word plans usually lay the head out as a borderless table (agency, number on the left; quốc hiệu,
place and date on the right); head_lines/plan_paragraphs turn such a table back into head lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from tasks.importing.readers.base import PlanDocument
from tasks.importing.reporting import ReportingSchedule, read_reporting

_HEAD = 25  # the head (agency, number, date, heading, title) sits in the first paragraphs
_HEADINGS = {"KẾ HOẠCH", "CHƯƠNG TRÌNH HÀNH ĐỘNG", "CHƯƠNG TRÌNH", "KẾ HOẠCH HÀNH ĐỘNG", "ĐỀ ÁN"}
_CODE = r"(\d+[A-Za-z]?)\s*/\s*([A-ZĐ][A-Za-zĐđ]*(?:\s*[-/]\s*[A-ZĐ][A-Za-zĐđ]*)*)"
_HEAD_CODE_RE = re.compile(r"^\W*Số\s*[:.]?\s*" + _CODE)
_CAPTION_CODE_RE = re.compile(r"(?:kế hoạch|chương trình(?: hành động)?)\s+số\s*[:.]?\s*" + _CODE, re.IGNORECASE)
_PLACE_DATE_RE = re.compile(
    r"^\W*([^\W\d][^,|\d]{1,40}),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE
)
_DATE_RES = [
    re.compile(r"^\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE),
    re.compile(r"^\s*ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", re.IGNORECASE),
]
_HEAD_AGENCY_RE = re.compile(r"^(?:ỦY BAN|UỶ BAN|UBND|BAN |HỘI ĐỒNG|SỞ |TỈNH ỦY|TỈNH UỶ|VĂN PHÒNG)")
# the agency is matched case-sensitively: "ban" is also the first word of "ban hành"
_PREAMBLE_ISSUER_RE = re.compile(
    r"(?:^|,\s*)((?:Ban|Ủy ban|Uỷ ban|UBND|Sở|Hội đồng)\b[^,;.]{0,80}?)\s+(?i:xây dựng|ban hành)\s+"
    r"(?i:kế hoạch|chương trình)"
)
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "MTQG", "NTM", "BCĐ", "NN&PTNT"}
_UBND_RE = re.compile(r"\b[UỦ][Yỷ]\s*ban\s+nhân\s+dân\b", re.IGNORECASE)
_LOCALITY_RE = re.compile(r"\b(?:TỈNH|THÀNH PHỐ|HUYỆN)\s+\S.*$")  # "TỈNH LẠNG SƠN" at the end of an agency line
# a table is the head only when it stands before the body: a few stray lines ("Dự thảo", footnotes a
# text conversion moved to the top) may precede it, the "KẾ HOẠCH" heading and the preamble do not
_HEAD_TABLE_BEFORE = 6
_HEAD_TABLE_ROWS = 8  # the head fills a table's first rows (a worksheet goes on with the title and the tasks)
_RANGE_END_RE = re.compile(r"^\s*[-–]\s*\d{4}\b")  # "– 2030": the end of a period a line break cut off
_RULE_RE = re.compile(r"^[\s_\-–—=.*]+$")  # the rule drawn under a head's lines: "_______", "-------"
_NATIONAL_RE = re.compile(
    r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc",
    re.IGNORECASE,
)


@dataclass
class PlanMeta:
    code: str | None  # "552/KH-BCĐ", "1185/KH-UBND"
    title: str | None
    issuer: str | None  # "Ban Chỉ đạo tỉnh Bắc Giang", "UBND tỉnh Bến Tre"
    issued_on: date | None
    year: int | None
    reporting: ReportingSchedule | None


def read_plan_meta(paragraphs: list[str]) -> PlanMeta:
    """Everything not found is None; nothing here raises on odd text."""
    paras = [unicodedata.normalize("NFC", p).strip() for p in paragraphs if p and p.strip()]
    head = [part.strip() for p in paras[:_HEAD] for part in p.split("|") if part.strip()]  # "A | B" head tables
    captions = [p for p in paras if _is_caption(p)]
    code = _head_code(head) or _caption_code(captions)
    place, issued_on = _place_and_date(head)
    if issued_on is None and code is not None:
        issued_on = _date_after_code(captions, code)
    title = _title(head)
    issuer = _head_issuer(head) or _caption_issuer(captions, code) or _preamble_issuer(paras[:40])
    if issuer is not None:
        issuer = _normalise_issuer(issuer, place or _main_province(paras))
    year = issued_on.year if issued_on else _title_year(title)
    return PlanMeta(code, title, issuer, issued_on, year, read_reporting(paras))


def plan_paragraphs(doc: PlanDocument) -> list[str]:
    """The document's paragraphs with the head table's lines put back where the table stands: the
    text read_plan_meta and the province inference read. Without a head table: doc.paragraphs."""
    blocks = _head_blocks(doc)
    if not blocks:
        return doc.paragraphs
    paragraphs: list[str] = []
    done = 0
    for position, lines in blocks:
        paragraphs += doc.paragraphs[done:position] + lines
        done = position
    return paragraphs + doc.paragraphs[done:]


def head_lines(doc: PlanDocument) -> list[str]:
    """The lines of a head laid out as a table, in reading order; [] when the head is plain paragraphs.

    A head table is one of the first tables, with at most _HEAD_TABLE_BEFORE paragraphs above it,
    whose first rows hold the quốc hiệu or tiêu ngữ, a "Số: ..." line or a place-and-date line:
    Word's borderless two-column head (one or two rows, sometimes a third, empty middle column),
    the top rows of a worksheet, the tab-separated head lines of a .txt converted from Word. Each
    cell is split into its lines and the columns are read one after the other, left column top to
    bottom first ("ỦY BAN NHÂN DÂN" / "TỈNH BẮC NINH" / "Số: 45/KH-UBND", then "CỘNG HÒA ..." /
    "Độc lập - Tự do - Hạnh phúc" / "Bắc Ninh, ngày ..."), so the agency's lines stay together.
    One-cell rows right under the head (a sheet's "KẾ HOẠCH" and title rows) follow as lines.
    Such a table has no task header, so tasks.importing.appendix passes over it.
    """
    return [line for _position, lines in _head_blocks(doc) for line in lines]


def _head_blocks(doc: PlanDocument) -> list[tuple[int, list[str]]]:
    """(paragraphs before it, its lines) for each head table. Tables with nothing between them are
    read as one grid: a .txt head with blank lines between its rows arrives as one table per row."""
    groups: list[list[list[str]]] = []
    positions: list[int] = []
    for table in doc.tables:
        if table.paragraphs_before > _HEAD_TABLE_BEFORE:
            break
        if positions and positions[-1] == table.paragraphs_before:
            groups[-1].extend(table.rows)
        else:
            positions.append(table.paragraphs_before)
            groups.append(list(table.rows))
    blocks = []
    for position, rows in zip(positions, groups, strict=True):
        # a sheet's one-cell top rows are paragraphs already (the xlsx reader copies them)
        already = {line.strip() for paragraph in doc.paragraphs[:position] for line in paragraph.split("\n")}
        lines = [line for line in _head_table_lines(rows) if line not in already]
        if lines:
            blocks.append((position, lines))
    return blocks


def _head_table_lines(rows: list[list[str]]) -> list[str]:
    scanned: list[list[str]] = []
    for row in rows[:_HEAD_TABLE_ROWS]:
        if any("chủ trì" in cell.lower() for cell in row):
            break  # a task header: the head (if any) is above it
        scanned.append(row)
    last = max((i for i, row in enumerate(scanned) if any(_is_head_marker(cell) for cell in row)), default=None)
    if last is None:
        return []
    head = scanned[: last + 1]
    width = max(len(row) for row in head)
    lines = [line for col in range(width) for row in head if col < len(row) for line in _cell_lines(row[col])]
    for row in scanned[last + 1 :]:
        filled = [cell for cell in row if cell.strip()]
        if len(filled) != 1:
            break
        lines += _cell_lines(filled[0])
    return lines


def _cell_lines(cell: str) -> list[str]:
    # rules drawn with characters ("______", "-----") under the agency and the tiêu ngữ are not text
    return [line.strip() for line in cell.split("\n") if any(ch.isalnum() for ch in line)]


def _is_head_marker(cell: str) -> bool:
    return any(
        _NATIONAL_RE.search(line) or _HEAD_CODE_RE.match(line) or _PLACE_DATE_RE.match(line)
        for line in unicodedata.normalize("NFC", cell).split("\n")
    )


def _normalise_code(number: str, suffix: str) -> str:
    return number + "/" + re.sub(r"\s+", "", suffix)  # "552 /KH-BCĐ" -> "552/KH-BCĐ"


def _head_code(head: list[str]) -> str | None:
    for line in head:
        match = _HEAD_CODE_RE.match(line)
        if match:
            return _normalise_code(*match.groups())
    return None


def _is_caption(paragraph: str) -> bool:
    """'(Kèm theo Kế hoạch số ... của ...)': short, names a plan number, reads as an annex caption."""
    lowered = paragraph.lower()
    return (
        len(paragraph) < 300
        and _CAPTION_CODE_RE.search(paragraph) is not None
        and ("kèm theo" in lowered or paragraph.startswith("(") or paragraph.endswith(")"))
    )


def _caption_code(captions: list[str]) -> str | None:
    codes = [_normalise_code(*m.groups()) for c in captions if (m := _CAPTION_CODE_RE.search(c))]
    # several annexes normally quote the same number; a typo in one of them loses the vote
    return Counter(codes).most_common(1)[0][0] if codes else None


def _parse_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _place_and_date(head: list[str]) -> tuple[str | None, date | None]:
    for line in head:
        match = _PLACE_DATE_RE.match(line)
        if match:
            place, day, month, year = match.groups()
            return place.strip(" *"), _parse_date(day, month, year)
    return None, None


def _date_after_code(captions: list[str], code: str) -> date | None:
    for caption in captions:
        for match in _CAPTION_CODE_RE.finditer(caption):
            if _normalise_code(*match.groups()) != code:
                continue
            rest = caption[match.end() :]
            for pattern in _DATE_RES:
                found = pattern.match(rest)
                if found:
                    return _parse_date(*found.groups())
    return None


def _title(head: list[str]) -> str | None:
    for index, line in enumerate(head):
        if line.strip("* ") not in _HEADINGS:
            continue
        following = head[index + 1 :]
        if not following:
            return None
        lines = [following[0]]
        if following[0].startswith("**") and not following[0].rstrip().endswith("**"):
            for line in following[1:6]:  # a bold title wrapped over several lines
                lines.append(line)
                if line.rstrip().endswith("**"):
                    break
        elif _is_upper(following[0]):
            lines.extend(line for line in _takewhile_upper(following[1:4]))
        else:  # a title in sentence case a PDF's text layer wrapped: "... giai đoạn 2026" / "– 2030"
            lines.extend(_takewhile(following[1:4], _continues))
        return " ".join(line.strip("* ") for line in lines) or None
    return None


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


def _takewhile(lines: list[str], keep: Callable[[str], bool]) -> list[str]:
    taken: list[str] = []
    for line in lines:
        if not keep(line):
            break
        taken.append(line)
    return taken


def _continues(line: str) -> bool:
    """A line no paragraph starts with: in lower case, or the end of a range ("– 2030")."""
    text = line.lstrip()
    return bool(text) and ((text[0].isalpha() and text[0].islower()) or _RANGE_END_RE.match(text) is not None)


def _takewhile_upper(lines: list[str]) -> list[str]:
    taken: list[str] = []
    for line in lines:
        if not _is_upper(line) or _HEAD_CODE_RE.match(line) or re.match(r"^[IVX]+[.\-]", line):
            break
        taken.append(line)
    return taken


def _title_year(title: str | None) -> int | None:
    years = set(re.findall(r"năm\s+(\d{4})", title or "", re.IGNORECASE))
    return int(years.pop()) if len(years) == 1 else None


def _head_issuer(head: list[str]) -> str | None:
    for index, line in enumerate(head[:10]):
        if _is_head_agency(line):
            issuer = line.strip("* ")
            # "ỦY BAN NHÂN DÂN" / "TỈNH BẾN TRE"; a PDF's text layer reads a two-column head row by
            # row, so the quốc hiệu and its rule may come between the agency and its locality
            for ahead in range(index + 1, min(index + 4, len(head))):
                following = head[ahead]
                if _is_upper(following) and re.match(r"^(TỈNH|THÀNH PHỐ|HUYỆN)\s", following):
                    issuer = f"{issuer} {following.strip('* ')}"
                    index = ahead
                    break
                if not (_NATIONAL_RE.search(following) or _RULE_RE.match(following)):
                    break
            below = head[index + 1] if index + 1 < len(head) else ""
            if _is_head_agency(below):
                # Nghị định 30/2020: the parent agency ("UBND TỈNH LẠNG SƠN") stands above the one
                # issuing the plan ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"), which takes the parent's locality
                locality = _LOCALITY_RE.search(issuer)
                below = below.strip("* ")
                issuer = below if locality is None or _LOCALITY_RE.search(below) else f"{below} {locality.group(0)}"
            return issuer
    return None


def _is_head_agency(line: str) -> bool:
    return _is_upper(line) and _HEAD_AGENCY_RE.match(line) is not None and line.strip("* ") not in _HEADINGS


def _caption_issuer(captions: list[str], code: str | None) -> str | None:
    def issuer_of(caption: str) -> str | None:
        match = re.search(r"\bcủa\s+([^()]+?)\s*\)?\s*$", caption)
        return match.group(1).strip(" .") if match else None

    ranked = sorted(captions, key=lambda c: code is None or code not in _codes_in(c))
    for caption in ranked:
        issuer = issuer_of(caption)
        if issuer:
            return issuer
    return None


def _codes_in(caption: str) -> set[str]:
    return {_normalise_code(*m.groups()) for m in _CAPTION_CODE_RE.finditer(caption)}


def _preamble_issuer(paragraphs: list[str]) -> str | None:
    for paragraph in paragraphs:
        match = _PREAMBLE_ISSUER_RE.search(paragraph)
        if match:
            return match.group(1).strip()
    return None


def _main_province(paragraphs: list[str]) -> str | None:
    """The province the text names most as "tỉnh X Y" (title-case words only: not "tỉnh Khóa XIV")."""
    counts: Counter[str] = Counter()
    for paragraph in paragraphs:
        for match in re.finditer(r"\btỉnh((?:\s+[^\W\d_]+){2,3})", paragraph):
            words = []
            for word in match.group(1).split():
                if not (word[0].isupper() and (len(word) == 1 or word[1:].islower())):
                    break
                words.append(word)
            if len(words) >= 2:
                counts[" ".join(words[:2])] += 1
    return counts.most_common(1)[0][0] if counts else None


def _sentence_case(text: str) -> str:
    """'BAN CHỈ ĐẠO CÁC CHƯƠNG TRÌNH MTQG TỈNH BẮC GIANG' -> 'Ban Chỉ đạo các chương trình MTQG tỉnh Bắc Giang'."""
    text = _UBND_RE.sub("UBND", text)
    text = re.sub(r"\bBAN CHỈ ĐẠO\b", "Ban Chỉ đạo", text)
    text = re.sub(r"\bBAN CÁN SỰ ĐẢNG\b", "Ban Cán sự Đảng", text)
    text = re.sub(
        r"\b(TỈNH|THÀNH PHỐ|HUYỆN)\s+(.+)$", lambda m: f"{m.group(1).lower()} {m.group(2).title()}", text
    )
    words = []
    for word in text.split():
        plain = unicodedata.normalize("NFD", word.lower())
        acronym = word in _ACRONYMS or (word.isupper() and not re.search(r"[aeiouy]", plain))
        words.append(word if acronym or not word.isupper() else word.lower())
    # a department's name capitalises each of its fields: "Sở Văn hóa, Thể thao và Du lịch"
    return re.sub(
        r"^sở\s+(.+?)(?=\s+(?:tỉnh|thành phố|huyện)\s|$)",
        lambda m: "Sở " + re.sub(r"(^|,\s*|\s-\s|\svà\s)(\w)", lambda f: f.group(1) + f.group(2).upper(), m.group(1)),
        " ".join(words),
    )


def _normalise_issuer(issuer: str, province: str | None) -> str:
    issuer = " ".join(issuer.split())
    issuer = _sentence_case(issuer) if _is_upper(issuer) else _UBND_RE.sub("UBND", issuer)
    if province:
        if issuer == "UBND":  # a head without its locality line: the place's level completes it
            issuer = "UBND thành phố" if province in _city_names() else "UBND tỉnh"
        if issuer.endswith((" tỉnh", " thành phố")):
            issuer = f"{issuer} {province}"
    return issuer


@cache
def _city_names() -> frozenset[str]:
    """The names of the centrally-run cities ("Hà Nội", "Huế"), from the provinces package."""
    from tasks.agencies.provinces import current_provinces

    return frozenset(p.name for p in current_provinces() if p.city)
