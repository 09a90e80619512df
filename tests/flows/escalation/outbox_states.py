"""The outbox as the province sweeps' tests read it: how many notices of each province's plans are in each state."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import Assignment, Notice, Plan, Task


def notice_states(engine: sa.Engine) -> Counter[tuple[str, str]]:
    """(province of the notice's plan, notice status) -> count."""
    with Session(engine) as s:
        rows = s.exec(select(Plan.province, Notice.status)
                      .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
                      .join(Task, col(Task.id) == col(Assignment.task_id))
                      .join(Plan, col(Plan.id) == col(Task.plan_id))).all()
    return Counter((province, status) for province, status in rows)
