"""The outbox mechanism, one for every outbox table: the notices and the report e-mails.

An outbox row goes pending -> sending (claimed by one sender) -> sent, or back to pending with
a backoff after a failed attempt, or failed after MAX_ATTEMPTS (or at once when retrying cannot
help). Every function takes the table class (``Notice``, ``ReportDelivery`` or
``AgencyLinkMail``: each carries the columns recipient, status, attempts, last_error,
next_attempt_at, claimed_by, claimed_at, sent_at and message_id); what each table holds besides
is its own module's business (models/outbox/notices.py, models/reports/runs.py,
models/agencies/link_mails.py).

A claim belongs to a registered, running sender (models/outbox/leases.py): a stopped sender's
claims are taken back at once by the next one, the messages the mail server accepted marked
sent by the Message-ID ledger (``write_ledger``/``record_accepted``) rather than sent again.
Claims by a sender that never registered (a version before the leases) are released after
STALE_CLAIM.

Sending is in batches: a claim takes up to ``limit`` recipients, each with every one of its due
rows (one recipient's digest is one message, even with several senders at once), and a batch's
results are written in one transaction (``finish_batch``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from models.core.tables import FAILED, PENDING, SENDING, SENT, OutboxSend, OutboxSender

if TYPE_CHECKING:  # only the types: a sweep need not import the report tables
    from models.core.report_tables import ReportDelivery
    from models.core.tables import AgencyLinkMail, Notice

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_CLAIM",
    "Failure",
    "OutboxRow",
    "backoff",
    "claim",
    "defer_due",
    "finish_batch",
    "mark_failed",
    "mark_sent",
    "new_worker_id",
    "record_accepted",
    "write_ledger",
]

MAX_ATTEMPTS = 5
# a claim by a sender that never registered (no lease) older than this is released
STALE_CLAIM = timedelta(minutes=15)

OutboxRow = TypeVar("OutboxRow", "Notice", "ReportDelivery", "AgencyLinkMail")


def new_worker_id() -> str:
    """The claim mark of one sender (one sweep, one report job)."""
    return uuid.uuid4().hex


def backoff(attempts: int) -> timedelta:
    """How long a row waits after its ``attempts``-th failed attempt: 2, 4, 8, 16 minutes."""
    return timedelta(minutes=2 ** attempts)


def _due(table: type[OutboxRow], now: datetime, scope: Any = None) -> tuple[Any, ...]:
    """The conditions of a row due at ``now``; ``scope`` (a condition on the table) narrows them
    to a part of the outbox (one province's notices: models/outbox/notices.province_scope)."""
    conditions: tuple[Any, ...] = (col(table.status) == PENDING, col(table.next_attempt_at) <= now)
    return conditions if scope is None else (*conditions, scope)


def _lock_recipients(session: Session, *, table: type[OutboxRow], now: datetime, limit: int,
                     scope: Any = None) -> list[str]:
    """PostgreSQL: up to ``limit`` recipients with due rows, oldest first, each locked for this
    transaction with an advisory lock that a concurrent claim skips (the rows themselves cannot
    be locked per recipient: another sender would lock some of a recipient's rows and this one
    the others). The lock key is the recipient hashed with the schema and the table's name, so
    two databases' or two outboxes' senders never skip each other.

    One pass over the due rows, aggregated per recipient: no join whose plan depends on the
    table's statistics. The recipients are ordered in the CTE and locked as the outer scan
    reads them, so only about ``limit`` of them are locked, not every recipient of the day."""
    due = (
        select(col(table.recipient).label("recipient"), sa.func.min(table.id).label("first"))
        .where(*_due(table, now, scope))
        .group_by(col(table.recipient))
        .order_by(sa.func.min(table.id))
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    key = sa.func.hashtext(sa.func.concat(sa.func.current_schema(), f".{table.__tablename__} ", due.c.recipient))
    query = select(due.c.recipient).where(sa.func.pg_try_advisory_xact_lock(key)).limit(limit)
    return list(session.execute(query).scalars())


def _release_unregistered(session: Session, *, table: type[OutboxRow], now: datetime) -> None:
    """Claims whose sender has no registration (a version before the leases), older than STALE_CLAIM."""
    session.execute(
        sa.update(table)
        .where(col(table.status) == SENDING, col(table.claimed_at) < now - STALE_CLAIM,
               col(table.claimed_by).not_in(select(col(OutboxSender.id))))
        .values(status=PENDING, claimed_by=None, message_id=None)
        .execution_options(synchronize_session=False)
    )


def claim(session: Session, *, table: type[OutboxRow], worker: str, now: datetime, limit: int,
          scope: Any = None) -> list[OutboxRow]:
    """Atomically take, for ``worker``, every due row of up to ``limit`` recipients (those whose
    oldest due row is oldest first); returns them in id order. Commits: the claim must be visible
    to the other senders before anything is sent.

    A recipient's due rows are taken together, so the recipient gets one message even when two
    senders claim at once: on PostgreSQL through per-recipient advisory locks that a concurrent
    claim skips (``_lock_recipients``), on SQLite because the claim is one statement and SQLite
    runs one writer at a time. Neither plan joins the table to itself or to a subquery it could
    scan once per row: a table whose statistics predate the day's INSERT (the planner then
    expects one pending row) once had its claim planned as a nested loop, quadratic in the
    pending rows (60,322 notices: 287 s, 0.9 s after ANALYZE). ``scope`` narrows the claim to a
    part of the outbox (``_due``)."""
    _release_unregistered(session, table=table, now=now)
    chosen: Any
    if session.get_bind().dialect.name == "postgresql":
        chosen = _lock_recipients(session, table=table, now=now, limit=limit, scope=scope)
        if not chosen:
            session.commit()
            return []
    else:
        chosen = (
            select(col(table.recipient)).where(*_due(table, now, scope)).group_by(col(table.recipient))
            .order_by(sa.func.min(table.id)).limit(limit).scalar_subquery()
        )
    taken = list(session.execute(
        sa.update(table).where(*_due(table, now, scope), col(table.recipient).in_(chosen))
        .values(status=SENDING, claimed_by=worker, claimed_at=now)
        .returning(table)
        .execution_options(synchronize_session=False)
    ).scalars())
    taken.sort(key=lambda row: row.id or 0)
    for row in taken:  # snapshots, whatever the session does at commit (no reload per row)
        session.expunge(row)
    session.commit()
    return taken


def write_ledger(session: Session, *, table: type[OutboxRow], sender: str, messages: Sequence[tuple[str, list[int]]],
                 now: datetime) -> None:
    """Before a batch is sent: one ledger row per message (its Message-ID), and each outbox row
    carries the Message-ID of its message; the caller commits before the first DATA ends."""
    if not messages:
        return
    session.execute(sa.insert(OutboxSend), [
        {"sender_id": sender, "outbox": table.__tablename__, "message_id": mid, "written_at": now}
        for mid, _ in messages
    ])
    t = cast(sa.Table, table.__table__)  # type: ignore[attr-defined]
    session.execute(
        sa.update(t).where(t.c.id == sa.bindparam("row_id"), t.c.claimed_by == sender)
        .values(message_id=sa.bindparam("mid")),
        [{"row_id": rid, "mid": mid} for mid, ids in messages for rid in ids],
    )


def record_accepted(session: Session, *, sender: str, accepted: Iterable[tuple[str, datetime]]) -> None:
    """The mail server answered 250 to these messages (Message-ID, when): marked in the ledger;
    the caller commits at once, as the rows themselves are marked only at the batch's end."""
    params = [{"mid": mid, "at": at} for mid, at in accepted]
    if params:
        t = cast(sa.Table, OutboxSend.__table__)  # type: ignore[attr-defined]
        session.execute(
            sa.update(t).where(t.c.sender_id == sender, t.c.message_id == sa.bindparam("mid"))
            .values(accepted_at=sa.bindparam("at")),
            params,
        )


@dataclass(frozen=True)
class Failure:
    """A failed attempt of ``rows`` (the claimed objects): why, and whether retrying can help."""

    rows: Sequence[Any]
    error: str
    permanent: bool


def _failure_params(failures: Iterable[Failure], now: datetime) -> list[dict[str, Any]]:
    params = []
    for f in failures:
        for row in f.rows:
            attempts = row.attempts + 1
            gives_up = f.permanent or attempts >= MAX_ATTEMPTS
            params.append({"row_id": row.id, "attempts": attempts, "error": f.error[:500],
                           "state": FAILED if gives_up else PENDING,
                           "next_at": row.next_attempt_at if gives_up else now + backoff(attempts)})
    return params


def finish_batch(session: Session, *, table: type[OutboxRow], sender: str,
                 sent: Iterable[tuple[list[int], str, datetime]], failed: Iterable[Failure], now: datetime) -> None:
    """A batch's results in one transaction (the caller commits): ``sent`` rows (ids, the
    Message-ID that carried them, when it was accepted) are marked sent, ``failed`` get one more
    failed attempt each (``mark_failed``'s rules), and the batch's ledger rows go, their work
    done. Only rows still claimed by ``sender`` are touched: a sender judged stopped while it
    was frozen finds its rows in other hands."""
    t = cast(sa.Table, table.__table__)  # type: ignore[attr-defined]
    mine = t.c.claimed_by == sender
    sent_params = [{"row_id": rid, "mid": mid, "at": at} for ids, mid, at in sent for rid in ids]
    if sent_params:
        session.execute(
            sa.update(t).where(t.c.id == sa.bindparam("row_id"), mine)
            .values(status=SENT, sent_at=sa.bindparam("at"), message_id=sa.bindparam("mid"), claimed_by=None),
            sent_params,
        )
    failed_params = _failure_params(failed, now)
    if failed_params:
        session.execute(
            sa.update(t).where(t.c.id == sa.bindparam("row_id"), mine)
            .values(attempts=sa.bindparam("attempts"), last_error=sa.bindparam("error"),
                    status=sa.bindparam("state"), next_attempt_at=sa.bindparam("next_at"),
                    claimed_by=None, message_id=None),
            failed_params,
        )
    session.execute(sa.delete(OutboxSend).where(col(OutboxSend.sender_id) == sender,
                                                col(OutboxSend.outbox) == table.__tablename__))


def defer_due(session: Session, *, table: type[OutboxRow], error: str, now: datetime, scope: Any = None) -> int:
    """The mail server cannot be reached: every due row that nobody holds gets a failed attempt
    (retried after its backoff, failed after MAX_ATTEMPTS), set-based, without claiming it.
    Returns how many rows."""
    total = 0
    for attempts in range(MAX_ATTEMPTS):
        gives_up = attempts + 1 >= MAX_ATTEMPTS
        values: dict[str, Any] = {"attempts": attempts + 1, "last_error": error[:500],
                                  "status": FAILED if gives_up else PENDING}
        if not gives_up:
            values["next_attempt_at"] = now + backoff(attempts + 1)
        total += cast(CursorResult[Any], session.execute(
            sa.update(table).where(*_due(table, now, scope), col(table.attempts) == attempts).values(**values)
            .execution_options(synchronize_session=False)
        )).rowcount or 0
    return total


def mark_sent(session: Session, *, table: type[OutboxRow], ids: list[int], message_id: str, now: datetime) -> None:
    """The rows ``ids`` went out as ``message_id``: one set-based UPDATE. Row objects a caller
    holds in the session are not refreshed (the ORM's synchronisation cost more than the
    statement itself, once per digest of a sweep)."""
    session.execute(
        sa.update(table).where(col(table.id).in_(ids))
        .values(status=SENT, sent_at=now, message_id=message_id, claimed_by=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, *, rows: Iterable[OutboxRow], error: str, permanent: bool, now: datetime) -> None:
    """One more failed attempt of each row, with its error: retried after ``backoff(attempts)``,
    FAILED after MAX_ATTEMPTS or at once when ``permanent``. The rows (claimed objects, possibly
    from a closed session) are updated in place and written at the session's next flush."""
    for row in rows:
        row.attempts += 1
        row.last_error = error[:500]
        row.claimed_by = None
        row.message_id = None
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
        else:
            row.status = PENDING
            row.next_attempt_at = now + backoff(row.attempts)
        session.add(row)
