"""Vietnamese text normalisation helpers: Unicode form, tone-mark placement, matching keys.

Plans arrive as text extracted from Word/PDF files, so the same name may come in NFC or NFD,
in upper case, with the tone mark on either vowel of "oa"/"oe"/"uy" ("hoà" vs "hòa",
"thuỷ" vs "thủy"), with stray punctuation or doubled spaces. ``fold`` gives one key for
all of those; ``strip_diacritics`` gives a coarser key for last-resort fuzzy matching
(it also equates "Đ" with "D" and "ă" with "a", which catches OCR noise such as "UBNĐ"
or "Vãn phòng").
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["canonical_tones", "fold", "nfc", "slugify", "strip_diacritics"]

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


def _move_tone(m: re.Match[str]) -> str:
    pair = m.group(0)
    moved = _TONE_PAIRS[pair.lower()]
    return "".join(new.upper() if old.isupper() else new for old, new in zip(pair, moved))


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


def strip_diacritics(s: str) -> str:
    """Remove every diacritic (tone marks, breve, circumflex, horn) and map "Đ"/"đ" to "D"/"d"."""
    decomposed = unicodedata.normalize("NFD", s)
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def slugify(s: str) -> str:
    """ASCII slug: "UBND huyện Tân Yên" -> "ubnd-huyen-tan-yen"."""
    bare = strip_diacritics(unicodedata.normalize("NFC", s)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")
