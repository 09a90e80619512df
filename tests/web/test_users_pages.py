"""Office accounts managed in the browser by an administrator (role ``admin``, as made by
``dondoc user add --role admin``): create, change the role, set a new password, deactivate;
a new password or a deactivation ends that account's sign-ins at once. Nobody else manages them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from models.core.db import session_scope
from models.core.tables import AuditEvent
from models.core.web_tables import StaffSession, StaffUser
from tests.conftest import DONDOC
from tests.web.conftest import OFFICE, TODAY, VIEWER, Browserless, World

ADMIN = ("quantri@bacgiang.example", "mat-khau-quan-tri")


@pytest.fixture
def admin(world: World, client: Browserless) -> Iterator[Browserless]:
    """An administrator signed in on the same application (process) as ``client``/``office``."""
    from models.auth.users import add_user

    with session_scope(world.engine) as s:
        add_user(s, email=ADMIN[0], role="admin", password=ADMIN[1], actor="test")
    with Browserless(client.app) as c:
        c.login(*ADMIN)
        yield c


def _user(world: World, email: str) -> StaffUser:
    with Session(world.engine) as s:
        return s.exec(select(StaffUser).where(StaffUser.email == email)).one()


def _signs_in(world: World, email: str, password: str) -> bool:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY)) as c:
        r = c.post("/login", data={"email": email, "password": password, "csrf_token": c.csrf(), "next": "/"},
                   follow_redirects=False)
    return r.status_code == 303


def test_dondoc_user_add_makes_an_administrator(engine, run_cli) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run([str(DONDOC), "user", "add", "qt@bacgiang.example", "--role", "admin", "--password-stdin"],
                          input="mot-mat-khau-dai\n", capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert proc.returncode == 0, proc.stderr
    with Session(engine) as s:
        assert s.exec(select(StaffUser.role)).one() == "admin"


def test_an_administrator_creates_an_account_that_can_sign_in(admin: Browserless, world: World) -> None:
    r = admin.submit("/users", "/users", {"email": "Moi@BacGiang.example", "role": "viewer",
                                          "password": "mat-khau-moi-dai"})
    assert r.status_code == 200 and "Đã thêm tài khoản." in r.text and "moi@bacgiang.example" in r.text
    assert _signs_in(world, "moi@bacgiang.example", "mat-khau-moi-dai")
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "staff_user", AuditEvent.action == "created",
                                                AuditEvent.actor == f"office:{ADMIN[0]}")).one()
    assert event.source == "web" and event.changes["role"] == [None, "viewer"]


@pytest.mark.parametrize(("email", "password", "message"), [
    ("khong-phai-email", "mat-khau-moi-dai", "Địa chỉ e-mail không hợp lệ"),
    ("moi@bacgiang.example", "ngan", "ít nhất 10 ký tự"),
    (OFFICE[0], "mat-khau-moi-dai", "Đã có tài khoản"),
])
def test_a_bad_new_account_is_a_form_error_and_nothing_is_written(admin: Browserless, world: World, email: str,
                                                                   password: str, message: str) -> None:
    with Session(world.engine) as s:
        before = len(s.exec(select(StaffUser)).all())
    r = admin.submit("/users", "/users", {"email": email, "role": "office", "password": password})
    assert r.status_code == 400 and message in r.text
    with Session(world.engine) as s:
        assert len(s.exec(select(StaffUser)).all()) == before


def test_a_new_password_ends_the_account_s_sessions(admin: Browserless, office: Browserless, world: World) -> None:
    assert office.get("/tasks").status_code == 200
    target = _user(world, OFFICE[0])
    r = admin.submit("/users", f"/users/{target.id}/password", {"password": "mat-khau-doi-moi"})
    assert "mọi phiên đăng nhập của tài khoản đã kết thúc" in r.text
    assert office.get("/tasks", follow_redirects=False).status_code == 303  # back to the sign-in page
    assert not _signs_in(world, *OFFICE) and _signs_in(world, OFFICE[0], "mat-khau-doi-moi")
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.entity_id == target.id,
                                                AuditEvent.actor == f"office:{ADMIN[0]}")).one()
    assert event.changes["sessions"] == [1, 0] and "mat-khau" not in str(event.changes)


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(admin: Browserless, office: Browserless,
                                                                world: World) -> None:
    target = _user(world, OFFICE[0])
    r = admin.submit("/users", f"/users/{target.id}/deactivate")
    assert "đã ngừng hoạt động" in r.text
    assert office.get("/tasks", follow_redirects=False).status_code == 303
    assert not _signs_in(world, *OFFICE)
    with Session(world.engine) as s:
        assert s.exec(select(StaffSession).where(StaffSession.user_id == target.id)).first() is None
    admin.submit("/users", f"/users/{target.id}/activate")
    assert _signs_in(world, *OFFICE)


def test_a_role_change_takes_effect_and_is_audited(admin: Browserless, world: World) -> None:
    target = _user(world, VIEWER[0])
    admin.submit("/users", f"/users/{target.id}/role", {"role": "office"})
    assert _user(world, VIEWER[0]).role == "office"
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.entity_id == target.id,
                                                AuditEvent.actor == f"office:{ADMIN[0]}")).one()
    assert event.changes["role"] == ["viewer", "office"]


def test_the_last_administrator_cannot_be_demoted_or_deactivated(admin: Browserless, world: World) -> None:
    me = _user(world, ADMIN[0])
    r = admin.submit("/users", f"/users/{me.id}/deactivate")
    assert r.status_code == 400 and "quản trị viên duy nhất" in r.text
    r = admin.submit("/users", f"/users/{me.id}/role", {"role": "office"})
    assert r.status_code == 400 and _user(world, ADMIN[0]).role == "admin" and _user(world, ADMIN[0]).active


def test_an_administrator_also_acts_as_office_staff(admin: Browserless) -> None:
    page = admin.get("/").text
    assert 'href="/users"' in page and "(quản trị)" in page
    assert admin.get("/outbox").status_code == 200


def test_office_staff_and_viewers_cannot_manage_accounts(office: Browserless, world: World,
                                                         anonymous: Browserless) -> None:
    target = _user(world, VIEWER[0])
    assert office.get("/users").status_code == 403 and 'href="/users"' not in office.get("/").text
    r = office.submit("/", f"/users/{target.id}/role", {"role": "office"})
    assert r.status_code == 403
    anonymous.login(*VIEWER)
    assert anonymous.get("/users").status_code == 403
    r = anonymous.submit("/", "/users", {"email": "x@bacgiang.example", "role": "admin",
                                         "password": "mat-khau-moi-dai"})
    assert r.status_code == 403 and _user(world, VIEWER[0]).role == "viewer"
