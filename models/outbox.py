"""The outbox: which notices are due on a day (set-based), written once, claimed atomically.

Planning finds candidates with indexed range queries (one per policy window), computes the
notice (level, repeat) once per distinct due date, and INSERTs with ON CONFLICT DO NOTHING on
the notice key, so a repeated, restarted or concurrent sweep of the same day adds nothing.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
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
    EscalationPolicy,
    Notice,
    Plan,
    Task,
)
from models.policies import stored_policies
from models.types import utcnow
from tasks.policy import Policy, Window, notice_for, windows

MAX_ATTEMPTS = 5
OPEN_STATES = (OPEN, IN_PROGRESS)
# a claim older than this is taken to belong to a crashed sender and is released
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Recipient:
    role: str
    email: str
    name: str


_INSERT_BATCH = 1000  # rows per multi-row INSERT (13 parameters each, well under SQLite's limit)
_PG_BATCH = 50_000  # rows per INSERT ... SELECT FROM json_populate_recordset on PostgreSQL


def _iso_dates(values: list[Any]) -> list[Any]:
    """Dates and (timezone-aware) timestamps as ISO 8601 text, which PostgreSQL reads back exactly."""
    if not any(isinstance(v, date) for v in values):
        return values
    memo = {v: v.isoformat() for v in set(values) if isinstance(v, date)}
    return [memo.get(v, v) if v is not None else None for v in values]


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    """INSERT ... ON CONFLICT DO NOTHING; counts by (kind, level) of the rows really added.

    The statement is the one SQLAlchemy builds (``insert(Notice).on_conflict_do_nothing()
    .returning(kind, level)``), sent straight to the driver with its rows as multi-row VALUES
    (SQLite) or as one JSON array of rows (PostgreSQL): going through the ORM's bulk path cost
    ~100 µs per notice, most of a national sweep's planning time. Values are converted by the
    columns' own bind processors, so what is stored is the same.
    """
    added: Counter[tuple[str, int]] = Counter()
    if not rows:
        return added
    conn = session.connection()
    dialect = conn.dialect
    table = Notice.__table__  # type: ignore[attr-defined]
    names = list(rows[0])
    defaulted = [c.name for c in table.c if c.default is not None and c.name not in names]
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if defaulted or mark is None or any(r.keys() != rows[0].keys() for r in rows):
        return _insert_ignore_orm(session, rows)
    prep = dialect.identifier_preparer
    columns = [_bound_values(table.c[n].type, dialect, [r[n] for r in rows]) for n in names]
    head = f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.format_column(table.c[n]) for n in names)}) "
    tail = f" ON CONFLICT DO NOTHING RETURNING {prep.format_column(table.c.kind)}, {prep.format_column(table.c.level)}"
    if dialect.name == "postgresql":
        # the rows as one JSON parameter, typed by the table itself (json_populate_recordset):
        # psycopg parses each placeholder of a multi-row VALUES, and quotes each element of an
        # array parameter, in Python (seconds for 20,000 notices); json.dumps takes milliseconds
        listed = ", ".join(prep.format_column(table.c[n]) for n in names)
        sql = f"{head}SELECT {listed} FROM json_populate_recordset(NULL::{prep.format_table(table)}, {mark}::json){tail}"
        records = [dict(zip(names, values)) for values in zip(*map(_iso_dates, columns))]
        for start in range(0, len(records), _PG_BATCH):
            payload = json.dumps(records[start:start + _PG_BATCH], ensure_ascii=False)
            added.update((kind, level) for kind, level in conn.exec_driver_sql(sql, (payload,)))
        return added
    values = list(zip(*columns))
    head += "VALUES "
    group = "(" + ", ".join([mark] * len(names)) + ")"
    for start in range(0, len(values), _INSERT_BATCH):
        batch = values[start:start + _INSERT_BATCH]
        sql = head + ", ".join([group] * len(batch)) + tail
        added.update((kind, level) for kind, level in conn.exec_driver_sql(sql, tuple(v for row in batch for v in row)))
    return added


def _insert_ignore_orm(session: Session, rows: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    """The same through SQLAlchemy's bulk INSERT (for rows that leave a column to its default)."""
    from sqlalchemy.dialects import postgresql, sqlite  # rarely needed: not imported by every sweep

    added: Counter[tuple[str, int]] = Counter()
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Notice)
    stmt = ins.on_conflict_do_nothing().returning(Notice.kind, Notice.level)
    for start in range(0, len(rows), 5000):
        added.update((kind, level) for kind, level in session.execute(stmt, rows[start:start + 5000]))
    return added


def _bound_values(type_: Any, dialect: Any, values: list[Any]) -> list[Any]:
    """A column's values as its type's bind processor makes them (each distinct value once)."""
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    memo = {v: process(v) for v in set(values)}  # notices hold dates, timestamps, text: hashable
    return [memo[v] for v in values]


