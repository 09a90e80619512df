"""Claims are leases owned by a running sender (issue 17.3, issue 16): a live sender keeps its
claims however long it sends, a killed one's are taken back at once by the next sender, what the
relay had accepted marked sent from the Message-ID ledger rather than sent again; SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import PENDING, SENDING, SENT, Assignment, Notice, OutboxSend, OutboxSender
from models.core.types import utcnow
from models.outbox.leases import LEASE, Recovered, SenderLease, _lock_key, recover_stopped
from models.outbox.queue import claim
from tests.conftest import PLANS, REPO

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
RECIPIENTS = ["a@x.example", "b@x.example", "c@x.example", "a@x.example", "b@x.example"]


@pytest.fixture
def notices(engine: sa.Engine) -> sa.Engine:
    """Five pending notices for three recipients (a@ and b@ two each)."""
    import_plan(str(BAC_GIANG))
    now = utcnow()
    with session_scope(engine) as s:
        aid = s.exec(select(col(Assignment.id)).order_by(col(Assignment.id))).first()
        s.execute(sa.insert(Notice), [
            {"assignment_id": aid, "kind": "reminder", "level": 7, "seq": n, "due_date": date(2020, 1, 31),
             "as_of": date(2020, 1, 24), "recipient": r, "recipient_name": r, "recipient_role": "lead",
             "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
            for n, r in enumerate(RECIPIENTS)
        ])
    return engine


def _states(engine: sa.Engine) -> dict[str, set[tuple[str, str | None]]]:
    with Session(engine) as s:
        out: dict[str, set[tuple[str, str | None]]] = {}
        for recipient, status, mid in s.exec(select(Notice.recipient, Notice.status, Notice.message_id)):
            out.setdefault(recipient, set()).add((status, mid))
        return out


def _recover(engine: sa.Engine, me: str | None = None) -> Recovered:
    with session_scope(engine) as s:
        return recover_stopped(s, table=Notice, me=me)


def test_a_live_senders_claims_are_kept_however_long_its_send_takes(notices: sa.Engine) -> None:
    """The old claim was released after 15 minutes whoever held it: a send longer than that while
    a second sweep started sent the notices twice."""
    t0 = utcnow()
    with SenderLease(notices, table=Notice) as first, SenderLease(notices, table=Notice) as second:
        with session_scope(notices) as s:
            assert len(claim(s, table=Notice, worker=first.id, now=t0, limit=10)) == 5
        assert _recover(notices, me=second.id).rows == 0
        with session_scope(notices) as s:  # hours later by the sweep's clock: still the first one's
            assert claim(s, table=Notice, worker=second.id, now=t0 + timedelta(hours=3), limit=10) == []
        assert first.renew() and not first.lost.is_set()
    with Session(notices) as s:  # a sender that finished left no registration and no claim behind
        assert s.exec(select(OutboxSender)).all() == []
        assert set(s.exec(select(Notice.status)).all()) == {PENDING}


KILLED = textwrap.dedent("""
    import sys, time
    from models.core.db import get_engine, session_scope
    from models.core.tables import Notice
    from models.core.types import utcnow
    from models.outbox.leases import SenderLease
    from models.outbox.queue import claim, record_accepted, write_ledger

    engine = get_engine()
    lease = SenderLease(engine, table=Notice).__enter__()
    with session_scope(engine) as s:
        rows = claim(s, table=Notice, worker=lease.id, now=utcnow(), limit=10)
    by = {}
    for row in rows:
        by.setdefault(row.recipient, []).append(row.id)
    with session_scope(engine) as s:  # one message per recipient, written down before it is sent
        write_ledger(s, table=Notice, sender=lease.id, now=utcnow(),
                     messages=[(f"<{r}>", ids) for r, ids in by.items()])
    with session_scope(engine) as s:  # the relay answered 250 to a@'s message, then the process dies
        record_accepted(s, sender=lease.id, accepted=[("<a@x.example>", utcnow())])
    print("ready", flush=True)
    time.sleep(120)
