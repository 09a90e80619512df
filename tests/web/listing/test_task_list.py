"""The office's task list: filters, text search without diacritics, paging; the task page."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import Plan
from tests.web.conftest import Browserless, World

ROW = re.compile(r'<a href="/tasks/\d+">552/KH-BCĐ · ([IV]+\.\d+)</a>')


def refs(html: str) -> list[str]:
    return ROW.findall(html)


def test_the_list_filters_by_status_agency_and_role(office: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    lead = refs(office.get(f"/tasks?agency={nn}&role=lead").text)
    both = refs(office.get(f"/tasks?agency={nn}&role=").text)
    coordinating = refs(office.get(f"/tasks?agency={nn}&role=coordinating").text)
    assert "I.1" in lead and len(both) == len(lead) + len(coordinating) and coordinating
    overdue = refs(office.get(f"/tasks?agency={nn}&status=qua_han&as_of=2020-02-05").text)
    assert overdue == ["I.1"]


def test_the_list_filters_by_plan_and_quarter_of_the_due_date(office: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id)).one()
    q1 = refs(office.get(f"/tasks?plan={plan_id}&quarter=2020-Q1").text)
    q4 = refs(office.get(f"/tasks?plan={plan_id}&quarter=2020-Q4").text)
    assert q1 and q4 and set(q1).isdisjoint(q4)
    assert all(r.startswith("I.") for r in q1)
    assert refs(office.get(f"/tasks?plan={plan_id + 1000}").text) == []


def test_text_search_ignores_case_and_vietnamese_diacritics(office: Browserless) -> None:
    plain = refs(office.get("/tasks?q=phan+bo+nguon+von").text)
    accented = refs(office.get("/tasks?q=PHÂN+BỔ+NGUỒN+VỐN").text)
    assert "I.1" in plain and plain == accented


def test_the_list_pages_through_long_results(office: Browserless) -> None:
    first = office.get("/tasks?per_page=10").text
    second = office.get("/tasks?per_page=10&page=2").text
    assert "Trang 1/" in first and "Trang sau" in first and "Trang trước" in second
    assert refs(first) and set(refs(first)) != set(refs(second))


def test_a_bad_filter_gets_a_clear_message(office: Browserless) -> None:
    r = office.get("/tasks?quarter=2020-Q7")
    assert r.status_code == 400 and "Quý" in r.text and "2020-Q2" in r.text
    assert office.get("/tasks?status=gi-do").status_code == 400


def test_the_task_page_shows_assignments_progress_audit_and_notices(office: Browserless, world: World) -> None:
    daily_sweep(date(2020, 1, 24))  # the seven-day reminders for I.1
    page = office.get(f"/tasks/{world.task_id('I.1')}").text
    assert "Nhiệm vụ I.1" in page and "Phân bổ nguồn vốn" in page
    assert "Sở Nông nghiệp và Phát triển nông thôn" in page and "Văn phòng Điều phối nông thôn mới tỉnh" in page
    notices = page.split("Thông báo đã gửi", 1)[1].split("</table>", 1)[0]
    assert "nhắc việc" in notices and "snnptnt@bacgiang.example" in notices and "đã gửi" in notices
    history = page.split("Lịch sử thay đổi", 1)[1]
    assert "plan import" in history and "tạo mới" in history


def test_an_unknown_task_is_a_page_not_found_in_vietnamese(office: Browserless) -> None:
    r = office.get("/tasks/999999")
    assert r.status_code == 404 and "Không tìm thấy nhiệm vụ" in r.text
    assert office.get("/tasks/abc").status_code == 404


def test_the_filter_form_shows_the_filters_of_each_request(office: Browserless, world: World) -> None:
    nn, vp = world.agency_id("snnptnt"), world.agency_id("vpdp")

    def chosen(html: str) -> list[str]:
        form = html.split('class="filters"', 1)[1].split("</form>", 1)[0]
        return re.findall(r'<option value="([^"]*)" selected', form)

    assert chosen(office.get(f"/tasks?agency={nn}&status=qua_han").text) == [str(nn), "plan", "lead", "qua_han"]
    assert chosen(office.get(f"/tasks?agency={vp}&role=coordinating&quarter=2020-Q2").text) == \
        [str(vp), "plan", "coordinating", "2020-Q2"]
    page = office.get(f"/tasks?agency={nn}&status=qua_han&page=2").text  # the same filters, another page
    assert chosen(page) == [str(nn), "plan", "lead", "qua_han"]
    assert chosen(office.get("/tasks?q=nguon+von").text) == ["plan", "lead"]
    assert chosen(office.get("/tasks?kind=report").text) == ["report", "lead"]
    assert chosen(office.get("/tasks?kind=").text) == ["", "lead"]
    assert 'name="q" value="nguon von"' in office.get("/tasks?q=nguon+von").text
