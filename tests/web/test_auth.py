"""Office sign-in, roles, CSRF and the secret key."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from config.settings import PLACEHOLDER_SECRET, Settings
from models.auth.users import SCRYPT_N, hash_password, verify_password
from models.core.tables import AuditEvent
from models.core.web_tables import StaffUser
from tests.web.conftest import OFFICE, VIEWER, Browserless, World
from web.security import SESSION_COOKIE, InsecureSecretError, check_secret


def test_office_pages_send_an_anonymous_visitor_to_the_sign_in_page(anonymous: Browserless) -> None:
    r = anonymous.get("/tasks?status=qua_han", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/tasks")
    page = anonymous.get("/login")
    assert "Đăng nhập" in page.text and "Mật khẩu" in page.text


def test_a_wrong_password_is_refused_with_a_message_in_the_page(anonymous: Browserless) -> None:
    r = anonymous.post("/login", data={"email": OFFICE[0], "password": "sai-mat-khau", "csrf_token": anonymous.csrf()})
    assert r.status_code == 400
    assert "E-mail hoặc mật khẩu không đúng." in r.text
    assert SESSION_COOKIE not in r.cookies


def test_signing_in_opens_the_overview_and_is_audited(anonymous: Browserless, world: World) -> None:
    anonymous.login(*OFFICE)
    page = anonymous.get("/")
    assert page.status_code == 200 and "Tổng quan tiến độ thực hiện" in page.text
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "signed_in")).one()
    assert event.actor == f"office:{OFFICE[0]}" and event.at is not None


def test_sign_in_without_the_csrf_field_is_refused(anonymous: Browserless) -> None:
    anonymous.get("/login")
    r = anonymous.post("/login", data={"email": OFFICE[0], "password": OFFICE[1]})
    assert r.status_code == 403 and "CSRF" in r.text


def test_a_form_posted_from_another_site_is_refused_even_when_signed_in(office: Browserless, world: World) -> None:
    forged = office.post(f"/tasks/{world.task_id('I.1')}/remind", data={"csrf_token": "gia-mao"})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_a_tampered_session_cookie_is_not_a_session(office: Browserless) -> None:
    value = office.cookies[SESSION_COOKIE]
    office.cookies.set(SESSION_COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    r = office.get("/", follow_redirects=False)
    assert r.status_code == 303


def test_a_viewer_sees_the_pages_but_cannot_act(client: Browserless, world: World) -> None:
    client.login(*VIEWER)
    task = world.task_id("I.1")
    page = client.get(f"/tasks/{task}")
    assert page.status_code == 200 and "Gửi nhắc việc ngay" not in page.text
    r = client.submit(f"/tasks/{task}", f"/tasks/{task}/remind")
    assert r.status_code == 403 and "chỉ có quyền xem" in r.text
    r = client.submit(f"/agencies/{world.agency_id('snnptnt')}", f"/agencies/{world.agency_id('snnptnt')}/revoke")
    assert r.status_code == 403


def test_signing_out_ends_the_session(office: Browserless) -> None:
    r = office.submit("/", "/logout", follow_redirects=False)
    assert r.status_code == 303
    assert office.get("/", follow_redirects=False).status_code == 303


def test_passwords_are_stored_as_scrypt_hashes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(world.engine) as s:
        user = s.exec(select(StaffUser).where(StaffUser.email == OFFICE[0])).one()
    assert user.password_hash.startswith("scrypt$") and OFFICE[1] not in user.password_hash
    monkeypatch.setattr("models.auth.users._N", SCRYPT_N)
    real = hash_password("mot-mat-khau-dai")  # the production cost
    assert real.split("$")[1] == str(SCRYPT_N) == "32768"
    assert verify_password("mot-mat-khau-dai", real) and not verify_password("mot-mat-khau-khac", real)


def test_the_sign_in_page_never_redirects_to_another_site(anonymous: Browserless) -> None:
    r = anonymous.post("/login", data={"email": OFFICE[0], "password": OFFICE[1], "next": "//evil.example/x",
                                       "csrf_token": anonymous.csrf()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


@pytest.mark.parametrize("env", ["production"])
def test_the_placeholder_secret_is_refused_outside_development(env: str) -> None:
    with pytest.raises(InsecureSecretError):
        check_secret(Settings(env=env, secret_key=PLACEHOLDER_SECRET))
    check_secret(Settings(env=env, secret_key="Vx7-Lq2pZr9wT4mN8kB3cH6jD1fG5sYa0eU"))
    with pytest.raises(InsecureSecretError):  # long, but one character over and over
        check_secret(Settings(env=env, secret_key="x" * 40))
    check_secret(Settings(env="development", secret_key=PLACEHOLDER_SECRET))


def test_pages_carry_security_headers(anonymous: Browserless) -> None:
    r = anonymous.get("/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["x-frame-options"] == "DENY"


def test_an_agency_token_on_an_office_page_is_not_carried_into_the_sign_in_address(
        anonymous: Browserless, world: World) -> None:
    token = world.token("snnptnt")
    r = anonymous.get(f"/tasks?status=qua_han&token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/tasks%3Fstatus%3Dqua_han"
    assert token not in r.headers["location"]
