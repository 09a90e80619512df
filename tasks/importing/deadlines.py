"""Turn the Vietnamese deadline wording of a plan's task table into a due date.

A deadline cell ("Thời gian hoàn thành") is free text written by hand, e.g.
"Trước 28/02/2020", "Quý II-III/2020", "6 tháng đầu năm", "Thường xuyên",
"60 ngày kể từ ngày ban hành Kế hoạch", "20/3/2026 Đề nghị điều chỉnh thời hạn".
:func:`parse_deadline` reads it with these rules:

* The text is NFC-normalised and whitespace-collapsed (kept as ``Deadline.text``).
  Matching is done on a *folded* copy: lower case, tone marks and "đ" removed,
  so "Quý"/"Quí"/"QUÝ", decomposed Unicode and stray tone-mark typos all match.
* The folded text is read left to right as a sequence of tokens: date
  expressions (table ``_RULES``), standing-duty words ("thường xuyên",
  "hằng năm", ...), filler ("hoàn thành", "trước", "trong", "từ", "và",
  punctuation, ...) and, for anything else, plain words.
* Which date expressions count:

  - the cell *starts* with date expressions (only filler before them): all of them up to
    the first plain word; the rest of the cell is kept as ``Deadline.note``
    ("20/3/2026 Đề nghị điều chỉnh thời hạn", "30/6/2026 (giai đoạn thí điểm)");
  - else, inside a sentence, the first date expression introduced by a deadline word
    ("chậm nhất", "trước", "hoàn thành", "xong", "trong", "đến", "hết", "vào", "thời hạn") or
    a start word ("từ", "kể từ", "bắt đầu"), or one that needs no such word (a duration or a
    council session, below), and the expressions joined to it by filler; the words before and
    after it are the note ("Báo cáo UBND tỉnh chậm nhất ngày 30/9/2026"). A date with no such
    word in front of it ("Triển khai Quyết định số 12/QĐ-UBND ngày 15/3/2020") is a reference,
    not a deadline: with no other expression the cell is ``"unknown"``, as is a sentence with no
    date or period at all ("Sau khi có hướng dẫn của Trung ương").
* "Trước D" means due *on* D. A month, quarter, half-year or year is due on its
  last day and starts on its first; a range ("Tháng 7-8", "Quý II và Quý III",
  "2021-2025", "Giai đoạn 2026-2030") is due at the end of its last part and starts with its first.
* Several date expressions counted: the latest due date wins and the window
  starts at the earliest start given.
* A start and nothing else ("Từ Quý II/2026", "Từ tháng 3/2026", "Bắt đầu từ 01/3/2026": every
  counted expression follows a start word and is not itself a range): kind ``"start"``, no due
  date, ``start_date`` kept, and a note. "Từ năm 2021 đến năm 2025" is a range, due at its end.
* A duration counted from the plan's issue date ("60 ngày kể từ ngày ban hành Kế hoạch",
  "15 ngày làm việc sau khi Quyết định được ban hành", "trong vòng 03 tháng kể từ ngày ký"):
  due that many calendar days, weeks, months (the same day of the month, or its last day) or
  years after ``issued_on``; working days ("ngày làm việc") follow the Vietnamese calendar of
  :mod:`tasks.common.workdays`. The window starts on the issue date. Without ``issued_on``:
  ``"unknown"`` with a note. A duration counted from a written date ("30 ngày kể từ ngày
  15/3/2026") counts from that date; from any other event ("kể từ ngày nhận được văn bản"):
  ``"unknown"`` with a note; from nothing ("Trong 30 ngày"): not guessed, ``"unknown"``.
* A regular session of the People's Council (HĐND) is a *proposed* date, to be checked
  (``Deadline.proposed``): "Kỳ họp thường lệ giữa năm" 31/07, "Kỳ họp cuối năm" 31/12 of the
  year written, else of ``plan_year``. Any other session ("Kỳ họp chuyên đề", "Kỳ họp bất
  thường", "Kỳ họp thứ 10") has no date to propose: ``"unknown"`` with a note.
* Quarter numerals are I-IV or 1-4; OCR confusions of "I" with "l" and "1" are read where
  the result is still a quarter ("Quý 11" and "Quý Il" are II, "Quý lV" is IV).
* No year in the wording ("Trước 30/9", "Quý III"): ``plan_year`` is used; with
  no ``plan_year`` either, the cell is ``"unknown"``.
* Only standing-duty words (and filler): ``"standing"``; a cell that starts with them and goes
  on in other words keeps the rest as the note. Blank, None or a lone dash: ``"empty"``.
  Impossible dates (31/02/2020) among the counted expressions, or one glued to a letter, digit
  or "/" ("15/6/21": two-digit years are not read): ``"unknown"``. The note of a date inside a
  sentence is the words before it and after it, joined by "; ".
* Never raises on any string.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from tasks.common.text import nfc, plain_key
from tasks.common.workdays import day_counter

__all__ = [
    "Deadline",
    "DeadlineKind",
    "end_of_month",
    "end_of_quarter",
    "parse_deadline",
    "read_date",
    "roman_to_int",
]

DeadlineKind = Literal["date", "start", "standing", "unknown", "empty"]


@dataclass(frozen=True)
class Deadline:
    text: str  # the original wording, NFC-normalised and whitespace-collapsed
    kind: DeadlineKind  # "date" | "start" | "standing" | "unknown" | "empty"
    due_date: date | None  # set only when kind == "date"; "Trước D" is due ON D
    start_date: date | None = None  # start of the window when the wording gives one (always, for "start")
    # the rest of the cell beside the date ("Đề nghị điều chỉnh thời hạn"), and why a date was
    # proposed or could not be computed; None when the wording is just the date
    note: str | None = None
    proposed: bool = False  # the due date is a proposal (a council session), not read: check it


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DMY = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


def read_date(raw: str) -> date:
    """A date a person typed: dd/mm/yyyy, as every page and letter writes it, or YYYY-MM-DD
    (date pickers, scripts). Raises ``ValueError`` for anything else or an impossible day."""
    m = _DMY.fullmatch(raw)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(raw.strip())


def roman_to_int(numeral: str) -> int:
    """Roman numerals I..IV (as used for quarters), case-insensitive."""
    try:
        return _ROMAN[numeral.strip().lower()]
    except KeyError:
        raise ValueError(f"not a quarter numeral: {numeral!r}") from None


def end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def end_of_quarter(year: int, q: int) -> date:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1..4, got {q}")
    return end_of_month(year, 3 * q)


Window = tuple[date | None, date]  # (start_date, due_date)


@dataclass(frozen=True)
class _Context:
    plan_year: int | None
    issued_on: date | None


class _NoDate(Exception):
    """The wording is understood but gives no date we can compute; the message is the note."""


# Building blocks, written against the folded text (ASCII, lower case).
_YEAR = r"(?P<year>\d{4})(?!\d)"
# "/2020", "-2020", " năm 2020", ", năm 2020", " 2020"
_YEAR_TAIL = rf"(?:\s*,?\s*(?:/|-|\bnam\b)?\s*{_YEAR})?"
_NUM = r"\d{1,2}(?!\d)"
# I..IV or 1..4; OCR reads "I" as "l" or "1" ("Quý 11", "Quý Il" = II), never ambiguous: no
# Arabic quarter has two digits, and "l" is no numeral.
_QNUM = r"(?:[il1]{1,3}|[il1]v|[2-4])(?!\w)"
_LINK = r"\s*(?:-|,|\bva\b|\bden\b)\s*"  # joins parts of a range: "7-8", "II và III"


def _need_year(m: re.Match[str], plan_year: int | None, group: str = "year") -> int:
    if m.group(group):
        return int(m.group(group))
    if plan_year is None:
        raise ValueError("no year in the wording and no plan year")
    return plan_year


def _exact_date(m: re.Match[str], ctx: _Context) -> Window:
    return None, date(_need_year(m, ctx.plan_year), int(m["month"]), int(m["day"]))


def _months(m: re.Match[str], ctx: _Context) -> Window:
    year = _need_year(m, ctx.plan_year)
    months = [int(n) for n in re.findall(r"\d+", m["list"])]
    return date(year, min(months), 1), end_of_month(year, max(months))


def _quarter_number(numeral: str) -> int:
    if numeral in ("2", "3", "4"):
        return int(numeral)
    return roman_to_int(numeral.replace("l", "i").replace("1", "i"))


def _quarters(m: re.Match[str], ctx: _Context) -> Window:
    year = _need_year(m, ctx.plan_year)
    # Drop repeated "quý" first, or the "i" ending "quí" would read as quarter I.
    numerals = re.findall(_QNUM, re.sub(r"qu[yi]", " ", m["list"]))
    qs = [_quarter_number(q) for q in numerals]
    return date(year, 3 * min(qs) - 2, 1), end_of_quarter(year, max(qs))


def _half_year(m: re.Match[str], ctx: _Context) -> Window:
    year = _need_year(m, ctx.plan_year)
    if m["half"] == "dau":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def _year_range(m: re.Match[str], ctx: _Context) -> Window:
    first, last = sorted((int(m["first"]), int(m["year"])))
    return date(first, 1, 1), date(last, 12, 31)


def _whole_year(m: re.Match[str], ctx: _Context) -> Window:
    year = _need_year(m, ctx.plan_year)
    return date(year, 1, 1), date(year, 12, 31)


def _count(start: date, n: int, unit: str) -> date:
    """``n`` units after ``start``: calendar or Vietnamese working days, weeks, months, years."""
    unit = " ".join(unit.split())
    if unit == "ngay lam viec":
        return day_counter(working_days=True).add(start, n)
    if unit in ("ngay", "tuan"):
        return start + timedelta(days=n * (7 if unit == "tuan" else 1))
    months = n * (12 if unit == "nam" else 1)
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _after_issue(m: re.Match[str], ctx: _Context) -> Window:
    if ctx.issued_on is None:
        raise _NoDate("counted from the plan's issue date, which the document does not give")
    return ctx.issued_on, _count(ctx.issued_on, int(m["n"]), m["unit"])


def _after_date(m: re.Match[str], ctx: _Context) -> Window:
    anchor = date(int(m["ayear"]), int(m["amonth"]), int(m["aday"]))
    return anchor, _count(anchor, int(m["n"]), m["unit"])


def _after_event(m: re.Match[str], ctx: _Context) -> Window:
    raise _NoDate("counted from an event the plan gives no date for")


def _council_session(m: re.Match[str], ctx: _Context) -> Window:
    year = _need_year(m, ctx.plan_year)
    return None, date(year, 7, 31) if m["when"] == "giua" else date(year, 12, 31)


def _other_session(m: re.Match[str], ctx: _Context) -> Window:
    raise _NoDate("a council session with no known date: set the date by hand")


_SESSION_NOTES = {
    "giua": "proposed: the People's Council's mid-year regular session, usually in July; check its date",
    "cuoi": "proposed: the People's Council's year-end regular session; check its date",
}


def _token(body: str) -> re.Pattern[str]:
    # (?!\w): a token never ends in the middle of a word or number.
    return re.compile(rf"(?:{body})(?!\w)", re.ASCII)


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    handler: Callable[[re.Match[str], _Context], Window]
    unmarked: bool = False  # counts inside a sentence with no deadline word in front (its own wording says so)
    proposed: bool = False  # gives a proposed date (a council session), not one read


# Durations: "trong vòng 03 tháng kể từ ...", "15 ngày làm việc sau khi ..."
_DURATION = (
    r"(?:(?:trong\s+)?(?:vong|thoi\s+han)\s+|trong\s+)?"
    r"(?P<n>\d{1,3})\s*(?P<unit>ngay\s+lam\s+viec|ngay|tuan|thang|nam)\s+"
    r"(?:ke\s+tu|tinh\s+tu|sau\s+khi|sau|tu)\s+"
)
_DOCUMENT = r"(?:ke\s+hoach|quyet\s+dinh|van\s+ban|chi\s+thi|nghi\s+quyet|chuong\s+trinh)"
# "ngày ban hành Kế hoạch", "khi Quyết định được ban hành", "ngày ký", "ngày ký ban hành"
_ISSUE = (
    rf"(?:(?:ngay|khi|thoi\s+diem)\s+)?(?:{_DOCUMENT}(?:\s+nay)?\s+(?:duoc\s+)?)?"
    rf"(?:ban\s+hanh|k[yi](?!\s+hop)(?:\s+ban\s+hanh)?)(?:\s+{_DOCUMENT})?(?:\s+nay)?"
)
_COUNCIL = r"(?:hdnd|hoi\s+dong\s+nhan\s+dan)(?:\s+(?:tinh|thanh\s+pho|huyen|xa))?"
_SESSION_WORDS = rf"(?:thuong\s+le|thuong\s+k[yi]|cua|{_COUNCIL})"

# Tried in order at each position; the first match wins, so longer/more specific
# forms come first ("6 tháng đầu năm" before "tháng N", "2021-2025" before "năm 2021",
# "30 ngày kể từ ..." before "30 tháng 6").
_RULES: list[_Rule] = [
    _Rule(_token(rf"{_DURATION}{_ISSUE}"), _after_issue, unmarked=True),
    _Rule(_token(rf"{_DURATION}(?:ngay\s*)?(?P<aday>{_NUM})\s*/\s*(?P<amonth>{_NUM})\s*/\s*(?P<ayear>\d{{4}})"),
          _after_date, unmarked=True),
    _Rule(_token(_DURATION.removesuffix(r"\s+")), _after_event, unmarked=True),
    _Rule(_token(rf"k[yi]\s+hop(?:\s+{_SESSION_WORDS})*\s+(?P<when>giua|cuoi)\s+nam{_YEAR_TAIL}"),
          _council_session, unmarked=True, proposed=True),
    _Rule(_token(rf"k[yi]\s+hop(?:\s+{_COUNCIL})?(?:\s+(?:chuyen\s+de|bat\s+thuong|thu\s+\d+|{_SESSION_WORDS}))*"),
          _other_session, unmarked=True),
    _Rule(_token(rf"6\s*thang\s+(?P<half>dau|cuoi)(?:\s+nam)?(?:\s*/?\s*{_YEAR})?"), _half_year),
    _Rule(_token(rf"(?:giai\s+doan\s+|nam\s+)?(?P<first>\d{{4}})\s*(?:-|\bden\b)\s*{_YEAR}"), _year_range),
    _Rule(_token(rf"(?:ngay\s*)?(?P<day>{_NUM})\s*(?P<sep>[/.-])\s*(?P<month>{_NUM})"
                 rf"(?:\s*(?P=sep)\s*{_YEAR})?"), _exact_date),
    _Rule(_token(rf"(?:ngay\s*)?(?P<day>{_NUM})\s+thang\s+(?P<month>{_NUM}){_YEAR_TAIL}"), _exact_date),
    _Rule(_token(rf"thang\s*(?P<list>{_NUM}(?:{_LINK}(?:thang\s*)?{_NUM})*){_YEAR_TAIL}"), _months),
    _Rule(_token(rf"qu[yi]\s*(?P<list>{_QNUM}(?:{_LINK}(?:qu[yi]\s*)?{_QNUM})*){_YEAR_TAIL}"), _quarters),
    # "Trong năm" alone means the plan year; "trong năm 2020" is left to the next rule.
    _Rule(_token(r"trong\s+nam(?!\s*\d)(?P<year>)"), _whole_year),
    _Rule(_token(rf"(?:nam\s+)?{_YEAR}"), _whole_year),
]

_STANDING = _token(
    r"thuong\s+xuyen|lien\s+tuc|dinh\s+k[yi]|hang\s+(?:nam|quy|qui|thang|tuan|ngay)"
)
# Leading words and connectors that carry no date of their own ("cuối" as in
# "cuối quý II" changes nothing: a quarter is due at its end anyway).
_FILLER = re.compile(
    r"[\s,;:.!?()\-+&]+"
    r"|(?:xong|hoan\s+thanh|cham\s+nhat|truoc|trong|den|het|ke\s+tu|tu|bat\s+dau|vao|va|cuoi|thoi\s+han|han)"
    r"(?!\w)",
    re.ASCII,
)
_WORD = re.compile(r"\w+|.", re.DOTALL)
# Filler words that make a date inside a sentence a deadline, or the start of the work.
_DEADLINE_WORDS = frozenset(
    {"xong", "hoan thanh", "cham nhat", "truoc", "trong", "den", "het", "vao", "thoi han", "han"}
)
_START_WORDS = frozenset({"tu", "ke tu", "bat dau"})
_EMPTY = re.compile(r"[\s\-–—_.]*")


_DASHES = re.compile(r"[–—‐‑]")


def _fold(text: str) -> str:
    """Lower case without tone marks: "Quí", "QUÝ" and NFD "quý" all become "qui"/"quy".

    ``plain_key`` plus two repairs only deadline cells get (search keeps these characters as
    typed): "ð" (eth, which looks like "đ" and stands in for it, e.g. in Windows-1258 text read as
    Windows-1252) is a "d", and every dash is "-" for the ranges ("2021–2025").
    """
    return _DASHES.sub("-", plain_key(text).replace("ð", "d"))


def _folded_with_offsets(clean: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its positions (and its end) the position in ``clean``.

    Folding an NFC text nearly always keeps its length (one letter for one letter); when it does
    not (a stray combining mark, a letter whose lower case is two), fold letter by letter.
    """
    key = _fold(clean)
    if len(key) == len(clean):
        return key, list(range(len(clean) + 1))
    pieces, offsets = [], []
    for i, ch in enumerate(clean):
        piece = _fold(ch)
        pieces.append(piece)
        offsets += [i] * len(piece)
    return "".join(pieces), [*offsets, len(clean)]