def _candidates(session: Session, *, policies: dict[int, Policy], as_of: date) -> list[tuple[Any, ...]]:
    """(assignment id, agency id, role, due date, plan id, window kind, policy id) in any window of the day.

    Every stored policy's windows, with one indexed query per notice kind over the span of
    that kind's windows (ix_assignment_sweep: role, status, due date); each row is then placed
    in its own policy's window. The rows come in the order of one query per policy and window,
    and no scan of the whole table is needed to find which policies are in use.
    """
    spans: dict[str, list[tuple[int, int, Window]]] = {}  # kind -> (policy order, window order, window)
    for p_index, policy in enumerate(policies.values()):
        for w_index, w in enumerate(windows(policy, as_of)):
            spans.setdefault(w.kind, []).append((p_index, w_index, w))
    order = {pid: p_index for p_index, pid in enumerate(policies)}
    found: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for kind, placed in spans.items():
        role = COORDINATING if kind == "coordination_reminder" else LEAD
        by_policy: dict[int, list[tuple[int, Window]]] = {}
        for p_index, w_index, w in placed:
            by_policy.setdefault(p_index, []).append((w_index, w))
        q = (
            select(Assignment.id, Assignment.agency_id, Assignment.role, Assignment.due_date, Task.plan_id,
                   Assignment.policy_id)
            .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
            .where(
                Assignment.policy_id.in_(list(policies)),  # type: ignore[union-attr]
                Assignment.role == role,
                Assignment.status.in_(OPEN_STATES),  # type: ignore[attr-defined]
                Assignment.due_date.between(min(w.due_from for *_, w in placed), max(w.due_to for *_, w in placed)),  # type: ignore[union-attr]
                Task.state == TASK_ACTIVE,
            )
        )
        for assignment_id, agency_id, a_role, due, plan_id, pid in session.execute(q):
            p_index = order[pid]
            for w_index, w in by_policy.get(p_index, ()):
                if w.due_from <= due <= w.due_to:
                    found.setdefault((p_index, w_index), []).append(
                        (assignment_id, agency_id, a_role, due, plan_id, kind, pid))
                    break
    out: list[tuple[Any, ...]] = []
    for key in sorted(found):
        out += found[key]
    return out


def plan_notices(session: Session, *, as_of: date, now: datetime | None = None) -> Counter[tuple[str, int]]:
    """Write every notice due on ``as_of`` into the outbox; returns added counts by (kind, level).

    New notices are sendable from ``now`` (the sweep's clock)."""
    # every stored policy (a handful of rows): one without open assignments simply finds nothing
    policies = stored_policies(session, ids=list(session.exec(select(EscalationPolicy.id))))
    rows = [(*cand[:6], policies[cand[6]]) for cand in _candidates(session, policies=policies, as_of=as_of)]
    if not rows:
        return Counter()
    book = _address_book(session, agency_ids={r[1] for r in rows}, plan_ids={r[4] for r in rows})
    levels: dict[tuple[str, date, str], tuple[int, int] | None] = {}
    notices: list[dict[str, Any]] = []
    now = now or utcnow()
    fingerprints = {id(p): p.fingerprint() for p in policies.values()}
    for assignment_id, agency_id, _role, due, plan_id, kind, policy in rows:
        key = (kind, due, fingerprints[id(policy)])
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
    def __init__(self, agencies: dict[int, Any], plans: dict[int, Any], offices: dict[str, Any]):
        self.agencies, self.plans, self.offices = agencies, plans, offices
        self._known: dict[tuple[int, str, int, int, int], list[Recipient]] = {}

    def recipients(self, *, policy: Policy, kind: str, level: int, agency_id: int, plan_id: int) -> list[Recipient]:
        """Who gets the notice (the same list object for the same question: it is only read)."""
        key = (id(policy), kind, level, agency_id, plan_id)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._recipients(policy=policy, kind=kind, level=level, agency_id=agency_id,
                                                        plan_id=plan_id)
        return found

    def _recipients(self, *, policy: Policy, kind: str, level: int, agency_id: int, plan_id: int) -> list[Recipient]:
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


class _AgencyInfo(NamedTuple):
    id: int
    province: str
    name: str
    email: str
    head_email: str


class _PlanInfo(NamedTuple):
    id: int
    province: str
    leadership_email: str | None


_AGENCY_COLUMNS = (Agency.id, Agency.province, Agency.name, Agency.email, Agency.head_email)


def _address_book(session: Session, *, agency_ids: set[int], plan_ids: set[int]) -> _AddressBook:
    # only the columns recipients need, not whole ORM objects
    agencies = {
        a.id: a
        for a in map(_AgencyInfo._make, session.execute(select(*_AGENCY_COLUMNS).where(Agency.id.in_(agency_ids))))  # type: ignore[union-attr]
    }
    plans = {
        p.id: p
        for p in map(_PlanInfo._make, session.execute(
            select(Plan.id, Plan.province, Plan.leadership_email).where(Plan.id.in_(plan_ids))))  # type: ignore[union-attr]
    }
    provinces = {p.province for p in plans.values()}
    offices = {
        a.province: a
        for a in map(_AgencyInfo._make, session.execute(
            select(*_AGENCY_COLUMNS).where(Agency.kind == "office", Agency.province.in_(provinces))))  # type: ignore[attr-defined]
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
