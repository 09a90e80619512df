"""Fixtures for the web application: the real Bắc Giang plan on SQLite and PostgreSQL, mail to
the real SMTP test server, office accounts, and clients that sign in and fill forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from config.settings import get_settings, reset_settings
from flows.importing.flow import import_plan
from models.agencies.links import agency_token
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.tables import Agency, Assignment, Task
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
TODAY = date(2020, 1, 25)  # the office's clock in these tests: I.1 is due 31/01/2020
OFFICE = ("vp@bacgiang.example", "mat-khau-van-phong")
VIEWER = ("xem@bacgiang.example", "mat-khau-chi-xem")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at a low cost so sign-ins stay fast in tests (the stored format carries the cost)."""
    monkeypatch.setattr("models.auth.users._N", 2**10)


@dataclass
class World:
    engine: sa.Engine

    def agency_id(self, key: str) -> int:
        with Session(self.engine) as s:
            return s.exec(select(Agency.id).where(Agency.province == "bac-giang", Agency.key == key)).one()  # type: ignore[return-value]

    def task_id(self, ref: str) -> int:
        with Session(self.engine) as s:
            return s.exec(select(Task.id).where(Task.ref == ref)).one()  # type: ignore[return-value]

    def token(self, key: str) -> str:
        with Session(self.engine) as s:
            return agency_token(s, agency_id=self.agency_id(key), secret=get_settings().secret_key)

    def foreign_task(self, key: str) -> tuple[int, str]:
        """(id, ref) of the first task the agency has no part in."""
        with Session(self.engine) as s:
            mine = select(Assignment.task_id).where(Assignment.agency_id == self.agency_id(key))
            row = s.exec(select(Task.id, Task.ref).join(Assignment, Assignment.task_id == Task.id)  # type: ignore[arg-type]
                         .where(Task.id.not_in(mine)).order_by(Task.id)).first()  # type: ignore[union-attr]
        assert row is not None
        return row[0], row[1]

    def assignment(self, ref: str, key: str) -> Assignment:
        with Session(self.engine) as s:
            return s.exec(select(Assignment).where(Assignment.task_id == self.task_id(ref),
                                                   Assignment.agency_id == self.agency_id(key))).one()


@pytest.fixture
def world(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> World:  # type: ignore[no-untyped-def]
    """The Bắc Giang plan imported, two staff accounts, mail going to the test SMTP server."""
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    reset_settings()
    import_plan(str(BAC_GIANG))
    with session_scope(engine) as s:
        add_user(s, email=OFFICE[0], role="office", password=OFFICE[1], actor="test")
        add_user(s, email=VIEWER[0], role="viewer", password=VIEWER[1], actor="test")
    return World(engine)


class Browserless(TestClient):
    """A TestClient that reads CSRF tokens from pages and signs in like a person would."""

    def csrf(self, path: str = "/login") -> str:
        page = self.get(path)
        found = CSRF_RE.search(page.text)
        assert found, f"no CSRF field on {path} ({page.status_code})"
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        r = self.post("/login", data={"email": email, "password": password, "csrf_token": self.csrf(), "next": "/"},
                      follow_redirects=False)
        assert r.status_code == 303, r.text

    def submit(self, page: str, action: str, data: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
        """POST a form found on ``page`` with its CSRF token (as a browser would)."""
        return self.post(action, data={**(data or {}), "csrf_token": self.csrf(page)}, **kw)


@pytest.fixture
def client(world: World) -> Iterator[Browserless]:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY)) as c:
        yield c


@pytest.fixture
def office(client: Browserless) -> Browserless:
    client.login(*OFFICE)
    return client


@pytest.fixture
def anonymous(world: World) -> Iterator[Browserless]:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY)) as c:
        yield c
