"""An agency's link opens that agency's tasks and nothing else: tried on every route that takes
a task, an agency, a file or a request; revoked, expired and forged links open nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from config.settings import get_settings
from models.agencies.links import agency_token
from models.core.tables import LEAD, Assignment, AuditEvent, ProgressUpdate, Task
from models.core.web_tables import Evidence, ExtensionRequest
from tasks.common.tokens import make_agency_token
from tests.web.conftest import OFFICE, Browserless, World

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Pair:
    a_id: int
    a_token: str
    a_task: int
    b_id: int
    b_token: str
    b_task: int
    b_evidence: int
    b_request: int
    b_duty: int  # B's period-report duty (its assignment on BC.2020-H1)


def _token(world: World, agency_id: int) -> str:
    with Session(world.engine) as s:
        return agency_token(s, agency_id=agency_id, secret=get_settings().secret_key)


@pytest.fixture
def pair(client: Browserless, world: World) -> Pair:
    """Agency A (Sở NN&PTNT) and agency B, the lead of a task A has no part in; B has evidence and a request."""
    a_id = world.agency_id("snnptnt")
    with Session(world.engine) as s:
        mine = set(s.exec(select(Assignment.task_id).where(Assignment.agency_id == a_id)))
        b_task, b_id = next((t, ag) for t, ag in s.exec(
            select(Assignment.task_id, Assignment.agency_id).where(Assignment.role == LEAD).order_by(Assignment.id))
            if t not in mine)
    b_token = _token(world, b_id)
    url = f"/a/{b_token}/tasks/{b_task}"
    client.post(url + "/evidence", files={"file": ("b.pdf", PDF, "application/pdf")},
                data={"csrf_token": client.csrf(url)})
    client.submit(url, url + "/extension", {"new_date": "30/12/2020", "reason": "Cơ quan B cần thêm thời gian"})
    with Session(world.engine) as s:
        ev = s.exec(select(Evidence)).one()
        req = s.exec(select(ExtensionRequest)).one()
        duty = s.exec(select(Assignment.id).join(Task, Task.id == Assignment.task_id).where(  # type: ignore[arg-type]
            Task.source == "report", Task.ref == "BC.2020-H1", Assignment.agency_id == b_id)).one()
    return Pair(a_id, _token(world, a_id), world.task_id("I.1"), b_id, b_token, b_task, ev.id, req.id, duty)  # type: ignore[arg-type]


def _b_state(world: World, p: Pair) -> tuple[object, ...]:
    with Session(world.engine) as s:
        rows = s.exec(select(Assignment).where(Assignment.task_id == p.b_task)).all()
        updates = s.exec(select(ProgressUpdate)).all()
        events = len(s.exec(select(AuditEvent)).all())
        requests = len(s.exec(select(ExtensionRequest)).all())
        files = len(s.exec(select(Evidence)).all())
    return tuple((a.status, a.percent, a.due_date) for a in rows), len(updates), events, requests, files


def attempts(c: Browserless, p: Pair) -> dict[tuple[str, str], object]:
    """Agency A's link against B's task, agency, file and request, on every such route."""
    tok, bearer = p.a_token, {"Authorization": f"Bearer {p.a_token}"}
    page = f"/a/{tok}/tasks/{p.a_task}"  # a page of A's own, for a valid CSRF token
    form = lambda: {"csrf_token": c.csrf(page)}  # noqa: E731
    t, b = p.b_task, p.b_id
    return {
        ("GET", "/a/{token}/tasks/{task_id}"): c.get(f"/a/{tok}/tasks/{t}"),
        ("POST", "/a/{token}/tasks/{task_id}/progress"): c.post(f"/a/{tok}/tasks/{t}/progress",
                                                               data={**form(), "status": "done", "note": "x"}),
        ("POST", "/a/{token}/tasks/{task_id}/extension"): c.post(
            f"/a/{tok}/tasks/{t}/extension", data={**form(), "new_date": "30/12/2020", "reason": "xxxxxx"}),
        ("POST", "/a/{token}/tasks/{task_id}/evidence"): c.post(f"/a/{tok}/tasks/{t}/evidence", data=form(),
                                                               files={"file": ("x.pdf", PDF, "application/pdf")}),
        ("GET", "/a/{token}/evidence/{evidence_id}"): c.get(f"/a/{tok}/evidence/{p.b_evidence}"),
        ("GET", "/agencies/{agency_id}/calendar.ics"): c.get(f"/agencies/{b}/calendar.ics?token={tok}"),
        ("GET", "/api/tasks/{task_id}"): c.get(f"/api/tasks/{t}", headers=bearer),
        ("POST", "/api/tasks/{task_id}/progress"): c.post(f"/api/tasks/{t}/progress", headers=bearer,
                                                         json={"status": "done"}),
        ("POST", "/api/tasks/{task_id}/extensions"): c.post(f"/api/tasks/{t}/extensions", headers=bearer,
                                                           json={"new_due_date": "2020-12-30", "reason": "xxxxxx"}),
        # office routes: a link is not a session, with the token in the query or as Bearer
        ("GET", "/tasks/{task_id}"): c.get(f"/tasks/{t}?token={tok}", headers=bearer, follow_redirects=False),
        ("POST", "/tasks/{task_id}/remind"): c.post(f"/tasks/{t}/remind?token={tok}", data=form(), headers=bearer,
                                                   follow_redirects=False),
        ("GET", "/agencies/{agency_id}"): c.get(f"/agencies/{b}?token={tok}", headers=bearer, follow_redirects=False),
        ("POST", "/agencies/{agency_id}/remind"): c.post(f"/agencies/{b}/remind?token={tok}", data=form(),
                                                        headers=bearer, follow_redirects=False),
        ("POST", "/agencies/{agency_id}/revoke"): c.post(f"/agencies/{b}/revoke?token={tok}", data=form(),
                                                        headers=bearer, follow_redirects=False),
        ("POST", "/agencies/{agency_id}/send-link"): c.post(f"/agencies/{b}/send-link?token={tok}", data=form(),
                                                           headers=bearer, follow_redirects=False),
        # the reminder's confirmation pages and the công văn đôn đốc
        ("GET", "/tasks/{task_id}/remind"): c.get(f"/tasks/{t}/remind?token={tok}", headers=bearer,
                                                 follow_redirects=False),
        ("GET", "/agencies/{agency_id}/remind"): c.get(f"/agencies/{b}/remind?token={tok}", headers=bearer,
                                                      follow_redirects=False),
        ("GET", "/agencies/{agency_id}/cong-van.docx"): c.get(f"/agencies/{b}/cong-van.docx?token={tok}",
                                                             headers=bearer, follow_redirects=False),
        ("GET", "/evidence/{evidence_id}"): c.get(f"/evidence/{p.b_evidence}?token={tok}", headers=bearer,
                                                 follow_redirects=False),
        ("GET", "/plans/{plan_id}"): c.get(f"/plans/1?token={tok}", headers=bearer, follow_redirects=False),
        ("GET", "/plans/{plan_id}/reports"): c.get(f"/plans/1/reports?token={tok}", headers=bearer,
                                                   follow_redirects=False),
        ("POST", "/plans/{plan_id}/reports/compile"): c.post(f"/plans/1/reports/compile?token={tok}", data=form(),
                                                            headers=bearer, follow_redirects=False),
        # B's period report, through A's link
        ("GET", "/a/{token}/reports/{assignment_id}"): c.get(f"/a/{tok}/reports/{p.b_duty}"),
        ("GET", "/a/{token}/reports/{assignment_id}/files/{submission_id}"): c.get(
            f"/a/{tok}/reports/{p.b_duty}/files/1"),
        ("POST", "/a/{token}/reports/{assignment_id}"): c.post(f"/a/{tok}/reports/{p.b_duty}",
                                                               data={**form(), "summary": "Báo cáo của A"}),
        # the office's report files and the review of proposals
        ("GET", "/reports/runs/{run_id}/{fmt}"): c.get(f"/reports/runs/1/docx?token={tok}", headers=bearer,
                                                      follow_redirects=False),
        ("GET", "/reports/submissions/{submission_id}/file"): c.get(f"/reports/submissions/1/file?token={tok}",
                                                                   headers=bearer, follow_redirects=False),
        **{("POST" if action else "GET", f"/plans/{{plan_id}}/review{action}"): (
            c.post(f"/plans/1/review{action}?token={tok}", data=form(), headers=bearer, follow_redirects=False)
            if action else c.get(f"/plans/1/review?token={tok}", headers=bearer, follow_redirects=False))
           for action in ("", "/confirm", "/discard", "/confirm-all", "/discard-all", "/edit")},
        # the administrator's account pages
        **{("POST", f"/users/{{user_id}}/{action}"): c.post(f"/users/1/{action}?token={tok}",
                                                            data={**form(), "role": "admin", "password": "x" * 12,
                                                                  "province": "ben-tre"},
                                                            headers=bearer, follow_redirects=False)
           for action in ("role", "password", "deactivate", "activate", "province")},
        # the office's outbox: resending a failed letter
        ("POST", "/outbox/{source}/{row_id}/resend"): c.post(f"/outbox/notice/1/resend?token={tok}", data=form(),
                                                             headers=bearer, follow_redirects=False),
        # tasks made and changed by hand, plan corrections, a report the office records for an agency
        **{(method, f"/tasks/{{task_id}}/{action}"): (
            c.post(f"/tasks/{t}/{action}?token={tok}", data={**form(), "new_lead": "Sở Tài chính", "reason": "x",
                                                             "content": "x", "deadline": "31/12/2020"},
                   headers=bearer, follow_redirects=False)
            if method == "POST" else c.get(f"/tasks/{t}/{action}?token={tok}", headers=bearer, follow_redirects=False))
           for method, action in (("GET", "edit"), ("POST", "edit"), ("POST", "reassign"), ("POST", "cancel"))},
        **{(method, "/plans/{plan_id}/edit"): (
            c.post(f"/plans/1/edit?token={tok}", data={**form(), "code": "1/KH"}, headers=bearer,
                   follow_redirects=False)
            if method == "POST" else c.get(f"/plans/1/edit?token={tok}", headers=bearer, follow_redirects=False))
           for method in ("GET", "POST")},
        ("POST", "/tasks/{task_id}/progress/{assignment_id}"): c.post(
            f"/tasks/{t}/progress/{p.b_duty}?token={tok}", data={**form(), "status": "done", "channel": "phone",
                                                                 "reported_on": "24/01/2020"},
            headers=bearer, follow_redirects=False),
        # the agency directory: B's edit form, its deactivation, the groups
        **{(method, "/agencies/{agency_id}/edit"): (
            c.post(f"/agencies/{b}/edit?token={tok}", data={**form(), "name": "Sở Lạ", "kind": "body"},
                   headers=bearer, follow_redirects=False)
            if method == "POST" else c.get(f"/agencies/{b}/edit?token={tok}", headers=bearer, follow_redirects=False))
           for method in ("GET", "POST")},
        ("POST", "/agencies/{agency_id}/deactivate"): c.post(f"/agencies/{b}/deactivate?token={tok}", data=form(),
                                                            headers=bearer, follow_redirects=False),
        ("GET", "/agencies/groups/{code}"): c.get(f"/agencies/groups/so_nganh?token={tok}", headers=bearer,
                                                 follow_redirects=False),
        ("POST", "/agencies/groups/{code}"): c.post(f"/agencies/groups/so_nganh?token={tok}",
                                                   data={**form(), "member": str(b)}, headers=bearer,
                                                   follow_redirects=False),
        ("POST", "/extensions/{request_id}/approve"): c.post(f"/extensions/{p.b_request}/approve?token={tok}",
                                                            data=form(), headers=bearer, follow_redirects=False),
        ("POST", "/extensions/{request_id}/reject"): c.post(f"/extensions/{p.b_request}/reject?token={tok}",
                                                           data=form(), headers=bearer, follow_redirects=False),
    }


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route of the app: FastAPI 0.150 keeps an included router as one wrapper entry."""
    for r in routes:
        if hasattr(r, "original_router"):
            yield from _all_routes(r.original_router.routes)
        else:
            yield r


