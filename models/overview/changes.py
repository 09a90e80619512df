"""Which provinces' figures a run of audit events may have changed.

Every change the overview counts (progress, due dates, imports, cancellations, decisions) is
written with an audit event naming what it changed (models/core/audit.py). A process that keeps
each province's figures (web/overview.py) reads the events written since it last looked and
finds the provinces they touch, so that a change in one province leaves every other province's
figures as they are. A province's figures count its plans' tasks' assignments (``Plan.province``),
so a change is placed by the plan of what it touches; an agency's by its province and those of
the plans it works on (they show its name). When the events are too many to place one by one
(an import), or one names a row no longer there or a kind of thing not known here, the answer
is "every province" (``None``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.tables import Agency, Assignment, AuditEvent, Plan, Task
from models.core.web_tables import ExtensionRequest

# events about these change no figure of the overview or the task list
NO_FIGURE = frozenset({"staff_user", "link_request", "evidence", "indicator", "notice", "report_delivery",
                       "report_submission"})  # a submission's duty is marked done as an "assignment" event
PLACE_LIMIT = 500  # events read one by one; more (an import) count as a change everywhere


def audit_mark(session: Session) -> int:
    """The newest audit event's id (0 when there is none): one index look-up."""
    return int(session.connection().execute(sa.select(sa.func.max(AuditEvent.id))).scalar() or 0)


def _provinces(session: Session, query: sa.Select[tuple[str]]) -> set[str]:
    return {p for (p,) in session.execute(query) if p}


def _plan_provinces(rows: sa.Select[Any]) -> sa.Select[tuple[str]]:
    """The provinces of the plans of ``rows`` (a select of task ids)."""
    return (sa.select(col(Plan.province)).join(Task, col(Task.plan_id) == col(Plan.id))
            .where(col(Task.id).in_(rows)).distinct())


def _all_found(session: Session, table: Any, ids: set[int]) -> bool:
    found = session.execute(sa.select(sa.func.count()).select_from(table).where(table.c.id.in_(list(ids)))).scalar()
    return found == len(ids)


def provinces_changed(session: Session, *, after: int, upto: int, limit: int = PLACE_LIMIT) -> set[str] | None:
    """The provinces whose figures the audit events ``after`` < id <= ``upto`` may have changed;
    ``None``: any province may have changed."""
    events = session.execute(
        sa.select(col(AuditEvent.entity), col(AuditEvent.entity_id))
        .where(col(AuditEvent.id) > after, col(AuditEvent.id) <= upto).limit(limit + 1)
    ).all()
    if len(events) > limit:
        return None
    ids: dict[str, set[int]] = defaultdict(set)
    for entity, entity_id in events:
        if entity in NO_FIGURE:
            continue
        if entity_id is None or entity not in _TABLES:
            return None
        ids[entity].add(entity_id)
    for entity, found in ids.items():
        if not _all_found(session, _TABLES[entity], found):
            return None  # deleted since: where it was is no longer known
    out: set[str] = set()
    assignments = set(ids["assignment"])
    if ids["extension_request"]:
        assignments |= set(session.execute(sa.select(col(ExtensionRequest.assignment_id)).where(
            col(ExtensionRequest.id).in_(list(ids["extension_request"])))).scalars())
    tasks: Any = sa.select(col(Task.id)).where(col(Task.id).in_(list(ids["task"])))
    if assignments:
        tasks = tasks.union(sa.select(col(Assignment.task_id)).where(col(Assignment.id).in_(list(assignments))))
    if ids["task"] or assignments:
        out |= _provinces(session, _plan_provinces(tasks))
    if ids["plan"]:
        out |= _provinces(session, sa.select(col(Plan.province)).where(col(Plan.id).in_(list(ids["plan"]))).distinct())
    if ids["agency"]:
        # an agency's name is shown by every province whose plans it works on
        agencies = list(ids["agency"])
        out |= _provinces(session, sa.select(col(Agency.province)).where(col(Agency.id).in_(agencies)).distinct())
        out |= _provinces(session, _plan_provinces(
            sa.select(col(Assignment.task_id)).where(col(Assignment.agency_id).in_(agencies))))
    return out


_TABLES: dict[str, Any] = {name: sa.inspect(model).local_table for name, model in (
    ("assignment", Assignment), ("task", Task), ("plan", Plan), ("agency", Agency),
    ("extension_request", ExtensionRequest))}
