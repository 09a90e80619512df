import calendar
import unicodedata
from datetime import date
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.importing.deadlines import (
    Deadline,
    end_of_month,
    end_of_quarter,
    parse_deadline,
    read_date,
    roman_to_int,
)

KINDS = {"date", "start", "standing", "unknown", "empty"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- helpers -----------------------------------------------------------------


def test_a_month_ends_on_its_last_day_in_a_leap_year() -> None:
    assert end_of_month(2020, 2) == date(2020, 2, 29)
    assert end_of_month(2021, 2) == date(2021, 2, 28)
    assert end_of_month(2100, 2) == date(2100, 2, 28)


def test_a_quarter_ends_on_the_last_day_of_its_third_month() -> None:
    assert [end_of_quarter(2020, q) for q in range(1, 5)] == [
        date(2020, 3, 31), date(2020, 6, 30), date(2020, 9, 30), date(2020, 12, 31),
    ]
    with pytest.raises(ValueError, match=r"quarter must be 1\.\.4"):
        end_of_quarter(2020, 5)


def test_roman_numerals_one_to_four_read_in_any_case() -> None:
    assert [roman_to_int(r) for r in ("I", "ii", "III", "iv")] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="not a quarter numeral"):
        roman_to_int("V")


# --- exact wording -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due", "start"),
    [
        # months
        ("Tháng 01/2020", date(2020, 1, 31), date(2020, 1, 1)),
        ("tháng 2/2020", date(2020, 2, 29), date(2020, 2, 1)),
        ("Tháng 2/2021", date(2021, 2, 28), date(2021, 2, 1)),
        ("Tháng 12 năm 2020", date(2020, 12, 31), date(2020, 12, 1)),
        ("Tháng 7-8/2020", date(2020, 8, 31), date(2020, 7, 1)),
        ("tháng 7, 8/2020", date(2020, 8, 31), date(2020, 7, 1)),
        ("Tháng 7 và tháng 8 năm 2020", date(2020, 8, 31), date(2020, 7, 1)),
        ("Hoàn thành trong tháng 10/2020", date(2020, 10, 31), date(2020, 10, 1)),
        # exact dates: "Trước D" is due on D
        ("Trước 28/02/2020", date(2020, 2, 28), None),
        ("Trước ngày 15/6/2021", date(2021, 6, 15), None),
        ("trước ngày 15 tháng 6 năm 2021", date(2021, 6, 15), None),
        ("Ngày 15/12/2020", date(2020, 12, 15), None),
        ("31/12/2020", date(2020, 12, 31), None),
        ("15-6-2021", date(2021, 6, 15), None),
        ("15.6.2021", date(2021, 6, 15), None),
        ("chậm nhất 31/12/2020;", date(2020, 12, 31), None),
        ("Hoàn thành trước 29/02/2020", date(2020, 2, 29), None),
        # quarters
        ("Quý I/2020", date(2020, 3, 31), date(2020, 1, 1)),
        ("Quý 2/2021", date(2021, 6, 30), date(2021, 4, 1)),
        ("Quý 1 năm 2021", date(2021, 3, 31), date(2021, 1, 1)),
        ("Quý II-III/2020", date(2020, 9, 30), date(2020, 4, 1)),
        ("Quý II và Quý III/2020", date(2020, 9, 30), date(2020, 4, 1)),
        ("Quý IV/2020", date(2020, 12, 31), date(2020, 10, 1)),
        ("xong trong Quý I/2020", date(2020, 3, 31), date(2020, 1, 1)),
        ("Quí I/2020", date(2020, 3, 31), date(2020, 1, 1)),
        ("Quí II và Quí III/2020", date(2020, 9, 30), date(2020, 4, 1)),
        # years, halves, periods
        ("Trong năm 2020", date(2020, 12, 31), date(2020, 1, 1)),
        ("Năm 2022", date(2022, 12, 31), date(2022, 1, 1)),
        ("6 tháng đầu năm 2021", date(2021, 6, 30), date(2021, 1, 1)),
        ("6 tháng cuối năm 2021", date(2021, 12, 31), date(2021, 7, 1)),
        ("Đến năm 2025", date(2025, 12, 31), date(2025, 1, 1)),
        ("Giai đoạn 2021-2025", date(2025, 12, 31), date(2021, 1, 1)),
        ("Năm 2020-2021", date(2021, 12, 31), date(2020, 1, 1)),
        ("2021 - 2025", date(2025, 12, 31), date(2021, 1, 1)),
        ("Từ năm 2021 đến năm 2025", date(2025, 12, 31), date(2021, 1, 1)),
    ],
)
def test_each_written_form_gives_its_exact_due_date(text: str, due: date, start: date | None) -> None:
    assert parse_deadline(text) == Deadline(text, "date", due, start)
    # a plan year never overrides a year that is written down
    assert parse_deadline(text, plan_year=1999).due_date == due


