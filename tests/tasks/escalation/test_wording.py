"""The wording the letters share: lists of names, what an agency last reported, the counts."""

from __future__ import annotations

from datetime import date

from tasks.escalation.wording import clean_name, counts_phrase, join_names, report_phrase


def test_a_list_of_agencies_loses_its_trailing_separators_and_repeats() -> None:
    names = ["Sở NN&PTNT", "VPĐP,", " Sở, ngành, ", "", "Sở NN&PTNT"]
    assert join_names(names) == "Sở NN&PTNT, VPĐP, Sở, ngành"
    assert clean_name("  Sở Tài chính ;") == "Sở Tài chính"


def test_names_that_hold_va_are_listed_with_commas_so_they_stay_whole() -> None:
    assert join_names(["Sở Kế hoạch và Đầu tư", "Sở Tài chính"]) == "Sở Kế hoạch và Đầu tư, Sở Tài chính"
    assert join_names([]) == ""


def test_the_last_report_is_stated_with_its_percent_and_date() -> None:
    on = date(2020, 3, 5)
    assert report_phrase(reported_on=on, status="in_progress", percent=60) == "đã báo cáo 60% ngày 05/03/2020"
    in_progress = report_phrase(reported_on=on, status="in_progress", percent=None)
    assert in_progress == "đã báo cáo đang thực hiện ngày 05/03/2020"
    assert report_phrase(reported_on=on, status="done", percent=100) == "đã báo cáo hoàn thành ngày 05/03/2020"
    assert report_phrase(reported_on=None, status=None, percent=None) == "chưa báo cáo kết quả"


def test_the_counts_name_only_the_parts_that_are_not_empty_worst_first() -> None:
    assert counts_phrase(overdue=5, due_soon=1) == "5 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn"
    assert counts_phrase(due_soon=2) == "2 nhiệm vụ sắp đến hạn"
    assert counts_phrase(later=1, undated=1) == "1 nhiệm vụ chưa đến hạn, 1 nhiệm vụ không có thời hạn"