@dataclass(frozen=True)
class _Tok:
    kind: Literal["expr", "standing", "filler", "word"]
    start: int  # in the folded text
    end: int
    words: str = ""  # a filler's words, spaces collapsed ("hoan thanh")
    window: Window | None = None  # an expression's window, None when it gives no date
    failed: bool = False  # an impossible date, or no year to complete it: the cell is unreadable
    note: str | None = None  # why an expression gives no date, or that its date is proposed
    unmarked: bool = False
    proposed: bool = False
    span: bool = False  # a range in itself ("2021-2025", "Tháng 7-8"): never a mere start


def _expression(rule: _Rule, m: re.Match[str], ctx: _Context) -> _Tok:
    groups = m.groupdict()
    span = groups.get("first") is not None or bool(re.search(_LINK, groups.get("list") or ""))
    window: Window | None = None
    failed, note = False, None
    try:
        window = rule.handler(m, ctx)
    except _NoDate as exc:
        note = str(exc)
    except (ValueError, OverflowError):  # impossible date, no year at all, or past year 9999
        failed = True
    if window is not None and rule.proposed:
        note = _SESSION_NOTES.get(groups.get("when") or "")
    return _Tok("expr", m.start(), m.end(), window=window, failed=failed, note=note,
                unmarked=rule.unmarked, proposed=rule.proposed, span=span)