""")


def test_a_killed_senders_claims_are_taken_back_at_once_and_what_the_relay_accepted_is_not_sent_again(
    notices: sa.Engine,
) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILLED], cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert {status for states in _states(notices).values() for status, _ in states} == {SENDING}
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
    recovered = _recover(notices)  # at once: well within the lease, which is not waited for
    assert (recovered.delivered, recovered.released, recovered.rows) == (2, 3, 5)
    assert _states(notices) == {"a@x.example": {(SENT, "<a@x.example>")}, "b@x.example": {(PENDING, None)},
                                "c@x.example": {(PENDING, None)}}
    with Session(notices) as s:
        assert s.exec(select(OutboxSender)).all() == [] and s.exec(select(OutboxSend)).all() == []
        sent_at = s.exec(select(Notice.sent_at).where(Notice.status == SENT)).all()
    assert all(at is not None and utcnow() - at < timedelta(minutes=1) for at in sent_at)
    assert _recover(notices).rows == 0  # once


def _register(engine: sa.Engine, sender_id: str, *, host: str, beat_age: timedelta) -> None:
    now = utcnow()
    with session_scope(engine) as s:
        s.add(OutboxSender(id=sender_id, outbox="notice", host=host, process="other-boot:4242:99",
                           started_at=now - beat_age, heartbeat_at=now - beat_age))
    with session_scope(engine) as s:
        claim(s, table=Notice, worker=sender_id, now=now, limit=10)


def test_a_sender_on_another_host_is_stopped_when_its_heartbeat_lapses(notices: sa.Engine) -> None:
    sender = "0" * 31 + "1"
    _register(notices, sender, host="sender-2.example", beat_age=LEASE - timedelta(seconds=10))
    postgres = notices.dialect.name == "postgresql"
    holder = notices.connect()
    try:
        if postgres:  # alive: its session holds its advisory lock
            holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _lock_key(sender)})
        assert _recover(notices).rows == 0
        with session_scope(notices) as s:
            s.execute(sa.update(OutboxSender).values(heartbeat_at=utcnow() - LEASE - timedelta(seconds=1)))
        assert _recover(notices).released == 5
    finally:
        holder.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_on_postgresql_a_sender_on_another_host_whose_session_ended_is_stopped_at_once(notices: sa.Engine) -> None:
    sender = "0" * 31 + "2"
    _register(notices, sender, host="sender-2.example", beat_age=timedelta(seconds=1))
    holder = notices.connect()
    holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _lock_key(sender)})
    backend = holder.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    assert _recover(notices).rows == 0
    holder.invalidate()  # its connection closes, as when its process dies: the lock goes with it
    holder.close()
    # the server ends that session a moment after the socket closes (under load, after the next
    # query of another session): the lock is free once the session is gone
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with notices.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": backend}).first():
                break
        time.sleep(0.02)
    assert _recover(notices).released == 5


def test_a_sender_judged_stopped_knows_it_has_lost_its_lease(notices: sa.Engine) -> None:
    with SenderLease(notices, table=Notice) as lease:
        assert lease.renew()
        with session_scope(notices) as s:  # what another sender does to a sender it judged stopped
            s.execute(sa.delete(OutboxSender))
        assert not lease.renew() and lease.lost.is_set()


def test_the_heartbeat_is_renewed_while_the_sender_runs(notices: sa.Engine) -> None:
    """However long a batch takes to send: the lease is renewed from a thread of its own."""
    with SenderLease(notices, table=Notice, heartbeat=timedelta(seconds=0.05)) as lease:
        with Session(notices) as s:
            first = s.exec(select(OutboxSender.heartbeat_at)).one()
        time.sleep(0.5)  # the sender is busy sending
        with Session(notices) as s:
            later = s.exec(select(OutboxSender.heartbeat_at)).one()
        assert later > first and not lease.lost.is_set()
