"""Vietnamese text normalisation: Unicode form, tone-mark placement, matching and sorting keys.

The one place Vietnamese text is folded; every other module imports its keys from here.

Plans arrive as text extracted from Word/PDF files, so the same name may come in NFC or NFD,
in upper case, with the tone mark on either vowel of "oa"/"oe"/"uy" ("hoà" vs "hòa",
"thuỷ" vs "thủy"), with stray punctuation or doubled spaces. The keys, finest first:

* ``nfc`` -- NFC, whitespace collapsed: the form text is stored and shown in.
* ``nfc_lower`` -- ``nfc`` in lower case: wording matched by patterns whose punctuation and
  spelling matter (table headers: "Cơ quan, đơn vị thực hiện").
* ``fold`` -- the matching key for names: case-folded, canonical tone placement, punctuation to
  spaces; "Đ" stays apart from "D".
* ``strip_diacritics`` -- every mark removed and "Đ" -> "D", case kept: a coarser key for
  last-resort fuzzy matching (it catches OCR noise such as "UBNĐ" or "Vãn phòng").
  ``plain_key`` is the same in lower case, for text search and for parsing deadline wording.
  Both are table-driven (a ``str.translate`` on NFC text, several times faster than
  decomposing), falling back to the NFD definition for the rare text the table cannot settle,
  so they equal that definition for any text.
* ``slugify`` -- an ASCII slug, for file names and stable keys.
* ``vi_sort_key`` -- alphabetical order in the Vietnamese alphabet (Ă, Â after A; Đ after D ...).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "canonical_tones",
    "fold",
    "nfc",
    "nfc_lower",
    "plain_key",
    "slugify",
    "strip_diacritics",
    "vi_sort_key",
]

# New-style ("hoà", "thuỷ") -> old-style ("hòa", "thủy") tone placement on a syllable-final
# vowel pair. Only the syllable-final case differs between the two styles; in "hoàng",
# "khuyến" both agree, so those are left alone.
_TONE_PAIRS: dict[str, str] = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
# Not after "q": in "quý" the "u" belongs to the consonant and the mark is on "y" in both styles.
_TONE_RE = re.compile(
    r"(?<!q)(" + "|".join(_TONE_PAIRS) + r")(?![^\W\d_])",
    re.IGNORECASE,
)
# Punctuation that never carries meaning inside a name; "&" is kept (spaced) because
# "NN&PTNT" and "NN và PTNT" are told apart by callers that care.
_PUNCT_RE = re.compile(r"[.,;:!?/\\()\[\]{}\"'“”‘’«»…*+|_\-–—]")


def nfc(s: str) -> str:
    """NFC-normalise, collapse every run of whitespace (incl. NBSP, newlines) to one space, strip."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def nfc_lower(s: str) -> str:
    """``nfc`` in lower case: punctuation, tone placement and "đ" kept as written.

    The key for wording matched by patterns in which punctuation counts (a header "Cơ quan, đơn
    vị thực hiện", the "." of "STT."), where ``fold`` would blank it. ``str.lower`` rather than
    ``casefold``: header signatures compared across the rows of one file were always built
    this way, and the two differ only outside Vietnamese ("ß").
    """
    return nfc(s).lower()


def _move_tone(m: re.Match[str]) -> str:
    pair = m.group(0)
    moved = _TONE_PAIRS[pair.lower()]
    return "".join(new.upper() if old.isupper() else new for old, new in zip(pair, moved, strict=True))


def canonical_tones(s: str) -> str:
    """Put the tone mark of a syllable-final "oa"/"oe"/"uy" on the first vowel ("hoà" -> "hòa").

    Expects NFC input; any case is accepted (an all-upper pair stays upper case).
    """
    return _TONE_RE.sub(_move_tone, s)


def fold(s: str) -> str:
    """Matching key: NFC, case-folded, canonical tone placement, "&" spaced, punctuation to spaces.

    "Đ"/"đ" stay distinct from "d" here (see ``strip_diacritics`` for the coarser key).
    """
    s = unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).casefold())
    s = canonical_tones(s)
    s = s.replace("&", " & ")
    s = _PUNCT_RE.sub(" ", s)
    return " ".join(s.split())


