"""Text search without case and diacritics: ``task_search`` holds each task's folded text.

Folding in SQL at query time costs seconds over 100,000 tasks (PostgreSQL's ``translate`` with
Vietnamese letters, a Python function per row on SQLite); a LIKE over the folded column takes
tens of milliseconds. The table follows ``task.updated_at`` (set by every import that changes a
task): ``refresh`` folds the tasks changed since the newest row it holds, with an upsert, so
two processes refreshing at once do no harm. The fold is tasks.common.text.plain_key (lower case,
no diacritics, "đ" as "d"), a table lookup that keeps refreshing 100,000 tasks fast.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models.core.tables import Task
from models.core.web_tables import TaskSearch
from tasks.common.text import plain_key


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TaskSearch)
    stmt = ins.on_conflict_do_update(
        index_elements=[col(TaskSearch.task_id)],
        set_={"folded": ins.excluded.folded, "source_updated_at": ins.excluded.source_updated_at},
    )
    for start in range(0, len(rows), 5000):
        session.execute(stmt, rows[start:start + 5000])


def refresh(session: Session) -> int:
    """Fold the tasks changed since the last refresh; returns how many rows were written."""
    mark = session.execute(sa.select(sa.func.max(TaskSearch.source_updated_at))).scalar()
    q = select(Task.id, Task.ref, Task.content, Task.updated_at)
    if mark is not None:
        q = q.where(Task.updated_at > mark)
    rows = [{"task_id": tid, "folded": plain_key(f"{ref} {content}"), "source_updated_at": at}
            for tid, ref, content, at in session.execute(q)]
    if rows:
        _upsert(session, rows)
    return len(rows)


def like_pattern(text: str) -> str:
    """``%folded text%`` for LIKE, with the wildcard characters of the text escaped."""
    needle = plain_key(text.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{needle}%"


def matching_param(pattern: Any) -> Any:
    """A subquery of the ids of tasks whose folded text is LIKE ``pattern`` (a bound parameter)."""
    return select(TaskSearch.task_id).where(col(TaskSearch.folded).like(pattern, escape="\\"))


def matching(text: str) -> Any:
    """A subquery of the ids of tasks whose reference or content contains ``text``."""
    return matching_param(like_pattern(text))
