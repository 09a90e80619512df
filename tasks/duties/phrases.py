"""Reading the phrases of one duty: who leads it, who coordinates, when it is due.

Helpers for ``tasks.duties.extract``; pure, no database.

Head (the lead), tried in this order on an item's text, after a leading "Giao (cho)",
"Đề nghị" or "Yêu cầu", or a party body leading a state body ("Ban cán sự đảng UBND tỉnh lãnh
đạo, chỉ đạo UBND tỉnh ...", "Đảng đoàn HĐND tỉnh lãnh đạo HĐND tỉnh ..."):

1. colon form   "Sở Thông tin và Truyền thông: chỉ đạo ..." (the part before the first ":")
2. heading form "Sở Nông nghiệp và Phát triển nông thôn" (the whole, short, text; not when a
   part it cannot resolve holds a predicate word and does not open like an agency's name: that
   is a sentence)
3. subject form "Sở Nội vụ, Ban Thi đua - Khen thưởng tỉnh phối hợp ..." (the words before the
   first predicate word of ``PREDICATES`` at which the words so far name agencies)

A candidate head is accepted when the directory resolves it to at least one agency and every
part it cannot resolve is a list item of its own ("Liên hiệp các Hội KHKT, các hội nghề
nghiệp": the second part is kept as unresolved text). A trailing "các cấp" is dropped, and
"UBND, Ban Chỉ đạo nông thôn mới các huyện, thành phố" is read distributively ("UBND các
huyện, thành phố" + "Ban Chỉ đạo nông thôn mới các huyện, thành phố").

Coordinating agencies: after every "phối hợp (chặt chẽ) (với|cùng)", the words up to the first
predicate or preposition ("... với Sở Nội vụ thực hiện ...", "... với X trong ...") when they
name agencies, else the longest run of words (never past ";", ".", ":") that names agencies and
leaves no unresolved words glued to a name. Coordinating agencies are the lead's helpers only:
"giúp UBND tỉnh" or "báo cáo Sở X" name no coordinating agency.

Deadlines: only phrases with an explicit marker count ("xong trong tháng 10/2020", "xong trước
28/02/2020", "trong Quý I/2020", "trước 15/3/2020", a bracketed "(Quý I/2021)"), always with a
four-digit year, and never inside the periodic reporting sentence ("định kỳ ... báo cáo"). Each
phrase goes through ``tasks.importing.deadlines.parse_deadline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from tasks.agencies.directory import AgencyEntry, CellResolution, ProvinceDirectory
from tasks.common.text import fold, nfc
from tasks.importing.deadlines import parse_deadline

__all__ = [
    "FoundDeadline",
    "Head",
    "PhraseReader",
    "carried_out_year",
    "find_deadlines",
    "horizon_from_text",
    "is_conditional",
    "is_reporting_clause",
    "looks_like_agency",
    "other_work",
    "short_clause",
]

# Words that start the predicate after a subject ("Sở X chủ trì ..."), in ``fold`` form.
PREDICATES = (
    "chủ trì", "phối hợp", "là", "căn cứ", "chủ động", "quan tâm", "thực hiện", "tham mưu", "triển khai",
    "hướng về", "hướng dẫn", "tổ chức", "xây dựng", "chỉ đạo", "có trách nhiệm", "chịu trách nhiệm",
    "theo chức năng", "tiếp tục", "đẩy mạnh", "tăng cường", "hỗ trợ", "rà soát", "phấn đấu", "giúp",
    "nghiên cứu", "tập trung", "kịp thời", "khẩn trương", "phân bổ", "bố trí", "hoàn thành", "hoàn thiện",
    "duy trì", "nâng cao", "đôn đốc", "kiểm tra", "theo dõi", "tuyên truyền", "vận động", "cần", "được",
    "sớm", "thường xuyên", "lựa chọn", "ban hành", "trình", "bảo đảm", "đảm bảo", "lập", "cụ thể hóa",
    "phát huy", "làm tốt", "quản lý", "giám sát", "ưu tiên", "huy động", "thẩm định", "cung cấp",
    "tham gia", "lãnh đạo",
)
# Words a "phối hợp với <agencies>" list stops before: predicates and the prepositions after it.
_COORD_STOPS = (
    *PREDICATES,
    "trong", "để", "nhằm", "theo", "về", "tại", "đối với", "tạo", "đào tạo", "tư vấn", "thu hút", "đẩy nhanh",
    "đổi mới", "thống nhất", "xác định", "lấy ý kiến", "giải quyết", "đề xuất", "khen thưởng", "hoàn chỉnh",
)
# "tổ chức" is no verb in "tổ chức chính trị - xã hội", "tổ chức xã hội" (names of bodies)
_NOT_A_VERB_AFTER: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("tổ", "chức"): (("chính", "trị"), ("xã", "hội")),
}
_REQUEST_RE = re.compile(r"^(?:giao(?:\s+cho)?|đề nghị|yêu cầu)\s+", re.IGNORECASE)
# a party body leading a state body: "Ban cán sự đảng UBND tỉnh lãnh đạo, chỉ đạo UBND tỉnh xây dựng ...",
# "Đảng đoàn HĐND tỉnh lãnh đạo HĐND tỉnh ban hành ...": the duty is the state body's
_PARTY_RE = re.compile(
    r"^(?:ban cán sự đảng|đảng đoàn|đảng ủy|đảng uỷ)\b[^,.;:]{0,80}?\s+(?:lãnh đạo|chỉ đạo)"
    r"(?:\s*(?:,|và)\s*(?:lãnh đạo|chỉ đạo))*\s+(?=\S)",
    re.IGNORECASE,
)
_TRAILING_RE = re.compile(r"[\s,;:.]*(?:\b(?:các|mọi)\s+cấp)?[\s,;:.]*$", re.IGNORECASE)
_DISTRIBUTIVE_RE = re.compile(r"^(?P<list>[^:;]+?,[^:;]*?)\s+(?P<tail>(?:các|cấp)\s+huyện\b.*)$", re.IGNORECASE)
_COORD_RE = re.compile(r"\bphối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+(?:với|cùng))?\s+", re.IGNORECASE)
_GLUE_RE = re.compile(r"\b(?:chủ trì|phối hợp|thực hiện|đề nghị|giao(?! thông))\b")
_MAX_HEAD_WORDS = 30
_MAX_COORD_WORDS = 30
_HEADING_CHARS = 200  # a heading-form head is a short line


@dataclass
class Head:
    """The agencies an item's head names."""

    text: str  # the head as written ("Sở Thông tin và Truyền thông")
    agencies: list[AgencyEntry]
    unresolved: list[str]
    rest: str  # the text after the head (after its ":" in the colon form)
    form: str  # "colon" | "heading" | "subject"
    request: str = ""  # "Giao", "Đề nghị", ... as written, when the item starts with one