def _tokens(key: str, ctx: _Context) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(key):
        for rule in _RULES:
            if m := rule.pattern.match(key, pos):
                toks.append(_expression(rule, m, ctx))
                break
        else:
            if m := _STANDING.match(key, pos):
                toks.append(_Tok("standing", m.start(), m.end()))
            elif m := _FILLER.match(key, pos):
                toks.append(_Tok("filler", m.start(), m.end(), words=" ".join(m.group().split())))
            else:
                m = _WORD.match(key, pos)
                assert m is not None  # "." matches any character
                toks.append(_Tok("word", m.start(), m.end()))
        pos = m.end()
    # An expression glued to a letter, digit or "/" ("15/6/21": "15/6" then "/21") is part of
    # something else; a footnote mark ("30/6/2026*") is not.
    return [
        replace(t, window=None, failed=True) if t.kind == "expr" and _glued(key, nxt) else t
        for t, nxt in zip(toks, [*toks[1:], None], strict=True)
    ]


def _glued(key: str, tok: _Tok | None) -> bool:
    return tok is not None and tok.kind == "word" and (key[tok.start].isalnum() or key[tok.start] == "/")


def _lead_words(toks: Sequence[_Tok], i: int) -> tuple[int, set[str]]:
    """Where the filler right before token ``i`` begins, and its words."""
    first = i
    while first > 0 and toks[first - 1].kind == "filler":
        first -= 1
    return first, {t.words for t in toks[first:i]}