def _strip_diacritics_nfd(s: str) -> str:
    """The definition of ``strip_diacritics``: decompose, drop every nonspacing mark, "Đ" -> "D", recompose."""
    decomposed = unicodedata.normalize("NFD", s)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def _bare_tables() -> tuple[dict[int, str], str]:
    """The translate table of ``strip_diacritics`` and a regex class of the characters it may leave alone.

    The table maps each precomposed Latin letter whose decomposition is one ASCII letter plus
    nonspacing marks to that letter (case kept), and "Đ"/"đ" to "D"/"d". A character left after
    the translation is *inert* when the NFD definition would keep it as it is and could not
    change its neighbours either: no decomposition, not a mark, and not the second half of any
    canonical composition (so the final NFC cannot join it to what precedes). Only blocks seen
    in plans are scanned (Latin, Greek, Cyrillic, punctuation, symbols, CJK punctuation, full
    width forms), to keep the import cheap; any other character sends the text down the NFD path.
    """
    table: dict[int, str] = {ord("Đ"): "D", ord("đ"): "d"}
    inert: list[int] = []
    blocks = ((0x80, 0x530), (0x1E00, 0x1F00), (0x2000, 0x2C00), (0x3000, 0x3040), (0xFF00, 0xFFF0))
    for lo, hi in blocks:
        for cp in range(lo, hi):
            ch = chr(cp)
            decomposed = unicodedata.normalize("NFD", ch)
            if decomposed == ch:
                if unicodedata.category(ch) != "Mn" and not unicodedata.combining(ch) and cp not in table:
                    inert.append(cp)
            elif decomposed[0].isascii() and decomposed[0].isalpha() and all(
                unicodedata.category(mark) == "Mn" for mark in decomposed[1:]
            ):
                table[cp] = decomposed[0]
    # None of the scanned blocks holds the second half of a canonical composition (those are
    # marks, Hangul vowel/final jamo and a few Indic vowel signs); the tests check this.
    ranges: list[str] = []
    start = prev = inert[0]
    for cp in [*inert[1:], -1]:
        if cp != prev + 1:
            ranges.append(f"\\u{start:04x}-\\u{prev:04x}")
            start = cp
        prev = cp
    return table, "".join(ranges)


_BARE, _INERT_CLASS = _bare_tables()
# A character neither ASCII nor inert: the table cannot settle the text on its own.
_NEEDS_NFD = re.compile(f"[^\\x00-\\x7f{_INERT_CLASS}]")


def strip_diacritics(s: str) -> str:
    """Remove every diacritic (tone marks, breve, circumflex, horn) and map "Đ"/"đ" to "D"/"d"; case kept.

    Equal to the NFD definition (decompose, drop nonspacing marks, recompose) for any text, but
    a table lookup on NFC text for Vietnamese, Latin and ordinary punctuation: a plan's worth of
    search text folds several times faster. Text with anything else (a stray combining mark, an
    accented Greek letter, an emoji) takes the NFD path.
    """
    bare = unicodedata.normalize("NFC", s).translate(_BARE)
    if bare.isascii() or _NEEDS_NFD.search(bare) is None:
        return bare
    return _strip_diacritics_nfd(s)


def plain_key(s: str) -> str:
    """Lower case without diacritics: ``"Phân bổ VỐN"`` -> ``"phan bo von"``; whitespace and punctuation kept.

    The key of text search (the folded copy of every task and the searched words) and of
    deadline wording ("Quý", "QUÝ", NFD "quý" -> "quy"). Unlike ``fold`` it equates "đ" with
    "d" and "ă" with "a", so a search typed without marks still finds the text.
    """
    return strip_diacritics(s).lower()


def slugify(s: str) -> str:
    """ASCII slug: "UBND huyện Tân Yên" -> "ubnd-huyen-tan-yen"."""
    bare = strip_diacritics(unicodedata.normalize("NFC", s)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")


# Letters of the Vietnamese alphabet written with a vowel-quality mark sort as letters of their own,
# right after their base letter: a ă â, e ê, o ô ơ, u ư (and d đ). Each is its base letter
# followed by a private-use character, which sorts after every letter.
_AFTER_1, _AFTER_2 = "\U00100001", "\U00100002"
_LETTER_MARKS: dict[tuple[str, str], str] = {
    ("a", "\u0306"): _AFTER_1,  # ă
    ("a", "\u0302"): _AFTER_2,  # â
    ("e", "\u0302"): _AFTER_1,  # ê
    ("o", "\u0302"): _AFTER_1,  # ô
    ("o", "\u031b"): _AFTER_2,  # ơ
    ("u", "\u031b"): _AFTER_1,  # ư
}
# Tones in dictionary order: ngang (none), huyền, hỏi, ngã, sắc, nặng; any other mark after them.
_TONE_RANK: dict[str, str] = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def vi_sort_key(text: str) -> tuple[str, str, str]:
    """Alphabetical order for Vietnamese names: letters first, tones only to break ties, then the text itself.

    The letters follow the Vietnamese alphabet -- Ă, Â after A; Đ after D; Ê after E; Ô, Ơ after
    O; Ư after U -- so "Đoàn" comes after every "D..." and "Ủy ban" after "Tư pháp". Case and
    tone placement ("Hoà"/"Hòa") make no difference to the first two parts; the text itself
    keeps the order total.
    """
    decomposed = unicodedata.normalize(
        "NFD", canonical_tones(unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold()))
    )
    letters: list[str] = []
    tones: list[str] = []  # one per letter
    base = ""
    for ch in decomposed:
        if unicodedata.combining(ch) and tones:
            after = _LETTER_MARKS.get((base, ch))
            if after is not None:
                letters.append(after)
            else:
                tones[-1] = max(tones[-1], _TONE_RANK.get(ch, "6"))
            continue
        base = ch
        letters.append("d" + _AFTER_1 if ch == "đ" else ch)
        tones.append("0")
    return "".join(letters), "".join(tones), text
