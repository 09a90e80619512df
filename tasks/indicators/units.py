"""The vocabulary of a target: its units, the words between its name and its number, where a noun
phrase stops, and finding the first number in a clause that is a target (tasks.indicators.clause)."""

from __future__ import annotations

import re

from tasks.indicators.targets import NUMBER

__all__ = [
    "CONTINUATION",
    "MAX_VERB_WORDS",
    "OPENER",
    "PCT_SUBJECT_RE",
    "QUALIFIERS",
    "STRIVE",
    "SUBJECT_RE",
    "UNIT_RE",
    "W",
    "cap",
    "noun_phrase",
    "sentences",
    "strip_pre",
    "target_number",
]

W = r"[^\W\d_]"  # a letter
_MEASURES = sorted(
    [
        "%/năm",
        "%",
        "triệu đồng/người/năm",
        "triệu đồng/người",
        "triệu đồng/ha",
        "triệu đồng",
        "tỷ đồng",
        "tiêu chí/xã",
        "tiêu chí",
        "ha/năm",
        "ha",
        "km",
        "tấn/năm",
        "tấn",
        "lần",
    ],
    key=len,
    reverse=True,
)
_COUNTS = sorted(
    [
        "huyện/thành phố",
        "huyện/thị xã/thành phố",
        "hợp tác xã",
        "tổ hợp tác",
        "sản phẩm",
        "doanh nghiệp",
        "mô hình",
        "làng nghề",
        "trang trại",
        "công trình",
        "dự án",
        "lớp",
        "xã",
        "thôn",
        "ấp",
        "huyện",
        "HTX",
        "THT",
        "hộ",
        "người",
        "lao động",
        "cơ sở",
        "chợ",
        "chuỗi",
        "điểm",
    ],
    key=len,
    reverse=True,
)
UNIT_RE = re.compile(
    r"\s*(?:(?P<measure>" + "|".join(re.escape(u) for u in _MEASURES) + r")"
    r"|(?P<mult>nghìn\s+|triệu\s+)?(?P<count>" + "|".join(re.escape(u) for u in _COUNTS) + r"))(?!\w)"
)
_NUM_RE = re.compile(rf"(?<![\d.,/])(?P<low>{NUMBER})(?:\s*[-–]\s*(?P<high>{NUMBER}))?(?![\d])")
_EXCLUDED_BEFORE = re.compile(
    r"(?:số|năm|tháng|ngày|quý|đoạn|khóa|khoá|thứ|biểu|lục|điều|khoản|mục|nghị định|thông tư)\s*$", re.IGNORECASE
)
_CODE_AFTER = re.compile(r"\s*(?:[-/]\s*[A-ZĐ]|/\s*\d|\s*sao\b)")


def sentences(text: str) -> list[str]:
    parts, start = [], 0
    for i, ch in enumerate(text):
        if ch == ";" or (ch == "." and text[i + 1 : i + 2].isspace() and text[i + 2 : i + 3].isupper()):
            parts.append(text[start : i + 1])
            start = i + 1
    parts.append(text[start:])
    return [p.strip(" ;.") for p in parts if p.strip(" ;.")]


def target_number(text: str) -> re.Match[str] | None:
    """The first number that is a target: not a date, year, code or rating, and followed by a unit."""
    for match in _NUM_RE.finditer(text):
        low = match.group("low")
        if _EXCLUDED_BEFORE.search(text[: match.start()]) or _CODE_AFTER.match(text, match.end()):
            continue
        if re.fullmatch(r"(?:19|20)\d{2}", low) and not match.group("high"):
            continue
        if re.fullmatch(r"(?:19|20)\d{2}", low) and re.fullmatch(r"(?:19|20)\d{2}", match.group("high") or ""):
            continue  # "2016-2020"
        return match if UNIT_RE.match(text, match.end()) else None
    return None


