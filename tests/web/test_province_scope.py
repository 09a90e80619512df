"""One deployment, several provinces (issue 13): an office account sees and changes only its
province's plans, agencies, tasks, reports and mail. Bắc Giang's plan (province A) and Bến Tre's
(province B, part of Vĩnh Long since 2025) in one database; every office route of the app, found
from ``app.routes`` (so a route added later is tried too), is tried by Vĩnh Long's staff with
Bắc Giang's rows in its path and query string: nothing of Bắc Giang is shown, nothing changed.
A national account reads both provinces and changes nothing."""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from flows.reports.flow import compile_report
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.report_tables import ReportRun, ReportSubmission
from models.core.tables import LEAD, Agency, Assignment, Notice, Plan, ProgressUpdate, Task
from models.core.web_tables import Evidence, ExtensionRequest, StaffUser
from tests.conftest import DONDOC, PLANS
from tests.web.conftest import OFFICE, TODAY, Browserless, World

A_CODE = "552/KH-BCĐ"  # Bắc Giang's plan
B_CODE = "1185/KH-UBND"  # Bến Tre's plan
# what only Bắc Giang's rows show: its plan's number, a district of Bắc Giang, its mail domain
A_MARKERS = (A_CODE, "huyện Lục Ngạn", "bacgiang.example")
B_OFFICE = ("vp@vinhlong.example", "mat-khau-vinh-long")
B_ADMIN = ("qt@vinhlong.example", "mat-khau-quan-tri-vl")
NATIONAL = ("bo@nongthonmoi.example", "mat-khau-toan-quoc")
PDF = b"%PDF-1.4\n%%EOF\n"
# paths that are no office route: an agency's own pages, signing in, the agencies' link request
NOT_OFFICE = ("/a/", "/login", "/logout", "/healthz", "/links/", "/static", "/api/openapi.json")


@dataclass
class Rows:
    """Bắc Giang's rows, one of each kind a path can name."""

    plan_id: int
    task_id: int
    agency_id: int
    assignment_id: int
    evidence_id: int
    request_id: int
    submission_id: int
    run_id: int
    notice_id: int
    user_id: int
    group_code: str
    b_task_id: int


def _one(world: World, query: Any) -> Any:
    with Session(world.engine) as s:
        return s.exec(query).first()


@pytest.fixture
def two(world: World, client: Browserless) -> Rows:
    """Bắc Giang's plan (the world's) with evidence, an extension request, a period report, a
    compiled report and sent notices; Bến Tre's plan; Vĩnh Long's office and admin accounts and a
    national one."""
    a_task = world.task_id("I.1")
    a_agency = world.agency_id("snnptnt")
    token = world.token("snnptnt")
    url = f"/a/{token}/tasks/{a_task}"
    client.post(url + "/evidence", files={"file": ("a.pdf", PDF, "application/pdf")},
                data={"csrf_token": client.csrf(url)})
    client.submit(url, url + "/extension", {"new_date": "30/12/2020", "reason": "Bắc Giang cần thêm thời gian"})
    duty = _one(world, select(Assignment.id).join(Task, Task.id == Assignment.task_id).where(  # type: ignore[arg-type]
        Task.source == "report", Task.ref == "BC.2020-H1", Assignment.agency_id == a_agency))
    report = f"/a/{token}/reports/{duty}"
    client.post(report, data={"summary": "Báo cáo 6 tháng của Sở NN&PTNT Bắc Giang", "csrf_token": client.csrf(report)},
                files={"file": ("bc.pdf", PDF, "application/pdf")})
    run_id = compile_report(A_CODE, "2020-H1").run_id
    daily_sweep(TODAY)  # reminders of Bắc Giang's tasks due on 31/01/2020, mailed to the test server
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(world.engine) as s:
        add_user(s, email=B_OFFICE[0], role="office", password=B_OFFICE[1], actor="test", province="vinh-long")
        add_user(s, email=B_ADMIN[0], role="admin", password=B_ADMIN[1], actor="test", province="vinh-long")
        add_user(s, email=NATIONAL[0], role="national", password=NATIONAL[1], actor="test")
    b_task = _one(world, select(Task.id).join(Plan, Plan.id == Task.plan_id).where(  # type: ignore[arg-type]
        Plan.code == B_CODE, Task.source != "report").order_by(Task.id))
    return Rows(
        plan_id=_one(world, select(Plan.id).where(Plan.code == A_CODE)),
        task_id=a_task, agency_id=a_agency, assignment_id=duty,
        evidence_id=_one(world, select(Evidence.id)), request_id=_one(world, select(ExtensionRequest.id)),
        submission_id=_one(world, select(ReportSubmission.id)), run_id=run_id,
        notice_id=_one(world, select(Notice.id).order_by(Notice.id)),  # type: ignore[arg-type]
        user_id=_one(world, select(StaffUser.id).where(StaffUser.email == OFFICE[0])),
        group_code="so-ban-nganh", b_task_id=b_task)