def _tidy(text: str) -> str | None:
    """A note as kept: no separators at its ends, no brackets around it; None without a letter or digit."""
    text = text.strip(" ,;:.-–—")
    if text.startswith("(") and text.endswith(")") and text.count("(") == text.count(")") == 1:
        text = text[1:-1].strip(" ,;:.-–—")
    return text if any(ch.isalnum() for ch in text) else None


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _counted(clean: str, toks: Sequence[_Tok], first: int, last: int, cell_note: str | None) -> Deadline:
    """The deadline given by the expressions among ``toks[first:last]`` (no plain word between them)."""
    exprs = [(i, t) for i, t in enumerate(toks[first:last], first) if t.kind == "expr"]
    if any(t.failed for _, t in exprs):  # unreadable: the text says it all
        return Deadline(clean, "unknown", None)
    dated = [(i, t, t.window) for i, t in exprs if t.window is not None]
    if not dated:
        return Deadline(clean, "unknown", None, note=_join(*(t.note for _, t in exprs), cell_note))
    starts: list[date] = []
    start_only = True
    for i, t, (start, due) in dated:
        is_start = not t.span and bool(_lead_words(toks, i)[1] & _START_WORDS)
        start_only = start_only and is_start
        if start is not None or is_start:
            starts.append(start or due)
    if start_only:
        return Deadline(clean, "start", None, min(starts),
                        note=_join("a start only: the wording gives no due date", cell_note))
    return Deadline(
        clean, "date", max(w[1] for _, _, w in dated), min(starts, default=None),
        note=_join(*(t.note for _, t in exprs), cell_note),
        proposed=any(t.proposed for _, t, _w in dated),
    )


