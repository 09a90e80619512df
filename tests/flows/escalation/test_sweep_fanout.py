"""The daily sweep fanned out per province (issue 16): the parent plans the day once and runs one
province sweep each, in-process or as Prefect flow runs of the ``province-sweep`` deployment
taken by two real Prefect workers (a local `prefect server start`, PostgreSQL). Every notice
reaches the mail server exactly once, and a province whose relay is down fails alone: its notices
stay pending, the others are sent, and the parent reports each province."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import reset_settings
from flows.importing.flow import import_plan
from models.core.tables import PENDING, SENT, Notice
from tests.conftest import PLANS
from tests.flows.escalation.outbox_states import notice_states
from tests.smtp_server import free_port

DAY = date(2020, 2, 22)  # Bắc Giang's reminders and escalations (also in Kiên Giang), Bến Tre's tasks overdue
GOOD, DOWN = ("bac-giang", "ben-tre"), "kien-giang"


@pytest.fixture
def three_provinces(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:  # type: ignore[no-untyped-def]
    """Three provinces' plans; Kiên Giang's mail goes through a relay of its own, which is down."""
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"), province=DOWN)  # the same plan, Kiên Giang's agencies
    monkeypatch.setenv("DONDOC_SMTP_RELAYS", f"{DOWN}=127.0.0.1:{free_port()}")  # nothing listens there
    reset_settings()
    return engine


def _sent_once(engine: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    """Every sent notice's message reached the server once, and nothing else did."""
    ids = [str(m["Message-ID"]) for m in smtp_sink.messages()]
    assert len(ids) == len(set(ids))
    with Session(engine) as s:
        sent = set(s.exec(select(Notice.message_id).where(Notice.status == SENT)).all())
    assert sent == set(ids)
    domains = Counter(r.rsplit("@", 1)[-1] for m in smtp_sink.received for r in m.rcpt_tos)
    assert set(domains) == {"bacgiang.example", "bentre.example"}


def _check(engine: sa.Engine, smtp_sink, result) -> None:  # type: ignore[no-untyped-def]
    states = notice_states(engine)
    for province in GOOD:
        assert states[(province, SENT)] > 0 and states[(province, PENDING)] == 0, states
        outcome = result.provinces[province]
        assert outcome.ok and outcome.notices_sent == states[(province, SENT)] and outcome.pending == 0
    assert states[(DOWN, PENDING)] > 0 and states[(DOWN, SENT)] == 0, states
    down = result.provinces[DOWN]
    assert down.state == "failed" and "kien-giang" in (down.error or "") and down.pending == states[(DOWN, PENDING)]
    assert not result.ok and result.failed == [DOWN]
    assert sum(result.planned.values()) == sum(states.values())
    _sent_once(engine, smtp_sink)


def test_the_fan_out_in_process_sends_each_province_once_and_a_dead_relay_fails_only_its_province(
        three_provinces: sa.Engine, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    from flows.escalation.national import national_sweep

    result = national_sweep(DAY, concurrency=2)
    assert set(result.provinces) == {*GOOD, DOWN}
    _check(three_provinces, smtp_sink, result)
    again = national_sweep(DAY, concurrency=2)  # the relay is still down: nothing sent twice
    assert set(again.provinces) == set() or again.failed == [DOWN]
    _sent_once(three_provinces, smtp_sink)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_prefect_workers_deliver_every_notice_once_and_a_dead_relay_stops_no_other_province(
        three_provinces: sa.Engine, smtp_sink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from benchmarks.prefect_local import prefect_cluster

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with prefect_cluster(tmp_path / "prefect", workers=2, env=env) as cluster:
        monkeypatch.setenv("PREFECT_API_URL", cluster.api_url)  # dondoc's settings: flows go through Prefect
        reset_settings()
        from flows.deployments import ProvincesFailed, daily_sweep_parent
        from flows.escalation.national import national_sweep

        result = national_sweep(DAY, concurrency=2)  # the parent as a Prefect flow run
        runs = {o.run for o in result.provinces.values()}
        assert None not in runs and len(runs) == 3  # each province its own flow run
        _check(three_provinces, smtp_sink, result)
        # the deployment's parent ends Failed, after every province ran, naming the one that failed
        with pytest.raises(ProvincesFailed, match="1 of 1 provinces failed: kien-giang"):
            daily_sweep_parent(DAY, concurrency=2, provinces=[DOWN])
    _sent_once(three_provinces, smtp_sink)


def test_the_whole_day_in_process_sends_a_province_with_its_own_relay_through_it(
        three_provinces: sa.Engine, smtp_sink, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("sweep", "--as-of", DAY.isoformat())
    assert r.code == 1 and "retried on the next run" in r.err  # Kiên Giang's relay is down
    states = notice_states(three_provinces)
    assert all(states[(p, SENT)] > 0 and states[(p, PENDING)] == 0 for p in GOOD), states
    assert states[(DOWN, PENDING)] > 0 and states[(DOWN, SENT)] == 0, states
    _sent_once(three_provinces, smtp_sink)
