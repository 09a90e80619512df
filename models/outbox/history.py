"""The office's view of everything mailed: every notice, every report e-mail and every agency
link mail, newest first, in one list (the ``/outbox`` page), and putting a failed one back in the
queue.

The outbox tables share the queue's columns (models/outbox/queue.py); this module only reads
them and, for a resend, sets a failed row back to pending with a fresh count of attempts, as the
queue's own retry does after a failed attempt. Sending stays the senders' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.audit import record
from models.core.report_tables import ReportDelivery, ReportRun
from models.core.tables import FAILED, PENDING, SENDING, SENT, Agency, AgencyLinkMail, Assignment, Notice, Plan, Task
from models.core.types import utcnow

CANCELLED = "cancelled"
STATES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
NOTICE, REPORT, LINK = "notice", "report", "link"  # which outbox table a row of the history comes from
SOURCES = (NOTICE, REPORT, LINK)
LINK_KIND = "agency_link"  # the kind shown for an agency's link mail


class ResendError(ValueError):
    """The row cannot be sent again (message in Vietnamese, shown on the page)."""


@dataclass(frozen=True)
class Sent:
    """One row of the history: a notice (about one agency's task) or a report e-mail."""

    source: str
    id: int
    kind: str  # the notice's kind, or "report"
    level: int | None
    recipient: str
    recipient_name: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    agency_id: int | None
    agency_name: str | None
    task_id: int | None
    ref: str | None
    plan_code: str | None
    period: str | None


def _notices(state: str | None, agency_id: int | None, provinces: tuple[str, ...] | None = None) -> sa.Select[Any]:
    q = (
        sa.select(sa.literal(NOTICE).label("source"), col(Notice.id).label("id"), col(Notice.kind).label("kind"),
                  col(Notice.level).label("level"), col(Notice.recipient).label("recipient"),
                  col(Notice.recipient_name).label("recipient_name"), col(Notice.status).label("status"),
                  col(Notice.attempts).label("attempts"), col(Notice.last_error).label("last_error"),
                  col(Notice.created_at).label("created_at"), col(Notice.sent_at).label("sent_at"),
                  col(Agency.id).label("agency_id"), col(Agency.name).label("agency_name"),
                  col(Task.id).label("task_id"), col(Task.ref).label("ref"), col(Plan.code).label("plan_code"),
                  sa.cast(sa.null(), sa.String).label("period"))
        .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
    )
    if state:
        q = q.where(col(Notice.status) == state)
    if agency_id is not None:
        q = q.where(col(Assignment.agency_id) == agency_id)
    if provinces is not None:
        q = q.where(col(Plan.province).in_(provinces))
    return q


def _reports(state: str | None, provinces: tuple[str, ...] | None = None) -> sa.Select[Any]:
    q = (
        sa.select(sa.literal(REPORT).label("source"), col(ReportDelivery.id).label("id"),
                  sa.literal("report").label("kind"), sa.cast(sa.null(), sa.Integer).label("level"),
                  col(ReportDelivery.recipient).label("recipient"),
                  col(ReportDelivery.recipient_name).label("recipient_name"),
                  col(ReportDelivery.status).label("status"), col(ReportDelivery.attempts).label("attempts"),
                  col(ReportDelivery.last_error).label("last_error"),
                  col(ReportDelivery.created_at).label("created_at"), col(ReportDelivery.sent_at).label("sent_at"),
                  sa.cast(sa.null(), sa.Integer).label("agency_id"),
                  sa.cast(sa.null(), sa.String).label("agency_name"),
                  sa.cast(sa.null(), sa.Integer).label("task_id"), sa.cast(sa.null(), sa.String).label("ref"),
                  col(Plan.code).label("plan_code"), col(ReportRun.period).label("period"))
        .join(ReportRun, col(ReportRun.id) == col(ReportDelivery.report_run_id))
        .join(Plan, col(Plan.id) == col(ReportRun.plan_id))
    )
    if state:
        q = q.where(col(ReportDelivery.status) == state)
    if provinces is not None:
        q = q.where(col(Plan.province).in_(provinces))
    return q


def _links(state: str | None, agency_id: int | None = None, provinces: tuple[str, ...] | None = None) -> sa.Select[Any]:
    """The agencies' link mails (models/agencies/link_mails.py)."""
    q = (
        sa.select(sa.literal(LINK).label("source"), col(AgencyLinkMail.id).label("id"),
                  sa.literal(LINK_KIND).label("kind"), sa.cast(sa.null(), sa.Integer).label("level"),
                  col(AgencyLinkMail.recipient).label("recipient"),
                  col(AgencyLinkMail.recipient_name).label("recipient_name"),
                  col(AgencyLinkMail.status).label("status"), col(AgencyLinkMail.attempts).label("attempts"),
                  col(AgencyLinkMail.last_error).label("last_error"),
                  col(AgencyLinkMail.created_at).label("created_at"), col(AgencyLinkMail.sent_at).label("sent_at"),
                  col(Agency.id).label("agency_id"), col(Agency.name).label("agency_name"),
                  sa.cast(sa.null(), sa.Integer).label("task_id"), sa.cast(sa.null(), sa.String).label("ref"),
                  sa.cast(sa.null(), sa.String).label("plan_code"), sa.cast(sa.null(), sa.String).label("period"))
        .join(Agency, col(Agency.id) == col(AgencyLinkMail.agency_id))
    )
    if state:
        q = q.where(col(AgencyLinkMail.status) == state)
    if agency_id is not None:
        q = q.where(col(AgencyLinkMail.agency_id) == agency_id)
    if provinces is not None:
        q = q.where(col(Agency.province).in_(provinces))
    return q


def mail_history(session: Session, *, state: str | None = None, agency_id: int | None = None, page: int = 1,
                 per_page: int = 50, provinces: tuple[str, ...] | None = None) -> tuple[list[Sent], int]:
    """One page of every notice, report e-mail and link mail, newest first, and how many there are in all.
    ``agency_id`` keeps the notices about that agency's tasks (report e-mails go to the office and
    the leadership, never about one agency, so they are left out); an agency's link mails are
    kept with its notices."""
    if state is not None and state not in STATES:
        raise ValueError(f"unknown outbox state {state!r}")
    parts: list[sa.Select[Any]] = [_notices(state, agency_id, provinces), _links(state, agency_id, provinces)]
    if agency_id is None:
        parts.append(_reports(state, provinces))
    union = sa.union_all(*parts).subquery("sent")
    total = session.execute(sa.select(sa.func.count()).select_from(union)).scalar_one()
    rows = session.execute(
        sa.select(union).order_by(union.c.created_at.desc(), union.c.source, union.c.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).mappings().all()
    return [Sent(**dict(r)) for r in rows], int(total)


def state_counts(session: Session, *, provinces: tuple[str, ...] | None = None) -> dict[str, int]:
    """How many rows of both tables are in each state (the filter's figures)."""
    counts = dict.fromkeys(STATES, 0)
    if provinces is not None:  # the provinces' rows of the history, counted by state
        union = sa.union_all(_notices(None, None, provinces), _reports(None, provinces),
                             _links(None, None, provinces)).subquery("sent")
        for status, n in session.execute(sa.select(union.c.status, sa.func.count()).group_by(union.c.status)):
            counts[status] = counts.get(status, 0) + int(n)
        return counts
    for table in (Notice, ReportDelivery, AgencyLinkMail):
        for status, n in session.execute(sa.select(col(table.status), sa.func.count()).group_by(col(table.status))):
            counts[status] = counts.get(status, 0) + int(n)
    return counts


def resend(session: Session, *, source: str, row_id: int, actor: str, now: datetime | None = None) -> None:
    """Put a failed notice or report e-mail back in the queue: pending from ``now``, attempts
    counted afresh (the queue gives up after MAX_ATTEMPTS), the last error kept until it goes
    out. Audited. Only a failed row can be resent: a pending one is still being tried, and a
    sent or cancelled one is not sent twice."""
    if source not in SOURCES:
        raise ResendError("Không tìm thấy thư.")
    row: Notice | ReportDelivery | AgencyLinkMail | None = (
        session.get(Notice, row_id) if source == NOTICE else session.get(ReportDelivery, row_id) if source == REPORT
        else session.get(AgencyLinkMail, row_id))
    if row is None:
        raise ResendError("Không tìm thấy thư.")
    if row.status != FAILED:
        raise ResendError("Chỉ gửi lại được thư gửi lỗi; thư này đang ở trạng thái khác.")
    before = row.attempts
    row.status, row.attempts, row.next_attempt_at, row.claimed_by = PENDING, 0, now or utcnow(), None
    session.add(row)
    session.flush()
    entity = {NOTICE: "notice", REPORT: "report_delivery", LINK: "agency_link_mail"}[source]
    record(session, actor=actor, source="web", entity=entity,
           entity_id=row_id, action="resent", changes={"status": [FAILED, PENDING], "attempts": [before, 0]})


def resend_failed(session: Session, *, actor: str, agency_id: int | None = None, now: datetime | None = None,
                  provinces: tuple[str, ...] | None = None) -> int:
    """Every failed row (of one agency's notices when ``agency_id``) back in the queue; how many."""
    page, _ = mail_history(session, state=FAILED, agency_id=agency_id, per_page=10_000, provinces=provinces)
    for row in page:
        resend(session, source=row.source, row_id=row.id, actor=actor, now=now)
    return len(page)
