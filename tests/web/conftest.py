"""Fixtures for the web application: the real Bắc Giang plan on SQLite and PostgreSQL, mail to
the real SMTP test server, office accounts, and clients that sign in and fill forms.

Browser tests share the fixtures at the end: ``live`` (the app on uvicorn), ``chromium`` (Debian's
Chromium through Playwright, never a downloaded browser; ``browser`` is the same), ``page`` and
the helpers ``sign_in``, ``fits`` and ``shot``."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
from tests.conftest import PLANS, REPO
from tests.smtp_server import free_port

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


# ---- browser tests ---------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = REPO / "var" / "screenshots"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make browser)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser(chromium: object) -> object:
    """The same Chromium under the name the first browser tests used."""
    return chromium


@pytest.fixture
def office_today() -> date:
    """The office's clock of the live app; a test module overrides this fixture for another day."""
    return TODAY


@pytest.fixture
def live(world: World, monkeypatch: pytest.MonkeyPatch, office_today: date) -> Iterator[str]:
    """The app on uvicorn in a thread, its clock at ``office_today``; e-mail links point at it
    (DONDOC_BASE_URL)."""
    import uvicorn

    from web.app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("DONDOC_BASE_URL", base)
    reset_settings()
    server = uvicorn.Server(uvicorn.Config(create_app(today=lambda: office_today), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page, base: str, next_path: str = "/") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=email]", OFFICE[0])
    page.fill("input[name=password]", OFFICE[1])
    page.click("button:has-text('Đăng nhập')")
    page.wait_for_selector("h1")


def fits(page, width: int, what: str) -> None:  # type: ignore[no-untyped-def]
    """The page scrolls no sideways on a screen ``width`` px wide."""
    # measured once the stylesheet is in: asked for earlier (a click's next page, a loaded machine)
    # Chromium lays the page out without it, tables unstacked (824 px seen once in CI)
    page.wait_for_load_state("load")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{what} is {wide} px wide on a {width} px screen"


def shot(page, folder: str, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot into var/screenshots/<folder>/<name>.png."""
    target = SHOTS / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