def test_agency_a_s_link_is_refused_on_every_route_of_agency_b(client: Browserless, world: World, pair: Pair) -> None:
    before = _b_state(world, pair)
    results = attempts(client, pair)
    routes = {(m, r.path) for r in _all_routes(client.app.routes) for m in getattr(r, "methods", ()) or ()  # type: ignore[attr-defined]
              if "{" in r.path.replace("{token}", "")}  # every route that names a task, agency, file, plan ...
    assert routes - {("HEAD", path) for _m, path in routes} <= set(results), "a route is not tried"
    for route, r in results.items():
        assert r.status_code in (303, 401, 403), (route, r.status_code)  # type: ignore[attr-defined]
        assert b"b.pdf" not in r.content and PDF not in r.content, route  # type: ignore[attr-defined]
    assert _b_state(world, pair) == before


def test_a_link_lists_only_its_own_agency_s_tasks(client: Browserless, world: World, pair: Pair) -> None:
    page = client.get(f"/a/{pair.a_token}").text
    assert f"/a/{pair.a_token}/tasks/{pair.a_task}" in page and f"/tasks/{pair.b_task}\"" not in page
    api = client.get("/api/tasks?role=", headers={"Authorization": f"Bearer {pair.a_token}"}).json()
    assert api["total"] > 0 and {i["agency_id"] for i in api["items"]} == {pair.a_id}
    other = client.get(f"/api/tasks?agency={pair.b_id}", headers={"Authorization": f"Bearer {pair.a_token}"})
    assert other.status_code == 403
    assert client.get(f"/a/{pair.a_token}?agency={pair.b_id}").status_code == 403


