"""`dondoc user add` and `dondoc serve` (the web application with the embedded scheduler)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from models.core.tables import AuditEvent
from models.core.web_tables import StaffUser
from tests.conftest import DONDOC
from tests.smtp_server import free_port


def test_user_add_reads_the_password_from_stdin_and_stores_only_a_hash(engine, run_cli) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run([str(DONDOC), "user", "add", "Can.Bo@BacGiang.example", "--role", "viewer",
                           "--password-stdin"],
                          input="mot-mat-khau-dai\n", capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "can.bo@bacgiang.example: role viewer" in proc.stdout
    with Session(engine) as s:
        user = s.exec(select(StaffUser)).one()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "staff_user")).one()
    assert user.role == "viewer" and user.password_hash.startswith("scrypt$")
    assert "mot-mat-khau" not in user.password_hash
    assert event.action == "created" and "password" not in event.changes


@pytest.mark.parametrize(("args", "message"), [
    (["user", "add", "x@bacgiang.example", "--role", "owner", "--password-stdin"],
     "vai trò phải là office hoặc admin hoặc viewer"),
    (["user", "add", "khong-phai-email", "--role", "office", "--password-stdin"], "không hợp lệ"),
])
def test_user_add_refuses_bad_input_with_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run([str(DONDOC), *args], input="mot-mat-khau-dai\n", capture_output=True, text=True,
                          env=dict(os.environ), timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_serve_refuses_the_placeholder_secret_in_production(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_ENV", "production")
    r = run_cli("serve", "--port", str(free_port()))
    assert r.code == 2 and "DONDOC_SECRET_KEY" in r.err and "placeholder" in r.err


@pytest.mark.parametrize(("variable", "text", "expected"), [
    ("DONDOC_ESCALATION_POLICY", "near_days: 3\n", "missing"),
    ("DONDOC_SCHEDULES_FILE", "timezone: Asia/Ho_Chi_Minh\njobs: []\n", "a list of 'jobs'"),
])
def test_serve_refuses_a_broken_config_file_with_one_line(  # type: ignore[no-untyped-def]
        run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, text: str, expected: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setenv(variable, str(broken))
    r = run_cli("serve", "--port", str(free_port()), timeout=60)  # were it to start, it would not return
    assert r.code == 2, r.err
    [line] = r.err.strip().splitlines()
    assert line.startswith(f"dondoc: error: {broken}") and expected in line
    assert "web application on" not in r.out


def test_serve_runs_the_web_application_and_the_scheduler_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    proc = subprocess.Popen([str(DONDOC), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))
    try:
        deadline, ok = time.monotonic() + 30, False
        while time.monotonic() < deadline and not ok:
            try:
                ok = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json() == {"status": "ok"}
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ok, "the web application did not answer"
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "scheduled daily-sweep: next run" in out and f"http://127.0.0.1:{port}/" in out