@dataclass
class Coordination:
    agencies: list[AgencyEntry] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the phrases as written
    spans: list[tuple[int, int]] = field(default_factory=list)  # where "phối hợp ..." runs in the text


class PhraseReader:
    """Heads and coordinating agencies against one province's directory (resolutions cached)."""

    def __init__(self, province: ProvinceDirectory) -> None:
        self.province = province
        self._cache: dict[str, CellResolution] = {}

    def resolve(self, text: str) -> CellResolution:
        key = nfc(text)
        if key not in self._cache:
            self._cache[key] = self.province.resolve_cell(key)
        return self._cache[key]

    # -- heads --------------------------------------------------------------------------

    def head(self, text: str, *, subject: bool = True) -> Head | None:
        """The head of an item (see the module docstring), or None when it names no agency."""
        text = nfc(text)
        request = ""
        if m := _REQUEST_RE.match(text) or _PARTY_RE.match(text):
            request, text = m.group(0).strip(), text[m.end():]
        colon = text.find(":")
        if 0 < colon <= _HEADING_CHARS and not _has_predicate(text[:colon]):
            found = self._accept(text[:colon])
            if found:
                return Head(nfc(text[:colon]), *found, rest=text[colon + 1:].strip(), form="colon", request=request)
        if len(text) <= _HEADING_CHARS and not _has_predicate(text):
            found = self._accept(text)
            if found and any(_has_verb(u) and not _AGENCY_LIKE_RE.match(u) for u in found[1]):
                found = None  # "MTTQ tỉnh và các tổ chức ... vận động Nhân dân tham gia": a sentence
            if found:
                return Head(text.rstrip(" .;:"), *found, rest="", form="heading", request=request)
        if subject:
            for start in _predicate_starts(text):
                found = self._accept(text[:start])
                if found:
                    return Head(text[:start].strip(" ,"), *found, rest=text[start:], form="subject", request=request)
        return None

    def _accept(self, candidate: str) -> tuple[list[AgencyEntry], list[str]] | None:
        candidate = nfc(candidate)
        if not candidate or len(candidate) > 4 * _HEADING_CHARS or len(candidate.split()) > _MAX_HEAD_WORDS:
            return None
        candidate = _TRAILING_RE.sub("", candidate)
        if not candidate:
            return None
        res = self.resolve(candidate)
        if res.agencies and all(_is_list_item(candidate, u) and not _starts_with(candidate, u) for u in res.unresolved):
            return list(res.agencies), list(res.unresolved)
        if not res.agencies and (m := _DISTRIBUTIVE_RE.match(candidate)):
            agencies: list[AgencyEntry] = []
            unresolved: list[str] = []
            for part in (p.strip() for p in m["list"].split(",")):
                whole = f"{part} {m['tail']}"
                sub = self.resolve(whole)
                if sub.agencies and not sub.unresolved:
                    agencies.extend(a for a in sub.agencies if a not in agencies)
                else:
                    unresolved.append(whole)
            if agencies:
                return agencies, unresolved
        return None

    # -- coordinating agencies ----------------------------------------------------------

    def coordination(self, text: str, *, lists: bool = False) -> Coordination:
        """Agencies named after every "phối hợp (với)" in the text.

        ``lists``: the names may be separated by ";" and carry a bracketed short form, as a
        directive's prose lists them ("phối hợp Sở Khoa học và Công nghệ; Viễn thông Đồng Nai (VNPT
        Đồng Nai); Ủy ban nhân dân cấp xã ..."); an unresolved name keeps its bracket as written.
        Off for plans, whose ";" ends the list (the sample plans' duties were read that way)."""
        found = Coordination()
        for m in _COORD_RE.finditer(text):
            region = re.split(r"[.:\n]" if lists else r"[;.:\n]", text[m.end():], maxsplit=1)[0]
            words = list(re.finditer(r"\S+", region))[:_MAX_COORD_WORDS]
            cuts = [*_predicate_starts(region, _COORD_STOPS), *(w.end() for w in reversed(words))]
            for cut in cuts:
                phrase = region[:cut].rstrip(" ,;")
                if not phrase:
                    continue
                res = self.resolve(phrase)
                plain = nfc(re.sub(r"\s*\([^()]*\)", "", phrase)) if lists else nfc(phrase)
                if not res.agencies or not all(_is_list_item(plain, u) for u in res.unresolved):
                    continue
                unresolved = [_as_written(phrase, u) for u in res.unresolved] if lists else res.unresolved
                found.texts.append(nfc(phrase))
                found.spans.append((m.start(), m.end() + len(phrase)))
                found.agencies.extend(a for a in res.agencies if a not in found.agencies)
                found.unresolved.extend(u for u in unresolved if u not in found.unresolved)
                break
        return found


