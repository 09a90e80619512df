"""The sweep sends in bounded batches over several connections (issue 16), one digest per
recipient even with two sweeps at once (issue 17.9), and measures the window SMTP leaves between
the relay's 250 and its record; a real (slow) relay, SQLite and PostgreSQL."""

from __future__ import annotations

import math
import statistics
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import SENDING, SENT, Notice
from tests.conftest import PLANS
from tests.flows.escalation.slow_relay import SlowRelay, import_plan_through, running_relay

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
DAY = date(2020, 2, 22)  # reminders due on 29/02 and escalations of January's tasks: 35 recipients


@pytest.fixture
def relay() -> Iterator[SlowRelay]:
    with running_relay(0.02) as r:
        yield r


@pytest.fixture
def plan(engine: sa.Engine, relay: SlowRelay, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    import_plan_through(relay, monkeypatch, str(BAC_GIANG), send_batch="4", smtp_connections="3")
    return engine


def _digests(day: date) -> Counter[str]:
    """How many messages each recipient gets from one undisturbed sweep (its dry run): one
    digest per recipient and kind of letter (the office leads some tasks and follows all)."""
    return Counter(d.recipient for d in daily_sweep(day, dry_run=True).preview)


def _all_sent_once(engine: sa.Engine, relay: SlowRelay, expected: Counter[str]) -> None:
    """Every notice sent, each message once, each recipient the digests one sweep sends it,
    every message carrying the notices that name it."""
    with Session(engine) as s:
        rows = s.exec(select(Notice.status, Notice.message_id, Notice.recipient)).all()
    assert rows and {status for status, _, _ in rows} == {SENT}
    ids = relay.message_ids()
    assert len(ids) == len(set(ids)) == len({mid for _, mid, _ in rows})
    assert set(ids) == {mid for _, mid, _ in rows}
    assert relay.per_recipient() == expected


def test_the_sweep_sends_in_batches_holding_no_more_than_one_batch_over_several_connections(
    plan: sa.Engine, relay: SlowRelay
) -> None:
    """DONDOC_SEND_BATCH=4: never more than four recipients' notices are claimed at a time (the
    old sweep claimed the whole day at once, up to 100,000 notices in memory); the messages go out
    over the three connections DONDOC_SMTP_CONNECTIONS allows, never more."""
    held: list[int] = []

    def count_claimed(_address: str) -> None:
        with Session(plan) as s:
            held.append(len(set(s.exec(select(Notice.recipient).where(Notice.status == SENDING)).all())))

    expected = _digests(DAY)
    relay.on_rcpt = count_claimed
    result = daily_sweep(DAY)
    assert result.ok, result.send
    recipients = len(relay.per_recipient())
    assert recipients > 20
    assert 0 < max(held) <= 4
    assert result.send.batches == math.ceil(recipients / 4)
    connections = Counter(r.connection for r in relay.received)
    assert 2 <= len(connections) <= 3, connections  # several at once, within the limit
    assert relay.connection_count <= 3 + 1  # and the one that checked the relay first
    _all_sent_once(plan, relay, expected)


def test_two_sweeps_at_once_send_one_digest_per_recipient_and_each_notice_once(
    plan: sa.Engine, relay: SlowRelay
) -> None:
    expected = _digests(DAY)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait(10)
            daily_sweep(DAY)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    _all_sent_once(plan, relay, expected)


def test_the_window_between_the_relays_250_and_its_record_in_the_ledger_is_measured(
    plan: sa.Engine, relay: SlowRelay
) -> None:
    """The part of SMTP's at-least-once window on the sender's side: a 250 received and not yet
    committed to the ledger is a message a crash would send again. Loopback, a local database:
    milliseconds (README, Sending mail)."""
    result = daily_sweep(DAY)
    windows = sorted(result.send.windows_ms)
    print(f"\nwindow ({plan.dialect.name}, {len(windows)} messages): median {statistics.median(windows):.1f} ms, "
          f"max {windows[-1]:.1f} ms")
    assert result.send.messages_sent > 20 and len(windows) == result.send.messages_sent
    assert 0 < result.send.window_ms < 1000
    with Session(plan) as s:  # the ledger's work is done once the batch is written back
        from models.core.tables import OutboxSend, OutboxSender

        assert s.exec(select(col(OutboxSend.id))).all() == [] and s.exec(select(col(OutboxSender.id))).all() == []