def test_the_latest_of_several_dates_wins_and_the_window_starts_at_the_earliest() -> None:
    result = parse_deadline("Quý I/2020 và Quý III/2020")
    assert (result.kind, result.due_date, result.start_date) == ("date", date(2020, 9, 30), date(2020, 1, 1))
    assert parse_deadline("Trước 31/3/2020, tháng 2/2020").due_date == date(2020, 3, 31)


def test_extra_spaces_case_and_trailing_punctuation_do_not_matter() -> None:
    result = parse_deadline("  TRƯỚC   ngày  15 / 6 / 2021 .  ")
    assert result.text == "TRƯỚC ngày 15 / 6 / 2021 ."
    assert result.due_date == date(2021, 6, 15)


def test_decomposed_unicode_reads_like_composed_and_is_kept_composed() -> None:
    text = "Hoàn thành trước ngày 15 tháng 6 năm 2021"
    result = parse_deadline(nfd(text))
    assert result.text == text
    assert result.due_date == date(2021, 6, 15)


# --- forms without a year -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Trước 30/9", date(2020, 9, 30)),
        ("Tháng 11", date(2020, 11, 30)),
        ("Tháng 2", date(2020, 2, 29)),
        ("Quý III", date(2020, 9, 30)),
        ("6 tháng đầu năm", date(2020, 6, 30)),
        ("6 tháng cuối năm", date(2020, 12, 31)),
        ("Trước ngày 15/6", date(2020, 6, 15)),
        ("Trong năm", date(2020, 12, 31)),
    ],
)
def test_wording_without_a_year_takes_the_plan_year(text: str, due: date) -> None:
    assert parse_deadline(text, plan_year=2020).due_date == due


@pytest.mark.parametrize("text", ["Trước 30/9", "Tháng 11", "Quý III", "6 tháng đầu năm", "Trước ngày 15/6"])
def test_wording_without_a_year_is_unknown_when_there_is_no_plan_year(text: str) -> None:
    assert parse_deadline(text) == Deadline(text, "unknown", None)


# --- standing, empty, unknown -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Thường xuyên", "Hằng năm", "Hàng năm", "Định kỳ", "Hằng quý", "Hàng tháng", "Liên tục",
     "Thường xuyên, liên tục", "THƯỜNG XUYÊN.", "định kì"],
)
def test_standing_duties_have_no_single_due_date(text: str) -> None:
    result = parse_deadline(text, plan_year=2020)
    assert (result.kind, result.due_date, result.start_date) == ("standing", None, None)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t", "-", "–"])
def test_blank_cells_are_empty(text: str | None) -> None:
    assert parse_deadline(text, plan_year=2020).kind == "empty"


@pytest.mark.parametrize(
    "text",
    [
        "Sau khi có hướng dẫn của Trung ương",
        "Theo kế hoạch",
        "31/02/2020",  # no such day
        "29/02/2021",  # not a leap year
        "Tháng 13/2020",
        "Quý V/2020",
        "15/6/21",  # two-digit years are not read
        "Triển khai Quyết định số 12/QĐ-UBND ngày 15/3/2020",  # a date inside other words
    ],
)
def test_unreadable_wording_is_unknown(text: str) -> None:
    assert parse_deadline(text, plan_year=2020) == Deadline(text, "unknown", None)


# --- properties -----------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
Form = Literal["NFC", "NFD"]
unicode_forms: st.SearchStrategy[Form] = st.sampled_from(["NFC", "NFD"])


