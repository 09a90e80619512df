"""The Prefect deployments (prefect.yaml -> flows/deployments.py) refuse a placeholder or weak
DONDOC_SECRET_KEY outside development and test, as the command line does (issue 17): the run
fails with the one-line message before planning or sending anything."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import PLACEHOLDER_SECRET, reset_settings
from flows.importing.flow import import_plan
from models.core.tables import Notice
from tests.conftest import PLANS
from web.security import InsecureSecretError

DAY = date(2020, 1, 24)  # the seven-day reminders of Bắc Giang's I.1


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    return engine


def _notices(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.exec(select(Notice.status)).all())


@pytest.mark.parametrize("secret", [PLACEHOLDER_SECRET, "k" * 32, "0123456789"])
@pytest.mark.parametrize("deployment", ["daily_sweep_flow", "province_sweep_flow", "compile_reports_flow"])
def test_every_deployment_refuses_a_weak_secret_in_production_and_sends_nothing(
        plan: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch, deployment: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    import flows.deployments as deployments

    monkeypatch.setenv("DONDOC_ENV", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", secret)
    reset_settings()
    args = {"daily_sweep_flow": {"as_of": DAY}, "province_sweep_flow": {"province": "bac-giang", "as_of": DAY},
            "compile_reports_flow": {}}[deployment]
    with pytest.raises(InsecureSecretError, match="DONDOC_SECRET_KEY") as refused:
        getattr(deployments, deployment).fn(**args)  # the body a worker runs, without the engine
    assert "\n" not in str(refused.value)
    assert smtp_sink.messages() == [] and _notices(plan) == Counter()


def test_with_a_strong_secret_the_daily_sweep_deployment_plans_and_sends(
        plan: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import flows.deployments as deployments

    monkeypatch.setenv("DONDOC_ENV", "production")
    monkeypatch.setenv("DONDOC_SECRET_KEY", secrets.token_urlsafe(48))
    reset_settings()
    result = deployments.daily_sweep_flow.fn(as_of=DAY)
    assert result.ok and list(result.provinces) == ["bac-giang"]
    assert result.provinces["bac-giang"].messages_sent == len(smtp_sink.messages()) > 0
    assert set(_notices(plan)) == {"sent"}
