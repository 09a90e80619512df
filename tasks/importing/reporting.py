"""The plan's reporting clause: when progress reports are due and to whom.

    "định kỳ 6 tháng (ngày 15/06) và hàng năm (ngày 15/12) báo cáo kết quả thực hiện gửi
     Sở Nông nghiệp và PTNT tổng hợp"  ->  [(6, 15, "H1"), (12, 15, "year")], "Sở Nông nghiệp và PTNT"

A clause that asks for periodic reports without dates ("Định kỳ hàng năm, 3 năm, 5 năm có báo
cáo ...") still gives a schedule, with no deadlines, so the clause is not lost; a clause with
dates wins over one without.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass
class ReportingSchedule:
    deadlines: list[tuple[int, int, str]]  # (month, day, period) e.g. [(6, 15, "H1"), (12, 15, "year")]
    recipient_text: str | None  # "Sở Nông nghiệp và PTNT" as written
    clause: str  # the sentence it came from


_PERIODS: list[tuple[str, str]] = [
    (r"6 tháng(?: đầu năm)?|sáu tháng(?: đầu năm)?|bán niên", "H1"),
    (r"9 tháng|chín tháng", "9M"),
    (r"(?:hàng |hằng )?quý", "quarter"),
    (r"(?:hàng |hằng )tháng", "month"),
    (r"(?:hàng |hằng |cả )?năm", "year"),
]
_PERIOD_RE = re.compile(
    "(?P<period>" + "|".join(f"(?:{pattern})" for pattern, _ in _PERIODS) + ")"
    r"\s*,?\s*(?:\(\s*)?(?:trước\s+|vào\s+|chậm nhất\s+)?(?:ngày\s+)?"
    r"(?P<day>\d{1,2})\s*/\s*(?P<month>\d{1,2})(?!\s*/\s*\d{1,2}\b)(?:\s*/\s*\d{4})?",
    re.IGNORECASE,
)
_AGENCY = r"(?:Sở|UBND|Ủy ban|Uỷ ban|Ban|Văn phòng|Bộ|Cơ quan|Thường trực|Tỉnh ủy|Tỉnh uỷ)"
_STOP = r"(?=\s+(?:để\s+)?(?:tổng hợp|theo dõi|trước|theo quy định|chậm nhất)\b|\s*[,;.(]|$)"
_RECIPIENT_RES = [
    re.compile(rf"\b(?:gửi(?:\s+về)?|về)\s+(?:cho\s+)?({_AGENCY}\b.*?){_STOP}"),
    re.compile(rf"\bbáo cáo\s+({_AGENCY}\b.*?){_STOP}"),
]


def _sentences(paragraph: str) -> list[str]:
    """Split at ";" and at "." before a capital: enough for the prose of a plan."""
    parts: list[str] = []
    start = 0
    for index, char in enumerate(paragraph):
        if char not in ".;":
            continue
        rest = paragraph[index + 1 :].lstrip()
        if char == ";" or (rest[:1].isupper() and paragraph[index + 1 : index + 2].isspace()):
            parts.append(paragraph[start : index + 1])
            start = index + 1
    parts.append(paragraph[start:])
    return [part.strip() for part in parts if part.strip()]


def _is_clause(sentence: str) -> bool:
    lowered = sentence.lower()
    periodic = "định kỳ" in lowered or (("hàng năm" in lowered or "hằng năm" in lowered) and "(" in lowered)
    return periodic and "báo cáo" in lowered


def _period_code(phrase: str) -> str:
    for pattern, code in _PERIODS:
        if re.fullmatch(pattern, phrase.strip(), re.IGNORECASE):
            return code
    return "other"


def _deadlines(clause: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _PERIOD_RE.finditer(clause):
        day, month = int(match.group("day")), int(match.group("month"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        item = (month, day, _period_code(match.group("period")))
        if item not in found:
            found.append(item)
    return found


def _recipient(clause: str) -> str | None:
    tail = clause[clause.lower().find("báo cáo") :]
    for pattern in _RECIPIENT_RES:
        match = pattern.search(tail)
        if match:
            return match.group(1).strip()
    return None


def read_reporting(paragraphs: list[str]) -> ReportingSchedule | None:
    """The first dated reporting clause, else the first undated one, else None."""
    undated: ReportingSchedule | None = None
    for paragraph in paragraphs:
        for sentence in _sentences(unicodedata.normalize("NFC", paragraph)):
            if not _is_clause(sentence):
                continue
            clause = sentence.lstrip("-+•* ").rstrip(" ;")
            schedule = ReportingSchedule(_deadlines(clause), _recipient(clause), clause)
            if schedule.deadlines:
                return schedule
            undated = undated or schedule
    return undated
