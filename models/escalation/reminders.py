"""Reminders the office sends by hand: outbox rows of kind ``manual_reminder``.

A reminder uses the task's real state on the day: an overdue lead assignment is reminded at the
level the policy gives it for its days overdue (the letter is a đôn đốc at that level, and goes
to whom that level names: the lead agency, from level 2 its head, from level 3 the
leadership), one not yet due gets a reminder, a task without a due date says so. The office
first sees ``plan_manual_reminders`` (which letter goes to whom, the agencies that have no
address); ``queue_manual_reminders`` writes the same rows and the sending goes through the
outbox like the sweep's (``flows.escalation.sweep.send_pending``). Each request gets its own
``seq`` so the notice key stays unique and a second click sends again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.audit import record
from models.core.tables import COORDINATING, LEAD, TASK_ACTIVE, Agency, Assignment, Notice, Plan, Task
from models.core.types import utcnow
from models.escalation.notice_plan import HEAD_PREFIX, LEADERSHIP_NAME
from models.escalation.situation import Situations, agency_situations
from models.outbox.notices import OPEN_STATES, notice_row
from tasks.escalation.policy import ESCALATION, notice_for
from tasks.escalation.situation import AgencySituation
from tasks.escalation.wording import counts_phrase

__all__ = ["MANUAL", "Letter", "ReminderPlan", "plan_manual_reminders", "queue_manual_reminders"]

MANUAL = "manual_reminder"
# who a role's letter is addressed to, for the confirmation page
ROLE_LABELS = {"lead": "chủ trì", "coordinating": "phối hợp", "lead_head": "thủ trưởng cơ quan chủ trì",
               "leadership": "lãnh đạo UBND tỉnh"}


@dataclass
class Letter:
    """One message the reminder will send: to whom, which kind, what it states."""

    recipient: str
    recipient_name: str
    roles: list[str]  # lead, coordinating, lead_head, leadership (labels in ROLE_LABELS)
    level: int  # 0: a reminder; else the đôn đốc level
    report: bool = False  # the leadership gets a report on the agencies, not a letter addressed to it
    summary: str = ""  # what the letter counts: "9 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn"
    refs: list[str] = field(default_factory=list)  # the tasks the reminder is about

    @property
    def title(self) -> str:
        if self.report:
            return f"Báo cáo nhiệm vụ quá hạn (đôn đốc cấp {self.level})"
        return f"Văn bản đôn đốc cấp {self.level}" if self.level else "Thư nhắc việc"


@dataclass
class Unreachable:
    name: str
    role: str  # lead, coordinating, lead_head, leadership
    refs: list[str] = field(default_factory=list)


@dataclass
class ReminderPlan:
    """What a reminder sends, before anything is written."""

    as_of: date
    rows: list[dict[str, Any]]  # the notices, without seq
    letters: list[Letter]
    unreachable: list[Unreachable]
    skipped_undated: int = 0  # an agency's reminder leaves its tasks without a due date out
    # each open assignment as the reminder judges it: (task ref, agency, role, due date, level)
    states: list[tuple[str, str, str, date | None, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.letters)


@dataclass(frozen=True)
class _Open:
    assignment_id: int
    role: str
    due_date: date | None
    policy_id: int | None
    agency_id: int
    agency_name: str
    email: str
    head_email: str
    plan_id: int
    leadership_email: str | None
    ref: str


def _open_assignments(session: Session, *, task_id: int | None, agency_id: int | None) -> list[_Open]:
    q = (
        sa.select(col(Assignment.id), col(Assignment.role), col(Assignment.due_date), col(Assignment.policy_id),
                  col(Agency.id), col(Agency.name), col(Agency.email), col(Agency.head_email), col(Plan.id),
                  col(Plan.leadership_email), col(Task.ref))
        .join(Task, col(Task.id) == col(Assignment.task_id)).join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(col(Assignment.status).in_(OPEN_STATES), col(Task.state) == TASK_ACTIVE,
               col(Assignment.role).in_((LEAD, COORDINATING)))
        .order_by(col(Assignment.role).desc(), col(Agency.name), col(Assignment.id))  # the leads first
    )
    q = (q.where(col(Assignment.task_id) == task_id) if task_id is not None
         else q.where(col(Assignment.agency_id) == agency_id))
    return [_Open(*row) for row in session.execute(q).all()]


def plan_manual_reminders(session: Session, *, as_of: date, policy_path: object, task_id: int | None = None,
                          agency_id: int | None = None) -> ReminderPlan:
    """The letters a reminder for the task (every open assignment, with or without a due date)
    or the agency (its open assignments with a due date) would send; nothing is written."""
    if (task_id is None) == (agency_id is None):
        raise ValueError("give exactly one of task_id and agency_id")
    found = _open_assignments(session, task_id=task_id, agency_id=agency_id)
    skipped = 0
    if agency_id is not None:
        skipped = sum(1 for a in found if a.due_date is None)
        found = [a for a in found if a.due_date is not None]
    reader = Situations(session, as_of=as_of, policy_path=policy_path)
    if found:
        reader.load_policies(a.policy_id for a in found if a.policy_id is not None)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    letters: dict[str, Letter] = {}
    unreachable: dict[tuple[str, str], Unreachable] = {}
    states: list[tuple[str, str, str, date | None, int]] = []
    for a in found:
        level = 0
        policy = reader.policy(a.policy_id, a.plan_id)
        if a.role == LEAD and a.due_date is not None and a.due_date < as_of:
            stage = notice_for(policy, kind=ESCALATION, due_date=a.due_date, as_of=as_of)
            level = stage[0] if stage else 0
        states.append((a.ref, a.agency_name, a.role, a.due_date, level))
        roles: Sequence[str] = ("coordinating",) if a.role == COORDINATING else ("lead",)
        if level:  # the level's own recipients, as the sweep would (its copy to the office aside)
            roles = [r for r in policy.level(level).to if r in ("lead", "lead_head", "leadership")] or ["lead"]
        taken: set[str] = set()
        for role in roles:
            address, name = _address(a, role)
            if not address:
                key = (name, role)
                unreachable.setdefault(key, Unreachable(name=name, role=role)).refs.append(a.ref)
                continue
            if address.lower() in taken:
                continue
            taken.add(address.lower())
            rows.append(notice_row(assignment_id=a.assignment_id, kind=MANUAL, level=level, seq=0,
                                   # the notice key needs a date: a task without one is keyed on the day
                                   due_date=a.due_date or as_of, as_of=as_of, recipient=address,
                                   recipient_name=name, recipient_role=role, now=now))
            letter = letters.setdefault(address.lower(), Letter(recipient=address, recipient_name=name, roles=[],
                                                                level=0, report=role == "leadership"))
            letter.level = max(letter.level, level)
            if role not in letter.roles:
                letter.roles.append(role)
            letter.refs.append(a.ref)
    plan = ReminderPlan(as_of=as_of, rows=rows, letters=list(letters.values()), unreachable=list(unreachable.values()),
                        skipped_undated=skipped, states=states)
    _describe(session, plan, found, as_of=as_of, policy_path=policy_path)
    return plan


def _address(a: _Open, role: str) -> tuple[str, str]:
    if role == "lead_head":
        return (a.head_email or "").strip(), HEAD_PREFIX + a.agency_name
    if role == "leadership":
        return (a.leadership_email or "").strip(), LEADERSHIP_NAME
    return (a.email or "").strip(), a.agency_name


def _describe(session: Session, plan: ReminderPlan, found: list[_Open], *, as_of: date, policy_path: object) -> None:
    """Each agency letter's counts: what the letter will state (the agency's whole situation)."""
    agency_of: dict[str, set[int]] = {}
    for a in found:
        for role in ("lead", "coordinating", "lead_head"):
            address, _ = _address(a, role)
            if address:
                agency_of.setdefault(address.lower(), set()).add(a.agency_id)
    ids = {i for letter in plan.letters if not letter.report for i in agency_of.get(letter.recipient.lower(), ())}
    if not ids:
        return
    tasks = {r for r, in session.execute(sa.select(col(Assignment.task_id)).where(
        col(Assignment.id).in_([a.assignment_id for a in found])))}
    situations = agency_situations(session, agency_ids=ids, as_of=as_of, policy_path=policy_path, task_ids=tasks)
    for letter in plan.letters:
        if letter.report:
            continue
        merged = [situations[i] for i in agency_of.get(letter.recipient.lower(), ()) if i in situations]
        letter.summary = _summary(merged)


def _summary(situations: list[AgencySituation]) -> str:
    overdue = sum(len(s.overdue) for s in situations)
    soon = sum(len(s.due_soon) for s in situations)
    undated = sum(1 for s in situations for i in s.later if i.due_date is None)
    later = sum(len(s.later) for s in situations) - undated
    return counts_phrase(overdue=overdue, due_soon=soon, later=later, undated=undated)


def _next_seq(session: Session) -> int:
    last = session.execute(sa.select(sa.func.max(Notice.seq)).where(col(Notice.kind) == MANUAL)).scalar()
    return (last or 0) + 1


def queue_manual_reminders(session: Session, *, as_of: date, actor: str, policy_path: object,
                           task_id: int | None = None, agency_id: int | None = None) -> int:
    """Write the reminder's notices (``plan_manual_reminders``) and audit it; returns how many
    notices were queued."""
    plan = plan_manual_reminders(session, as_of=as_of, policy_path=policy_path, task_id=task_id, agency_id=agency_id)
    seq = _next_seq(session)
    rows = [{**row, "seq": seq} for row in plan.rows]
    if rows:
        session.execute(sa.insert(Notice), rows)
    entity, entity_id = ("task", task_id) if task_id is not None else ("agency", agency_id)
    record(session, actor=actor, source="web", entity=entity, entity_id=entity_id, action="manual_reminder",
           changes={"notices": [None, len(rows)], "seq": [None, seq]})
    return len(rows)