def parse_deadline(text: str | None, *, plan_year: int | None = None, issued_on: date | None = None) -> Deadline:
    """Parse one deadline cell; see the module docstring for the rules.

    ``plan_year`` completes wording without a year; ``issued_on`` (the plan's issue date) is the
    day durations like "30 ngày kể từ ngày ban hành" count from.
    """
    clean = nfc(text or "")
    if _EMPTY.fullmatch(clean):
        return Deadline(clean, "empty", None)

    key, offsets = _folded_with_offsets(clean)
    toks = _tokens(key, _Context(plan_year, issued_on))

    def rest(first: int, last: int) -> str | None:  # the note after the counted tokens
        end = max((t.end for t in toks[first:last] if t.kind in ("expr", "standing")), default=0)
        return _tidy(clean[offsets[end]:])

    # The cell starts with date expressions: they count, up to the first plain word.
    first_word = next((i for i, t in enumerate(toks) if t.kind == "word"), len(toks))
    if any(t.kind == "expr" for t in toks[:first_word]):
        return _counted(clean, toks, 0, first_word, rest(0, first_word))
    # Inside a sentence: the first expression a deadline or start word introduces, or one that
    # needs none; with the expressions joined to it by filler.
    for i, t in enumerate(toks):
        if t.kind != "expr":
            continue
        lead, words = _lead_words(toks, i)
        if t.unmarked or words & (_DEADLINE_WORDS | _START_WORDS):
            last = next((j for j in range(i, len(toks)) if toks[j].kind == "word"), len(toks))
            before = _tidy(clean[: offsets[toks[lead].start]])
            return _counted(clean, toks, i, last, _join(before, rest(i, last)))
    if any(t.kind == "standing" for t in toks[:first_word]):
        return Deadline(clean, "standing", None, note=rest(0, first_word))
    return Deadline(clean, "unknown", None)
