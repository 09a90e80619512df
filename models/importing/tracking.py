"""From which day an imported plan is tracked, what its past-due tasks start with, and what the
first sweep after the import will send.

An assignment's escalation state is not a stored level: each day the sweep gives an open
assignment the one notice stage its due date falls in (``tasks.escalation.policy.notice_for``)
and writes it into the outbox once (the notice key: assignment, kind, level, repeat, due date,
recipient). So a plan issued years ago reaches every agency and the leadership at the top level
on its first sweep. The office's choice is kept the same way the sweep keeps what it has done,
in the outbox, visible and audited, never by moving a due date:

* days before the tracking day: every notice those days' sweeps would write for the plan is
  written now, as ``cancelled`` ("not tracked yet") when its stage ends before the tracking
  day, else as pending from the tracking day's first minute (a stage is written once: holding
  it back would lose it on the tracking day too), so those sweeps send nothing for it;
* ``known`` (already known): on the tracking day, the escalation stage each past-due
  assignment is in is written as ``cancelled`` ("already known when imported"): the first sweep
  sends no escalation of them (no level-3 report of old tasks to the leadership); the policy
  takes them up again at their next stage (the next level or the top level's next repeat);
* ``level1``: the same stage is held back and a level-1 escalation (the lead agency, copied to
  the office) is queued for the tracking day instead; then the policy goes on from the real delay.

Reminders of tasks not yet due are never held back on the tracking day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.tables import (
    COORDINATING,
    IN_PROGRESS,
    LEAD,
    OPEN,
    PENDING,
    TASK_ACTIVE,
    Agency,
    Assignment,
    Notice,
    Plan,
    Task,
)
from models.core.types import utcnow
from models.escalation.notice_plan import HEAD_PREFIX, LEADERSHIP_NAME
from models.escalation.policies import stored_policies
from models.outbox.notices import notice_row
from tasks.common.dates import local_zone
from tasks.escalation.policy import COORDINATION, ESCALATION, REMINDER, Policy, notice_for, recipient_roles

Backlog = Literal["known", "level1"]
BACKLOGS: tuple[str, ...] = ("known", "level1")
# the choice as the audit says it
BACKLOG_WORDS = {"known": "đã biết: không đôn đốc lại trong lần đầu", "level1": "bắt đầu từ cấp 1"}
MAX_DAYS_AHEAD = 31  # how far ahead the tracking day may be set
NOT_TRACKED = "Chưa theo dõi: kế hoạch được theo dõi từ ngày {day} (Văn phòng chọn khi nhập)."
KNOWN = "Đã biết khi nhập kế hoạch: Văn phòng đánh dấu nhiệm vụ quá hạn từ trước ngày theo dõi là đã biết."
LEVEL_ONE = "Bắt đầu từ cấp 1 khi nhập kế hoạch: thay bằng thông báo đôn đốc cấp 1."
SOURCE = "plan import"


@dataclass(frozen=True)
class Tracking:
    """The office's choice in the preview: the first day the plan is tracked (its first sweep)
    and what its tasks already past due on that day start with; ``today`` is the office's day."""

    start: date
    backlog: Backlog
    today: date


@dataclass(frozen=True)
class _Item:
    assignment_id: int
    role: str
    due_date: date
    policy_id: int
    agency_id: int
    agency_name: str
    email: str
    head_email: str
    task_id: int


@dataclass
class Forecast:
    """What the first sweep on ``as_of`` sends for one plan, read from the outbox it would write."""

    as_of: date
    messages: int = 0  # one digest per recipient
    reminder_tasks: int = 0  # tasks with a reminder (lead or coordinating)
    escalation_tasks: dict[int, int] = field(default_factory=dict)  # level -> tasks
    agencies: int = 0  # agencies written to (as lead, coordinating or their head)
    leadership_tasks: int = 0  # tasks in the leadership's report (0: no report)
    office_tasks: int = 0  # tasks the office is copied on
    held: int = 0  # notices held back by the office's choice

    @property
    def nothing(self) -> bool:
        return self.messages == 0


