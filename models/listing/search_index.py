"""Text search without case and diacritics: ``task_search`` holds each task's folded text.

Folding in SQL at query time costs seconds over 100,000 tasks (PostgreSQL's ``translate`` with
Vietnamese letters, a Python function per row on SQLite); a LIKE over the folded column takes
tens of milliseconds. The table follows ``task.updated_at`` (set by every import that changes a
task): ``refresh`` folds the tasks changed since the newest row it holds, with an upsert, so
two processes refreshing at once do no harm. The fold is tasks.common.text.plain_key (lower case,
no diacritics, "đ" as "d"), a table lookup that keeps refreshing 100,000 tasks fast.

At national scale (1,000,000 tasks) the LIKE has an index (migration 0017): on PostgreSQL a
pg_trgm GIN index of ``folded``, which answers ``LIKE '%needle%'`` as it is; on SQLite the FTS5
table ``task_search_fts`` (trigram tokenizer, kept equal to ``task_search`` by triggers), whose
index SQLite uses for a LIKE without an ESCAPE clause and with three characters or more in a
row: ``search_mode`` says which a needle gets (``FTS``, else the plain ``LIKE`` over the table).
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
        set_={"folded": ins.excluded.folded, "source_updated_at": ins.excluded.source_updated_at,
              "plan_id": ins.excluded.plan_id},
    )
    for start in range(0, len(rows), 5000):
        session.execute(stmt, rows[start:start + 5000])


def refresh(session: Session) -> int:
    """Fold the tasks changed since the last refresh; returns how many rows were written."""
    mark = session.execute(sa.select(sa.func.max(TaskSearch.source_updated_at))).scalar()
    q = sa.select(col(Task.id), col(Task.ref), col(Task.content), col(Task.updated_at), col(Task.plan_id))
    if mark is not None:
        q = q.where(col(Task.updated_at) > mark)
    rows = [{"task_id": tid, "folded": plain_key(f"{ref} {content}"), "source_updated_at": at, "plan_id": plan_id}
            for tid, ref, content, at, plan_id in session.execute(q)]
    if rows:
        _upsert(session, rows)
    return len(rows)


def like_pattern(text: str) -> str:
    """``%folded text%`` for LIKE, with the wildcard characters of the text escaped."""
    needle = plain_key(text.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{needle}%"


LIKE = "like"  # LIKE ... ESCAPE over task_search (PostgreSQL's trigram index serves it)
FTS = "fts"  # SQLite: LIKE over the FTS5 trigram table, no ESCAPE (the needle needs none)
FTS_TABLE = sa.table("task_search_fts", sa.column("rowid", sa.Integer), sa.column("folded", sa.String))


def search_mode(text: str, dialect: str) -> str:
    """``FTS`` on SQLite when the folded needle has three characters or more and none that LIKE
    would read as a wildcard or an escape (SQLite's trigram index serves no ESCAPE clause and
    nothing shorter than a trigram); ``LIKE`` otherwise."""
    needle = plain_key(text.strip())
    if dialect == "sqlite" and len(needle) >= 3 and not any(c in needle for c in "%_\\"):
        return FTS
    return LIKE


def fts_pattern(text: str) -> str:
    """``%folded text%`` for the FTS table's LIKE (``search_mode`` said it needs no escaping)."""
    return f"%{plain_key(text.strip())}%"


def matching_param(pattern: Any, mode: str = LIKE) -> Any:
    """A subquery of the ids of tasks whose folded text is LIKE ``pattern`` (a bound parameter:
    ``like_pattern`` for ``LIKE``, ``fts_pattern`` for ``FTS``)."""
    if mode == FTS:
        return sa.select(FTS_TABLE.c.rowid).where(FTS_TABLE.c.folded.like(pattern))
    return select(TaskSearch.task_id).where(col(TaskSearch.folded).like(pattern, escape="\\"))


def matching(text: str, dialect: str = "postgresql") -> Any:
    """A subquery of the ids of tasks whose reference or content contains ``text``."""
    mode = search_mode(text, dialect)
    return matching_param(fts_pattern(text) if mode == FTS else like_pattern(text), mode)
