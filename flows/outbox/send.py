"""Sending an outbox: claim the due rows in batches, make their messages, send them, write the
results back.

The daily sweep (flows/escalation/sweep.py: one digest per recipient, many notices each) and the
report job (flows/reports/flow.py: one e-mail per delivery) both send through ``send_outbox``;
what differs is only how claimed rows become messages (``compose``). The rows are claimed,
retried and marked by the outbox's one mechanism, models/outbox/queue.py, under a lease
(models/outbox/leases.py).

One batch, for up to ``limit`` recipients (DONDOC_SEND_BATCH), so that a sender's memory is
bounded by the batch and not by the day:

1. the claims of stopped senders are taken back (what the mail server accepted is marked sent),
   then the batch is claimed (one commit);
2. its messages are composed, and their Message-IDs written to the ledger, each row carrying
   its message's (one commit, before any DATA ends);
3. the messages go out over several connections (notifications/smtp/pool.py); each group of
   250 answers is marked accepted in the ledger at once, from a thread of its own (one commit
   per group: when the answers come faster than a commit, several share it);
4. the rows are marked sent or failed (one commit for the batch).

A sender killed anywhere in between leaves its rows claimed; the next sender takes them back
at once (the process is gone), marks sent those the ledger says were accepted and sends the
rest. What is left is the window that SMTP itself leaves: between the moment the server takes
the message (the end of DATA) and the moment the ledger's acceptance is committed, a crash means
the message is sent again (README, "Sending mail"); ``OutboxStats.window_ms`` measures the
client's side of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.core.db import session_scope
from models.core.types import utcnow
from models.outbox.leases import Recovered, SenderLease, recover_stopped
from models.outbox.queue import (
    Failure,
    OutboxRow,
    claim,
    defer_due,
    finish_batch,
    record_accepted,
    write_ledger,
)
from notifications.smtp.pool import Job, SendResult, SmtpPool
from notifications.transport import OutgoingMessage, Transport, TransportError

__all__ = ["CheckedTransport", "OutboxStats", "Outgoing", "send_outbox"]


class CheckedTransport(Transport, Protocol):
    def check(self) -> None:
        """Raise TransportError when the server cannot be reached (or refuses the login)."""
        ...


@dataclass(frozen=True)
class Outgoing(Generic[OutboxRow]):
    """One message and the outbox rows it carries (a digest carries many notices).

    ``render`` makes the message when a connection takes it; ``message_id`` is the Message-ID it
    will carry, written to the ledger before it is sent (when not given, the message is made
    at once to learn it); ``error`` says why no message could be made (the rows get a failed
    attempt, nothing is sent)."""

    rows: list[OutboxRow]
    render: Callable[[], OutgoingMessage] | None = None
    error: str | None = None
    message_id: str | None = None

    def __post_init__(self) -> None:
        if (self.render is None) == (self.error is None):
            raise ValueError("an outgoing message has either a way to render it or the error that prevents it")


@dataclass
class OutboxStats:
    messages_sent: int = 0
    rows_sent: int = 0
    messages_failed: int = 0
    error: str | None = None  # the server could not be reached: the rows not sent stay pending
    batches: int = 0
    # claims of stopped senders taken back (their accepted messages marked sent, the rest resent)
    recovered: Recovered = field(default_factory=Recovered)
    # the time between each 250 and its commit in the ledger: the sender's part of the window
    # in which a crash sends an accepted message again
    windows_ms: list[float] = field(default_factory=list)

    @property
    def window_ms(self) -> float:
        """The longest of ``windows_ms``."""
        return max(self.windows_ms, default=0.0)


Compose = Callable[[Session, list[OutboxRow]], Sequence[Outgoing[OutboxRow]]]


def send_outbox(
    *, table: type[OutboxRow], engine: Engine, now: datetime, limit: int, compose: Compose[OutboxRow],
    transport: CheckedTransport | None = None, connect: Callable[[], CheckedTransport] | None = None,
    connections: int = 1, check_when_idle: bool = False, scope: Any = None,
) -> OutboxStats:
    """Send every due row of ``table`` in batches of up to ``limit`` recipients (module
    docstring) over ``connections`` transports made by ``connect`` (or over the one
    ``transport``), and close them.

    With nothing due the server is not contacted, unless ``check_when_idle`` (the sweep tells
    its caller the server is down even on a day without mail). When the server cannot be
    reached, before the first batch or when every connection gave up in one, every due row gets
    a retryable failed attempt and ``error`` says why; nothing is lost. ``compose`` turns a
    batch's rows into messages in a session of its own (for the joins and lookups the messages
    need). ``now`` is the clock of the rows' retries (tests move it); leases use the real one.
    ``scope`` narrows the rows to a part of the outbox (one province's notices)."""
    if connect is None:
        if transport is None:
            raise ValueError("send_outbox needs a transport or a way to make them")
        connect, connections = (lambda: transport), 1
    make = connect
    stats = OutboxStats()
    pool = SmtpPool(make, connections)
    checked = False
    try:
        with SenderLease(engine, table=table) as lease:
            while not lease.lost.is_set():
                with session_scope(engine) as session:
                    stats.recovered += recover_stopped(session, table=table, me=lease.id)
                    claimed = claim(session, table=table, worker=lease.id, now=now, limit=limit, scope=scope)
                if not checked and (claimed or check_when_idle):
                    checked = True
                    stats.error = _unreachable(make)
                if stats.error is not None:
                    _give_up(engine, table=table, sender=lease.id, rows=claimed, error=stats.error, now=now,
                             scope=scope)
                    break
                if not claimed:
                    break
                stats.batches += 1
                _send_batch(table=table, engine=engine, pool=pool, lease=lease, claimed=claimed, compose=compose,
                            now=now, stats=stats)
                if pool.broken is not None:  # every connection gave up: is the server there at all?
                    stats.error = _unreachable(make)
                    if stats.error is not None:
                        _give_up(engine, table=table, sender=lease.id, rows=[], error=stats.error, now=now,
                                 scope=scope)
                        break
    finally:
        pool.close()
    return stats


def _unreachable(make: Callable[[], CheckedTransport]) -> str | None:
    transport = make()
    try:
        transport.check()
    except TransportError as exc:
        return str(exc)
    return None


def _give_up(engine: Engine, *, table: type[OutboxRow], sender: str, rows: list[OutboxRow], error: str,
             now: datetime, scope: Any) -> None:
    """The server cannot be reached: the claimed rows and every other due row get a retryable
    failed attempt."""
    with session_scope(engine) as session:
        finish_batch(session, table=table, sender=sender, sent=[], failed=[Failure(rows, error, False)], now=now)
        defer_due(session, table=table, error=error, now=now, scope=scope)


def _send_batch(*, table: type[OutboxRow], engine: Engine, pool: SmtpPool, lease: SenderLease,
                claimed: list[OutboxRow], compose: Compose[OutboxRow], now: datetime, stats: OutboxStats) -> None:
    with session_scope(engine) as session:
        outgoing = compose(session, claimed)
    failed = [Failure(o.rows, o.error or "", False) for o in outgoing if o.render is None]
    jobs: list[Job] = []
    carried: dict[str, list[OutboxRow]] = {}
    for o in outgoing:
        if o.render is None:
            continue
        render, message_id = o.render, o.message_id
        if message_id is None:  # made now to learn its Message-ID
            try:
                message = render()
            except Exception as exc:
                failed.append(Failure(o.rows, f"cannot make the message: {exc}", False))
                continue
            message_id = message.message_id
            render = _made(message)
        jobs.append(Job(key=message_id, message_id=message_id, render=render))
        carried[message_id] = o.rows
    stats.messages_failed += len(failed)
    with session_scope(engine) as session:
        write_ledger(session, table=table, sender=lease.id, now=utcnow(),
                     messages=[(mid, [row.id for row in rows if row.id is not None]) for mid, rows in carried.items()])
    postgres = engine.dialect.name == "postgresql"
    ledger = Session(engine, expire_on_commit=False)  # used by the pool's recording thread only

    def record(results: list[SendResult]) -> None:
        accepted = [(r.job.message_id, r.at) for r in results if r.error is None]
        if not accepted:
            return
        try:
            if postgres:
                # committed without waiting for the WAL flush: durable against the sender's
                # crash (the server has it), lost only if the database server itself crashes
                # in the next fraction of a second, which would send those messages again
                ledger.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            record_accepted(ledger, sender=lease.id, accepted=accepted)
            ledger.commit()
        except BaseException:
            ledger.rollback()
            raise
        committed = utcnow()
        stats.windows_ms.extend((committed - at).total_seconds() * 1000 for _, at in accepted)

    try:
        results = pool.send(jobs, record=record, stop=lease.lost)
    finally:
        ledger.close()
    sent: list[tuple[list[int], str, datetime]] = []
    for r in results:
        rows = carried[r.job.message_id]
        if r.error is None:
            sent.append(([row.id for row in rows if row.id is not None], r.job.message_id, r.at))
            stats.messages_sent += 1
            stats.rows_sent += len(rows)
        else:
            failed.append(Failure(rows, str(r.error), r.error.permanent))
            stats.messages_failed += 1
    with session_scope(engine) as session:
        finish_batch(session, table=table, sender=lease.id, sent=sent, failed=failed, now=now)


def _made(message: OutgoingMessage) -> Callable[[], OutgoingMessage]:
    return lambda: message
