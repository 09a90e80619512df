"""Shared fixtures: every database test runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from config.settings import SAMPLE_PLANS, reset_settings
from models.core.db import dispose_engines, make_engine, upgrade

REPO = Path(__file__).resolve().parents[1]
PLANS = SAMPLE_PLANS
PG_SERVER = os.environ.get("DONDOC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DONDOC = Path(sys.executable).with_name("dondoc")

from tests.smtp_server import smtp_sink  # noqa: E402,F401  (the real SMTP server fixture)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets its own data directory and no stray DONDOC_*/Prefect settings."""
    for key in list(os.environ):
        if key.startswith("DONDOC_") or key == "PREFECT_API_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_ENV", "test")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    reset_settings()
    yield
    dispose_engines()
    reset_settings()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database URL, also exported as DONDOC_DATABASE_URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'dondoc.sqlite3'}"
        yield from _migrated(url, monkeypatch)
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        yield from _migrated(url, monkeypatch)
    finally:
        dispose_engines()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _migrated(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    reset_settings()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    from models.core.db import get_engine

    return get_engine(db_url)


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        """The command's standard output as JSON, after checking it succeeded."""
        assert self.code == 0, self.err
        return json.loads(self.out)


def query_rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of one SQL statement on the database at ``url`` (a connection of its own, closed after)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the installed `dondoc` command as a real process with this test's environment."""

    def run(*args: str, timeout: float = 120) -> CliResult:
        proc = subprocess.run(
            [str(DONDOC), *args], capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def soffice() -> str:
    """LibreOffice's `soffice`, which `make test` installs (make office): a missing one fails, never skips."""
    found = shutil.which("soffice")
    if found is None or shutil.which("pdftotext") is None:
        pytest.fail("LibreOffice (soffice) and pdftotext are needed: `make office` installs them")
    return found
