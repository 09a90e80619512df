"""`dondoc sweep --province SLUG` sends one province's notices, in-process (issue 16): the notices
of the plans of that province, the other provinces' left pending for their own run; SQLite and
PostgreSQL, a real SMTP server."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from config.settings import reset_settings
from flows.importing.flow import import_plan
from models.core.tables import PENDING, SENT
from tests.conftest import PLANS
from tests.flows.escalation.outbox_states import notice_states

DAY = "2020-02-22"  # Bắc Giang's reminders and escalations, and Bến Tre's 2019 tasks still overdue


@pytest.fixture
def two_provinces(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    return engine


def _domains(smtp_sink) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(rcpt.rsplit("@", 1)[-1] for r in smtp_sink.received for rcpt in r.rcpt_tos)


def test_a_sweep_of_one_province_sends_that_provinces_notices_only(two_provinces, smtp_sink, run_cli) -> None:  # type: ignore[no-untyped-def]
    first = run_cli("sweep", "--as-of", DAY, "--province", "ben-tre")
    assert first.code == 0, first.err
    states = notice_states(two_provinces)
    assert states[("ben-tre", SENT)] > 0 and states[("ben-tre", PENDING)] == 0
    assert states[("bac-giang", PENDING)] > 0 and states[("bac-giang", SENT)] == 0  # planned, left for its run
    assert set(_domains(smtp_sink)) == {"bentre.example"}
    second = run_cli("sweep", "--as-of", DAY, "--province", "bac-giang")
    assert second.code == 0, second.err
    assert "0 messages sent" not in second.out
    assert {status for _, status in notice_states(two_provinces)} == {SENT}
    assert set(_domains(smtp_sink)) == {"bentre.example", "bacgiang.example"}
    ids = [str(m["Message-ID"]) for m in smtp_sink.messages()]
    assert len(ids) == len(set(ids))


def test_an_unknown_province_is_one_line_and_exit_2_with_nothing_sent(two_provinces, smtp_sink, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("sweep", "--as-of", DAY, "--province", "atlantis")
    assert r.code == 2 and r.err.strip().count("\n") == 0 and "unknown province 'atlantis'" in r.err
    assert smtp_sink.received == [] and notice_states(two_provinces) == Counter()


def test_the_dry_run_of_one_province_shows_its_recipients_only(two_provinces, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("sweep", "--as-of", DAY, "--province", "bac-giang", "--dry-run")
    assert r.code == 0, r.err
    recipients = [line.split(" <- ")[0] for line in r.out.splitlines() if " <- " in line]
    assert recipients and all(x.endswith("@bacgiang.example") for x in recipients)
