"""The notices' outbox: which notices are due on a day (set-based), written once.

Planning (models/escalation/notice_plan.py) is one INSERT ... SELECT over indexed ranges of due
dates, with ON CONFLICT DO NOTHING on the notice key, so a repeated, restarted or concurrent
sweep of the same day adds nothing. Claiming, marking and retrying are the outbox's one
mechanism (models/outbox/queue.py), shared with the report e-mails.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col, select

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

OPEN_STATES = (OPEN, IN_PROGRESS)
# a planning that added at least this many notices is followed by ANALYZE notice on PostgreSQL
ANALYZE_AFTER = 1000


def plan_notices(session: Session, *, as_of: date, now: datetime | None = None) -> Counter[tuple[str, int]]:
    """Write every notice due on ``as_of`` into the outbox; returns added counts by (kind, level).

    New notices are sendable from ``now`` (the sweep's clock). The work is one statement
    (models/notice_plan.py)."""
    # every stored policy (a handful of rows): one without open assignments simply finds nothing
    ids = [pid for pid in session.exec(select(col(EscalationPolicy.id))) if pid is not None]
    policies = stored_policies(session, ids=ids)
    return plan_day_notices(session, policies=policies, as_of=as_of, now=now or utcnow())


def analyze_outbox(engine: Engine, *, added: int) -> bool:
    """After a planning that added ``added`` notices: on PostgreSQL, ANALYZE notice when they are
    many (ANALYZE_AFTER), so the day's queries are planned on statistics that know the day's
    pending notices (statistics older than the INSERT expect one pending row; the claim no longer
    depends on them, the outbox pages and the reports still do). ANALYZE samples a fixed number
    of rows: a fraction of a second whatever the table's size. Returns whether it ran."""
    if added < ANALYZE_AFTER or engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE notice"))
        conn.commit()
    return True


def province_scope(*provinces: str) -> Any:
    """The notices of one province (or of several): of assignments of tasks of its plans (a
    condition for the outbox's claim, models/outbox/queue.py)."""
    ids = (
        select(col(Assignment.id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(col(Plan.province) == provinces[0] if len(provinces) == 1 else col(Plan.province).in_(provinces))
    )
    return col(Notice.assignment_id).in_(ids)


def _by_province() -> Any:
    """Notice -> assignment -> task -> plan, for grouping notices by their plan's province."""
    return (sa.select(col(Plan.province)).select_from(Notice)
            .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Plan, col(Plan.id) == col(Task.plan_id)))


def provinces_due(session: Session, *, now: datetime) -> list[str]:
    """The provinces with notices to send at ``now`` (pending and due, or claimed by a sender,
    possibly a stopped one whose claims the province's run takes back), in slug order: one
    province run each when the sweep fans out."""
    waiting = sa.or_(sa.and_(col(Notice.status) == PENDING, col(Notice.next_attempt_at) <= now),
                     col(Notice.status) == SENDING)
    return sorted(session.execute(_by_province().where(waiting).distinct()).scalars())


def province_outbox(session: Session, *, provinces: list[str], sent_since: datetime,
                    as_of: date) -> dict[str, dict[str, int]]:
    """Per province: ``notices_sent`` and ``messages_sent`` since ``sent_since``, the notices still
    ``pending`` (retried later) or ``sending``, and those of the day ``as_of`` that ``failed`` (gave
    up): what each province's run of a sweep did, read from the outbox, whichever worker ran it."""
    out = {p: {"notices_sent": 0, "messages_sent": 0, "pending": 0, "sending": 0, "failed": 0} for p in provinces}
    if not provinces:
        return out
    base = _by_province().where(col(Plan.province).in_(provinces))
    sent = session.execute(
        base.add_columns(sa.func.count(), sa.func.count(sa.distinct(col(Notice.message_id))))
        .where(col(Notice.status) == SENT, col(Notice.sent_at) >= sent_since).group_by(col(Plan.province)))
    for province, notices, messages in sent:
        out[province].update(notices_sent=notices, messages_sent=messages)
    waiting = session.execute(
        base.add_columns(col(Notice.status), sa.func.count())
        .where(sa.or_(col(Notice.status).in_((PENDING, SENDING)),
                      sa.and_(col(Notice.status) == FAILED, col(Notice.as_of) == as_of)))
        .group_by(col(Plan.province), col(Notice.status)))
    for province, status, n in waiting:
        out[province][status] = n
    return out


def cancel_pending(session: Session, *, assignment_id: int, except_due: date | None = None) -> int:
    """Drop pending notices of an assignment (done, or its due date moved by an extension)."""
    q = sa.update(Notice).where(col(Notice.assignment_id) == assignment_id, col(Notice.status) == PENDING)
    if except_due is not None:
        q = q.where(col(Notice.due_date) != except_due)
    return cast(CursorResult[Any], session.execute(q.values(status="cancelled"))).rowcount or 0


def notice_row(*, assignment_id: int, kind: str, level: int, seq: int, due_date: date, as_of: date,
               recipient: str, recipient_name: str, recipient_role: str, now: datetime) -> dict[str, Any]:
    """One pending outbox row, for an INSERT of notices written outside the daily planning
    (manual reminders, extension requests and decisions)."""
    return {"assignment_id": assignment_id, "kind": kind, "level": level, "seq": seq, "due_date": due_date,
            "as_of": as_of, "recipient": recipient, "recipient_name": recipient_name,
            "recipient_role": recipient_role, "status": PENDING, "attempts": 0, "next_attempt_at": now,
            "created_at": now}


__all__ = [
    "ANALYZE_AFTER",
    "DONE",
    "OPEN_STATES",
    "analyze_outbox",
    "cancel_pending",
    "notice_row",
    "notice_views",
    "plan_notices",
    "province_outbox",
    "province_scope",
    "provinces_due",
]


def notice_views(session: Session, *, notices: list[Notice]) -> list[NoticeView]:
    """Join claimed notices with their task, plan and agency for the e-mail."""
    from tasks.escalation.digests import NoticeView

    if not notices:
        return []
    by_assignment: dict[int, list[Notice]] = {}
    for n in notices:
        by_assignment.setdefault(n.assignment_id, []).append(n)
    # sa.select: sqlmodel's select() is typed for at most four columns
    rows = session.execute(
        sa.select(col(Assignment.id), col(Assignment.role), col(Assignment.agency_id), col(Agency.name),
                  col(Task.id), col(Task.ref), col(Task.content), col(Plan.code))
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
