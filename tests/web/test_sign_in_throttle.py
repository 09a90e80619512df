"""Wrong passwords are slowed down by address and by account, without locking the real user out:
a growing wait, never the fifteen-minute lock that five wrong tries used to cause, the right
password from another address works while someone guesses, and trying one password at many
e-mails from one address is slowed as much as many passwords at one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from models.auth.throttle import (
    FIRST_WAIT,
    FREE_PER_ACCOUNT,
    FREE_PER_ACCOUNT_AND_ADDRESS,
    FREE_PER_ADDRESS,
    note_failure,
    sign_in_wait,
)
from models.auth.users import add_user
from models.core.tables import AuditEvent
from models.core.types import utcnow
from models.core.web_tables import SignInFailure
from tests.web.conftest import OFFICE, TODAY, VIEWER, Browserless, World
from web.security import SESSION_COOKIE

GUESSER = "203.0.113.7"
STAFF = "198.51.100.20"


@pytest.fixture
def app(world: World) -> FastAPI:
    from web.app import create_app

    return create_app(today=lambda: TODAY)


@pytest.fixture
def guesser(app: FastAPI) -> Iterator[Browserless]:
    with Browserless(app, client=(GUESSER, 50000)) as c:
        yield c


@pytest.fixture
def staff(app: FastAPI) -> Iterator[Browserless]:
    with Browserless(app, client=(STAFF, 50000)) as c:
        yield c


def _try(client: Browserless, password: str, email: str = OFFICE[0], csrf: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf or client.csrf(),
                                       "next": "/"}, follow_redirects=False)


def _age(world: World, by: timedelta) -> None:
    """Move every wrong try back in time (the throttle's clock is the database's timestamps)."""
    with Session(world.engine) as s:
        for failure in s.exec(select(SignInFailure)).all():
            failure.at = failure.at - by
            s.add(failure)
        s.commit()


def test_five_wrong_passwords_make_that_address_wait_thirty_seconds_not_fifteen_minutes(
        guesser: Browserless, world: World) -> None:
    for _ in range(FREE_PER_ACCOUNT_AND_ADDRESS):
        assert _try(guesser, "doan-mo-mat-khau").status_code == 400
    r = _try(guesser, OFFICE[1])  # the right password waits too: the answer tells nothing
    assert r.status_code == 429 and "Đăng nhập sai quá nhiều lần" in r.text and "30 giây" in r.text
    assert 0 < int(r.headers["retry-after"]) <= 30 and SESSION_COOKIE not in r.cookies
    with Session(world.engine) as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "sign_in_throttled")).all()
    assert event.entity == "staff_user" and event.actor == f"web:{GUESSER}"
    _age(world, FIRST_WAIT + timedelta(seconds=1))
    r = _try(guesser, OFFICE[1])
    assert r.status_code == 303 and SESSION_COOKIE in r.cookies


def test_each_further_wrong_password_doubles_the_wait(guesser: Browserless, world: World) -> None:
    for _ in range(FREE_PER_ACCOUNT_AND_ADDRESS):
        _try(guesser, "doan-mo-mat-khau")
    _age(world, FIRST_WAIT + timedelta(seconds=1))
    assert _try(guesser, "lan-doan-thu-sau").status_code == 400  # one try after the wait
    r = _try(guesser, OFFICE[1])
    assert r.status_code == 429 and "1 phút" in r.text and 30 < int(r.headers["retry-after"]) <= 60
    _age(world, 2 * FIRST_WAIT + timedelta(seconds=1))
    assert _try(guesser, OFFICE[1]).status_code == 303


def test_the_right_password_from_another_address_works_while_one_address_guesses(
        guesser: Browserless, staff: Browserless) -> None:
    statuses = [_try(guesser, f"doan-mo-{i}").status_code for i in range(FREE_PER_ACCOUNT_AND_ADDRESS + 5)]
    assert statuses == [400] * FREE_PER_ACCOUNT_AND_ADDRESS + [429] * 5
    staff.login(*OFFICE)
    assert staff.get("/").status_code == 200


def test_guessing_from_many_addresses_does_not_hold_up_the_real_user(app: FastAPI, staff: Browserless) -> None:
    for i in range(FREE_PER_ACCOUNT + 5):
        with Browserless(app, client=(f"203.0.113.{i + 1}", 50000)) as one_of_many:
            assert _try(one_of_many, "doan-mo-mat-khau").status_code == 400
    staff.login(*OFFICE)
    assert staff.get("/").status_code == 200


def test_an_address_that_failed_waits_once_the_account_has_been_guessed_at_from_many(world: World) -> None:
    now = utcnow()
    with Session(world.engine) as s:
        for i in range(FREE_PER_ACCOUNT):
            note_failure(s, email=OFFICE[0], client=f"10.0.0.{i}", now=now)
        assert sign_in_wait(s, email=OFFICE[0].upper(), client="10.0.0.1", now=now) == FIRST_WAIT
        assert sign_in_wait(s, email=OFFICE[0], client="10.0.1.1", now=now) == timedelta(0)  # never failed here
        assert sign_in_wait(s, email=VIEWER[0], client="10.0.0.1", now=now) == timedelta(0)  # another account
        assert sign_in_wait(s, email=OFFICE[0], client="10.0.0.1", now=now + FIRST_WAIT) == timedelta(0)


def test_one_password_tried_at_a_hundred_e_mails_from_one_address_is_slowed(
        guesser: Browserless, staff: Browserless) -> None:
    csrf = guesser.csrf()
    statuses = [_try(guesser, "Matkhau@123", email=f"can-bo-{i}@bacgiang.example", csrf=csrf).status_code
                for i in range(100)]
    assert statuses == [400] * FREE_PER_ADDRESS + [429] * (100 - FREE_PER_ADDRESS)
    assert _try(guesser, OFFICE[1], csrf=csrf).status_code == 429  # that address, at any account
    staff.login(*OFFICE)  # other addresses are not held up
    assert staff.get("/").status_code == 200


def test_a_throttled_address_does_not_hold_up_another_account(guesser: Browserless) -> None:
    for _ in range(FREE_PER_ACCOUNT_AND_ADDRESS):
        _try(guesser, "doan-mo-mat-khau")
    guesser.login(*VIEWER)  # the viewer's account signs in from the same machine
    assert guesser.get("/").status_code == 200


def test_a_correct_sign_in_forgets_earlier_wrong_tries(guesser: Browserless, world: World) -> None:
    for _ in range(FREE_PER_ACCOUNT_AND_ADDRESS - 1):
        _try(guesser, "go-nham")
    guesser.login(*OFFICE)
    with Session(world.engine) as s:
        assert s.exec(select(SignInFailure)).all() == []


def test_resetting_the_password_opens_a_throttled_account_again(guesser: Browserless, world: World) -> None:
    for _ in range(FREE_PER_ACCOUNT_AND_ADDRESS):
        _try(guesser, "doan-mo-mat-khau")
    with Session(world.engine) as s:
        add_user(s, email=OFFICE[0], role="office", password="mat-khau-moi-dai-hon", actor="cli")
        s.commit()
    guesser.login(OFFICE[0], "mat-khau-moi-dai-hon")
    assert guesser.get("/").status_code == 200