def a_state(world: World) -> tuple[object, ...]:
    """Everything of Bắc Giang a change could touch: its plan, tasks, assignments, progress,
    agencies, requests, reports, notices and its staff accounts."""
    with Session(world.engine) as s:
        plan = s.exec(select(Plan).where(Plan.province == "bac-giang")).one()
        tasks = s.exec(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)).all()  # type: ignore[arg-type]
        ids = [t.id for t in tasks]
        assignments = s.exec(select(Assignment).where(Assignment.task_id.in_(ids))  # type: ignore[union-attr]
                             .order_by(Assignment.id)).all()
        a_ids = [a.id for a in assignments]
        return (
            (plan.code, plan.issued_on, plan.title),
            tuple((t.content, t.state, t.due_date, t.deadline_text) for t in tasks),
            tuple((a.agency_id, a.role, a.status, a.percent, a.due_date) for a in assignments),
            len(s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id.in_(a_ids))).all()),  # type: ignore[attr-defined]
            tuple((a.name, a.email, a.active, a.link_generation) for a in
                  s.exec(select(Agency).where(Agency.province == "bac-giang").order_by(Agency.id)).all()),
            tuple((r.state, r.requested_due_date) for r in s.exec(select(ExtensionRequest)).all()),
            len(s.exec(select(ReportSubmission)).all()), len(s.exec(select(ReportRun)).all()),
            tuple(sorted((n.id, n.status, n.attempts) for n in
                         s.exec(select(Notice).where(Notice.assignment_id.in_(a_ids))).all())),  # type: ignore[attr-defined]
            tuple((u.email, u.role, u.province, u.active, u.password_hash) for u in
                  s.exec(select(StaffUser).where(StaffUser.email == OFFICE[0])).all()),
        )


def office_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path template, route) of every office route of the app: all but an agency's own
    pages and signing in (HEAD left out: it answers as GET)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or str(context.path).startswith(NOT_OFFICE):
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                yield method, str(context.path), route


def fill(template: str, rows: Rows) -> str:
    """The path with Bắc Giang's rows in it; every id-like query filter names them too."""
    values = {"plan_id": rows.plan_id, "task_id": rows.task_id, "agency_id": rows.agency_id,
              "assignment_id": rows.assignment_id, "evidence_id": rows.evidence_id, "request_id": rows.request_id,
              "submission_id": rows.submission_id, "run_id": rows.run_id, "row_id": rows.notice_id,
              "user_id": rows.user_id, "source": "notice", "fmt": "docx", "code": rows.group_code}
    path = template
    for name in re.findall(r"{(\w+)}", template):
        assert name in values, f"{template}: no Bắc Giang row for the path parameter {name!r}: add it to the test"
        path = path.replace("{" + name + "}", str(values[name]))
    return path


def form_for(rows: Rows) -> dict[str, Any]:
    """A form that fills what any office form asks, naming Bắc Giang's rows and province."""
    return {"status": "done", "percent": "100", "note": "x", "reported_on": "24/01/2020", "channel": "phone",
            "new_date": "30/12/2020", "reason": "lý do đủ dài", "content": "Nội dung mới", "deadline": "31/12/2020",
            "lead": "Sở Tài chính", "new_lead": "Sở Tài chính", "code": "1/KH", "issued_on": "01/01/2020",
            "title": "Tiêu đề", "ref": "I.1", "agency": str(rows.agency_id), "province": "bac-giang",
            "role": "admin", "password": "mat-khau-moi-dai", "email": "moi@bacgiang.example", "period": "2020-H1",
            "name": "Cơ quan mới", "doc_kind": "cong_van", "doc_code": "9/CV", "doc_date": "20/01/2020",
            "summary": "x", "reject": "x"}


def _text(r: Any) -> str:
    """What a response shows: its text, or the strings of a workbook or Word file."""
    body = r.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return r.text


@pytest.fixture
def vinh_long(two: Rows, world: World) -> Iterator[Browserless]:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY), raise_server_exceptions=False) as c:
        c.login(*B_OFFICE)
        yield c


def _shows_a(r: Any) -> list[str]:
    return [m for m in A_MARKERS if m in _text(r)]


