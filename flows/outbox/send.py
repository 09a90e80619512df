"""Sending an outbox: claim the due rows, make their messages, send them, write each result back.

The daily sweep (flows/escalation/sweep.py: one digest per recipient, many notices each) and the
report job (flows/reports/flow.py: one e-mail per delivery) both send through ``send_outbox``;
what differs is only how claimed rows become messages (``compose``). The rows are claimed,
retried and marked by the outbox's one mechanism, models/outbox/queue.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.core.db import session_scope
from models.core.types import utcnow
from models.outbox.queue import OutboxRow, claim, mark_failed, mark_sent, new_worker_id
from notifications.smtp.pipeline import send_pipelined
from notifications.transport import OutgoingMessage, Transport, TransportError

__all__ = ["CheckedTransport", "OutboxStats", "Outgoing", "send_outbox"]


class CheckedTransport(Transport, Protocol):
    def check(self) -> None:
        """Raise TransportError when the server cannot be reached (or refuses the login)."""
        ...


@dataclass(frozen=True)
class Outgoing(Generic[OutboxRow]):
    """One message and the outbox rows it carries (a digest carries many notices).

    ``render`` makes the message when its turn comes, while the previous one is on the wire;
    ``error`` says why no message could be made (the rows get a failed attempt, nothing is sent)."""

    rows: list[OutboxRow]
    render: Callable[[], OutgoingMessage] | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if (self.render is None) == (self.error is None):
            raise ValueError("an outgoing message has either a way to render it or the error that prevents it")


@dataclass
class OutboxStats:
    messages_sent: int = 0
    rows_sent: int = 0
    messages_failed: int = 0
    error: str | None = None  # the server could not be reached: every claimed row stays pending


Compose = Callable[[Session, list[OutboxRow]], Sequence[Outgoing[OutboxRow]]]


def send_outbox(
    *, table: type[OutboxRow], engine: Engine, transport: CheckedTransport, now: datetime, limit: int,
    compose: Compose[OutboxRow], check_when_idle: bool = False,
) -> OutboxStats:
    """Claim up to ``limit`` due rows of ``table``, send their messages over ``transport`` (one
    connection, pipelined), write each message's result back; closes the transport.

    With nothing due the server is not contacted, unless ``check_when_idle`` (the sweep tells
    its caller the server is down even on a day without mail). When the server cannot be
    reached every claimed row gets a retryable failed attempt and ``error`` says why; nothing
    is lost. ``compose`` turns the claimed rows into messages in a session of its own (for the
    joins and lookups the messages need)."""
    stats = OutboxStats()
    worker = new_worker_id()
    try:
        with session_scope(engine) as session:
            claimed = claim(session, table=table, worker=worker, now=now, limit=limit)
        if not claimed and not check_when_idle:
            return stats
        try:
            transport.check()
        except TransportError as exc:
            stats.error = str(exc)
            with session_scope(engine) as session:
                mark_failed(session, rows=claimed, error=str(exc), permanent=False, now=now)
            return stats
        if not claimed:
            return stats
        with session_scope(engine) as session:
            outgoing = compose(session, claimed)
        unmade = [o for o in outgoing if o.render is None]
        if unmade:
            with session_scope(engine) as session:
                for o in unmade:
                    mark_failed(session, rows=o.rows, error=o.error or "", permanent=False, now=now)
            stats.messages_failed += len(unmade)
        _send(table=table, engine=engine, transport=transport, outgoing=[o for o in outgoing if o.render is not None],
              stats=stats)
    finally:
        transport.close()
    return stats


def _send(*, table: type[OutboxRow], engine: Engine, transport: Transport, outgoing: list[Outgoing[OutboxRow]],
          stats: OutboxStats) -> None:
    """Send in a worker thread while this one renders the next message and records the last
    result (notifications.smtp.pipeline), in one session committed after each message exactly
    as one session per message would be: a crash mid-batch keeps every result already written."""
    messages = (_render(o) for o in outgoing)
    session = Session(engine, expire_on_commit=False)
    try:
        results = send_pipelined(transport.send_many, messages)
        for item, (message, error) in zip(outgoing, results, strict=True):
            try:
                if error is None:
                    mark_sent(session, table=table, ids=[row.id for row in item.rows],  # type: ignore[misc]  # stored
                              message_id=message.message_id, now=utcnow())
                    stats.messages_sent += 1
                    stats.rows_sent += len(item.rows)
                else:
                    mark_failed(session, rows=item.rows, error=str(error), permanent=error.permanent, now=utcnow())
                    stats.messages_failed += 1
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.close()


def _render(item: Outgoing[OutboxRow]) -> OutgoingMessage:
    if item.render is None:  # send_outbox hands over only the messages that can be made
        raise ValueError(f"nothing to render: {item.error}")
    return item.render()
