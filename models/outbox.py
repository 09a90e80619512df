"""The outbox: which notices are due on a day (set-based), written once, claimed atomically.

Planning finds candidates with indexed range queries (one per policy window), computes the
notice (level, repeat) once per distinct due date, and INSERTs with ON CONFLICT DO NOTHING on
the notice key, so a repeated, restarted or concurrent sweep of the same day adds nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models.tables import (
    COORDINATING,
    DONE,
    FAILED,
    IN_PROGRESS,
    LEAD,
    OPEN,
    PENDING,
    SENDING,
    SENT,
    TASK_ACTIVE,
    Agency,
    Assignment,
    Notice,
    Plan,
    Task,
)
from models.policies import stored_policies
from models.types import utcnow
from tasks.policy import Policy, notice_for, windows

MAX_ATTEMPTS = 5
OPEN_STATES = (OPEN, IN_PROGRESS)
# a claim older than this is taken to belong to a crashed sender and is released
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Recipient:
    role: str
    email: str
    name: str


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    """INSERT ... ON CONFLICT DO NOTHING; counts by (kind, level) of the rows really added."""
    added: Counter[tuple[str, int]] = Counter()
    if not rows:
        return added
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Notice)
    stmt = ins.on_conflict_do_nothing().returning(Notice.kind, Notice.level)
    for start in range(0, len(rows), 5000):
        added.update((kind, level) for kind, level in session.execute(stmt, rows[start:start + 5000]))
    return added


def _candidates(session: Session, *, policy_id: int, policy: Policy, as_of: date) -> list[tuple[Any, ...]]:
    """(assignment id, agency id, role, due date, plan id, window kind) in any window of the day."""
    out: list[tuple[Any, ...]] = []
    for w in windows(policy, as_of):
        role = COORDINATING if w.kind == "coordination_reminder" else LEAD
        q = (
            select(Assignment.id, Assignment.agency_id, Assignment.role, Assignment.due_date, Task.plan_id)
            .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
            .where(
                Assignment.policy_id == policy_id,
                Assignment.role == role,
                Assignment.status.in_(OPEN_STATES),  # type: ignore[attr-defined]
                Assignment.due_date.between(w.due_from, w.due_to),  # type: ignore[union-attr]
                Task.state == TASK_ACTIVE,
            )
        )
        out += [(*row, w.kind) for row in session.exec(q)]
    return out


def plan_notices(session: Session, *, as_of: date, now: datetime | None = None) -> Counter[tuple[str, int]]:
    """Write every notice due on ``as_of`` into the outbox; returns added counts by (kind, level).

    New notices are sendable from ``now`` (the sweep's clock)."""
    policy_ids = list(session.exec(
        select(Assignment.policy_id).where(Assignment.status.in_(OPEN_STATES), Assignment.policy_id.is_not(None))  # type: ignore[attr-defined,union-attr]
        .distinct()
    ))
    policies = stored_policies(session, ids=policy_ids)
    rows: list[tuple[Any, ...]] = []
    for pid, policy in policies.items():
        for cand in _candidates(session, policy_id=pid, policy=policy, as_of=as_of):
            rows.append((*cand, policy))
    if not rows:
        return Counter()
    book = _address_book(session, agency_ids={r[1] for r in rows}, plan_ids={r[4] for r in rows})
    levels: dict[tuple[str, date, str], tuple[int, int] | None] = {}
    notices: list[dict[str, Any]] = []
    now = now or utcnow()
    for assignment_id, agency_id, _role, due, plan_id, kind, policy in rows:
        key = (kind, due, policy.fingerprint())
        if key not in levels:
            levels[key] = notice_for(policy, kind=kind, due_date=due, as_of=as_of)
        found = levels[key]
        if found is None:
            continue
        level, seq = found
        for r in book.recipients(policy=policy, kind=kind, level=level, agency_id=agency_id, plan_id=plan_id):
            notices.append({
                "assignment_id": assignment_id, "kind": kind, "level": level, "seq": seq, "due_date": due,
                "as_of": as_of, "recipient": r.email, "recipient_name": r.name, "recipient_role": r.role,
                "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
            })
    return _insert_ignore(session, notices)


class _AddressBook:
    def __init__(self, agencies: dict[int, Agency], plans: dict[int, Plan], offices: dict[str, Agency]):
        self.agencies, self.plans, self.offices = agencies, plans, offices

    def recipients(self, *, policy: Policy, kind: str, level: int, agency_id: int, plan_id: int) -> list[Recipient]:
        agency = self.agencies[agency_id]
        if kind != "escalation":
            return [Recipient("coordinating" if kind == "coordination_reminder" else "lead", agency.email, agency.name)]
        lvl = next(lv for lv in policy.levels if lv.level == level)
        plan = self.plans[plan_id]
        out: list[Recipient] = []
        for role in (*lvl.to, *lvl.cc):
            if role == "lead":
                out.append(Recipient(role, agency.email, agency.name))
            elif role == "lead_head":
                out.append(Recipient(role, agency.head_email, f"Thủ trưởng {agency.name}"))
            elif role == "leadership" and plan.leadership_email:
                out.append(Recipient(role, plan.leadership_email, "Lãnh đạo UBND tỉnh"))
            elif role == "office" and plan.province in self.offices:
                office = self.offices[plan.province]
                out.append(Recipient(role, office.email, office.name))
        seen: set[str] = set()
        return [r for r in out if not (r.email in seen or seen.add(r.email))]  # type: ignore[func-returns-value]


def _address_book(session: Session, *, agency_ids: set[int], plan_ids: set[int]) -> _AddressBook:
    agencies = {a.id: a for a in session.exec(select(Agency).where(Agency.id.in_(agency_ids)))}  # type: ignore[union-attr]
    plans = {p.id: p for p in session.exec(select(Plan).where(Plan.id.in_(plan_ids)))}  # type: ignore[union-attr]
    provinces = {p.province for p in plans.values()}
    offices = {
        a.province: a
        for a in session.exec(select(Agency).where(Agency.kind == "office", Agency.province.in_(provinces)))  # type: ignore[attr-defined]
    }
    return _AddressBook(agencies, plans, offices)  # type: ignore[arg-type]


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
    session.execute(
        sa.update(Notice).where(Notice.id.in_(ids)).values(status=SENT, sent_at=now, message_id=message_id, claimed_by=None)  # type: ignore[union-attr]
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


def new_worker_id() -> str:
    return uuid.uuid4().hex


__all__ = [
    "plan_notices", "claim", "mark_sent", "mark_failed_attempt", "cancel_pending", "new_worker_id",
    "MAX_ATTEMPTS", "DONE",
]


def notice_views(session: Session, *, notices: list[Notice]) -> list["NoticeView"]:
    """Join claimed notices with their task, plan and agency for the e-mail."""
    from tasks.digests import NoticeView

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
    out: list[NoticeView] = []
    for aid, role, agency_id, agency_name, task_id, ref, content, code in rows:
        for n in by_assignment[aid]:
            out.append(NoticeView(
                notice_id=n.id, kind=n.kind, level=n.level, seq=n.seq, due_date=n.due_date,  # type: ignore[arg-type]
                recipient=n.recipient, recipient_name=n.recipient_name, plan_code=code, ref=ref, content=content,
                task_id=task_id, agency_id=agency_id, agency_name=agency_name, role=role,
                lead_names=tuple(leads.get(task_id, ())),
            ))
    return out
