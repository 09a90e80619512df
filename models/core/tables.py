"""The tables. SQLModel families: ``XBase`` (shared fields), ``X(table=True)``, ``XPublic``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from models.core.types import JSONType, UTCDateTime, utcnow

# Assignment roles and states; plain strings keep the schema portable (no native enums).
LEAD = "lead"
COORDINATING = "coordinating"
OPEN = "open"
IN_PROGRESS = "in_progress"
DONE = "done"
CANCELLED = "cancelled"
TASK_ACTIVE = "active"
TASK_CANCELLED = "cancelled"
# duties read from the plan's prose wait for the office: not tracked until confirmed
TASK_PROPOSED = "proposed"
TASK_DISCARDED = "discarded"


def _ts(*, index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_type=JSONType, nullable=False)


class AgencyBase(SQLModel):
    province: str = Field(max_length=40, index=True)
    key: str = Field(max_length=120)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=30)
    email: str = Field(max_length=200)
    head_email: str = Field(max_length=200)
    successor: str | None = Field(default=None, max_length=300)
    active: bool = True
    # a province set up with `dondoc province add` dates its agencies: in force from valid_from to
    # valid_to (None: open); a former one names the agency that carries its work now (successor_id)
    valid_from: date | None = None
    valid_to: date | None = None


class Agency(AgencyBase, table=True):
    __table_args__ = (sa.UniqueConstraint("province", "key", name="uq_agency_province_key"),)
    id: int | None = Field(default=None, primary_key=True)
    aliases: list[str] = _json(list)
    groups: list[str] = _json(list)
    successor_id: int | None = Field(default=None, foreign_key="agency.id")
    # links carry the generation they were made with; raising it revokes every older link
    link_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AgencyPublic(AgencyBase):
    id: int
    aliases: list[str]


class ProvinceSetup(SQLModel, table=True):
    """A province set up with `dondoc province add`: its directory lives in the agency table."""

    __tablename__ = "province_setup"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=100)
    leadership_name: str = Field(max_length=300)
    leadership_email: str = Field(max_length=200)
    email_domain: str = Field(max_length=100)
    data_version: str = Field(max_length=300)  # the shipped data it was last brought up to date from
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class PlanBase(SQLModel):
    code: str = Field(max_length=80)
    province: str = Field(max_length=40)
    title: str | None = None
    issuer: str | None = Field(default=None, max_length=300)
    issued_on: date | None = None
    year: int | None = None


class Plan(PlanBase, table=True):
    __table_args__ = (sa.UniqueConstraint("province", "code", name="uq_plan_province_code"),)
    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(max_length=300)
    source_sha256: str = Field(max_length=64)
    # [{"month": 6, "day": 15, "period": "H1"}, ...] from the plan's reporting clause
    report_schedule: list[dict[str, Any]] = _json(list)
    report_recipient: str | None = Field(default=None, max_length=300)
    report_clause: str | None = None
    leadership_email: str | None = Field(default=None, max_length=200)
    # per-plan escalation policy override (merged over config/escalation.yaml)
    policy_override: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class TaskBase(SQLModel):
    ref: str = Field(max_length=40)
    position: int
    section: str | None = None
    section_code: str | None = Field(default=None, max_length=20)
    number: str | None = Field(default=None, max_length=20)
    group_title: str | None = None
    content: str
    deadline_text: str = ""
    deadline_kind: str = Field(default="empty", max_length=20)
    due_date: date | None = None
    lead_text: str = ""
    coordinating_text: str = ""
    source: str = Field(default="table", max_length=10)
    state: str = Field(default=TASK_ACTIVE, max_length=20)


class Task(TaskBase, table=True):
    __table_args__ = (sa.UniqueConstraint("plan_id", "ref", name="uq_task_plan_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    unresolved: list[str] = _json(list)
    # for duties read from the text: a short title, the paragraph and its headings, kept so a
    # person can check the proposal against the document
    title: str | None = None
    paragraph: str | None = None
    section_path: list[str] = _json(list)
    # the task's code in a "Mã nhiệm vụ" column (KH12_CĐS_01.2): its reference outside dondoc (0018)
    code: str | None = None
    # the note kept from the deadline cell: "giai đoạn thí điểm" after a date, a start ("Từ Quý II/2026")
    deadline_note: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts(index=True)  # the search index refreshes what changed since (0017)


class TaskPublic(TaskBase):
    id: int
    plan_id: int


class AssignmentBase(SQLModel):
    role: str = Field(max_length=20)
    status: str = Field(default=OPEN, max_length=20)
    percent: int = 0
    due_date: date | None = None
    # the due date before any approved extension; "done late" is judged against due_date
    original_due_date: date | None = None
    completed_on: date | None = None


class Assignment(AssignmentBase, table=True):
    __table_args__ = (
        sa.UniqueConstraint("task_id", "agency_id", "role", name="uq_assignment_task_agency_role"),
        # the daily sweep's set-based queries filter on these columns
        sa.Index("ix_assignment_sweep", "role", "status", "due_date"),
        # the assignments still without a policy (the sweep schedules them first): empty as a rule
        sa.Index("ix_assignment_unscheduled", "task_id", sqlite_where=sa.text("policy_id IS NULL"),
                 postgresql_where=sa.text("policy_id IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")  # indexed by ix_assignment_agency_due (models/web_tables.py)
    # the escalation policy it was scheduled under; a later change of the file does not move it
    policy_id: int | None = Field(default=None, foreign_key="escalation_policy.id")
    # the task's plan, set by a trigger on every insert (migration 0019; never set here): a plan's
    # list by quarter is then a range of ix_assignment_plan_due
    plan_id: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AssignmentPublic(AssignmentBase):
    id: int
    task_id: int
    agency_id: int


class Milestone(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("task_id", "year", name="uq_milestone_task_year"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    year: int
    due_date: date
    target: str


class ProgressUpdate(SQLModel, table=True):
    __tablename__ = "progress_update"
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    status: str = Field(max_length=20)
    percent: int | None = None
    note: str | None = None
    reported_on: date
    actor: str = Field(max_length=200)
    source: str = Field(max_length=40)
    created_at: datetime = _ts()


class AuditEvent(SQLModel, table=True):
    """Who changed what, when, from which source. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(max_length=200)
    source: str = Field(max_length=200)
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=40)
    # {"field": [old, new]} for updates, the created values for creations
    changes: dict[str, Any] = _json(dict)
    # the business day the change took effect when it is not the day of ``at`` (the plan's issue
    # date for the tasks of its first import, ...): reports rebuild past days from it
    effective_on: date | None = None


