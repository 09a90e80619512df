"""The outbox: which notices are due on a day (set-based), written once, claimed atomically.

Planning (models/notice_plan.py) is one INSERT ... SELECT over indexed ranges of due dates,
with ON CONFLICT DO NOTHING on the notice key, so a repeated, restarted or concurrent sweep
of the same day adds nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.core.tables import (
    COORDINATING,
    DONE,
    FAILED,
    IN_PROGRESS,
    LEAD,
    OPEN,
    PENDING,
    SENDING,
    SENT,
    Agency,
    Assignment,
    EscalationPolicy,
    Notice,
    Plan,
    Task,
)
from models.core.types import utcnow
from models.escalation.notice_plan import plan_day_notices
from models.escalation.policies import stored_policies

if TYPE_CHECKING:
    from tasks.escalation.digests import ExtensionView, NoticeView

MAX_ATTEMPTS = 5
OPEN_STATES = (OPEN, IN_PROGRESS)
# a claim older than this is taken to belong to a crashed sender and is released
STALE_CLAIM = timedelta(minutes=15)


def plan_notices(session: Session, *, as_of: date, now: datetime | None = None) -> Counter[tuple[str, int]]:
    """Write every notice due on ``as_of`` into the outbox; returns added counts by (kind, level).

    New notices are sendable from ``now`` (the sweep's clock). The work is one statement
    (models/notice_plan.py)."""
    # every stored policy (a handful of rows): one without open assignments simply finds nothing
    policies = stored_policies(session, ids=list(session.exec(select(EscalationPolicy.id))))
    return plan_day_notices(session, policies=policies, as_of=as_of, now=now or utcnow())


def claim(session: Session, *, worker: str, now: datetime, limit: int = 100_000) -> list[Notice]:
    """Atomically take pending notices for this worker (a conditional UPDATE: two sweeps never
    take the same row), releasing claims a crashed sender left behind."""
    session.execute(
        sa.update(Notice).where(Notice.status == SENDING, Notice.claimed_at < now - STALE_CLAIM)  # type: ignore[operator]
        .values(status=PENDING, claimed_by=None)
    )
    ids = select(Notice.id).where(Notice.status == PENDING, Notice.next_attempt_at <= now).order_by(Notice.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    session.execute(
        sa.update(Notice).where(Notice.id.in_(ids.scalar_subquery()), Notice.status == PENDING)  # type: ignore[union-attr]
        .values(status=SENDING, claimed_by=worker, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return list(session.exec(select(Notice).where(Notice.claimed_by == worker, Notice.status == SENDING)))


def mark_sent(session: Session, *, ids: list[int], message_id: str, now: datetime) -> None:
    """A set-based UPDATE: Notice objects a caller holds in the session are not refreshed (the
    ORM's synchronisation cost more than the statement itself, once per digest of a sweep)."""
    session.execute(
        sa.update(Notice).where(Notice.id.in_(ids))  # type: ignore[union-attr]
        .values(status=SENT, sent_at=now, message_id=message_id, claimed_by=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed_attempt(session: Session, *, notices: list[Notice], error: str, permanent: bool, now: datetime) -> None:
    """Record the error; retry later with exponential backoff, give up after MAX_ATTEMPTS."""
    for n in notices:
        n.attempts += 1
        n.last_error = error[:500]
        n.claimed_by = None
        if permanent or n.attempts >= MAX_ATTEMPTS:
            n.status = FAILED
        else:
            n.status = PENDING
            n.next_attempt_at = now + timedelta(minutes=2 ** n.attempts)
        session.add(n)


def cancel_pending(session: Session, *, assignment_id: int, except_due: date | None = None) -> int:
    """Drop pending notices of an assignment (done, or its due date moved by an extension)."""
    q = sa.update(Notice).where(Notice.assignment_id == assignment_id, Notice.status == PENDING)
    if except_due is not None:
        q = q.where(Notice.due_date != except_due)
    return session.execute(q.values(status="cancelled")).rowcount or 0


def notice_row(*, assignment_id: int, kind: str, level: int, seq: int, due_date: date, as_of: date,
               recipient: str, recipient_name: str, recipient_role: str, now: datetime) -> dict[str, Any]:
    """One pending outbox row, for an INSERT of notices written outside the daily planning
    (manual reminders, extension requests and decisions)."""
    return {"assignment_id": assignment_id, "kind": kind, "level": level, "seq": seq, "due_date": due_date,
            "as_of": as_of, "recipient": recipient, "recipient_name": recipient_name,
            "recipient_role": recipient_role, "status": PENDING, "attempts": 0, "next_attempt_at": now,
            "created_at": now}


def new_worker_id() -> str:
    return uuid.uuid4().hex


__all__ = [
    "DONE",
    "MAX_ATTEMPTS",
    "cancel_pending",
    "claim",
    "mark_failed_attempt",
    "mark_sent",
    "new_worker_id",
    "plan_notices",
]


def notice_views(session: Session, *, notices: list[Notice]) -> list[NoticeView]:
    """Join claimed notices with their task, plan and agency for the e-mail."""
    from tasks.escalation.digests import NoticeView

    if not notices:
        return []
    by_assignment: dict[int, list[Notice]] = {}
    for n in notices:
        by_assignment.setdefault(n.assignment_id, []).append(n)
    rows = session.exec(
        select(Assignment.id, Assignment.role, Assignment.agency_id, Agency.name, Task.id, Task.ref, Task.content, Plan.code)
        .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
        .join(Agency, Agency.id == Assignment.agency_id)  # type: ignore[arg-type]
        .where(Assignment.id.in_(list(by_assignment)))  # type: ignore[union-attr]
    ).all()
    task_ids = {r[4] for r in rows if r[1] == COORDINATING}
    leads: dict[int, list[str]] = {}
    if task_ids:
        for tid, name in session.exec(
            select(Assignment.task_id, Agency.name).join(Agency, Agency.id == Assignment.agency_id)  # type: ignore[arg-type]
            .where(Assignment.task_id.in_(task_ids), Assignment.role == LEAD)  # type: ignore[attr-defined]
        ):
            leads.setdefault(tid, []).append(name)
    extensions = _extension_views(session, notices)
    out: list[NoticeView] = []
    for aid, role, agency_id, agency_name, task_id, ref, content, code in rows:
        for n in by_assignment[aid]:
            out.append(NoticeView(
                notice_id=n.id, kind=n.kind, level=n.level, seq=n.seq, due_date=n.due_date,  # type: ignore[arg-type]
                recipient=n.recipient, recipient_name=n.recipient_name, recipient_role=n.recipient_role,
                plan_code=code, ref=ref, content=content,
                task_id=task_id, agency_id=agency_id, agency_name=agency_name, role=role,
                lead_names=tuple(leads.get(task_id, ())), extension=extensions.get((n.kind, n.seq)),
            ))
    return out


def _extension_views(session: Session, notices: list[Notice]) -> dict[tuple[str, int], ExtensionView]:
    """The requests behind extension notices (their ``seq``); no query when there are none."""
    from models.core.web_tables import ExtensionRequest
    from tasks.escalation.digests import EXTENSION_KINDS, ExtensionView

    wanted = {n.seq for n in notices if n.kind in EXTENSION_KINDS}
    if not wanted:
        return {}
    views = {r.id: ExtensionView(current_due_date=r.current_due_date, requested_due_date=r.requested_due_date,
                                 reason=r.reason, state=r.state, decision_note=r.decision_note)
             for r in session.exec(select(ExtensionRequest).where(ExtensionRequest.id.in_(wanted)))}  # type: ignore[union-attr]
    return {(n.kind, n.seq): views[n.seq] for n in notices if n.kind in EXTENSION_KINDS and n.seq in views}