SUBJECT_RE = re.compile(
    r"^(?:tỷ lệ|tỉ lệ|tỷ trọng|tốc độ|thu nhập|diện tích|độ che phủ|giá trị|số|bình quân|năng suất|tổng|mức|"
    r"sản lượng|kim ngạch|hợp tác xã|độ|chỉ số)\b",
    re.IGNORECASE,
)
PCT_SUBJECT_RE = re.compile(r"^(?:tỷ lệ|tỉ lệ|tỷ trọng|tốc độ|độ|mức|chỉ số|tăng|giảm|duy trì)\b", re.IGNORECASE)
STRIVE = r"phấn đấu|phần đầu|phân đầu|phấn đầu"
_LEAD_WORDS = re.compile(
    rf"^(?:(?:{STRIVE}|trong đó|đồng thời|bảo đảm|đảm bảo|và|(?P<py>bình quân hằng năm|bình quân hàng năm|"
    r"hàng năm|hằng năm|mỗi năm)),?\s+)",
    re.IGNORECASE,
)
# words at the end of the name, between it and the number: verbs, qualifiers, fillers
_TAIL_WORDS = [
    "giảm xuống còn",
    "giảm còn",
    "không quá",
    "tối đa",
    "ít nhất",
    "tối thiểu",
    "khoảng",
    "trên",
    "hơn",
    "dưới",
    "từ",
    "đạt tỷ lệ",
    "đạt được",
    "đạt",
    "là",
    "chiếm",
    "ở mức",
    "tăng lên",
    "lên",
    "còn",
    "có thêm",
    "tăng thêm",
    "thêm",
    "có",
    "được",
    "bình quân",
    "phấn đấu",
    "phần đầu",
    "phân đầu",
    "tăng",
    "giảm",
    "≥",
    "≤",
]
_TAIL_RE = re.compile(r"(?:^|\s)(" + "|".join(re.escape(w) for w in _TAIL_WORDS) + r")\s*$", re.IGNORECASE)
QUALIFIERS = {
    "ít nhất": "at_least",
    "tối thiểu": "at_least",
    "trên": "more_than",
    "hơn": "more_than",
    "khoảng": "about",
    "dưới": "less_than",
    "không quá": "at_most",
    "tối đa": "at_most",
    "≥": "at_least",
    "≤": "at_most",
}
_NP_STOP = re.compile(
    r"\s*\(|\s*,\s*(?:\.\.\.|…)|\s*,\s*(?:lũy kế|luỹ kế|chiếm|tương đương|trong đó)\b|;|\.(?:\s|$)|\.\.\.|…"
    r"|\s+(?:theo|để|nhằm|so với|trong đó|gắn với|thông qua)\s|\s+và\s+(?=\S*\d)",
)
MAX_VERB_WORDS = 5  # "thành lập mới", "đào tạo nghề cho": a longer lead-in is a sentence, not an action
CONTINUATION = re.compile(r"^(?:lũy kế|luỹ kế|chiếm|tương đương|bằng)\b", re.IGNORECASE)
OPENER = re.compile(rf"^(?:có|trong đó|{STRIVE})\s", re.IGNORECASE)  # a new predicate starts


def strip_pre(pre: str) -> tuple[str, set[str], bool]:
    """The name part before the number, the words stripped from its end, and a per-year flag."""
    per_year = False
    text = pre.strip(" ,:")
    while True:
        match = _LEAD_WORDS.match(text)
        if not match:
            break
        per_year = per_year or bool(match.group("py"))
        text = text[match.end() :]
    words: set[str] = set()
    while True:
        match = _TAIL_RE.search(text)
        if not match:
            break
        words.add(match.group(1).lower())
        text = text[: match.start()].rstrip(" ,")
    match = _LEAD_WORDS.match(text + " ")
    if match and match.end() >= len(text):
        per_year = per_year or bool(match.group("py"))
        text = ""
    return text.strip(), words, per_year


def cap(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def noun_phrase(text: str) -> str:
    stop = _NP_STOP.search(text)
    return (text[: stop.start()] if stop else text).strip(" ,.")
