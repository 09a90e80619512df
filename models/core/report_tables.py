"""Tables of the progress reports: indicators and their values, agencies' period reports,
compiled report runs and their e-mail delivery.

Registered on ``SQLModel.metadata`` when ``models.core`` is imported (its ``__init__``).
Families as elsewhere (``XBase``, ``X(table=True)``, ``XPublic``); states are plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.core.types import JSONType, UTCDateTime, utcnow

# the source of a report-submission duty's task ("BC.2020-H1"), next to "table" and "text"
REPORT_SOURCE = "report"
# report runs
RUN_RUNNING = "running"
RUN_DONE = "done"
RUN_FAILED = "failed"
TRIGGER_SCHEDULED = "scheduled"
TRIGGER_MANUAL = "manual"


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_type=JSONType, nullable=False)


class IndicatorBase(SQLModel):
    plan_id: int = Field(foreign_key="plan.id", index=True)
    # tasks.indicators.targets.Indicator.key: name, unit and district as ASCII ("so-xa-dat-chuan|xa")
    key: str = Field(max_length=400)
    name: str
    unit: str = Field(max_length=80)
    baseline: float | None = None
    baseline_year: int | None = None
    district: str | None = Field(default=None, max_length=200)
    owner_text: str | None = Field(default=None, max_length=300)  # the agency as the plan writes it
    owner_agency_id: int | None = Field(default=None, foreign_key="agency.id")
    direction: str = Field(default="up", max_length=10)  # "down": lower is better
    source: str = Field(max_length=20)  # "text" | "table" | "appendix"
    active: bool = True  # still read from the plan at its last import


class Indicator(IndicatorBase, table=True):
    """A numeric target of a plan (chỉ tiêu) with its target per horizon."""

    __tablename__ = "indicator"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key", name="uq_indicator_plan_key"),)
    id: int | None = Field(default=None, primary_key=True)
    # [{"year": 2020, "low": 124.0, "high": null, "qualifier": null, "per_year": false}, ...]
    targets: list[dict[str, Any]] = _json(list)
    source_text: str | None = None
    position: int = 0
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class IndicatorPublic(IndicatorBase):
    id: int
    targets: list[dict[str, Any]]


class IndicatorValueBase(SQLModel):
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    period: str = Field(max_length=20)  # "2020-H1"
    value: float
    reported_on: date
    source: str = Field(max_length=40)
    actor: str = Field(max_length=200)


class IndicatorValue(IndicatorValueBase, table=True):
    """A value an agency reported for an indicator (history kept: the latest counts)."""

    __tablename__ = "indicator_value"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int | None = Field(default=None, foreign_key="report_submission.id")
    created_at: datetime = _ts()


class IndicatorValuePublic(IndicatorValueBase):
    id: int


class ReportSubmissionBase(SQLModel):
    plan_id: int = Field(foreign_key="plan.id", index=True)
    period: str = Field(max_length=20)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id")  # the agency's report duty
    submitted_on: date
    actor: str = Field(max_length=200)
    source: str = Field(max_length=40)
    summary: str | None = None
    filename: str | None = Field(default=None, max_length=255)  # the uploader's name for the file
    content_type: str | None = Field(default=None, max_length=100)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)


class ReportSubmission(ReportSubmissionBase, table=True):
    """An agency's period report: narratives per task, indicator values, an optional file
    (stored under DONDOC_DATA_DIR/reports-in/ by a random name)."""

    __tablename__ = "report_submission"
    __table_args__ = (sa.UniqueConstraint("stored_name", name="uq_report_submission_stored_name"),)
    id: int | None = Field(default=None, primary_key=True)
    narratives: dict[str, str] = _json(dict)  # {task ref: text}
    indicator_values: dict[str, float] = _json(dict)  # {indicator key: value}
    stored_name: str | None = Field(default=None, max_length=64)
    submitted_at: datetime = _ts()


class ReportSubmissionPublic(ReportSubmissionBase):
    id: int
    narratives: dict[str, str]
    indicator_values: dict[str, float]
    submitted_at: datetime


class ReportRunBase(SQLModel):
    plan_id: int = Field(foreign_key="plan.id", index=True)
    period: str = Field(max_length=20)
    as_of: date  # the cut-off: figures as of the end of this day
    report_date: date  # the date line of the document
    trigger: str = Field(max_length=20)  # "scheduled" | "manual"
    status: str = Field(default=RUN_RUNNING, max_length=20)  # "running" | "done" | "failed"
    actor: str = Field(max_length=200)


class ReportRun(ReportRunBase, table=True):
    """One compilation of a plan's report; its files stay under DONDOC_DATA_DIR/reports/."""

    __tablename__ = "report_run"
    __table_args__ = (sa.UniqueConstraint("schedule_key", name="uq_report_run_schedule_key"),)
    id: int | None = Field(default=None, primary_key=True)
    # "plan_id:period" for scheduled runs (one per plan and period: a repeated or concurrent job
    # compiles and mails once); NULL for manual runs, which never collide
    schedule_key: str | None = Field(default=None, max_length=60)
    # {"docx": {"path": "reports/<plan>/<period>/<run>/<name>", "name": ..., "sha256": ..., "size": ...}}
    files: dict[str, Any] = _json(dict)
    # the headline figures, for listings without opening a file
    summary: dict[str, Any] = _json(dict)
    error: str | None = None
    started_at: datetime = _ts()
    generated_at: datetime | None = _ts(nullable=True)


class ReportRunPublic(ReportRunBase):
    id: int
    files: dict[str, Any]
    summary: dict[str, Any]
    generated_at: datetime | None


class ReportDelivery(SQLModel, table=True):
    """The outbox of compiled reports: one row per run and recipient, with the notices'
    claim-and-retry pattern (pending -> sending -> sent | failed)."""

    __tablename__ = "report_delivery"
    __table_args__ = (
        sa.UniqueConstraint("report_run_id", "recipient", name="uq_report_delivery_key"),
        sa.Index("ix_report_delivery_pending", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    report_run_id: int = Field(foreign_key="report_run.id", index=True)
    recipient: str = Field(max_length=200)
    recipient_name: str = Field(max_length=300)
    recipient_role: str = Field(max_length=20)  # office | leadership
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = _ts()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()