@st.composite
def spelled_dates(draw: st.DrawFn) -> tuple[str, date]:
    d = draw(dates)
    day = draw(st.sampled_from([str(d.day), f"{d.day:02d}"]))
    month = draw(st.sampled_from([str(d.month), f"{d.month:02d}"]))
    sep = draw(st.sampled_from(["/", "-", ".", " / "]))
    body = draw(st.sampled_from([
        f"{day}{sep}{month}{sep}{d.year}",
        f"{day} tháng {month} năm {d.year}",
    ]))
    lead = draw(st.sampled_from(["", "Trước ", "TRƯỚC ", "trước ", "Hoàn thành trước ", "chậm nhất "]))
    ngay = draw(st.sampled_from(["", "ngày ", "Ngày ", "NGÀY "]))
    tail = draw(st.sampled_from(["", ".", " ;", "  "]))
    text = unicodedata.normalize(draw(unicode_forms), f"{lead}{ngay}{body}{tail}")
    return text, d


@given(spelled_dates())
@settings(max_examples=200)
def test_any_spelling_of_a_date_reads_back_as_that_date(case: tuple[str, date]) -> None:
    text, d = case
    result = parse_deadline(text)
    assert (result.kind, result.due_date) == ("date", d)


@given(st.integers(2000, 2040), st.integers(1, 12), unicode_forms, st.data())
@settings(max_examples=200)
def test_any_spelling_of_a_month_is_due_on_its_last_day(year: int, month: int, form: Form, data: st.DataObject) -> None:
    template = data.draw(st.sampled_from(
        ["Tháng {m}/{y}", "tháng {mm}/{y}", "Tháng {m} năm {y}", "THÁNG {mm} NĂM {y}",
         "Hoàn thành trong tháng {m}/{y}", "trong tháng {m}"]
    ))
    text = unicodedata.normalize(form, template.format(m=month, mm=f"{month:02d}", y=year))
    result = parse_deadline(text, plan_year=year)
    assert result.due_date == last_day(year, month)
    assert result.start_date == date(year, month, 1)


@given(st.integers(2000, 2040), st.integers(1, 4), unicode_forms, st.data())
@settings(max_examples=200)
def test_any_spelling_of_a_quarter_is_due_at_its_end(year: int, q: int, form: Form, data: st.DataObject) -> None:
    numeral = data.draw(st.sampled_from([ROMAN[q], ROMAN[q].lower(), str(q)]))
    word = data.draw(st.sampled_from(["Quý", "quý", "QUÝ", "Quí"]))
    year_part = data.draw(st.sampled_from(["/{y}", " năm {y}", " / {y}"])).format(y=year)
    lead = data.draw(st.sampled_from(["", "xong trong ", "Trong ", "Hoàn thành trong "]))
    text = unicodedata.normalize(form, f"{lead}{word} {numeral}{year_part}")
    result = parse_deadline(text)
    assert result.due_date == last_day(year, 3 * q)
    assert result.start_date == date(year, 3 * q - 2, 1)


# Text close to the real wording makes the fuzzing reach deep into the patterns.
near_wording = st.text(alphabet=list("0123456789/-., IVivQuýíTtháng nămNgàyTrướcđếnvà"), max_size=40)


@given(st.one_of(st.text(), near_wording), st.one_of(st.none(), st.integers(1, 9999)))
@settings(max_examples=200)
def test_parsing_never_raises_and_only_dates_have_a_due_date(text: str, plan_year: int | None) -> None:
    result = parse_deadline(text, plan_year=plan_year)
    assert result.kind in KINDS
    assert (result.due_date is not None) == (result.kind == "date")
    assert (result.kind == "start") <= (result.start_date is not None)
    if result.start_date is not None:
        assert result.due_date is not None and result.start_date <= result.due_date
    assert result.text == unicodedata.normalize("NFC", result.text)
    assert "  " not in result.text


@pytest.mark.parametrize(("raw", "expected"), [
    ("31/01/2020", date(2020, 1, 31)), ("1/2/2020", date(2020, 2, 1)), (" 29/02/2024 ", date(2024, 2, 29)),
    ("2020-06-30", date(2020, 6, 30)),
])
def test_a_typed_date_reads_as_dd_mm_yyyy_or_iso(raw: str, expected: date) -> None:
    assert read_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["31/06/2020", "29/02/2023", "01/13/2020", "30-06-2020", "2020/06/30", "", "Quý I/2020"]
)
def test_a_typed_date_that_is_not_a_day_is_refused(raw: str) -> None:
    # the standard library's words: a day or a month out of range, or no ISO date either
    with pytest.raises(ValueError, match=r"day|month|isoformat"):
        read_date(raw)
