"""Office sessions live on the server: the cookie carries a random id, and signing out, a new
password or the expiry end the session, so a copied cookie opens nothing afterwards (it used to
work for the twelve hours the signed cookie said)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from models.auth.users import add_user
from models.core.tables import AuditEvent
from models.core.types import utcnow
from models.core.web_tables import StaffSession, StaffUser
from tests.web.conftest import OFFICE, TODAY, VIEWER, Browserless, World
from web.security import SESSION_COOKIE


def _app() -> FastAPI:
    from web.app import create_app

    return create_app(today=lambda: TODAY)


@pytest.fixture
def app(world: World) -> FastAPI:
    return _app()


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browserless]:
    with Browserless(app) as c:
        c.login(*OFFICE)
        yield c


def _copy(cookie: str, app: FastAPI) -> Browserless:
    """Another machine holding a copy of the session cookie."""
    thief = Browserless(app)
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def _signed_in(client: Browserless) -> bool:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def test_a_copied_session_cookie_opens_nothing_after_sign_out(app: FastAPI, browser: Browserless) -> None:
    with _copy(browser.cookies[SESSION_COOKIE], app) as thief:
        assert _signed_in(thief)  # while the user is signed in, the copy works
        r = browser.submit("/", "/logout", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert not _signed_in(thief) and not _signed_in(browser)


def test_sign_out_ends_the_session_on_every_web_worker(app: FastAPI, browser: Browserless) -> None:
    cookie = browser.cookies[SESSION_COOKIE]
    browser.submit("/", "/logout")
    with _copy(cookie, _app()) as elsewhere:  # another process serving the same database
        assert not _signed_in(elsewhere)


def test_sign_out_ends_the_accounts_other_sessions_and_is_audited(
        app: FastAPI, browser: Browserless, world: World) -> None:
    with Browserless(app) as phone, Browserless(app) as viewer:
        phone.login(*OFFICE)
        viewer.login(*VIEWER)
        browser.submit("/", "/logout")
        assert not _signed_in(phone)
        assert _signed_in(viewer)  # another account's session is not touched
    with Session(world.engine) as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "signed_out")).all()
        assert event.actor == f"office:{OFFICE[0]}" and event.changes == {"sessions": [2, 0]}


def test_a_new_password_ends_the_accounts_sessions(
        app: FastAPI, browser: Browserless, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = browser.cookies[SESSION_COOKIE]
    with Session(world.engine) as s:  # what `dondoc user add` does, from another process
        add_user(s, email=OFFICE[0], role="office", password="mat-khau-moi-dai-hon", actor="dondoc user add")
        s.commit()
    with _copy(cookie, _app()) as elsewhere:
        assert not _signed_in(elsewhere)
    # a running server that read the session a moment ago learns it within USER_TTL seconds
    monkeypatch.setattr("web.deps.USER_TTL", 0.0)
    with _copy(cookie, app) as here:
        assert not _signed_in(here)
    with Session(world.engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "updated")).all()[-1]
        assert event.changes["sessions"] == [1, 0]
    browser.login(OFFICE[0], "mat-khau-moi-dai-hon")
    assert _signed_in(browser)


def test_the_new_password_from_the_command_line_ends_the_sessions(
        app: FastAPI, browser: Browserless, world: World) -> None:
    import subprocess

    from tests.conftest import DONDOC

    cookie = browser.cookies[SESSION_COOKIE]
    proc = subprocess.run([str(DONDOC), "user", "add", OFFICE[0], "--role", "office", "--password-stdin"],
                          input="mat-khau-moi-dai-hon\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    with _copy(cookie, _app()) as elsewhere:
        assert not _signed_in(elsewhere)


def test_an_expired_session_is_refused_even_when_the_browser_keeps_the_cookie(
        browser: Browserless, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.deps.USER_TTL", 0.0)
    assert _signed_in(browser)
    with Session(world.engine) as s:
        for row in s.exec(select(StaffSession)).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
            s.add(row)
        s.commit()
    assert not _signed_in(browser)


def test_a_session_lasts_the_configured_hours(browser: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        row = s.exec(select(StaffSession)).one()
    assert timedelta(hours=11, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=12)


def test_a_deactivated_account_has_no_session(
        browser: Browserless, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.deps.USER_TTL", 0.0)
    with Session(world.engine) as s:
        user = s.exec(select(StaffUser).where(StaffUser.email == OFFICE[0])).one()
        user.active = False
        s.add(user)
        s.commit()
    assert not _signed_in(browser)


def test_the_server_keeps_only_a_keyed_hash_of_the_cookie(browser: Browserless, world: World) -> None:
    cookie = browser.cookies[SESSION_COOKIE]
    assert len(cookie) >= 43 and "." not in cookie  # a random id, no user id or expiry to read
    with Session(world.engine) as s:
        keys = s.exec(select(StaffSession.key)).all()
    assert len(keys) == 1 and cookie not in keys[0] and keys[0] != cookie


@pytest.mark.parametrize("value", ["", "abc", "x" * 5000, "eyJ1IjoxLCJlIjo5OTk5OTk5OTk5fQ.c2ln"])
def test_a_made_up_cookie_is_no_session(app: FastAPI, value: str) -> None:
    with _copy(value, app) as stranger:
        assert not _signed_in(stranger)


def test_signing_in_again_after_sign_out_opens_a_new_session(browser: Browserless) -> None:
    old = browser.cookies[SESSION_COOKIE]
    browser.submit("/", "/logout")
    browser.login(*OFFICE)
    assert _signed_in(browser) and browser.cookies[SESSION_COOKIE] != old
