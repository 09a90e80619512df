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
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date

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
        return " ".join(line.strip("* ") for line in lines) or None
    return None


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


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
        if _is_upper(line) and _HEAD_AGENCY_RE.match(line) and line.strip("* ") not in _HEADINGS:
            issuer = line.strip("* ")
            following = head[index + 1] if index + 1 < len(head) else ""
            if _is_upper(following) and re.match(r"^(TỈNH|THÀNH PHỐ|HUYỆN)\s", following):
                issuer = f"{issuer} {following.strip('* ')}"  # "ỦY BAN NHÂN DÂN" / "TỈNH BẾN TRE"
            return issuer
    return None


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
    return " ".join(words)


def _normalise_issuer(issuer: str, province: str | None) -> str:
    issuer = " ".join(issuer.split())
    issuer = _sentence_case(issuer) if _is_upper(issuer) else _UBND_RE.sub("UBND", issuer)
    if province:
        if issuer == "UBND":
            issuer = "UBND tỉnh"
        if issuer.endswith(" tỉnh"):
            issuer = f"{issuer} {province}"
    return issuer
