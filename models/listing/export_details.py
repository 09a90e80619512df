"""The task list export's "Mã nhiệm vụ" and "Ghi chú thời hạn" columns: each listed task's code
and deadline note, read for the tasks of the list only (tasks.listing.export)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.tables import Task

__all__ = ["task_codes_and_notes"]

CHUNK = 5_000  # task ids per query: under SQLite's and PostgreSQL's bound-parameter limits


def task_codes_and_notes(session: Session, *, task_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    """{task id: (code, deadline note)} of the tasks among ``task_ids`` that have either; the
    others are left out (most tasks have neither, and a 100,000-row list names ~6,000 tasks)."""
    ids = sorted(set(task_ids))
    out: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(ids), CHUNK):
        query = (sa.select(col(Task.id), col(Task.code), col(Task.deadline_note))
                 .where(col(Task.id).in_(ids[start:start + CHUNK]),
                        sa.or_(col(Task.code).is_not(None), col(Task.deadline_note).is_not(None))))
        for task_id, code, note in session.execute(query):
            out[task_id] = (code, note)
    return out