def _addresses(session: Session, *, plan: Plan) -> tuple[str, str, str]:
    """(leadership address, office address, office name) as the sweep resolves them."""
    office = session.exec(
        select(Agency).where(Agency.province == plan.province, Agency.kind == "office").order_by(col(Agency.id))
    ).first()
    return (plan.leadership_email or "", office.email if office else "", office.name if office else "")


def _items(session: Session, *, plan_id: int) -> list[_Item]:
    q = (
        sa.select(col(Assignment.id), col(Assignment.role), col(Assignment.due_date), col(Assignment.policy_id),
                  col(Agency.id), col(Agency.name), col(Agency.email), col(Agency.head_email), col(Task.id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(col(Task.plan_id) == plan_id, col(Task.state) == TASK_ACTIVE,
               col(Assignment.status).in_((OPEN, IN_PROGRESS)), col(Assignment.due_date).is_not(None),
               col(Assignment.policy_id).is_not(None))
    )
    return [_Item(*row) for row in session.execute(q).all()]


def _recipients(policy: Policy, item: _Item, *, kind: str, level: int,
                fixed: tuple[str, str, str]) -> list[tuple[str, str, str]]:
    """(address, name, role) of a notice, as the planning statement resolves them: a role
    without an address is skipped, and so is one whose address an earlier role already has."""
    leadership, office, office_name = fixed
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for role in recipient_roles(policy, kind=kind, level=level):
        if role in ("lead", "coordinating"):
            address, name = item.email, item.agency_name
        elif role == "lead_head":
            address, name = item.head_email, HEAD_PREFIX + item.agency_name
        elif role == "leadership":
            address, name = leadership, LEADERSHIP_NAME
        else:
            address, name = office, office_name
        if not address or address in seen:
            continue
        seen.add(address)
        out.append((address, name, role))
    return out


def _stage(policy: Policy, item: _Item, day: date) -> tuple[str, int, int] | None:
    """(kind, level, seq) of the notice the sweep of ``day`` gives this assignment, if any."""
    kinds = (COORDINATION,) if item.role == COORDINATING else (REMINDER, ESCALATION)
    for kind in kinds:
        found = notice_for(policy, kind=kind, due_date=item.due_date, as_of=day)
        if found is not None:
            return kind, found[0], found[1]
    return None


def apply_tracking(session: Session, *, plan_id: int, tracking: Tracking, actor: str) -> int:
    """Write the office's choice into the outbox (see the module's docstring); returns how many
    notices were held back. Runs in the transaction of a plan's first import (its assignments have
    no notice yet), after the assignments are scheduled."""
    plan = session.get(Plan, plan_id)
    assert plan is not None
    items = _items(session, plan_id=plan_id)
    policies = stored_policies(session, ids=sorted({i.policy_id for i in items}))
    fixed = _addresses(session, plan=plan)
    now = utcnow()
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    # the notice stage of a (policy, role, due date) on a day: plans share a few hundred due dates
    stage_of: dict[tuple[int, str, date, date], tuple[str, int, int] | None] = {}

    def stage(item: _Item, day: date) -> tuple[str, int, int] | None:
        key = (item.policy_id, item.role, item.due_date, day)
        if key not in stage_of:
            stage_of[key] = _stage(policies[item.policy_id], item, day)
        return stage_of[key]

    def add(item: _Item, kind: str, level: int, seq: int, day: date, *, status: str, why: str | None,
            when: datetime) -> None:
        for address, name, role in _recipients(policies[item.policy_id], item, kind=kind, level=level, fixed=fixed):
            key = (item.assignment_id, kind, level, seq, item.due_date, address)
            if key in rows:
                continue
            row = notice_row(assignment_id=item.assignment_id, kind=kind, level=level, seq=seq,
                             due_date=item.due_date, as_of=day, recipient=address, recipient_name=name,
                             recipient_role=role, now=when)
            row.update(status=status, last_error=why)
            rows[key] = row

    not_tracked = NOT_TRACKED.format(day=tracking.start.strftime("%d/%m/%Y"))
    # a notice queued for the tracking day waits for its first minute (the sweep sends what is due by its clock)
    start_of_day = datetime.combine(tracking.start, time.min, tzinfo=local_zone())
    queue_at = start_of_day if tracking.start > tracking.today else now
    first_level = {pid: policy.levels[0].level for pid, policy in policies.items()}
    for item in items:
        first = stage(item, tracking.start)
        backlog = first is not None and first[0] == ESCALATION and item.role == LEAD and item.due_date < tracking.start
        # the days before the tracking day: their sweeps would write the stage of their day; a stage
        # that ends before the tracking day is held back, one that lasts into it is queued for it
        # (a notice is written once per stage: holding it back would lose it on the tracking day too)
        waits = False
        day = tracking.today
        while day < tracking.start:
            found = stage(item, day)
            if found is not None and found == first:
                waits = True
            elif found is not None:
                add(item, *found, day, status="cancelled", why=not_tracked, when=now)
            day += timedelta(days=1)
        if first is None:
            continue
        if not backlog:
            if waits:
                add(item, *first, tracking.start, status=PENDING, why=None, when=queue_at)
            continue
        kind, level, seq = first
        if tracking.backlog == "level1" and level == first_level[item.policy_id]:
            if waits:
                add(item, kind, level, seq, tracking.start, status=PENDING, why=None, when=queue_at)
            continue  # already at level 1: sent as it is
        add(item, kind, level, seq, tracking.start, status="cancelled",
            why=KNOWN if tracking.backlog == "known" else LEVEL_ONE, when=now)
        if tracking.backlog == "level1":
            add(item, ESCALATION, first_level[item.policy_id], 0, tracking.start, status=PENDING, why=None,
                when=queue_at)
    # a plan's first import: none of its assignments has a notice yet, so every key is new
    new = list(rows.values())
    if new:
        session.execute(sa.insert(Notice), new)
    held = sum(1 for row in new if row["status"] == "cancelled")
    record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan_id, action="tracking",
           changes={"tracked_from": tracking.start, "backlog": BACKLOG_WORDS[tracking.backlog], "held": held,
                    "queued": sum(1 for row in new if row["status"] == PENDING)})
    session.flush()
    return held


def forecast(session: Session, *, plan_id: int, as_of: date) -> Forecast:
    """What the sweep of ``as_of`` sends for this plan: call it after planning that day's notices
    (``models.outbox.notices.plan_notices``) in a transaction that is then rolled back."""
    q = (
        sa.select(col(Notice.kind), col(Notice.level), col(Notice.recipient), col(Notice.recipient_role),
                  col(Assignment.task_id), col(Assignment.agency_id), col(Notice.status))
        .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id, col(Notice.status) == PENDING)
    )
    out = Forecast(as_of=as_of)
    recipients: set[str] = set()
    reminders: set[int] = set()
    levels: dict[int, set[int]] = {}
    agencies: set[int] = set()
    leadership: set[int] = set()
    office: set[int] = set()
    for kind, level, recipient, role, task_id, agency_id, _status in session.execute(q).all():
        recipients.add(recipient)
        if kind in (REMINDER, COORDINATION):
            reminders.add(task_id)
        elif kind == ESCALATION:
            levels.setdefault(level, set()).add(task_id)
        else:
            continue
        if role in ("lead", "coordinating", "lead_head"):
            agencies.add(agency_id)
        elif role == "leadership":
            leadership.add(task_id)
        elif role == "office":
            office.add(task_id)
    held = (
        sa.select(sa.func.count()).select_from(Notice)
        .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id, col(Notice.status) == "cancelled",
               sa.or_(col(Notice.last_error).in_((KNOWN, LEVEL_ONE)), col(Notice.last_error).like("Chưa theo dõi:%")))
    )
    out.held = session.execute(held).scalar() or 0
    out.messages = len(recipients)
    out.reminder_tasks = len(reminders)
    out.escalation_tasks = {level: len(ids) for level, ids in sorted(levels.items())}
    out.agencies, out.leadership_tasks, out.office_tasks = len(agencies), len(leadership), len(office)
    return out


__all__ = ["BACKLOGS", "MAX_DAYS_AHEAD", "Forecast", "Tracking", "apply_tracking", "forecast"]
