"""Fault injection (issue 17, done-when; issue 16): `dondoc sweep` killed with SIGKILL in the
middle of sending to a slow relay, and run again at once, delivers every notice and none twice;
two sweeps in parallel processes on PostgreSQL deliver each notice once; a relay that goes down
in the middle of a sweep and comes back loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.settings import reset_settings
from flows.escalation.sweep import SweepResult, daily_sweep
from models.core.tables import PENDING, SENDING, SENT, Notice, OutboxSend
from models.core.types import utcnow
from tests.conftest import DONDOC, PLANS
from tests.flows.escalation.slow_relay import SlowRelay, import_plan_through, running_relay, wait_until

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
DAY = date(2020, 2, 22)  # 35 digests


@pytest.fixture
def relay() -> Iterator[SlowRelay]:
    with running_relay(0.05) as r:
        yield r


@pytest.fixture
def plan(engine: sa.Engine, relay: SlowRelay, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    import_plan_through(relay, monkeypatch, str(BAC_GIANG), smtp_connections="2")
    return engine


def _expected() -> Counter[str]:
    return Counter(d.recipient for d in daily_sweep(DAY, dry_run=True).preview)


def _sweep(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(DONDOC), "sweep", "--as-of", DAY.isoformat(), *args], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _states(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.exec(select(Notice.status)).all())


def _delivered_once(engine: sa.Engine, received: list[str], expected: Counter[str],
                    per_recipient: Counter[str]) -> None:
    """Every notice sent, by a message the relay got exactly once; each recipient got the
    digests one undisturbed sweep sends it."""
    with Session(engine) as s:
        rows = s.exec(select(Notice.status, Notice.message_id)).all()
    assert rows and {status for status, _ in rows} == {SENT}
    assert [mid for mid, n in Counter(received).items() if n > 1] == []  # none twice
    assert set(received) == {mid for _, mid in rows}  # every notice's message arrived
    assert per_recipient == expected


def _accepted_recorded(engine: sa.Engine, relay: SlowRelay) -> bool:
    """Every message the relay took is recorded as accepted by the sender (in the ledger, or its
    notices already marked): the sender is outside SMTP's own at-least-once window."""
    with Session(engine) as s:
        accepted = set(s.exec(select(OutboxSend.message_id).where(col(OutboxSend.accepted_at).is_not(None))).all())
        marked = set(s.exec(select(Notice.message_id).where(Notice.status == SENT)).all())
    return set(relay.message_ids()) <= accepted | marked


def test_a_sweep_killed_mid_send_is_taken_over_at_once_by_the_next_every_notice_delivered_once(
    plan: sa.Engine, relay: SlowRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old sweep left the killed run's notices claimed for 15 minutes (a rerun said '0
    messages sent' and exited 0), then sent the digest in flight a second time."""
    monkeypatch.setenv("DONDOC_SEND_BATCH", "100")  # the whole day in one batch: the rows are marked at its end
    expected = _expected()
    relay.hold_after(5)
    killed = _sweep()
    try:
        assert relay.holding.wait(120), "the sweep never reached the relay"
        wait_until(lambda: _accepted_recorded(plan, relay), what="the 250s recorded")
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(30) == -signal.SIGKILL
    finally:
        killed.kill()
        killed.wait()
    first = relay.message_ids()
    states = _states(plan)
    assert len(first) >= 5 and states[SENDING] == sum(states.values())  # nothing marked: all claimed by the dead run
    with Session(plan) as s:
        accepted = s.exec(select(Notice.id).join(OutboxSend, col(OutboxSend.message_id) == col(Notice.message_id))
                          .where(col(OutboxSend.accepted_at).is_not(None))).all()
    relay.release()
    rerun = _sweep()
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert (f"recovered {states[SENDING]} notices claimed by a stopped sweep: {len(accepted)} the mail server had "
            f"accepted (marked sent, not sent again), {states[SENDING] - len(accepted)} sent again now") in out
    assert f"{sum(expected.values()) - len(first)} messages sent" in out
    _delivered_once(plan, relay.message_ids(), expected, relay.per_recipient())


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_sweep_processes_at_once_on_postgresql_deliver_each_notice_once(
    plan: sa.Engine, relay: SlowRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONDOC_SEND_BATCH", "3")  # small batches: the two senders take turns, recipient by recipient
    expected = _expected()
    sweeps = [_sweep(), _sweep()]
    outputs = [p.communicate(timeout=300) for p in sweeps]
    assert [p.returncode for p in sweeps] == [0, 0], outputs
    sent = [int(out.split(" messages sent")[0].rsplit(" ", 1)[-1]) for out, _ in outputs]
    assert sum(sent) == sum(expected.values()) and min(sent) > 0, outputs  # both sent a share
    _delivered_once(plan, relay.message_ids(), expected, relay.per_recipient())


def test_a_relay_that_goes_down_mid_send_and_comes_back_loses_nothing_and_repeats_nothing(
    plan: sa.Engine, relay: SlowRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONDOC_SEND_BATCH", "4")
    reset_settings()
    expected = _expected()
    relay.hold_after(6)
    results: list[SweepResult] = []
    sweep = threading.Thread(target=lambda: results.append(daily_sweep(DAY)))
    sweep.start()
    assert relay.holding.wait(120)
    wait_until(lambda: _accepted_recorded(plan, relay), what="the 250s recorded")
    relay.stop()  # down, with two messages waiting at RCPT
    sweep.join(120)
    [down] = results
    assert down.send.error and "mail server" in down.send.error and not down.ok
    first = relay.message_ids()
    states = _states(plan)
    assert states[SENT] > 0 and states[PENDING] > 0 and states[SENDING] == 0
    back = SlowRelay(port=relay.port).start()
    try:
        later = daily_sweep(DAY, now=utcnow() + timedelta(hours=1))  # after the backoff
        assert later.ok and later.send.messages_sent == sum(expected.values()) - len(first)
        _delivered_once(plan, first + back.message_ids(), expected, relay.per_recipient() + back.per_recipient())
    finally:
        back.stop()