class EscalationPolicy(SQLModel, table=True):
    """A policy as it was when assignments were scheduled under it (content-addressed)."""

    __tablename__ = "escalation_policy"
    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)
    body: dict[str, Any] = _json(dict)
    created_at: datetime = _ts()


# Outbox states
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"


class Notice(SQLModel, table=True):
    """One notice for one recipient: the outbox row, written before anything is sent.

    The unique key makes a repeated or restarted sweep of the same day add nothing.
    """

    __table_args__ = (
        sa.UniqueConstraint(
            "assignment_id", "kind", "level", "seq", "due_date", "recipient", name="uq_notice_key"
        ),
        sa.Index("ix_notice_pending", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # no index of its own: uq_notice_key starts with it
    assignment_id: int = Field(foreign_key="assignment.id")
    kind: str = Field(max_length=30)  # reminder | coordination_reminder | escalation
    level: int
    seq: int = 0
    due_date: date
    as_of: date
    recipient: str = Field(max_length=200)
    recipient_name: str = Field(max_length=300)
    recipient_role: str = Field(max_length=20)  # lead, lead_head, leadership, office, coordinating
    status: str = Field(default=PENDING, max_length=20)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()


class AgencyLinkMail(SQLModel, table=True):
    """The outbox of an agency's link mails (flows/agencies/links.py): one row per mail, written
    before it is sent, sent and retried by the outbox's one mechanism (models/outbox/queue.py)
    and listed in /outbox with the notices. The link itself is not kept: it is made when the
    message is (a resend carries a link valid from then, of the agency's current generation)."""

    __tablename__ = "agency_link_mail"
    __table_args__ = (sa.Index("ix_agency_link_mail_pending", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    reason: str = Field(max_length=20)  # requested | revoked | resent
    actor: str = Field(max_length=200)  # who caused it: office:EMAIL, or the visitor's web:ADDRESS
    recipient: str = Field(max_length=200)
    recipient_name: str = Field(max_length=300)
    status: str = Field(default=PENDING, max_length=20)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()


class OutboxSender(SQLModel, table=True):
    """A running sender of one outbox (a sweep, a report job, a page sending what it queued): the
    owner of the rows it has claimed (their ``claimed_by``), alive while ``heartbeat_at`` is renewed
    (models/outbox/leases.py). A sender that stopped without finishing is told by its process
    (``host``, ``process``) or its lapsed heartbeat, and its claims are recovered at once."""

    __tablename__ = "outbox_sender"
    id: str = Field(primary_key=True, max_length=64)
    outbox: str = Field(max_length=40)  # the table it sends: notice | report_delivery
    host: str = Field(max_length=255)
    # "<boot id>:<pid>:<start time>": a pid reused by another process, or a reboot, is not this sender
    process: str = Field(max_length=120)
    started_at: datetime = _ts()
    heartbeat_at: datetime = _ts()


class OutboxSend(SQLModel, table=True):
    """The Message-ID ledger: one row per message a sender hands to the mail server, written
    before the message's DATA ends and marked ``accepted_at`` right after the server's 250, so
    a message the server accepted is never sent again when its sender dies before marking the
    outbox rows it carries (they hold the same ``message_id``)."""

    __tablename__ = "outbox_send"
    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=64, index=True)
    outbox: str = Field(max_length=40)
    message_id: str = Field(max_length=200)
    written_at: datetime = _ts()
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


# APScheduler's job store table, declared here so the migrations own the whole schema
# (flows/scheduler.py hands the job store this engine; the columns are APScheduler 3.x's).
apscheduler_jobs = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)


# The web app's queries on assignments: an agency's items by role and state in due-date order,
# and the overview's grouped counts, read from this index alone (no table look-ups).
sa.Index("ix_assignment_role_agency_state", col(Assignment.role), col(Assignment.agency_id), col(Assignment.status),
         col(Assignment.due_date), col(Assignment.completed_on), col(Assignment.task_id))
# One page of an agency's list in due-date order: PostgreSQL walks this index in the list's order
# (due date, nulls last, then id) and stops after the page; the filtered columns ride along.
sa.Index("ix_assignment_agency_due", col(Assignment.agency_id), col(Assignment.role), col(Assignment.due_date),
         col(Assignment.id),
         postgresql_include=["status", "completed_on", "task_id"])
# One page of a plan's list (by quarter) in due-date order, read up to the page (migration 0019).
sa.Index("ix_assignment_plan_due", col(Assignment.plan_id), col(Assignment.role), col(Assignment.due_date),
         col(Assignment.id), postgresql_include=["status"])
