"""The grammar of one target sentence: number, unit, name, horizon (see tasks.indicators.text).

A target is a number followed by a unit we know (%, ha, tiêu chí/xã, triệu đồng/người/năm, or a
counted noun: xã, thôn, hợp tác xã, sản phẩm ...), with a name taken from the words around it:

    "Tỷ lệ số xã đạt chuẩn nông thôn mới 63,5%"          name before the number
    "có 125 sản phẩm OCOP đạt từ 3 sao trở lên"           "Số " + the counted noun phrase
    "Hàng năm thành lập mới được từ 15 - 20 hợp tác xã"   verb + noun phrase, a range, per year
    "trong đó phấn đấu 12% số xã đạt chuẩn ..."           "Tỷ lệ " + the noun phrase after "%"
    "Có thêm 23 xã ..., lũy kế 124/184 xã, chiếm 67,4%"   target 124, baseline 101, and a share
    "Tỷ lệ hộ nghèo giảm còn 3,5%"                        lower is better
    "giảm 9 xã đạt dưới 10 tiêu chí và không còn ..."     target 0, baseline 9

Numbers that are dates, years, document numbers ("Nghị quyết số 16-NQ/TU") or ratings ("3 sao")
are never targets; a number whose unit is not known, a multiplier ("tăng gấp 1,3 lần", whose base
value the plan does not give) and a name that cannot be read make the clause yield nothing
(precision over recall). A horizon opening a
paragraph ("Phấn đấu đến năm 2030: ...; ...") holds for each of its sentences. A sentence is split at
", " and " và " only where both sides hold a target ("thu gom, xử lý ... đạt 80%" stays whole);
an inline "Đến năm 2020," or ", năm 2025," moves the horizon for what follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.indicators.targets import NUMBER, Indicator, Target, parse_number
from tasks.indicators.units import (
    CONTINUATION,
    MAX_VERB_WORDS,
    OPENER,
    PCT_SUBJECT_RE,
    QUALIFIERS,
    STRIVE,
    SUBJECT_RE,
    UNIT_RE,
    W,
    cap,
    noun_phrase,
    sentences,
    strip_pre,
    target_number,
)

__all__ = ["clause_indicators"]

_ITEM_RE = re.compile(r"^\s*(?:(?:\d+(?:\.\d+)*\.?|[a-zđ]\))\s+)?(?:[-+•*]\s*)?(?:(?P<label>[^:;\d]{3,80}):\s+)?")
_LEAD_YEAR_RE = re.compile(
    rf"^(?:(?:{STRIVE}|định hướng)\s+)?(?:đến\s+(?:hết\s+)?)?năm\s+((?:19|20)\d{{2}})\s*[,:]?\s*", re.IGNORECASE
)
# "Phấn đấu đến năm 2030: ...; ...": a horizon opening the paragraph holds for each of its sentences
_PARAGRAPH_YEAR_RE = re.compile(
    rf"^(?:(?:{STRIVE}|định hướng|mục tiêu)\s+)?(?:đến\s+(?:hết\s+)?)?(?:năm\s+)?((?:19|20)\d{{2}})\s*[,:]\s*",
    re.IGNORECASE,
)
_MAINTAIN_RE = re.compile(r"^duy trì\s+(?=(?:mức|tỷ lệ|tốc độ)\b)", re.IGNORECASE)
_MID_YEAR_RE = re.compile(r",\s*(?:đến\s+(?:hết\s+)?)?năm\s+((?:19|20)\d{2})\s*,\s*", re.IGNORECASE)


@dataclass
class _Clause:
    text: str
    year: int
    joined_by_and: bool = False  # the next clause follows after " và "


@dataclass
class _Parsed:
    name: str
    unit: str
    target: Target
    direction: str = "up"
    baseline: float | None = None
    verb: str = ""  # the action before a counted noun ("thành lập mới"), for elliptical clauses
    tail: str = ""  # what follows the unit ("đạt chuẩn nông thôn mới")
    bare: bool = False  # nothing followed the counted noun
    extra: list[Indicator] = field(default_factory=list)


def _clauses(sentence: str, year: int) -> list[_Clause]:
    """Split at ", " and " và " only where both sides hold a target; inline years move the horizon."""
    match = _LEAD_YEAR_RE.match(sentence)
    if match:
        year, sentence = int(match.group(1)), sentence[match.end() :]
    segments: list[tuple[int, str]] = []
    pos = 0
    for mid in _MID_YEAR_RE.finditer(sentence):
        segments.append((year, sentence[pos : mid.start()]))
        year, pos = int(mid.group(1)), mid.end()
    segments.append((year, sentence[pos:]))
    clauses: list[_Clause] = []
    for seg_year, segment in segments:
        pieces = re.split(r"(,\s+|\s+và\s+)", segment)
        acc, acc_has = pieces[0], target_number(pieces[0]) is not None
        for sep, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            has = target_number(piece) is not None
            opens = has and OPENER.match(piece.strip()) is not None
            if (acc_has and has and not CONTINUATION.match(piece.strip())) or opens:
                clauses.append(_Clause(acc.strip(), seg_year, joined_by_and="và" in sep))
                acc, acc_has = piece, has
            else:
                acc, acc_has = acc + sep + piece, acc_has or has
        clauses.append(_Clause(acc.strip(), seg_year))
    return [c for c in clauses if c.text]


def _parse(clause: str, year: int, label: str | None, inherited: tuple[str, bool] | None) -> _Parsed | None:
    clause = re.sub(r"\s*\([^()]*\)", "", clause).strip()
    number = target_number(clause)
    if number is None:
        return None
    unit_match = UNIT_RE.match(clause, number.end())
    assert unit_match is not None
    low = parse_number(number.group("low"))
    high = parse_number(number.group("high")) if number.group("high") else None
    raw_pre = clause[: number.start()]
    pre, words, per_year = strip_pre(raw_pre)
    after = clause[unit_match.end() :]
    qualifier = next((QUALIFIERS[w] for w in QUALIFIERS if w in words), None)
    if re.match(r"\s*trở lên\b", after) or ("từ" in words and re.search(r"^\s*\S*\s*trở lên\b", after)):
        qualifier = "at_least"
    direction = "down" if words & {"giảm còn", "giảm xuống còn", "còn", "không quá", "tối đa", "dưới", "≤"} else "up"
    change = "giảm" in words and direction == "up"
    measure, count = unit_match.group("measure"), unit_match.group("count")
    tail = noun_phrase(after)
    if re.match(r"^trở lên$", tail):
        tail = ""
    parsed_verb = ""
    pre = _MAINTAIN_RE.sub("", pre)  # "duy trì mức giảm tỷ lệ hộ nghèo ...": the indicator is the rate
    if measure == "lần":
        return None  # a multiplier of a base value the plan does not give ("tăng gấp 1,3 lần so với năm 2020")
    if measure:
        unit = measure
        if unit.startswith("%") and re.match(r"^(?:số|các)\s", tail):
            name = "Tỷ lệ " + re.sub(r"^các\s+", "", tail)  # "85% số thôn ...", "trên 50% các hợp tác xã ..."
        elif pre and unit.endswith("/ha") and re.match(r"^đất\b", tail):
            name = f"{pre} trên 1 ha {tail}"  # "giá trị sản xuất 150 triệu đồng/ha đất trồng trọt"
        elif pre and (SUBJECT_RE.match(pre) or not tail):
            name = pre
        elif pre and len(pre.split()) <= MAX_VERB_WORDS:
            name = f"{pre} {tail}"  # "chuyển đổi thêm 2.000 ha đất trồng lúa ..."
        elif label and not tail:
            name = label
        else:
            return None
        if unit == "%" and not PCT_SUBJECT_RE.match(name) and not name.lower().startswith("tỷ lệ"):
            name = "Tỷ lệ " + name[:1].lower() + name[1:]
        if change:
            name = "Mức giảm " + name[:1].lower() + name[1:]
        per_year = per_year or (unit.endswith("/năm") and not unit.startswith("%") and "người" not in unit)
        bare = False
        tail_out = ""
    else:
        unit = f"{unit_match.group('mult') or ''}{count}".strip()
        phrase = f"{count} {tail}".strip() if tail else count
        bare = not tail
        verb = pre
        if not raw_pre.strip() and inherited is not None:
            verb, per_year = inherited[0], per_year or inherited[1]
        if verb and (SUBJECT_RE.match(verb) or len(verb.split()) > MAX_VERB_WORDS):
            return None  # "<subject> có N ...", "phát triển chuỗi giá trị 08 sản phẩm": N is not the target
        if verb:
            name, parsed_verb = f"{verb} {phrase}", verb
        elif bare and label and SUBJECT_RE.match(label):
            name, bare = label, False  # "Số xã đạt chuẩn nông thôn mới kiểu mẫu: 10 xã"
        else:
            name = f"Số {phrase}"
        tail_out = tail
    name = cap(name)
    if not 2 <= len(name.split()) <= 30 or not re.search(W, name):
        return None
    target = Target(year=year, low=low, high=high, qualifier=qualifier, per_year=per_year)
    parsed = _Parsed(name, unit, target, direction, verb=parsed_verb, tail=tail_out, bare=bare)
    _cumulative(parsed, clause[unit_match.end() :], words, year, per_year)
    return parsed


def _cumulative(parsed: _Parsed, rest: str, words: set[str], year: int, per_year: bool) -> None:
    """ ", lũy kế 124/184 xã, chiếm 67,4%" after "có thêm 23 xã ...": the total is the target."""
    cum = re.search(rf",\s*(?:lũy|luỹ) kế\s*(?:đạt\s*)?(?P<n>{NUMBER})(?:\s*/\s*(?P<of>{NUMBER}))?", rest)
    added = words & {"thêm", "có thêm", "tăng thêm"}
    if cum:
        total = parse_number(cum.group("n"))
        parsed.baseline = round(total - parsed.target.low, 4) if added else None
        parsed.target = Target(year=year, low=total, qualifier=parsed.target.qualifier)
        share = re.search(rf",\s*chiếm\s*(?P<p>{NUMBER})\s*%", rest[cum.end() :])
        if share and parsed.name.startswith("Số "):
            parsed.extra.append(
                Indicator(
                    name="Tỷ lệ " + parsed.name[3:], unit="%", targets=(Target(year, parse_number(share.group("p"))),)
                )
            )
    elif added and not per_year and parsed.name.startswith("Số "):
        parsed.name += " tăng thêm"


_NONE_LEFT_RE = re.compile(
    rf"(?:giảm\s+(?P<n>{NUMBER})\s+(?P<np1>(?:xã|thôn|huyện|hộ)\b[^,;]*?)\s+và\s+)?không\s+còn\s+"
    r"(?P<np>(?:xã|thôn|huyện|hộ)\b[^,;]*?)(?=\s+theo\b|\s*[,;.]|$)",
    re.IGNORECASE,
)


def _none_left(sentence: str, year: int) -> tuple[list[Indicator], str]:
    """ "không còn xã dưới 15 tiêu chí" -> 0; "giảm 9 xã ... và không còn xã ..." -> baseline 9."""
    found = []
    for match in _NONE_LEFT_RE.finditer(sentence):
        baseline = parse_number(match.group("n")) if match.group("n") else None
        found.append(
            Indicator(
                name=cap("Số " + match.group("np").strip()),
                unit=match.group("np").split()[0].lower(),
                targets=(Target(year=year, low=0.0),),
                baseline=baseline,
                baseline_year=year - 1 if baseline is not None else None,
                direction="down",
                source_text=match.group(0),
            )
        )
    return found, _NONE_LEFT_RE.sub(" ", sentence)


def clause_indicators(text: str, *, year: int) -> list[Indicator]:
    """Every target in a paragraph or a table cell, for the horizon ``year``."""
    item = _ITEM_RE.match(text)
    label = (item.group("label") or "").strip() or None if item else None
    body = text[item.end() :] if item else text
    found: list[Indicator] = []
    inherited: tuple[str, bool] | None = None
    opening = _PARAGRAPH_YEAR_RE.match(body)
    if opening and re.search(r"\b(?:đến|năm)\b", opening.group(0), re.IGNORECASE):
        year, body = int(opening.group(1)), body[opening.end() :]
    for sentence in sentences(body):
        specials, sentence = _none_left(sentence, year)
        found.extend(specials)
        clauses = _clauses(sentence, year)
        parsed: list[_Parsed | None] = []
        for clause in clauses:
            result = _parse(clause.text, clause.year, label, inherited)
            parsed.append(result)
            if result is not None and result.verb:
                inherited = (result.verb, result.target.per_year)
        for i, (clause, result) in enumerate(zip(clauses, parsed, strict=True)):
            if result is None:
                continue
            following = parsed[i + 1] if i + 1 < len(parsed) else None
            if result.bare and clause.joined_by_and and following is not None and following.tail:
                result.name = f"{result.name} {following.tail}"  # "50 xã và 01 huyện đạt chuẩn ..."
                result.bare = False
            if result.bare and not result.verb:
                continue
            found.append(
                Indicator(
                    name=result.name,
                    unit=result.unit,
                    targets=(result.target,),
                    baseline=result.baseline,
                    baseline_year=result.target.year - 1 if result.baseline is not None else None,
                    direction=result.direction,
                    source_text=clause.text,
                )
            )
            found.extend(result.extra)
    return found
