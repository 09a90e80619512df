"""The compiled report takes the công văn đôn đốc's signer (DONDOC_SIGNER_TITLE, DONDOC_SIGNER_NAME)."""

from __future__ import annotations

from tasks.reports.content import office_signer


def test_two_lines_make_the_authority_line_and_the_title() -> None:
    assert office_signer("KT. Chánh Văn phòng|Phó Chánh Văn phòng", " Nguyễn  Văn An ") == {
        "signer_authority": "KT. CHÁNH VĂN PHÒNG", "signer_title": "PHÓ CHÁNH VĂN PHÒNG",
        "signer_name": "Nguyễn Văn An"}


def test_one_line_is_the_title_alone_and_a_blank_name_leaves_the_space_to_sign() -> None:
    assert office_signer("Chánh Văn phòng", "") == {
        "signer_authority": "", "signer_title": "CHÁNH VĂN PHÒNG", "signer_name": None}


def test_a_blank_title_keeps_the_block_the_plans_issuer_gives() -> None:
    assert office_signer("  ", "Nguyễn Văn An") == {"signer_name": "Nguyễn Văn An"}
