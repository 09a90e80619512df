"""The deadline wording of the plans issued in 2025-2026 (issue 14): durations counted from the
plan's issue date, a date with a note, a date inside a sentence, a start alone, the council's
sessions and OCR'd quarter numerals; and a plan whose cells read that way, through parse_plan."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.deadlines import Deadline, parse_deadline
from tasks.importing.parse import parse_plan
from tasks.importing.readers import read_document
from tests.tasks.builders import build_docx_plan

ISSUED = date(2026, 1, 15)  # a Thursday

# --- durations counted from the issue date ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("60 ngày kể từ ngày ban hành Kế hoạch", date(2026, 3, 16)),
        ("30 ngày kể từ ngày ban hành", date(2026, 2, 14)),
        ("Trong 30 ngày kể từ ngày Kế hoạch được ban hành", date(2026, 2, 14)),
        ("Hoàn thành trong thời hạn 30 ngày kể từ ngày ký ban hành Kế hoạch này", date(2026, 2, 14)),
        ("02 tuần kể từ ngày ban hành", date(2026, 1, 29)),
        ("trong vòng 03 tháng kể từ ngày ban hành", date(2026, 4, 15)),
        ("Trong vòng 03 tháng kể từ ngày ký", date(2026, 4, 15)),
        ("01 năm kể từ ngày ban hành Quyết định", date(2027, 1, 15)),
        # working days: Friday 16/01 is the first, Monday 19/01 the second ...
        ("15 ngày làm việc sau khi Quyết định được ban hành", date(2026, 2, 5)),
        ("10 NGÀY LÀM VIỆC KỂ TỪ NGÀY BAN HÀNH", date(2026, 1, 29)),
    ],
)
def test_a_duration_counts_from_the_plan_s_issue_date(text: str, due: date) -> None:
    assert parse_deadline(text, plan_year=2026, issued_on=ISSUED) == Deadline(text, "date", due, ISSUED)
    assert parse_deadline(unicodedata.normalize("NFD", text), issued_on=ISSUED).due_date == due


def test_working_days_skip_the_lunar_new_year_holidays() -> None:
    # issued Tuesday 10/02/2026; Tết closes the offices from Monday 16/02 to Friday 20/02
    issued = date(2026, 2, 10)
    assert parse_deadline("05 ngày làm việc kể từ ngày ban hành", issued_on=issued).due_date == date(2026, 2, 24)
    assert parse_deadline("05 ngày kể từ ngày ban hành", issued_on=issued).due_date == date(2026, 2, 15)


def test_a_month_after_the_31st_ends_on_the_last_day_of_a_shorter_month() -> None:
    assert parse_deadline("01 tháng kể từ ngày ban hành", issued_on=date(2024, 1, 31)).due_date == date(2024, 2, 29)
    assert parse_deadline("01 tháng kể từ ngày ban hành", issued_on=date(2025, 1, 31)).due_date == date(2025, 2, 28)


def test_a_duration_counted_from_a_written_date_counts_from_that_date() -> None:
    result = parse_deadline("30 ngày kể từ ngày 15/3/2026")
    assert (result.kind, result.start_date, result.due_date) == ("date", date(2026, 3, 15), date(2026, 4, 14))


def test_a_duration_from_the_issue_date_is_unknown_with_a_note_when_the_plan_has_no_issue_date() -> None:
    result = parse_deadline("60 ngày kể từ ngày ban hành Kế hoạch", plan_year=2026)
    assert (result.kind, result.due_date) == ("unknown", None)
    assert result.note == "counted from the plan's issue date, which the document does not give"


def test_a_duration_from_an_undated_event_is_unknown_with_a_note() -> None:
    result = parse_deadline("15 ngày kể từ ngày nhận được văn bản", plan_year=2026, issued_on=ISSUED)
    assert (result.kind, result.due_date) == ("unknown", None)
    assert result.note is not None and result.note.startswith("counted from an event the plan gives no date for")


def test_a_duration_with_no_starting_point_is_not_guessed() -> None:
    assert parse_deadline("Trong 30 ngày", plan_year=2026, issued_on=ISSUED).kind == "unknown"


# --- a date with a note, a date inside a sentence ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "due", "note"),
    [
        ("20/3/2026 Đề nghị điều chỉnh thời hạn", date(2026, 3, 20), "Đề nghị điều chỉnh thời hạn"),
        ("30/6/2026 (giai đoạn thí điểm)", date(2026, 6, 30), "giai đoạn thí điểm"),
        ("Quý III/2026, tùy tình hình thực tế", date(2026, 9, 30), "tùy tình hình thực tế"),
        # the first date counts; a later one belongs to the note
        ("Quý I/2026 hoặc Quý II/2026", date(2026, 3, 31), "hoặc Quý II/2026"),
        ("Trước 30/6/2026 *", date(2026, 6, 30), None),  # a footnote mark is no note
    ],
)
def test_a_date_followed_by_words_is_that_date_with_the_words_as_note(text: str, due: date, note: str) -> None:
    result = parse_deadline(text, plan_year=2026)
    assert (result.kind, result.due_date, result.note, result.proposed) == ("date", due, note, False)


@pytest.mark.parametrize(
    ("text", "due", "note"),
    [
        ("Báo cáo UBND tỉnh chậm nhất ngày 30/9/2026", date(2026, 9, 30), "Báo cáo UBND tỉnh"),
        ("hoàn thành trước ngày 15/10/2026 để tổng hợp báo cáo Bộ", date(2026, 10, 15), "để tổng hợp báo cáo Bộ"),
        ("Các đơn vị hoàn thành trước ngày 15/10/2026 để tổng hợp", date(2026, 10, 15), "Các đơn vị; để tổng hợp"),
        ("Theo Kế hoạch số 45/KH-UBND ngày 02/01/2026, xong trong Quý II/2026", date(2026, 6, 30),
         "Theo Kế hoạch số 45/KH-UBND ngày 02/01/2026"),
        ("Triển khai đến hết năm 2026", date(2026, 12, 31), "Triển khai"),
    ],
)
def test_a_date_inside_a_sentence_after_a_deadline_word_is_read(text: str, due: date, note: str) -> None:
    result = parse_deadline(text, plan_year=2026)
    assert (result.kind, result.due_date, result.note) == ("date", due, note)


@pytest.mark.parametrize(
    "text",
    [
        "Triển khai Quyết định số 12/QĐ-UBND ngày 15/3/2026",  # a reference, no deadline word before it
        "Sau khi có hướng dẫn của Bộ Nông nghiệp và Môi trường",
        "Theo tiến độ của dự án",
        "15/6/26 theo văn bản",  # a date glued to more digits is not a date
    ],
)
def test_a_sentence_without_a_deadline_date_stays_unknown(text: str) -> None:
    assert parse_deadline(text, plan_year=2026, issued_on=ISSUED) == Deadline(text, "unknown", None)


def test_standing_words_followed_by_words_are_standing_with_the_words_as_note() -> None:
    result = parse_deadline("Thường xuyên (báo cáo kết quả hằng quý)", plan_year=2026)
    assert (result.kind, result.due_date, result.note) == ("standing", None, "báo cáo kết quả hằng quý")


# --- spans and starts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("2025-2027", date(2025, 1, 1), date(2027, 12, 31)),
        ("Giai đoạn 2026-2030", date(2026, 1, 1), date(2030, 12, 31)),
        ("giai đoạn 2026 – 2030", date(2026, 1, 1), date(2030, 12, 31)),
        ("Từ năm 2026 đến năm 2030", date(2026, 1, 1), date(2030, 12, 31)),
        ("Từ 15/3/2026 đến 30/6/2026", date(2026, 3, 15), date(2026, 6, 30)),
        ("Từ Quý II/2026 đến Quý IV/2026", date(2026, 4, 1), date(2026, 12, 31)),
    ],
)
def test_a_span_is_due_at_its_end(text: str, start: date, due: date) -> None:
    assert parse_deadline(text, plan_year=2026) == Deadline(text, "date", due, start)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Từ Quý II/2026", date(2026, 4, 1)),
        ("Từ tháng 3/2026", date(2026, 3, 1)),
        ("Bắt đầu từ 01/3/2026", date(2026, 3, 1)),
        ("Kể từ ngày 15/02/2026", date(2026, 2, 15)),
        ("Từ năm 2026", date(2026, 1, 1)),
        ("Triển khai từ Quý 11/2026", date(2026, 4, 1)),
    ],
)
def test_a_start_alone_is_no_deadline_but_keeps_its_start(text: str, start: date) -> None:
    result = parse_deadline(text, plan_year=2026)
    assert (result.kind, result.due_date, result.start_date) == ("start", None, start)
    assert result.note is not None and result.note.startswith("a start only")


# --- council sessions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Kỳ họp thường lệ giữa năm", date(2026, 7, 31)),
        ("Kỳ họp giữa năm 2027", date(2027, 7, 31)),
        ("Kỳ họp cuối năm", date(2026, 12, 31)),
        ("Kỳ họp thường lệ cuối năm 2026 của HĐND tỉnh", date(2026, 12, 31)),
        ("Trình HĐND tỉnh tại Kỳ họp thường lệ giữa năm", date(2026, 7, 31)),
        ("KỲ HỌP HĐND TỈNH CUỐI NĂM", date(2026, 12, 31)),
    ],
)
def test_a_regular_council_session_gives_a_proposed_date_to_check(text: str, due: date) -> None:
    result = parse_deadline(text, plan_year=2026)
    assert (result.kind, result.due_date, result.proposed) == ("date", due, True)
    assert result.note is not None and result.note.startswith("proposed: the People's Council's")


@pytest.mark.parametrize("text", ["Kỳ họp chuyên đề", "Kỳ họp bất thường của HĐND tỉnh", "Kỳ họp thứ 10"])
def test_a_session_with_no_known_date_is_unknown_with_a_note(text: str) -> None:
    result = parse_deadline(text, plan_year=2026)
    assert (result.kind, result.due_date, result.proposed) == ("unknown", None, False)
    assert result.note is not None and result.note.startswith("a council session with no known date")


def test_a_session_without_any_year_is_unknown() -> None:
    assert parse_deadline("Kỳ họp cuối năm").kind == "unknown"


# --- OCR'd quarter numerals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quarter"),
    [
        ("Quý 1/2026", 1), ("Quý l/2026", 1),
        ("Quý 11/2026", 2), ("Quý Il/2026", 2), ("Quý lI/2026", 2), ("Quý 1I/2026", 2),
        ("Quý 111/2026", 3), ("Quý IIl/2026", 3), ("Quý lll/2026", 3),
        ("Quý lV/2026", 4), ("Quý 1V/2026", 4), ("Quý 4/2026", 4),
    ],
)  # fmt: skip
def test_an_ocr_d_quarter_numeral_reads_as_its_quarter(text: str, quarter: int) -> None:
    result = parse_deadline(text)
    assert (result.kind, result.start_date) == ("date", date(2026, 3 * quarter - 2, 1))


def test_an_ocr_d_quarter_range_reads_to_its_last_quarter() -> None:
    result = parse_deadline("Quý 11-111/2026")
    assert (result.start_date, result.due_date) == (date(2026, 4, 1), date(2026, 9, 30))


@pytest.mark.parametrize("text", ["Quý 12/2026", "Quý 1111/2026", "Quý 5/2026", "Quý V/2026"])
def test_a_numeral_that_is_no_quarter_even_misread_stays_unknown(text: str) -> None:
    assert parse_deadline(text).kind == "unknown"


# --- never raises, whatever the issue date ---------------------------------------------------------

new_wording = st.text(
    alphabet=list("0123456789/-., ()IlVQuýíTtháng nămNgàyTrướcđếnvàkểtừbanhànhlàmviệcKỳhọpgiữacuốiBắtđầu"),
    max_size=60,
)


@given(st.one_of(st.text(), new_wording), st.one_of(st.none(), st.integers(1, 9999)),
       st.one_of(st.none(), st.dates()))
@settings(max_examples=300)
def test_parsing_with_an_issue_date_never_raises_and_keeps_its_promises(
    text: str, plan_year: int | None, issued_on: date | None
) -> None:
    result = parse_deadline(text, plan_year=plan_year, issued_on=issued_on)
    assert (result.due_date is not None) == (result.kind == "date")
    assert (result.kind == "start") <= (result.start_date is not None)
    assert result.proposed <= (result.kind == "date")
    if result.start_date is not None and result.due_date is not None:
        assert result.start_date <= result.due_date
    assert result.note is None or result.note.strip() == result.note != ""


# --- through parse_plan ----------------------------------------------------------------------------

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]


def test_a_plan_s_duration_cells_count_from_its_issue_date_and_flag_what_needs_review(tmp_path: Path) -> None:
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=["ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "Số: 12/KH-UBND", "Bắc Giang, ngày 15 tháng 01 năm 2026",
                         "KẾ HOẠCH", "Chuyển đổi số năm 2026"],
        header=HEADER,
        rows=[
            ["1", "Ban hành quy chế", "Sở Tài chính", "", "30 ngày kể từ ngày ban hành Kế hoạch"],
            ["2", "Trình Nghị quyết", "Sở Tài chính", "", "Kỳ họp thường lệ giữa năm"],
            ["3", "Triển khai thí điểm", "Sở Tài chính", "", "Từ Quý II/2026"],
            ["4", "Tổng kết", "Sở Tài chính", "", "20/3/2026 Đề nghị điều chỉnh thời hạn"],
        ],
    )  # fmt: skip
    plan = parse_plan(read_document(path), AgencyDirectory.load(), source_name="plan.docx")
    assert plan.meta.issued_on == ISSUED
    tasks = {task["ref"]: task for task in plan.to_json()["tasks"]}
    assert (tasks["1"]["deadline_kind"], tasks["1"]["due_date"], tasks["1"]["review"]) == ("date", "2026-02-14", [])
    assert (tasks["2"]["due_date"], tasks["2"]["review"]) == ("2026-07-31", ["date proposed, not read"])
    assert tasks["2"]["deadline_note"].startswith("proposed:")
    assert (tasks["3"]["deadline_kind"], tasks["3"]["due_date"], tasks["3"]["review"]) == (
        "start", None, ["start date only, no deadline"],
    )  # fmt: skip
    assert (tasks["4"]["due_date"], tasks["4"]["deadline_note"]) == ("2026-03-20", "Đề nghị điều chỉnh thời hạn")
    assert any("gives a start date only, no deadline" in w for w in plan.warnings)
