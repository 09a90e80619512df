"""Page geometry shared by the PDF and scan readers: wrapped lines joined, real line breaks kept."""

from __future__ import annotations

from tasks.importing.readers.layout import Line, Word, join_lines

CHAR = 6.0  # every letter 6 units wide, a space too; lines 13 units high, 15 apart


def _line(text: str, row: int, left: float = 5.0) -> Line:
    words, x = [], left
    for part in text.split():
        words.append(Word(part, x, 15.0 * row, x + CHAR * len(part), 15.0 * row + 13.0))
        x += CHAR * (len(part) + 1)
    return Line(words)


def _cell(*texts: str, width: float = 128.0) -> str:
    # a cell from 0 to `width`, its text 5 units in from the left (Word's cell margin)
    return join_lines([_line(text, row) for row, text in enumerate(texts)], 0.0, width)


def test_a_line_wrapped_by_the_cell_width_is_joined_and_a_typed_break_is_kept() -> None:
    # "Sở Tài nguyên và" ends at 101; "Môi" (18 wide) would need up to 125 > 128 - 5: wrapped
    assert _cell("Sở Tài nguyên và", "Môi trường") == "Sở Tài nguyên và Môi trường"
    # one unit wider and it would have fitted: the line was broken by hand
    assert _cell("Sở Tài nguyên và", "Môi trường", width=130.0) == "Sở Tài nguyên và\nMôi trường"
    # "UBND huyện Cao Lộc" ends at 119; "UBND" would need up to 149: wrapped as well, joined (a PDF
    # cannot tell this from two agencies typed on two lines; the agency names still resolve)
    assert _cell("UBND huyện Cao Lộc", "UBND huyện Lộc Bình") == "UBND huyện Cao Lộc UBND huyện Lộc Bình"
    # "Sở Tài chính" ends at 77; "Sở" would have fitted (up to 95): the line was broken by hand
    assert _cell("Sở Tài chính", "Sở Xây dựng") == "Sở Tài chính\nSở Xây dựng"


def test_a_line_broken_after_a_hyphen_inside_a_word_is_joined_without_a_space() -> None:
    assert _cell("giai đoạn 2016-", "2020 tại các xã", width=100.0) == "giai đoạn 2016-2020 tại các xã"
    assert _cell("Sở Lao động -", "Thương binh", width=90.0) == "Sở Lao động - Thương binh"


def test_an_item_starts_its_own_line_but_a_wrapped_abbreviation_does_not() -> None:
    assert _cell("Các nhiệm vụ sau đây:", "- Rà soát", width=140.0) == "Các nhiệm vụ sau đây:\n- Rà soát"
    assert _cell("UBND huyện Cao Lộc,", "TP. Lạng Sơn", width=130.0) == "UBND huyện Cao Lộc, TP. Lạng Sơn"