def test_a_revoked_link_no_longer_opens_anything(client: Browserless, anonymous: Browserless, world: World,
                                                 pair: Pair) -> None:
    assert client.get(f"/a/{pair.a_token}").status_code == 200
    anonymous.login(*OFFICE)
    r = anonymous.submit(f"/agencies/{pair.a_id}", f"/agencies/{pair.a_id}/revoke")
    assert "Đã thu hồi mọi đường liên kết cũ" in r.text
    old = client.get(f"/a/{pair.a_token}")
    assert old.status_code == 403 and "đã bị thu hồi" in old.text
    revoked = client.get(f"/api/tasks/{pair.a_task}", headers={"Authorization": f"Bearer {pair.a_token}"})
    assert revoked.status_code == 403
    fresh = _token(world, pair.a_id)
    assert fresh != pair.a_token and client.get(f"/a/{fresh}").status_code == 200
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "links_revoked")).one()
    assert event.changes == {"link_generation": [0, 1]} and event.actor == f"office:{OFFICE[0]}"


def test_expired_and_forged_links_are_refused(client: Browserless, world: World) -> None:
    secret = get_settings().secret_key
    nn = world.agency_id("snnptnt")
    expired = make_agency_token(nn, secret=secret, now=time.time() - 61 * 86400)
    r = client.get(f"/a/{expired}")
    assert r.status_code == 403 and "đã hết hạn" in r.text
    forged = make_agency_token(nn, secret="another-secret")
    assert client.get(f"/a/{forged}").status_code == 403
    assert client.get("/a/not-a-token").status_code == 403
    other = make_agency_token(nn + 1, secret=secret)  # signed, but its number edited into another's: signature fails
    tampered = other.replace(f"{nn + 1}.", f"{nn}.", 1)
    assert client.get(f"/a/{tampered}").status_code == 403
