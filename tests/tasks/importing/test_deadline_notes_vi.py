"""Deadline notes stored on a task are Vietnamese: the grammar's English explanations are said in
Vietnamese, the words of the cell are kept."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import tasks.importing.deadlines as deadlines
from tasks.importing.deadlines import parse_deadline
from tasks.importing.notes import EXPLANATIONS, vietnamese_note


def _english_strings() -> set[str]:
    """Every string literal of the grammar's module that reads as an English explanation."""
    tree = ast.parse(Path(deadlines.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_NoDate", "_join"):
            found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_SESSION_NOTES" for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            found |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return found


def test_every_explanation_the_deadline_grammar_writes_has_its_vietnamese_words() -> None:
    english = _english_strings()
    assert len(english) >= 6  # the reader of the module still finds them
    assert english <= set(EXPLANATIONS), sorted(english - set(EXPLANATIONS))


def test_a_start_a_council_session_and_a_duration_without_an_issue_date_get_vietnamese_notes() -> None:
    cases = {
        "Từ Quý II/2026": "chỉ ghi thời điểm bắt đầu, không có thời hạn hoàn thành",
        "Kỳ họp thường lệ giữa năm": ("ngày đề xuất: kỳ họp thường lệ giữa năm của HĐND tỉnh, thường vào tháng 7; "
                                      "cần kiểm tra lại ngày"),
        "60 ngày kể từ ngày ban hành Kế hoạch": "tính từ ngày ban hành kế hoạch, nhưng văn bản không ghi ngày ban hành",
    }
    for cell, expected in cases.items():
        assert vietnamese_note(parse_deadline(cell, plan_year=2026).note) == expected, cell


def test_the_words_of_the_cell_are_kept_as_written() -> None:
    note = parse_deadline("30/6/2026 (giai đoạn thí điểm)", plan_year=2026)
    assert (note.due_date, vietnamese_note(note.note)) == (date(2026, 6, 30), "giai đoạn thí điểm")
    assert vietnamese_note(None) is None
    assert vietnamese_note("a start only: the wording gives no due date; theo Kế hoạch 12") == \
        "chỉ ghi thời điểm bắt đầu, không có thời hạn hoàn thành; theo Kế hoạch 12"
