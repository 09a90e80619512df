"""Commands that sign links or sessions refuse the placeholder or a weak DONDOC_SECRET_KEY outside
development and test: one line, exit 2, nothing sent (the links would be refused by a correctly
configured server, or forged by anyone who guesses the secret)."""

from __future__ import annotations

import secrets
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import PLACEHOLDER_SECRET, Settings, reset_settings
from flows.importing.flow import import_plan
from models.core.tables import Notice
from tests.conftest import PLANS
from tests.smtp_server import free_port
from web.security import MIN_SECRET_LENGTH, InsecureSecretError, check_secret, secret_weakness

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
WEAK = [
    (PLACEHOLDER_SECRET, "placeholder"),
    ("a" * 32, "different characters"),  # long enough, one character
    ("ab" * 24, "different characters"),
    ("0123456789" * 2, "shorter than 32"),
    # the placeholder's words with noise; written out, since pytest-xdist workers must collect the same ids
    ("change-me-gaLYqlHp61s4C9SC1nC6b3ruSSwA1n2HyaggmUVaUtU", "placeholder"),
]


def _strong() -> str:
    return secrets.token_urlsafe(48)


@pytest.mark.parametrize(("secret", "why"), WEAK)
def test_a_placeholder_or_weak_secret_is_refused_in_production(secret: str, why: str) -> None:
    assert why in (secret_weakness(secret) or "")
    with pytest.raises(InsecureSecretError, match="DONDOC_SECRET_KEY") as refused:
        check_secret(Settings(env="production", secret_key=secret))
    assert "\n" not in str(refused.value)


def test_a_long_random_secret_is_accepted_in_production() -> None:
    assert len(_strong()) >= MIN_SECRET_LENGTH
    check_secret(Settings(env="production", secret_key=_strong()))
    check_secret(Settings(env="production", secret_key=secrets.token_hex(16)))  # `openssl rand -hex 16`


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_take_any_secret(env: str) -> None:
    for secret, _ in WEAK:
        check_secret(Settings(env=env, secret_key=secret))


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """The Bắc Giang plan imported (I.1 is due 31/01/2020), mail going to the test SMTP server."""
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    reset_settings()
    import_plan(str(BAC_GIANG))
    return engine


def _notices(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.exec(select(Notice.status)).all())


@pytest.mark.parametrize("secret", [PLACEHOLDER_SECRET, "k" * 32])
def test_the_production_sweep_refuses_a_weak_secret_and_sends_nothing(
        plan, run_cli, smtp_sink, monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("DONDOC_ENV", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", secret)
    r = run_cli("sweep", "--as-of", "2020-01-24")
    assert r.code == 2, r.out + r.err
    assert len(r.err.strip().splitlines()) == 1 and "DONDOC_SECRET_KEY" in r.err
    assert smtp_sink.messages() == [] and _notices(plan) == Counter()


def test_with_a_strong_secret_the_production_sweep_sends_its_digests(
        plan, run_cli, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_ENV", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", _strong())
    r = run_cli("sweep", "--as-of", "2020-01-24")
    assert r.code == 0, r.err
    assert smtp_sink.messages() and "/a/" in smtp_sink.messages()[0].get_body(("plain",)).get_content()


def test_a_dry_run_signs_no_link_and_needs_no_secret(
        plan, run_cli, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_ENV", "production")
    r = run_cli("sweep", "--as-of", "2020-01-24", "--dry-run")
    assert r.code == 0, r.err
    assert smtp_sink.messages() == []


def test_serve_refuses_a_secret_of_32_identical_characters(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_ENV", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", "x" * 32)
    r = run_cli("serve", "--port", str(free_port()), timeout=60)  # a server that starts never returns
    assert r.code == 2 and "DONDOC_SECRET_KEY" in r.err and len(r.err.strip().splitlines()) == 1
