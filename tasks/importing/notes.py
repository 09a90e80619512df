"""A deadline note as the office and the agencies read it: in Vietnamese.

The deadline grammar (tasks.importing.deadlines) keeps two kinds of note in ``Deadline.note``,
joined by "; ": the rest of the cell, as written ("giai đoạn thí điểm", "Đề nghị điều chỉnh
thời hạn"), and its own explanation of why no date was read or why the date is proposed, in
English for the command line (``dondoc import --json``). What a task stores and its pages show
is Vietnamese: the explanations are said in Vietnamese, the cell's words kept as they are.

    vietnamese_note("a start only: the wording gives no due date")
    # "chỉ ghi thời điểm bắt đầu, không có thời hạn hoàn thành"
"""

from __future__ import annotations

__all__ = ["EXPLANATIONS", "vietnamese_note"]

# every explanation the grammar writes (a test reads them from tasks/importing/deadlines.py)
EXPLANATIONS: dict[str, str] = {
    "counted from the plan's issue date, which the document does not give":
        "tính từ ngày ban hành kế hoạch, nhưng văn bản không ghi ngày ban hành",
    "counted from an event the plan gives no date for": "tính từ một sự kiện mà kế hoạch không ghi ngày",
    "a council session with no known date: set the date by hand": "kỳ họp HĐND chưa biết ngày: nhập ngày bằng tay",
    "proposed: the People's Council's mid-year regular session, usually in July; check its date":
        "ngày đề xuất: kỳ họp thường lệ giữa năm của HĐND tỉnh, thường vào tháng 7; cần kiểm tra lại ngày",
    "proposed: the People's Council's year-end regular session; check its date":
        "ngày đề xuất: kỳ họp thường lệ cuối năm của HĐND tỉnh; cần kiểm tra lại ngày",
    "a start only: the wording gives no due date": "chỉ ghi thời điểm bắt đầu, không có thời hạn hoàn thành",
}
# longest first: an explanation may itself hold "; " (the session notes)
_ORDER = sorted(EXPLANATIONS, key=len, reverse=True)


def vietnamese_note(note: str | None) -> str | None:
    """The note with the grammar's explanations in Vietnamese; the cell's own words unchanged."""
    if not note:
        return note
    for english in _ORDER:
        note = note.replace(english, EXPLANATIONS[english])
    return note
