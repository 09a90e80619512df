"""Vietnamese text normalisation: NFC, tone-mark placement, matching and sorting keys."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.common.text import (
    canonical_tones,
    fold,
    nfc,
    nfc_lower,
    plain_key,
    slugify,
    strip_diacritics,
    vi_sort_key,
)

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
TEXT = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " ,.-;&/\n\t", max_size=40)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfc_composes_decomposed_text_and_collapses_whitespace() -> None:
    assert nfc(nfd("  Sở  Nông nghiệp\n và\u00a0PTNT \t")) == "Sở Nông nghiệp và PTNT"
    assert nfc(nfd("Sở Nông nghiệp")) == unicodedata.normalize("NFC", "Sở Nông nghiệp")


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("Hoá", "Hóa"),
        ("thuỷ", "thủy"),
        ("Uỷ ban", "Ủy ban"),
        ("khoẻ", "khỏe"),
        ("Thuý", "Thúy"),
        ("hoạ", "họa"),
        ("loẹ", "lọe"),
        ("tuỵ", "tụy"),
        ("xoã", "xõa"),
        ("hoả", "hỏa"),
        ("tuỳ", "tùy"),
        ("huỹ", "hũy"),
        ("khoè", "khòe"),
        ("khoé", "khóe"),
        ("toẽ", "tõe"),
        ("toẻ", "tỏe"),
    ],
)
def test_fold_gives_both_tone_mark_placements_the_same_key(new_style: str, old_style: str) -> None:
    assert fold(new_style) == fold(old_style)


def test_fold_matches_a_department_name_written_with_either_tone_placement() -> None:
    assert fold("Sở Văn hoá, Thể thao và Du lịch") == fold("Sở Văn hóa, Thể thao và Du lịch")


def test_canonical_tones_only_moves_the_mark_of_a_syllable_final_pair() -> None:
    assert canonical_tones("hoàng") == "hoàng"  # both styles agree before a final consonant
    assert canonical_tones("khuyến") == "khuyến"
    assert canonical_tones("quý") == "quý"  # "qu" is a consonant: the mark stays on "y"
    assert canonical_tones("Hoà Bình") == "Hòa Bình"


def test_canonical_tones_keeps_the_case_of_each_letter() -> None:
    assert canonical_tones("HOÀ") == "HÒA"
    assert canonical_tones("Oà") == "Òa"


def test_fold_ignores_case_and_unicode_form() -> None:
    assert fold("SỞ NÔNG NGHIỆP") == fold("sở nông nghiệp")
    assert fold(nfd("Sở Tài nguyên và Môi trường")) == fold("Sở Tài nguyên và Môi trường")


def test_fold_keeps_d_with_stroke_apart_from_plain_d() -> None:
    assert fold("Đài") != fold("Dài")
    assert fold("ĐẠI") == "đại"


def test_fold_spaces_the_ampersand_uniformly() -> None:
    assert fold("NN&PTNT") == fold("NN & PTNT") == fold("NN &PTNT") == "nn & ptnt"


def test_fold_turns_punctuation_into_spaces() -> None:
    assert fold("Sở VH,TT-DL") == "sở vh tt dl"
    assert fold("Sở Nông - nghiệp;  và. Phát, triển") == "sở nông nghiệp và phát triển"


def test_strip_diacritics_removes_every_mark_and_maps_d_with_stroke() -> None:
    assert strip_diacritics("Văn phòng Điều phối") == "Van phong Dieu phoi"
    assert strip_diacritics("UBNĐ") == strip_diacritics("UBND") == "UBND"
    assert strip_diacritics("Vãn phòng") == strip_diacritics("Văn phòng")
    assert strip_diacritics(nfd("Thạnh Phú")) == "Thanh Phu"


def test_slugify_gives_an_ascii_key() -> None:
    assert slugify("UBND huyện Tân Yên") == "ubnd-huyen-tan-yen"
    assert slugify("UBND TP Bắc Giang") == "ubnd-tp-bac-giang"


@given(TEXT)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(TEXT)
def test_fold_does_not_depend_on_unicode_form_or_case(text: str) -> None:
    assert fold(nfd(text)) == fold(text)
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@given(TEXT)
def test_nfc_output_has_no_outer_or_doubled_whitespace(text: str) -> None:
    out = nfc(text)
    assert out == out.strip()
    assert "  " not in out and "\n" not in out
    assert unicodedata.is_normalized("NFC", out)


# --- the diacritic-free keys: the table equals the NFD definition --------------------------------


def stripped_by_definition(text: str) -> str:
    """What ``strip_diacritics`` means: decompose, drop every nonspacing mark, "Đ" -> "D", recompose."""
    bare = "".join(ch for ch in nfd(text) if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


@given(st.text())
def test_strip_diacritics_equals_the_nfd_definition_for_any_text(text: str) -> None:
    assert strip_diacritics(text) == stripped_by_definition(text)
    assert plain_key(text) == stripped_by_definition(text).lower()


@given(TEXT)
def test_strip_diacritics_equals_the_nfd_definition_for_vietnamese_text(text: str) -> None:
    assert strip_diacritics(text) == strip_diacritics(nfd(text)) == stripped_by_definition(text)
    assert plain_key(text) == stripped_by_definition(text).lower()


def test_strip_diacritics_equals_the_nfd_definition_for_every_character_and_composition() -> None:
    """Exhaustive where random text is thin: each BMP character alone and after a letter, and each
    pair that canonical composition joins (the table must not leave the second half of one alone)."""
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000:
            continue  # surrogates
        ch = chr(cp)
        for text in (ch, "a" + ch, "Ơ" + ch):
            assert strip_diacritics(text) == stripped_by_definition(text), ascii(text)
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            pair = "".join(chr(int(part, 16)) for part in parts)
            assert strip_diacritics(pair) == stripped_by_definition(pair), ascii(pair)
    hangul = "\u1100\u1161\u11a8"  # jamo compose by rule, not by the decomposition table
    assert strip_diacritics(hangul) == stripped_by_definition(hangul) == "\uac01"


def test_plain_key_is_the_search_key() -> None:
    assert plain_key("Phân bổ VỐN") == "phan bo von"
    assert plain_key(nfd("Đôn đốc, kiểm tra: “Quý II”")) == "don doc, kiem tra: “quy ii”"
    assert plain_key("  hai  dấu cách ") == "  hai  dau cach "  # whitespace is kept as it is


def test_nfc_lower_keeps_punctuation_and_tone_placement() -> None:
    assert nfc_lower(nfd("  Cơ quan, ĐƠN VỊ\nthực hiện ")) == "cơ quan, đơn vị thực hiện"
    assert nfc_lower("STT.") == "stt."
    assert nfc_lower("Hoà") != nfc_lower("Hòa")  # fold is the key that equates them


# --- fold: one key whatever the form and the tone placement --------------------------------------

# A syllable ending in "oa"/"oe"/"uy" with its tone mark in the new style (on the second vowel) and
# in the old style (on the first).
_NEW_OLD = [
    ("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"),
    ("oè", "òe"), ("oé", "óe"), ("oẻ", "ỏe"), ("oẽ", "õe"), ("oẹ", "ọe"),
    ("uỳ", "ùy"), ("uý", "úy"), ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy"),
]
ONSETS = ["", "h", "th", "kh", "t", "l", "x", "ng", "s", "ch", "tr"]
WORDS = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=6)


@st.composite
def tone_styles(draw: st.DrawFn) -> tuple[str, str]:
    """The same text twice, its "oa"/"oe"/"uy" syllables toned in the new style, then in the old."""
    new_words, old_words = [], []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            word = draw(WORDS)
            new_words.append(word)
            old_words.append(word)
            continue
        onset = draw(st.sampled_from(ONSETS))
        new, old = draw(st.sampled_from(_NEW_OLD))
        upper = draw(st.booleans())
        new_words.append((onset + new).upper() if upper else onset + new)
        old_words.append((onset + old).upper() if upper else onset + old)
    sep = draw(st.sampled_from([" ", ", ", " - ", "\n"]))
    return sep.join(new_words), sep.join(old_words)


@given(tone_styles())
def test_fold_does_not_depend_on_tone_placement_or_unicode_form(styles: tuple[str, str]) -> None:
    new_style, old_style = styles
    assert fold(new_style) == fold(old_style) == fold(nfd(new_style)) == fold(nfd(old_style))


# --- the Vietnamese sort key ---------------------------------------------------------------------

ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n",
            "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y"]
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # none, huyền, hỏi, ngã, sắc, nặng


def test_vi_sort_key_follows_the_vietnamese_alphabet() -> None:
    names = ["Giáo", "Đoàn", "Dương", "Văn phòng", "Ủy ban", "Tư pháp", "Ban Dân tộc", "Bắc Giang", "Báo"]
    assert sorted(names, key=vi_sort_key) == [
        "Ban Dân tộc", "Báo", "Bắc Giang", "Dương", "Đoàn", "Giáo", "Tư pháp", "Ủy ban", "Văn phòng",
    ]
    assert vi_sort_key("Dương") < vi_sort_key("Đoàn") < vi_sort_key("Giáo")
    assert vi_sort_key("Tư pháp") < vi_sort_key("Ủy ban") < vi_sort_key("Văn phòng")
    assert vi_sort_key("Uy") < vi_sort_key("Ưu") < vi_sort_key("Vũ")
    assert vi_sort_key("Oanh") < vi_sort_key("Ông") < vi_sort_key("Ơn") < vi_sort_key("Phú")
    assert vi_sort_key("Ay") < vi_sort_key("Ăn") < vi_sort_key("Âm") < vi_sort_key("Bà")
    assert vi_sort_key("Ez") < vi_sort_key("Êm") < vi_sort_key("Gà")


def test_vi_sort_key_breaks_ties_by_tone_in_dictionary_order() -> None:
    toned = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(["mạ", "má", "ma", "mã", "mà", "mả"], key=vi_sort_key) == toned


@st.composite
def letter_words(draw: st.DrawFn) -> tuple[list[int], str]:
    """A word of alphabet letters, each perhaps toned and upper case, and the letters' places in the alphabet."""
    places = draw(st.lists(st.integers(0, len(ALPHABET) - 1), min_size=1, max_size=6))
    word = ""
    for place in places:
        letter = ALPHABET[place] + draw(st.sampled_from(TONES))
        word += letter.upper() if draw(st.booleans()) else letter
    return places, nfd(word) if draw(st.booleans()) else unicodedata.normalize("NFC", word)


@given(letter_words(), letter_words())
def test_vi_sort_key_orders_words_letter_by_letter_in_the_alphabet_whatever_the_tones(
    first: tuple[list[int], str], second: tuple[list[int], str]
) -> None:
    (places_1, word_1), (places_2, word_2) = first, second
    if places_1 != places_2:  # tones, case and Unicode form only break ties
        assert (vi_sort_key(word_1) < vi_sort_key(word_2)) == (places_1 < places_2)


@given(tone_styles())
def test_vi_sort_key_ignores_case_form_and_tone_placement_before_the_last_tie_break(styles: tuple[str, str]) -> None:
    new_style, old_style = styles
    assert vi_sort_key(new_style)[:2] == vi_sort_key(old_style)[:2] == vi_sort_key(nfd(new_style.lower()))[:2]
