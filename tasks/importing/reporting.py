"""The plan's reporting clause: when progress reports are due, to whom, and how often.

    "định kỳ 6 tháng (ngày 15/06) và hàng năm (ngày 15/12) báo cáo kết quả thực hiện gửi
     Sở Nông nghiệp và PTNT tổng hợp"  ->  [(6, 15, "H1"), (12, 15, "year")], "Sở Nông nghiệp và PTNT"

A clause that asks for periodic reports without dates ("Định kỳ hàng năm, 3 năm, 5 năm có báo
cáo ...") still gives a schedule, with no deadlines, so the clause is not lost; a clause with
dates wins over one without. A sentence that only asks for reviews ("Tổ chức sơ kết 3 năm, tổng
kết 5 năm việc thực hiện Nghị quyết") is an undated clause too, and is joined to the undated
clause found first.

The cadence (``ReportingSchedule.cadence``) is read from the clause: each period it names, once,
in the order written:

    "6 tháng", "hàng năm"          -> H1, year                      (reports)
    "hàng năm, 3 năm, 5 năm"      -> year, 3y (sơ kết), 5y (tổng kết)
    "sơ kết 2 năm", "tổng kết 5 năm", "tổng kết giai đoạn"          (reviews: 2y, 5y, term)

Several periods of years written without "sơ kết"/"tổng kết" are named the way Vietnamese
programmes use them: the longest one closes the programme (tổng kết), the others are mid-term
reviews (sơ kết); a single one is a review named by its length ("2 năm"). An undated clause
that names its periods reports on the usual dates of those periods (``ReportingSchedule.schedule``:
15/06 for six months, 15/12 for a year, ...); those dates are proposed, not read (``dates_proposed``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["USUAL_DATES", "Cadence", "ReportingSchedule", "read_reporting"]


@dataclass(frozen=True)
class Cadence:
    """One reporting period a clause names."""

    period: str  # "H1", "9M", "quarter", "month", "year", "3y", "5y" (every N years), "term" (the end)
    every_years: int | None  # 1 for "year", N for "Ny"; None for periods shorter than a year and "term"
    label: str  # as the office says it: "6 tháng", "hàng năm", "sơ kết 3 năm", "tổng kết 5 năm"
    kind: str  # "report" (a periodic progress report), "review" (sơ kết), "final" (tổng kết)

    def to_json(self) -> dict[str, object]:
        return {"period": self.period, "every_years": self.every_years, "label": self.label, "kind": self.kind}


# the dates a report of each period is usually due on when the clause names the period but no day
USUAL_DATES: dict[str, tuple[tuple[int, int], ...]] = {
    "H1": ((6, 15),),
    "9M": ((9, 15),),
    "quarter": ((3, 15), (6, 15), (9, 15), (12, 15)),
    "year": ((12, 15),),
}


@dataclass
class ReportingSchedule:
    deadlines: list[tuple[int, int, str]]  # (month, day, period) e.g. [(6, 15, "H1"), (12, 15, "year")]
    recipient_text: str | None  # "Sở Nông nghiệp và PTNT" as written
    clause: str  # the sentence it came from

    @property
    def cadence(self) -> list[Cadence]:
        """The periods the clause names (see the module docstring)."""
        return read_cadence(self.clause)

    @property
    def dates_proposed(self) -> bool:
        """No date is written, but the clause names periods that have usual dates."""
        return not self.deadlines and bool(self._usual())

    @property
    def schedule(self) -> list[tuple[int, int, str]]:
        """The deadlines as written, else the usual dates of the periods the clause names (can be [])."""
        return list(self.deadlines) or self._usual()

    def stored(self) -> list[dict[str, object]]:
        """What the plan keeps (``Plan.report_schedule``): one item per deadline (month, day,
        period; ``proposed`` when the date is the usual one, not written), then one per period of
        several years or the term ("3y", "5y", "term": period, every_years, label, kind), which
        have no date of their own."""
        proposed = self.dates_proposed
        items: list[dict[str, object]] = [
            {"month": m, "day": d, "period": p, **({"proposed": True} if proposed else {})} for m, d, p in self.schedule
        ]
        items += [c.to_json() for c in self.cadence if c.period == "term" or (c.every_years or 0) > 1]
        return items

    def _usual(self) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        for cadence in self.cadence:
            for month, day in USUAL_DATES.get(cadence.period, ()):
                item = (month, day, cadence.period)
                if item not in found:
                    found.append(item)
        return sorted(found)


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
_NUMBER_WORDS = {"hai": 2, "ba": 3, "bốn": 4, "năm": 5, "mười": 10}
# a period of years: "3 năm", "05 năm", "ba năm"; never a year ("năm 2025") nor a span ("2021-2025")
_YEARS_RE = re.compile(
    r"(?<![\w/.-])(?:(?P<kind>sơ kết|tổng kết)\s+(?:(?:việc\s+)?thực hiện\s+)?)?"
    r"(?P<n>\d{1,2}|hai|ba|bốn|năm|mười)\s+năm\b(?!\s*[\d/])",
    re.IGNORECASE,
)
_SUB_YEAR_RE = re.compile(
    r"(?<!\w)(?P<p>6 tháng|sáu tháng|bán niên|9 tháng|chín tháng|(?:hàng |hằng )quý|quý(?= một lần)"
    r"|(?:hàng |hằng )tháng|(?:hàng |hằng |mỗi )năm|định kỳ năm|(?:(?<=, )|(?<=và ))năm(?!\s*(?:\d|năm)))(?!\w)",
    re.IGNORECASE,
)
_REVIEW_RE = re.compile(
    r"\b(?P<kind>sơ kết|tổng kết)\s+(?:(?:việc\s+)?thực hiện\s+)?(?:(?P<every>hàng năm|hằng năm)|(?P<term>giai đoạn)"
    r"|(?P<n>\d{1,2}|hai|ba|bốn|năm|mười)\s+năm\b(?!\s*[\d/]))",
    re.IGNORECASE,
)


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
    # "hằng năm báo cáo kết quả thực hiện tại kỳ họp cuối năm", "Hằng năm, UBND tỉnh báo cáo ..."
    yearly = re.search(r"\b(?:hàng|hằng) năm\b.*\bbáo cáo\b", lowered) is not None
    return (periodic and "báo cáo" in lowered) or yearly


def _is_review(sentence: str) -> bool:
    """ "Tổ chức sơ kết 3 năm, tổng kết 5 năm ...": reviews the plan asks for, with their period."""
    return _REVIEW_RE.search(sentence) is not None


def _sub_year_code(phrase: str) -> tuple[str, str]:
    low = " ".join(phrase.lower().split())
    if low in ("6 tháng", "sáu tháng", "bán niên"):
        return "H1", "6 tháng"
    if low in ("9 tháng", "chín tháng"):
        return "9M", "9 tháng"
    if "quý" in low:
        return "quarter", "hằng quý"
    if "tháng" in low:
        return "month", "hằng tháng"
    return "year", "hàng năm"


def _years(word: str) -> int | None:
    value = int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower())
    return value if value is not None and 1 <= value <= 20 else None


def read_cadence(clause: str) -> list[Cadence]:
    """Every period the clause names, once, in the order written (see the module docstring)."""
    text = unicodedata.normalize("NFC", clause)
    found: list[tuple[int, Cadence]] = []
    taken: list[tuple[int, int]] = []

    def add(at: int, span: tuple[int, int], cadence: Cadence) -> None:
        if any(s < span[1] and span[0] < e for s, e in taken):
            return
        taken.append(span)
        if all(c.period != cadence.period for _, c in found):
            found.append((at, cadence))

    for m in _REVIEW_RE.finditer(text):
        kind = "review" if m["kind"].lower() == "sơ kết" else "final"
        if m["every"]:
            add(m.start(), m.span(), Cadence("year", 1, f"{m['kind'].lower()} hàng năm", kind))
        elif m["term"]:
            add(m.start(), m.span(), Cadence("term", None, f"{m['kind'].lower()} giai đoạn", kind))
        elif (n := _years(m["n"])) is not None:
            period = "year" if n == 1 else f"{n}y"
            add(m.start(), m.span(), Cadence(period, n, f"{m['kind'].lower()} {n} năm", kind))
    for m in _SUB_YEAR_RE.finditer(text):
        period, label = _sub_year_code(m["p"])
        add(m.start(), m.span(), Cadence(period, 1 if period == "year" else None, label, "report"))
    unnamed: list[tuple[int, int]] = []  # (position, N) of "N năm" written without sơ kết/tổng kết
    for m in _YEARS_RE.finditer(text):
        if m["kind"] or any(s <= m.start() < e for s, e in taken):
            continue
        n = _years(m["n"])
        if n is None or n == 1 or (m["n"].lower() == "năm" and not _listed(text, m.start())):
            continue  # "năm năm" only in a list of periods; a lone "năm" is the word "year"
        unnamed.append((m.start(), n))
        taken.append(m.span())
    longest = max((n for _, n in unnamed), default=None)
    for at, n in unnamed:
        if len(unnamed) == 1:
            add(at, (at, at), Cadence(f"{n}y", n, f"{n} năm", "review"))
            continue
        final = n == longest
        add(at, (at, at), Cadence(f"{n}y", n, f"{'tổng kết' if final else 'sơ kết'} {n} năm",
                                  "final" if final else "review"))
    return [c for _, c in sorted(found, key=lambda item: item[0])]


def _listed(text: str, at: int) -> bool:
    """ "hàng năm, năm năm": a number word right after a comma or "và" is a period in a list."""
    return re.search(r"(?:,|\bvà)\s*$", text[:at]) is not None


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
    """The first dated reporting clause, else the first undated one (with the review sentences
    written elsewhere joined to it), else None."""
    undated: ReportingSchedule | None = None
    reviews: list[str] = []
    for paragraph in paragraphs:
        for sentence in _sentences(unicodedata.normalize("NFC", paragraph)):
            clause = sentence.lstrip("-+•* ").rstrip(" ;")
            if not _is_clause(sentence):
                if _is_review(sentence) and clause not in reviews:
                    reviews.append(clause)
                continue
            schedule = ReportingSchedule(_deadlines(clause), _recipient(clause), clause)
            if schedule.deadlines:
                return schedule
            undated = undated or schedule
    if undated is None and reviews:
        return ReportingSchedule([], None, reviews[0])
    if undated is not None:
        extra = [r for r in reviews if r not in undated.clause]
        if extra:
            undated.clause = "; ".join([undated.clause, *extra])
    return undated
