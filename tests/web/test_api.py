"""The JSON API under /api: schema, filters, one task, progress and extension requests."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from models.core.web_tables import ExtensionRequest
from tests.web.conftest import Browserless, World
from web.security import CSRF_COOKIE


def bearer(world: World, key: str = "snnptnt") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token(key)}"}


def test_the_openapi_schema_describes_the_api(anonymous: Browserless) -> None:
    schema = anonymous.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) == {"/api/tasks", "/api/tasks/{task_id}", "/api/tasks/{task_id}/progress",
                          "/api/tasks/{task_id}/extensions"}
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert "TaskListOut" in schema["components"]["schemas"]


def test_the_api_needs_a_session_or_an_agency_token(anonymous: Browserless, world: World) -> None:
    r = anonymous.get("/api/tasks")
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]


def test_an_agency_lists_its_overdue_tasks_with_a_bearer_token(anonymous: Browserless, world: World) -> None:
    r = anonymous.get("/api/tasks?status=qua_han&as_of=2020-02-05", headers=bearer(world))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["items"][0]["ref"] == "I.1"
    assert body["items"][0]["status_label"] == "quá hạn" and body["items"][0]["due_date"] == "2020-01-31"
    by_query = anonymous.get(f"/api/tasks?token={world.token('snnptnt')}&quarter=2020-Q1&role=lead").json()
    assert "I.1" in {i["ref"] for i in by_query["items"]}


def test_one_task_shows_its_assignments_and_progress(anonymous: Browserless, world: World) -> None:
    task = world.task_id("I.1")
    anonymous.post(f"/api/tasks/{task}/progress", headers=bearer(world),
                   json={"status": "in_progress", "percent": 40, "note": "Đang trình UBND tỉnh"})
    body = anonymous.get(f"/api/tasks/{task}", headers=bearer(world)).json()
    assert body["ref"] == "I.1" and {a["role"] for a in body["assignments"]} == {"lead", "coordinating"}
    assert body["updates"][0]["note"] == "Đang trình UBND tỉnh" and body["updates"][0]["percent"] == 40


def test_a_progress_update_through_the_api_is_validated_in_vietnamese(anonymous: Browserless, world: World) -> None:
    task = world.task_id("I.1")
    bad = anonymous.post(f"/api/tasks/{task}/progress", headers=bearer(world), json={"status": "done", "percent": 140})
    assert bad.status_code == 422 and "từ 0 đến 100" in bad.json()["detail"]
    wrong = anonymous.post(f"/api/tasks/{task}/progress", headers=bearer(world), json={"percent": "abc"})
    assert wrong.status_code == 422 and "Dữ liệu không hợp lệ" in wrong.json()["detail"]
    ok = anonymous.post(f"/api/tasks/{task}/progress", headers=bearer(world), json={"status": "done", "note": "xong"})
    assert ok.status_code == 200
    mine = next(a for a in ok.json()["assignments"] if a["agency_name"].startswith("Sở Nông nghiệp"))
    assert mine["state"] == "done" and mine["percent"] == 100 and mine["completed_on"] == "2020-01-25"


def test_an_extension_request_through_the_api(anonymous: Browserless, world: World) -> None:
    task = world.task_id("I.1")
    past = anonymous.post(f"/api/tasks/{task}/extensions", headers=bearer(world),
                          json={"new_due_date": "2020-01-02", "reason": "Chờ vốn Trung ương"})
    assert past.status_code == 422 and "đã qua" in past.json()["detail"]
    r = anonymous.post(f"/api/tasks/{task}/extensions", headers=bearer(world),
                       json={"new_due_date": "2020-02-20", "reason": "Chờ vốn Trung ương"})
    assert r.status_code == 201 and r.json()["state"] == "pending" and r.json()["current_due_date"] == "2020-01-31"
    with Session(world.engine) as s:
        assert s.exec(select(ExtensionRequest)).one().requested_due_date == date(2020, 2, 20)


def test_an_office_session_changes_through_the_api_only_with_the_csrf_header(office: Browserless, world: World) -> None:
    task = world.task_id("I.1")
    body = {"status": "in_progress", "percent": 10, "agency_id": world.agency_id("snnptnt")}
    assert office.post(f"/api/tasks/{task}/progress", json=body).status_code == 403
    office.get("/")  # the page sets the CSRF cookie; a script on our pages reads the token from a form
    from config.settings import get_settings
    from web.security import csrf_token_for

    token = csrf_token_for(get_settings().secret_key, office.cookies[CSRF_COOKIE])
    r = office.post(f"/api/tasks/{task}/progress", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    assert world.assignment("I.1", "snnptnt").percent == 10
    listing = office.get("/api/tasks?per_page=5").json()
    assert listing["total"] > 5 and len(listing["items"]) == 5


HUGE = str(2**70)  # past any row id SQLite or PostgreSQL can store


def test_an_id_too_large_for_the_database_is_a_missing_page_not_a_server_error(
        office: Browserless, anonymous: Browserless, world: World) -> None:
    token = world.token("snnptnt")
    for client, path in ((anonymous, f"/api/tasks/{HUGE}?token={token}"), (office, f"/tasks/{HUGE}"),
                         (office, f"/agencies/{HUGE}"), (office, f"/plans/{HUGE}"),
                         (anonymous, f"/a/{token}/tasks/{HUGE}")):
        r = client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "Không tìm thấy" in r.text
    listed = office.get(f"/tasks?agency={HUGE}")
    assert listed.status_code == 400 and "không hợp lệ" in listed.text
    r = office.post(f"/api/tasks/{world.task_id('I.1')}/progress", json={"status": "done", "agency_id": int(HUGE)},
                    headers={"X-CSRF-Token": office.csrf("/")})
    assert r.status_code == 422 and r.json()["detail"] == "agency_id không hợp lệ."


def test_a_body_that_is_not_json_gets_a_vietnamese_400(anonymous: Browserless, world: World) -> None:
    r = anonymous.post(f"/api/tasks/{world.task_id('I.1')}/progress", content=b"{\xff not json",
                       headers={**bearer(world), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"detail": "Không đọc được nội dung gửi lên (JSON không hợp lệ)."}


def test_a_method_the_route_does_not_take_is_405_with_its_allow_header(anonymous: Browserless, world: World) -> None:
    r = anonymous.request("TRACE", "/api/tasks", headers=bearer(world))
    assert r.status_code == 405 and r.headers["allow"] == "GET"


def test_the_schema_documents_the_states_and_bounds_the_api_accepts(anonymous: Browserless) -> None:
    progress = anonymous.get("/api/openapi.json").json()["components"]["schemas"]["ProgressIn"]["properties"]
    assert progress["status"]["enum"] == ["open", "in_progress", "done"]
    responses = anonymous.get("/api/openapi.json").json()["paths"]["/api/tasks/{task_id}/progress"]["post"]["responses"]
    assert {"400", "401", "403", "404", "422"} <= set(responses)
    assert (progress["percent"]["minimum"], progress["percent"]["maximum"]) == (0, 100)