def test_another_provinces_staff_is_refused_on_every_office_route(vinh_long: Browserless, two: Rows,
                                                                  world: World) -> None:
    before = a_state(world)
    routes = list(office_routes(vinh_long.app))  # type: ignore[arg-type]
    assert len(routes) >= 60, len(routes)  # the walk found the routes
    csrf = vinh_long.csrf("/tasks/new")
    wrong = []
    for method, template, _route in routes:
        path = fill(template, two)
        query = f"plan={two.plan_id}&agency={two.agency_id}&task={two.task_id}"
        if method == "GET":
            # with Bắc Giang's rows as filters, and without (a list must then leave them out)
            for target in (f"{path}?{query}", path):
                r = vinh_long.get(target, follow_redirects=False)
                if r.status_code == 200 and _shows_a(r):
                    wrong.append(f"GET {target}: {r.status_code} shows {_shows_a(r)}")
                elif r.status_code >= 500:
                    wrong.append(f"GET {target}: {r.status_code}")
                if "{" in template and r.status_code not in (403, 404):
                    wrong.append(f"GET {target}: {r.status_code}, not 404")
        else:
            data = {**form_for(two), "csrf_token": csrf}
            headers = {"X-CSRF-Token": csrf}
            if template.startswith("/api/"):
                r = vinh_long.request(method, f"{path}?{query}", json={"status": "done", "agency_id": two.agency_id,
                                                                        "new_due_date": "2020-12-30",
                                                                        "reason": "lý do đủ dài"},
                                      headers=headers, follow_redirects=False)
            else:
                r = vinh_long.request(method, f"{path}?{query}", data=data, headers=headers,
                                      files={"file": ("x.pdf", PDF, "application/pdf")}
                                      if "import" in template or "contacts" in template else None,
                                      follow_redirects=False)
            if "{" in template and r.status_code not in (403, 404):
                wrong.append(f"{method} {path}: {r.status_code}, not 404")
            elif r.status_code >= 500 or (r.status_code == 200 and _shows_a(r)):
                wrong.append(f"{method} {path}: {r.status_code} {_shows_a(r)}")
    assert wrong == []
    assert a_state(world) == before


def test_another_provinces_lists_and_figures_leave_the_first_provinces_rows_out(vinh_long: Browserless,
                                                                                two: Rows) -> None:
    for path in ("/", "/tasks?role=", "/tasks?kind=", "/plans", "/extensions", "/reports", "/review", "/outbox",
                 "/api/tasks?role=", "/tasks.xlsx?role=", "/tasks?q=nong+thon", "/remind/overdue", "/tasks/new",
                 "/plans/import"):
        r = vinh_long.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert _shows_a(r) == [], (path, _shows_a(r))
    # its own province's rows are there
    assert B_CODE in vinh_long.get("/plans").text
    api = vinh_long.get("/api/tasks?role=&kind=").json()
    assert api["total"] > 0
    assert all(i["plan_code"] == B_CODE for i in api["items"])
    assert vinh_long.get(f"/tasks/{two.b_task_id}").status_code == 200


def test_a_national_account_reads_every_province_and_changes_nothing(two: Rows, world: World) -> None:
    from web.app import create_app

    before = a_state(world)
    with Browserless(create_app(today=lambda: TODAY), raise_server_exceptions=False) as c:
        c.login(*NATIONAL)
        plans = c.get("/plans").text
        assert A_CODE in plans and B_CODE in plans
        for code in (A_CODE, B_CODE):
            found = c.get("/api/tasks", params={"role": "", "q": "", "plan": _plan_id(world, code)}).json()
            assert found["total"] > 0 and {i["plan_code"] for i in found["items"]} == {code}
        for path in (f"/tasks/{two.task_id}", f"/plans/{two.plan_id}", f"/agencies/{two.agency_id}",
                     f"/tasks/{two.b_task_id}", f"/api/tasks/{two.task_id}", f"/plans/{two.plan_id}/reports"):
            assert c.get(path).status_code == 200, path
        listed = c.get("/tasks?role=&per_page=200").text
        assert A_CODE in listed and B_CODE in listed
        assert c.get("/").status_code == 200
        csrf = c.csrf("/")
        refused = []
        for method, template, _route in office_routes(c.app):  # type: ignore[arg-type]
            if method == "GET":
                continue
            r = c.request(method, fill(template, two), data={**form_for(two), "csrf_token": csrf},
                          headers={"X-CSRF-Token": csrf}, follow_redirects=False)
            if r.status_code not in (403, 404, 405, 422):
                refused.append(f"{method} {template}: {r.status_code}")
        assert refused == []
    assert a_state(world) == before