def _predicate_starts(text: str, verbs: tuple[str, ...] = PREDICATES) -> list[int]:
    """Offsets of words that may start the predicate, in order (never the first word)."""
    table = _verb_table(verbs)
    words = list(re.finditer(r"[^\W_]+", text))[: _MAX_HEAD_WORDS + 1]
    keys = [fold(w.group()) for w in words]
    starts = []
    for i in range(1, len(words)):
        for verb in table.get(keys[i], ()):
            if tuple(keys[i: i + len(verb)]) == verb:
                after = keys[i + len(verb): i + len(verb) + 2]
                if not any(tuple(after[: len(w)]) == w for w in _NOT_A_VERB_AFTER.get(verb, ())):
                    starts.append(words[i].start())
                break
    return starts


@lru_cache(maxsize=8)
def _verb_table(verbs: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Verb phrases as word tuples, indexed by their first word, longest first."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for verb in sorted(verbs, key=lambda v: -len(v.split())):
        words = tuple(verb.split())
        table.setdefault(words[0], []).append(words)
    return table


def _has_verb(text: str) -> bool:
    """A word of ``PREDICATES`` anywhere in the text, its first word included."""
    return bool(_predicate_starts("x " + text))


def _has_predicate(text: str) -> bool:
    """A verb the directory ignores as filler, outside brackets: "Sở X phối hợp Sở Y thực hiện" is a
    sentence, not a list of two names (other verbs stay unresolved and fail the head anyway)."""
    return _GLUE_RE.search(fold(re.sub(r"\([^()]*\)?", " ", text))) is not None


def _as_written(phrase: str, name: str) -> str:
    """An unresolved name with the bracket written after it ("Viễn thông Đồng Nai (VNPT Đồng Nai)"):
    the directory drops brackets when it resolves, the office reads the name as the text gives it."""
    m = re.search(re.escape(name) + r"\s*\([^()]*\)", nfc(phrase))
    return m.group(0) if m else name


def _starts_with(candidate: str, part: str) -> bool:
    """An unresolved part at the very start: the text opens with something else than an agency."""
    return fold(candidate).startswith(fold(part))


def _is_list_item(candidate: str, part: str) -> bool:
    """True when ``part`` stands in ``candidate`` as an item of its own ("A, part, B", "A và part")."""
    sep = r"(?:^|[,;]\s*|\s+và\s+)"
    end = r"(?:$|\s*[,;]|\s+và\s+)"
    return re.search(sep + re.escape(part) + end, candidate) is not None


# -- clauses ------------------------------------------------------------------------------

_REPORTING_RE = re.compile(r"định\s+kỳ", re.IGNORECASE)
_CONDITIONAL_RE = re.compile(r"^(?:trong\s+)?quá\s+trình\b|^nếu\b", re.IGNORECASE)


def is_reporting_clause(text: str) -> bool:
    """The periodic reporting instruction ("Định kỳ, đột xuất tổng hợp, báo cáo ...")."""
    return _REPORTING_RE.search(text) is not None and "báo cáo" in text.lower()


def other_work(text: str) -> str:
    """What an item asks besides its periodic reporting sentences ("" when nothing of substance)."""
    kept = [text[a:b].strip(" ;,.\n") for a, b in sentences(text) if not is_reporting_clause(text[a:b])]
    rest = "; ".join(k for k in kept if k)
    rest = re.sub(r"^(?:đồng thời|và)\s*,?\s*", "", rest, flags=re.IGNORECASE)
    rest = re.sub(r"\s*/\s*$", "", rest)
    return rest[:1].upper() + rest[1:] if len(rest.split()) >= 4 else ""


def is_conditional(text: str) -> bool:
    """"Quá trình thực hiện có khó khăn, vướng mắc ...", "Nếu ...": not a duty to track."""
    return _CONDITIONAL_RE.match(nfc(text)) is not None


_AGENCY_LIKE_RE = re.compile(
    r"^(?:các\s+)?(?:sở|ban|ubnd|ủy ban|uỷ ban|văn phòng|hội|liên|trung tâm|ngân hàng|công an|đài|kho bạc|"
    r"chi cục|bộ chỉ huy|tỉnh đoàn|huyện|thành phố|thị xã)\b",
    re.IGNORECASE,
)


def looks_like_agency(text: str) -> bool:
    """A short head or heading that opens like an agency's name ("Sở ...", "Ban ...", "UBND ...")."""
    colon = text.find(":")
    head = text[:colon] if 0 < colon <= 120 else text if len(text) <= 120 else ""
    head = _REQUEST_RE.sub("", nfc(head))
    return bool(head) and _AGENCY_LIKE_RE.match(head) is not None


def short_clause(text: str, limit: int = 120) -> str:
    """The first clause of a text (up to ";", ":" or a full stop), at most ``limit`` characters."""
    text = nfc(text).lstrip("-–+•*:;,. ")
    clause = re.split(r";|:|\.(?=\s|$)", text, maxsplit=1)[0].strip(" ,")
    if len(clause) > limit:
        clause = clause[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,") + "…"
    return clause[:1].upper() + clause[1:]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at ";" and at "." before a space."""
    spans, start = [], 0
    for m in re.finditer(r";|\.(?=\s)|\n", text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


# -- deadlines ----------------------------------------------------------------------------

_YEAR = r"\d{4}(?!\d)"
_Q = r"(?:IV|I{1,3}|[1-4])"
_EXPR = (
    rf"(?:\d{{1,2}}\s*/\s*\d{{1,2}}\s*/\s*{_YEAR}"
    rf"|6\s+tháng\s+(?:đầu|cuối)\s+năm\s+{_YEAR}"
    rf"|tháng\s*\d{{1,2}}(?:\s*(?:-|–|và|,)\s*\d{{1,2}})?\s*(?:/|\s+năm\s+){_YEAR}"
    rf"|qu[ýí]\s*{_Q}(?:\s*(?:-|–|và|,)\s*(?:qu[ýí]\s*)?{_Q})?\s*(?:/|\s+năm\s+){_YEAR})"
)
_DEADLINE_RE = re.compile(
    rf"(?P<open>\(\s*\*?\s*)?"
    rf"(?P<marker>(?:xong\s+)?(?:(?:trong|trước|vào|chậm\s+nhất)\s+)?(?:ngày\s+)?)"
    rf"(?P<expr>{_EXPR})(?!\s*/)"
    rf"(?P<close>\s*\*?\s*\))?",
    re.IGNORECASE,
)
_MARKER_WORD_RE = re.compile(r"xong|trong|trước|vào|chậm", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDeadline:
    text: str  # the phrase as written, e.g. "xong trong tháng 10/2020", "Quý I/2021"
    due_date: date


def find_deadlines(text: str, plan_year: int | None) -> list[FoundDeadline]:
    """Deadline phrases written in a duty's text, in order (see the module docstring)."""
    found: list[FoundDeadline] = []
    for start, end in sentences(text):
        sentence = text[start:end]
        if is_reporting_clause(sentence):
            continue
        for m in _DEADLINE_RE.finditer(sentence):
            bracketed = bool(m["open"] and m["close"])
            if not (_MARKER_WORD_RE.search(m["marker"]) or bracketed):
                continue  # "năm 2020", "ngày 17/10/2016": dates, not deadlines
            phrase = nfc(f"{m['marker']}{m['expr']}")
            deadline = parse_deadline(phrase, plan_year=plan_year)
            if deadline.kind == "date" and deadline.due_date is not None:
                found.append(FoundDeadline(phrase, deadline.due_date))
    return found


# -- the plan's horizon -------------------------------------------------------------------

_UNTIL_RE = re.compile(r"(?P<before>\S+\s+\S+\s+)?đến\s+năm\s+(?P<year>\d{4})", re.IGNORECASE)
_PERIOD_RE = re.compile(r"giai\s+đoạn\s+\d{4}\s*[-–]\s*(?P<year>\d{4})", re.IGNORECASE)
_YEAR_RE = re.compile(r"năm\s+(?P<year>\d{4})", re.IGNORECASE)


_CARRIES_OUT_RE = re.compile(
    r"(?:thực hiện|triển khai)\s+(?:[^.;]{0,40}?\s+)?(?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Chương trình|Đề án)"
    r"\s+(?:số\s+)?[\w./-]+\s+ngày\s+\d{1,2}\s*(?:/|-|\.|\s+tháng\s+)\s*\d{1,2}\s*(?:/|-|\.|\s+năm\s+)\s*"
    r"(?P<year>(?:19|20)\d{2})(?!\d)",
    re.IGNORECASE,
)


def carried_out_year(title: str | None) -> int | None:
    """The year of the text a programme carries out ("Thực hiện Nghị quyết số 16-NQ/TU ngày
    13/01/2022 ..." -> 2022): a programme with no date of its own is of that year or later."""
    match = _CARRIES_OUT_RE.search(title or "")
    return int(match["year"]) if match else None


def horizon_from_text(texts: list[str]) -> int | None:
    """The plan's horizon from its title: the latest "đến năm YYYY" (not a "tầm nhìn" vision),
    else the last year of the latest "giai đoạn YYYY-YYYY", else the latest "năm YYYY"."""
    for pattern in (_UNTIL_RE, _PERIOD_RE, _YEAR_RE):
        years = []
        for text in texts:
            for m in pattern.finditer(text or ""):
                if m.groupdict().get("before") and "tầm nhìn" in m["before"].lower():
                    continue
                years.append(int(m["year"]))
        if years:
            return max(years)
    return None

