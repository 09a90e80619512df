"""What ``move_to_successors`` (models/agencies/setup.py) did to the assignments of some tasks,
read back from its audit rows, so that a re-import of the plan can tell a moved assignment
from one the file no longer names (issue 13).

A move is recorded per assignment, on the assignment (entity "assignment", source "agency
directory"): "moved to successor" with ``{"agency_id": [old, new], ...}`` when the assignment
itself was re-pointed, "merged into successor" with ``{"successor_id": new, ...}`` when the task
already had the successor in that role and this assignment was cancelled into that one.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.tables import CANCELLED, Agency, Assignment, AuditEvent

# the audit rows move_to_successors writes (models/agencies/setup.py)
MOVE_SOURCE = "agency directory"
MOVED = "moved to successor"
MERGED = "merged into successor"

Key = tuple[int, str]  # (agency id, role): an assignment's place in its task (uq_assignment_task_agency_role)

__all__ = ["MERGED", "MOVED", "Key", "TaskMoves", "dated_agency_ids", "directory_moves"]


@dataclass
class TaskMoves:
    """The directory moves of one task's assignments."""

    # (dissolved agency, role) -> the key the assignment moved from it has now
    moved: dict[Key, Key] = field(default_factory=dict)
    # key of an assignment cancelled into the successor's -> the successor's key (while it is cancelled)
    merged: dict[Key, Key] = field(default_factory=dict)

    def holder(self, key: Key, held: Container[Key]) -> Key | None:
        """The key of the stored assignment that stands for ``key`` (a (agency, role) the plan
        names), among ``held`` (the task's stored keys); None if none does.

        An assignment cancelled into its successor's stands for nothing itself: the successor's
        does (else it would be revived); an assignment that moved stands for the one it
        replaced. Chains (moved, then moved again or merged) are followed. A ``key`` held
        itself is never None (the caller would add a second row for it): when the successor's
        assignment is not found, the cancelled one stands for itself."""
        seen: set[Key] = set()
        step = key
        while step not in seen:
            seen.add(step)
            if step in self.merged:
                step = self.merged[step]
            elif step in held:
                return step
            elif step in self.moved:
                step = self.moved[step]
            else:
                break
        return key if key in held else None


def dated_agency_ids(session: Session, *, province: str) -> set[int]:
    """The agencies of ``province`` that have an end date: only an assignment of such an agency
    can have been moved (a province never set up has none, and its imports skip the audit look-up)."""
    query = select(Agency.id).where(Agency.province == province, col(Agency.valid_to).is_not(None))
    return {i for i in session.exec(query) if i is not None}


def directory_moves(session: Session, *, task_ids: Collection[int]) -> dict[int, TaskMoves]:
    """The directory moves of the assignments of ``task_ids``, by task id, in one query (an
    import asks once per batch of tasks, not once per task)."""
    if not task_ids:
        return {}
    changes = col(AuditEvent.changes)
    query = (
        sa.select(
            col(Assignment.task_id),
            col(Assignment.agency_id),
            col(Assignment.role),
            col(Assignment.status),
            col(AuditEvent.action),
            # the two ids read in SQL (JSON_EXTRACT, #>): decoding the whole JSON of the ~250,000
            # move rows of a 20,000-row appendix took 3.5 s of an 11 s re-import (cProfile)
            changes[("agency_id", 0)].as_integer(),
            changes["successor_id"].as_integer(),
        )
        .join(AuditEvent, (col(AuditEvent.entity_id) == col(Assignment.id)) & (col(AuditEvent.entity) == "assignment"))
        .where(
            col(Assignment.task_id).in_(list(task_ids)),
            col(AuditEvent.source) == MOVE_SOURCE,
            col(AuditEvent.action).in_((MOVED, MERGED)),
        )
        .order_by(col(AuditEvent.id))
    )
    out: dict[int, TaskMoves] = {}
    for task_id, agency_id, role, status, action, old, successor in session.execute(query):
        moves = out.setdefault(task_id, TaskMoves())
        if action == MOVED:
            if old is not None and old != agency_id:
                moves.moved[(old, role)] = (agency_id, role)
        elif status == CANCELLED and successor is not None:
            # only while it is still cancelled: one reopened since stands for itself again
            moves.merged[(agency_id, role)] = (successor, role)
    return out
