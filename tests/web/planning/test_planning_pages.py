"""The office makes and changes tasks by hand in the browser's forms (SQLite and PostgreSQL): a task
from a công văn, its edit, reassignment and cancellation, a plan's correction; bad input is a form
error that keeps what was typed and writes nothing; viewers and agency links are refused."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import CANCELLED, LEAD, TASK_CANCELLED, Agency, Assignment, AuditEvent, Plan, Task
from tests.web.conftest import TODAY, VIEWER, Browserless, World

NEW = {"province": "bac-giang", "doc_kind": "cong_van", "doc_code": "15/UBND-NN", "doc_date": "20/01/2020",
       "doc_title": "V/v đẩy nhanh tiến độ xây dựng nông thôn mới",
       "content": "Rà soát các xã đăng ký đạt chuẩn năm 2020", "deadline": "Trước 28/02/2020"}


def _new(office: Browserless, **changes: object) -> httpx.Response:
    data: dict[str, object] = {**NEW, "lead": ["Sở NN&PTNT"], "coordinating": ["Sở Tài chính", "", ""]}
    data.update(changes)
    return office.submit("/tasks/new", "/tasks/new", data, follow_redirects=False)  # type: ignore[arg-type]


def _count(world: World, model: object) -> int:
    with Session(world.engine) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


def _task_of(response: httpx.Response) -> int:
    found = re.fullmatch(r"/tasks/(\d+)\?msg=\w+", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def test_the_office_creates_a_task_from_a_cong_van_and_it_is_tracked(office: Browserless, world: World) -> None:
    form = office.get("/tasks/new")
    assert form.status_code == 200
    assert '<option value="Sở Nông nghiệp và Phát triển nông thôn">' in form.text  # the directory, to search
    r = _new(office)
    assert r.status_code == 303
    task_id = _task_of(r)
    page = office.get(f"/tasks/{task_id}?msg=task_created")
    assert "Đã thêm nhiệm vụ" in page.text and "Kế hoạch 15/UBND-NN" in page.text
    assert "Rà soát các xã đăng ký đạt chuẩn năm 2020" in page.text and "28/02/2020" in page.text
    with Session(world.engine) as s:
        task = s.get(Task, task_id)
        assert task is not None and task.source == "manual" and task.due_date == date(2020, 2, 28)
        plan = s.get(Plan, task.plan_id)
        assert plan is not None and (plan.code, plan.issued_on) == ("15/UBND-NN", date(2020, 1, 20))
        roles = s.exec(select(Agency.key, Assignment.role, Assignment.policy_id)
                       .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                       .where(Assignment.task_id == task_id)).all()
        assert sorted((k, r) for k, r, _ in roles) == [("snnptnt", "lead"), ("stc", "coordinating")]
        assert all(p is not None for _, _, p in roles)
        actors = s.exec(select(AuditEvent.actor).where(AuditEvent.entity == "task",
                                                      AuditEvent.entity_id == task_id)).all()
        assert actors == ["office:vp@bacgiang.example"]
    # the new document is listed with the plans, and its page offers to add the next task
    plans = office.get("/plans").text
    assert "15/UBND-NN" in plans
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "15/UBND-NN")).one()
    prefilled = office.get(f"/tasks/new?plan={plan_id}").text
    assert 'value="15/UBND-NN"' in prefilled and 'value="20/01/2020"' in prefilled


def test_bad_input_is_a_form_error_that_keeps_what_was_typed_and_writes_nothing(
    office: Browserless, world: World
) -> None:
    tasks, plans = _count(world, Task), _count(world, Plan)
    r = _new(office, deadline="Sau khi có hướng dẫn", lead=["Sở Không Tồn Tại"], doc_date="20/01/2020")
    assert r.status_code == 400
    assert "Không đọc được thời hạn “Sau khi có hướng dẫn”" in r.text
    assert "“Sở Không Tồn Tại”" in r.text
    # what was typed is still in the form
    assert 'value="15/UBND-NN"' in r.text and "Rà soát các xã đăng ký đạt chuẩn năm 2020</textarea>" in r.text
    assert 'value="Sở Không Tồn Tại"' in r.text and 'value="Sở Tài chính"' in r.text
    assert _count(world, Task) == tasks and _count(world, Plan) == plans
    # a number already stored with another date: the plan 552/KH-BCĐ of 17/02/2020
    r = _new(office, doc_code="552/KH-BCĐ", doc_date="18/01/2020")
    assert r.status_code == 400 and "17/02/2020" in r.text
    assert _count(world, Task) == tasks and _count(world, Plan) == plans


def test_the_office_edits_the_text_deadline_and_agencies_of_a_task(office: Browserless, world: World) -> None:
    task_id = _task_of(_new(office))
    page = office.get(f"/tasks/{task_id}/edit")
    assert page.status_code == 200 and 'value="Trước 28/02/2020"' in page.text
    edit: dict[str, Any] = {
        "content": "Rà soát, lập danh sách các xã đăng ký đạt chuẩn năm 2020", "deadline": "Quý I/2020",
        "lead": ["Sở Nông nghiệp và Phát triển nông thôn"], "coordinating": ["Sở Xây dựng", ""]}
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/edit", edit, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/tasks/{task_id}?msg=task_edited"
    with Session(world.engine) as s:
        task = s.get(Task, task_id)
        assert task is not None and task.due_date == date(2020, 3, 31) and task.deadline_text == "Quý I/2020"
        live = s.exec(select(Agency.key, Assignment.role).join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                      .where(Assignment.task_id == task_id, Assignment.status != CANCELLED)).all()
        assert sorted(live) == [("snnptnt", "lead"), ("sxd", "coordinating")]
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == task_id)
                       .order_by(col(AuditEvent.id).desc())).first()
        assert event is not None and event.action == "edited"
        assert event.changes["coordinating"] == ["Sở Tài chính", "Sở Xây dựng"]
    history = office.get(f"/tasks/{task_id}").text
    assert "sửa nhiệm vụ" in history and "phối hợp: Sở Tài chính → Sở Xây dựng" in history
    # an edit that breaks a rule keeps the form as typed
    bad: dict[str, Any] = {"content": "", "deadline": "Quý V/2020", "lead": [""], "coordinating": ["Sở Xây dựng"]}
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/edit", bad, follow_redirects=False)
    assert r.status_code == 400
    assert "Vui lòng nhập nội dung nhiệm vụ." in r.text and "Vui lòng chọn cơ quan chủ trì." in r.text
    assert 'value="Quý V/2020"' in r.text


def test_the_office_reassigns_an_imported_task_to_another_lead(office: Browserless, world: World) -> None:
    task_id = world.task_id("I.1")
    edit = office.get(f"/tasks/{task_id}/edit").text
    assert "nếu sau này nhập lại tệp" in edit  # an imported task: a re-import follows the file
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/reassign",
                      {"new_lead": "Sở Tài chính", "note": "Theo Thông báo kết luận số 20/TB-UBND"},
                      follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/tasks/{task_id}?msg=task_reassigned"
    with Session(world.engine) as s:
        leads = s.exec(select(Agency.key).join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                       .where(Assignment.task_id == task_id, Assignment.role == LEAD,
                              Assignment.status != CANCELLED)).all()
        assert leads == ["stc"]
    page = office.get(f"/tasks/{task_id}?msg=task_reassigned").text
    assert "Đã giao lại nhiệm vụ" in page and "giao lại cơ quan chủ trì" in page
    # an agency that is not in the directory: the form says so and keeps it
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/reassign", {"new_lead": "Sở Ma"},
                      follow_redirects=False)
    assert r.status_code == 400 and "“Sở Ma”" in r.text and 'value="Sở Ma"' in r.text


def test_the_office_cancels_a_task_with_a_reason(office: Browserless, world: World) -> None:
    task_id = _task_of(_new(office))
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/cancel", {"reason": ""}, follow_redirects=False)
    assert r.status_code == 400 and "Vui lòng nhập lý do hủy." in r.text
    r = office.submit(f"/tasks/{task_id}/edit", f"/tasks/{task_id}/cancel",
                      {"reason": "Công văn đã được thay thế"}, follow_redirects=False)
    assert r.status_code == 303
    with Session(world.engine) as s:
        task = s.get(Task, task_id)
        assert task is not None and task.state == TASK_CANCELLED
    page = office.get(f"/tasks/{task_id}").text
    assert "Nhiệm vụ đã bị hủy" in page and "Công văn đã được thay thế" in page
    assert 'id="ghi-nhan"' not in page and f"/tasks/{task_id}/edit" not in page
    assert office.get(f"/tasks/{task_id}/edit").status_code == 409


def test_the_office_corrects_a_plans_number_date_and_title(office: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "552/KH-BCĐ")).one()
    plan_page = office.get(f"/plans/{plan_id}").text  # the plan's page leads to both forms, once
    assert plan_page.count(f'href="/plans/{plan_id}/edit"') == 1
    assert plan_page.count(f'href="/tasks/new?plan={plan_id}"') == 1
    form = office.get(f"/plans/{plan_id}/edit")
    assert form.status_code == 200 and 'value="17/02/2020"' in form.text
    r = office.submit(f"/plans/{plan_id}/edit", f"/plans/{plan_id}/edit",
                      {"code": "552/KH-BCĐ", "issued_on": "31/02/2020", "title": "Kế hoạch mới"},
                      follow_redirects=False)
    assert r.status_code == 400 and "“31/02/2020” không phải là ngày hợp lệ" in r.text
    assert "Kế hoạch mới</textarea>" in r.text
    r = office.submit(f"/plans/{plan_id}/edit", f"/plans/{plan_id}/edit",
                      {"code": "552/KH-BCĐ", "issued_on": "18/02/2020", "title": "Kế hoạch thực hiện năm 2020"},
                      follow_redirects=False)
    assert r.status_code == 303
    page = office.get(f"/plans/{plan_id}").text
    assert "18/02/2020" in page and "Kế hoạch thực hiện năm 2020" in page
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "plan", AuditEvent.entity_id == plan_id)
                       .order_by(col(AuditEvent.id).desc())).first()
        assert event is not None and event.action == "corrected" and set(event.changes) == {"issued_on", "title"}


OFFICE_ONLY = [("get", "/tasks/new"), ("post", "/tasks/new"), ("get", "/tasks/{task}/edit"),
               ("post", "/tasks/{task}/edit"), ("post", "/tasks/{task}/reassign"), ("post", "/tasks/{task}/cancel"),
               ("get", "/plans/{plan}/edit"), ("post", "/plans/{plan}/edit"),
               ("post", "/tasks/{task}/progress/{assignment}")]


def _path(world: World, template: str) -> str:
    with Session(world.engine) as s:
        plan = s.exec(select(Plan.id)).first()
    return template.format(task=world.task_id("I.1"), plan=plan, assignment=world.assignment("I.1", "snnptnt").id)


@pytest.mark.parametrize(("method", "template"), OFFICE_ONLY)
def test_a_viewer_is_refused(client: Browserless, world: World, method: str, template: str) -> None:
    client.login(*VIEWER)
    path = _path(world, template)
    events = _count(world, AuditEvent)
    if method == "get":
        r = client.get(path)
    else:
        r = client.submit("/tasks", path, {**NEW, "lead": "Sở Tài chính", "new_lead": "Sở Tài chính",
                                           "reason": "x", "status": "done", "channel": "phone",
                                           "reported_on": "24/01/2020", "code": "1/KH"}, follow_redirects=False)
    assert r.status_code == 403
    assert _count(world, AuditEvent) == events


@pytest.mark.parametrize(("method", "template"), OFFICE_ONLY)
def test_an_agency_link_opens_none_of_them(anonymous: Browserless, world: World, method: str, template: str) -> None:
    token = world.token("snnptnt")
    path = _path(world, template)
    events = _count(world, AuditEvent)
    own = f"/a/{token}/tasks/{world.task_id('I.1')}"  # the agency's own task page works, with its forms
    assert anonymous.get(own).status_code == 200
    if method == "get":
        r = anonymous.get(f"{path}?token={token}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    else:
        r = anonymous.submit(own, f"{path}?token={token}",
                             {**NEW, "lead": "Sở Tài chính", "status": "done", "channel": "phone"},
                             follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _count(world, AuditEvent) == events
    assert TODAY  # the app's clock, before any deadline of the sample plan


def test_with_several_provinces_the_form_offers_the_accounts_province_only(office: Browserless, world: World,
                                                                         anonymous: Browserless) -> None:
    """Each office belongs to a province (issue 13): Bắc Giang's office is offered Bắc Giang's
    directory, not Bến Tre's, even when Bến Tre's plan is the newest; Bến Tre's office the other way round."""
    from flows.importing.flow import import_plan
    from models.auth.users import add_user
    from models.core.db import session_scope
    from tests.conftest import PLANS

    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))  # the newest plan: Bến Tre's
    form = office.get("/tasks/new").text
    assert 'name="province" value="bac-giang"' in form  # its only province: no choice to make
    assert 'value="ben-tre"' not in form
    chosen = office.get("/tasks/new?province=bac-giang").text
    assert 'name="province" value="bac-giang"' in chosen
    assert '<option value="Sở Nông nghiệp và Phát triển nông thôn">' in chosen
    # another province's directory is not one to choose
    r = _new(office, province="ben-tre", lead=["Sở Nông nghiệp và Phát triển nông thôn"])
    assert r.status_code == 400 and "Vui lòng chọn tỉnh của văn bản." in r.text
    with session_scope(world.engine) as s:
        add_user(s, email="vp@bentre.example", role="office", password="mat-khau-ben-tre", actor="test",
                 province="ben-tre")
    anonymous.login("vp@bentre.example", "mat-khau-ben-tre")
    theirs = anonymous.get("/tasks/new").text
    assert 'value="ben-tre"' in theirs and 'value="bac-giang"' not in theirs
    # an agency of Bắc Giang is not one of Bến Tre's
    r = _new(anonymous, province="ben-tre", lead=["UBND huyện Việt Yên"])
    assert r.status_code == 400 and "“UBND huyện Việt Yên”" in r.text
