"""The outbox mechanism, one for every outbox table: the notices and the report e-mails.

An outbox row goes pending -> sending (claimed by one worker) -> sent, or back to pending with
a backoff after a failed attempt, or failed after MAX_ATTEMPTS (or at once when retrying cannot
help). Every function takes the table class (``Notice`` or ``ReportDelivery``: both carry the
columns status, attempts, last_error, next_attempt_at, claimed_by, claimed_at, sent_at and
message_id); what each table holds besides is its own module's business (models/outbox/notices.py,
models/reports/runs.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import FAILED, PENDING, SENDING, SENT

if TYPE_CHECKING:  # only the types: a sweep need not import the report tables
    from models.core.report_tables import ReportDelivery
    from models.core.tables import Notice

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_CLAIM",
    "OutboxRow",
    "backoff",
    "claim",
    "mark_failed",
    "mark_sent",
    "new_worker_id",
]

MAX_ATTEMPTS = 5
# a claim older than this is taken to belong to a crashed sender and is released
STALE_CLAIM = timedelta(minutes=15)

OutboxRow = TypeVar("OutboxRow", "Notice", "ReportDelivery")


def new_worker_id() -> str:
    """The claim mark of one sender (one sweep, one report job)."""
    return uuid.uuid4().hex


def backoff(attempts: int) -> timedelta:
    """How long a row waits after its ``attempts``-th failed attempt: 2, 4, 8, 16 minutes."""
    return timedelta(minutes=2 ** attempts)


def claim(session: Session, *, table: type[OutboxRow], worker: str, now: datetime, limit: int) -> list[OutboxRow]:
    """Atomically take up to ``limit`` due rows of ``table`` for ``worker``, in id order, after
    releasing the claims a crashed sender left behind (older than STALE_CLAIM).

    The claim is a conditional UPDATE (two senders never take the same row); on PostgreSQL the
    candidates are locked with SKIP LOCKED, so a concurrent sender takes the next ones instead
    of waiting, and they are chosen once, in a MATERIALIZED CTE (PostgreSQL 12+): as a plain
    ``IN (subquery)`` the planner may rescan the locking subquery once per row updated, each
    rescan skipping the rows this statement already took and so finding ``limit`` more (every
    pending row was claimed whatever the limit). Commits: the claim must be visible to the other
    senders before anything is sent."""
    session.execute(
        sa.update(table).where(col(table.status) == SENDING, col(table.claimed_at) < now - STALE_CLAIM)
        .values(status=PENDING, claimed_by=None)
    )
    ids = (
        select(col(table.id))
        .where(col(table.status) == PENDING, col(table.next_attempt_at) <= now)
        .order_by(col(table.id))
        .limit(limit)
    )
    chosen: Any = ids.scalar_subquery()
    if session.get_bind().dialect.name == "postgresql":
        claimable = ids.with_for_update(skip_locked=True).cte("claimable").prefix_with("MATERIALIZED")
        chosen = select(claimable.c.id)
    session.execute(
        sa.update(table).where(col(table.id).in_(chosen), col(table.status) == PENDING)
        .values(status=SENDING, claimed_by=worker, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return list(session.exec(
        select(table).where(table.claimed_by == worker, table.status == SENDING).order_by(table.id)  # type: ignore[arg-type]
    ))


def mark_sent(session: Session, *, table: type[OutboxRow], ids: list[int], message_id: str, now: datetime) -> None:
    """The rows ``ids`` went out as ``message_id``: one set-based UPDATE. Row objects a caller
    holds in the session are not refreshed (the ORM's synchronisation cost more than the
    statement itself, once per digest of a sweep)."""
    session.execute(
        sa.update(table).where(table.id.in_(ids))  # type: ignore[union-attr]
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
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
        else:
            row.status = PENDING
            row.next_attempt_at = now + backoff(row.attempts)
        session.add(row)
