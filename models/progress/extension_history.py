"""Decided extension requests, newest decision first: the history below the pending ones on
``/extensions`` (who asked, for which date, what the office decided, when and by whom)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import Agency, Assignment, Plan, Task
from models.core.web_tables import EXT_PENDING, ExtensionRequest


def decided_extensions(session: Session, *, limit: int = 200, provinces: tuple[str, ...] | None = None,
                       ) -> list[tuple[ExtensionRequest, Assignment, Agency, Task, Plan]]:
    q = (
        select(ExtensionRequest, Assignment, Agency, Task, Plan)  # type: ignore[call-overload]  # typed for 4 at most
        .join(Assignment, col(Assignment.id) == col(ExtensionRequest.assignment_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(col(ExtensionRequest.state) != EXT_PENDING)
        .where(col(Plan.province).in_(provinces) if provinces is not None else sa.true())
        .order_by(col(ExtensionRequest.decided_at).desc(), col(ExtensionRequest.id).desc())
        .limit(limit)
    )
    return list(session.exec(q).all())
