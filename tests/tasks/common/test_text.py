"""Vietnamese text normalisation: NFC, tone-mark placement, matching keys."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.common.text import canonical_tones, fold, nfc, slugify, strip_diacritics

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
