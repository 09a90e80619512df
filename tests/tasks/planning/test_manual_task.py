"""What a task entered by hand must hold, checked without a database."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.importing.deadlines import Deadline
from tasks.planning.manual import (
    AgencyChoice,
    AgencyMatcher,
    ManualTask,
    ManualTaskError,
    choice_labels,
    next_ref,
    read_deadline,
    read_manual_task,
    read_plan_correction,
    read_task_text,
)

TODAY = date(2026, 3, 20)
NN = AgencyChoice(1, "Sở Nông nghiệp và Môi trường", "snnmt", ("Sở NN&MT",))
TC = AgencyChoice(2, "Sở Tài chính", "stc", ("Sở TC",))
XD = AgencyChoice(3, "Sở Xây dựng", "sxd", ())
MATCHER = AgencyMatcher([NN, TC, XD])


def _task(**changes: object) -> ManualTask:
    fields: dict[str, object] = {
        "doc_code": "123/UBND-KTN", "doc_date": "05/03/2026", "doc_kind": "cong_van", "doc_title": None,
        "content": "Rà soát, báo cáo kết quả thực hiện tiêu chí môi trường", "deadline": "Quý II/2026",
        "lead": ["Sở Nông nghiệp và Môi trường"], "coordinating": ["Sở Tài chính", ""], "matcher": MATCHER,
        "today": TODAY,
    }
    fields.update(changes)
    return read_manual_task(**fields)  # type: ignore[arg-type]


def test_a_task_from_a_cong_van_reads_its_document_deadline_and_agencies() -> None:
    task = _task()
    assert task.document.code == "123/UBND-KTN" and task.document.issued_on == date(2026, 3, 5)
    assert task.document.label == "Công văn số 123/UBND-KTN ngày 05/03/2026"
    assert task.text.deadline.kind == "date" and task.text.deadline.due_date == date(2026, 6, 30)
    assert task.lead == (NN,) and task.coordinating == (TC,)


def test_a_deadline_in_the_importers_wording_counts_from_the_documents_date() -> None:
    task = _task(deadline="60 ngày kể từ ngày ban hành")
    assert task.text.deadline.due_date == date(2026, 5, 4)
    assert task.text.deadline.text == "60 ngày kể từ ngày ban hành"


def test_a_date_from_a_date_picker_is_kept_as_the_pages_write_it() -> None:
    deadline = read_deadline("2026-06-30", issued_on=date(2026, 3, 5))
    assert deadline.text == "30/06/2026" and deadline.due_date == date(2026, 6, 30)


def test_a_standing_duty_has_no_due_date() -> None:
    deadline = read_deadline("Thường xuyên", issued_on=date(2026, 3, 5))
    assert deadline.kind == "standing" and deadline.due_date is None


@pytest.mark.parametrize("wording", ["", "Sau khi có hướng dẫn của Trung ương", "Từ Quý II/2026", "31/02/2026"])
def test_a_deadline_that_gives_no_date_is_asked_again(wording: str) -> None:
    with pytest.raises(ManualTaskError) as caught:
        _task(deadline=wording)
    assert set(caught.value.errors) == {"deadline"}


def test_a_deadline_before_the_document_is_refused() -> None:
    with pytest.raises(ValueError, match="trước ngày ban hành"):
        read_deadline("01/03/2026", issued_on=date(2026, 3, 5))


def test_every_problem_is_reported_at_once_beside_its_field() -> None:
    with pytest.raises(ManualTaskError) as caught:
        _task(doc_code="  ", doc_date="05/03/2027", content="", lead=["Sở Không Có"], coordinating=["Sở Ma"])
    errors = caught.value.errors
    assert set(errors) == {"doc_code", "doc_date", "content", "lead", "coordinating"}
    assert "chưa tới" in errors["doc_date"]
    assert "“Sở Không Có”" in errors["lead"] and "“Sở Ma”" in errors["coordinating"]


def test_a_task_needs_a_lead_agency() -> None:
    with pytest.raises(ManualTaskError) as caught:
        _task(lead=["", " "])
    assert caught.value.errors == {"lead": "Vui lòng chọn cơ quan chủ trì."}


def test_the_word_so_before_the_number_is_dropped() -> None:
    assert _task(doc_code="Số: 45/TB-UBND").document.code == "45/TB-UBND"


def test_agencies_are_found_by_name_alias_or_key_without_case_or_marks() -> None:
    assert MATCHER.find("sở nông nghiệp và môi trường") is NN
    assert MATCHER.find("Sở NN&MT") is NN
    assert MATCHER.find("so tai chinh") is TC
    assert MATCHER.find("sxd") is XD
    assert MATCHER.find("Sở") is None


def test_an_agency_named_in_both_roles_leads() -> None:
    task = _task(lead=["Sở Tài chính"], coordinating=["Sở TC", "Sở Xây dựng", "Sở Xây dựng"])
    assert task.lead == (TC,) and task.coordinating == (XD,)


def test_two_agencies_with_one_name_are_told_apart_by_their_key() -> None:
    a, b = AgencyChoice(7, "UBND xã Tân An", "ubnd-xa-tan-an-1"), AgencyChoice(8, "UBND xã Tân An", "ubnd-xa-tan-an-2")
    labels = choice_labels([a, b, NN])
    assert labels == {7: "UBND xã Tân An (ubnd-xa-tan-an-1)", 8: "UBND xã Tân An (ubnd-xa-tan-an-2)",
                      1: "Sở Nông nghiệp và Môi trường"}
    matcher = AgencyMatcher([a, b])
    assert matcher.find("UBND xã Tân An") is None
    assert matcher.find(labels[8]) is b


def test_a_deadline_typed_as_stored_is_not_read_again() -> None:
    stored = Deadline(text="Kỳ họp chuyên đề", kind="unknown", due_date=None)
    text, errors = read_task_text(content="Nội dung mới", deadline="Kỳ họp chuyên đề", issued_on=date(2026, 3, 5),
                                  current=("Nội dung cũ", stored))
    assert errors == {} and text is not None and text.deadline is stored


def test_hand_made_tasks_are_numbered_after_the_highest() -> None:
    assert next_ref([]) == "NT.1"
    assert next_ref(["I.1", "NT.2", "NT.10", "BC.2026-H1"]) == "NT.11"


def test_a_plans_correction_may_leave_the_date_blank_but_not_the_number() -> None:
    assert read_plan_correction(code="Số 552/KH-BCĐ", issued_on="", title=" Kế hoạch  ") == \
        ("552/KH-BCĐ", None, "Kế hoạch")
    with pytest.raises(ManualTaskError) as caught:
        read_plan_correction(code="", issued_on="30/02/2020", title=None)
    assert set(caught.value.errors) == {"code", "issued_on"}