def test_an_account_without_a_province_is_refused_once_the_database_holds_two(two: Rows, world: World) -> None:
    from web.app import create_app

    with session_scope(world.engine) as s:
        s.execute(sa.update(StaffUser).where(StaffUser.email == OFFICE[0]).values(province=None))  # type: ignore[arg-type]
    with Browserless(create_app(today=lambda: TODAY), raise_server_exceptions=False) as c:
        c.login(*OFFICE)
        r = c.get("/tasks")
        assert r.status_code == 403 and "chưa được gán tỉnh" in r.text
        assert A_CODE not in r.text
        assert c.get(f"/tasks/{two.task_id}").status_code == 403


def _plan_id(world: World, code: str) -> int:
    return _one(world, select(Plan.id).where(Plan.code == code))  # type: ignore[no-any-return]


def _user_add(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DONDOC), "user", "add", *args, "--password-stdin"], input="mot-mat-khau-dai\n",
                          capture_output=True, text=True, env=dict(os.environ), timeout=60)


def test_accounts_get_the_databases_one_province_and_an_unknown_province_is_refused(two: Rows, world: World) -> None:
    with Session(world.engine) as s:
        office = s.exec(select(StaffUser).where(StaffUser.email == OFFICE[0])).one()
    assert office.province == "bac-ninh"  # made on a database holding Bắc Giang's plan only: Bắc Ninh today
    bad = _user_add("x@vinhlong.example", "--role", "office", "--province", "khong-co")
    assert bad.returncode == 2 and "khong-co" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    several = _user_add("y@vinhlong.example", "--role", "office")  # two provinces held: which one?
    assert several.returncode == 2 and "--province" in several.stderr
    national = _user_add("z@vinhlong.example", "--role", "national", "--province", "vinh-long")
    assert national.returncode == 2
    ok = _user_add("w@vinhlong.example", "--role", "viewer", "--province", "vinh-long")
    assert ok.returncode == 0 and "province vinh-long" in ok.stdout
    with Session(world.engine) as s:
        refused = ["x@vinhlong.example", "y@vinhlong.example", "z@vinhlong.example"]
        assert s.exec(select(StaffUser).where(StaffUser.email.in_(refused))).all() == []  # type: ignore[attr-defined]


def test_an_administrator_manages_only_its_provinces_accounts(two: Rows, world: World) -> None:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY), raise_server_exceptions=False) as c:
        c.login(*B_ADMIN)
        page = c.get("/users").text
        assert B_OFFICE[0] in page and OFFICE[0] not in page and NATIONAL[0] not in page
        r = c.submit("/users", "/users", {"email": "moi@vinhlong.example", "role": "office", "password": "x" * 12,
                                          "province": "bac-giang"})
        assert r.status_code == 400 and "Chỉ gán được tỉnh" in r.text
        r = c.submit("/users", "/users", {"email": "moi@vinhlong.example", "role": "office", "password": "x" * 12,
                                          "province": "ben-tre"})
        assert r.status_code == 200 and "moi@vinhlong.example" in r.text
        r = c.submit("/users", "/users", {"email": "tq@vinhlong.example", "role": "national", "password": "x" * 12})
        assert r.status_code == 400
        # Bắc Giang's administrator does not stand in for Vĩnh Long's last one
        with session_scope(world.engine) as s:
            add_user(s, email="qt@bacgiang.example", role="admin", password="mat-khau-quan-tri-bg", actor="test",
                     province="bac-ninh")
        own = _one(world, select(StaffUser.id).where(StaffUser.email == B_ADMIN[0]))
        r = c.submit("/users", f"/users/{own}/role", {"role": "office"})
        assert r.status_code == 400 and "quản trị viên duy nhất" in r.text
    with Session(world.engine) as s:
        made = s.exec(select(StaffUser).where(StaffUser.email == "moi@vinhlong.example")).one()
        assert made.province == "ben-tre"
        assert s.exec(select(StaffUser).where(StaffUser.email == "tq@vinhlong.example")).first() is None


def test_lead_counts_of_each_province_stay_apart(vinh_long: Browserless, two: Rows, world: World) -> None:
    """The count the list shows is the number of Vĩnh Long's rows in the database."""
    with Session(world.engine) as s:
        expected = s.execute(select(sa.func.count()).select_from(Assignment).join(Task, Task.id == Assignment.task_id)
                             .join(Plan, Plan.id == Task.plan_id).where(
                                 Plan.code == B_CODE, Assignment.role == LEAD, Task.source != "report",
                                 Assignment.status != "cancelled", Task.state == "active")).scalar_one()
    assert vinh_long.get("/api/tasks?role=lead").json()["total"] == expected > 0
