"""Text search without case and diacritics: ``task_search`` holds each task's folded text.

Folding in SQL at query time costs seconds over 100,000 tasks (PostgreSQL's ``translate`` with
Vietnamese letters, a Python function per row on SQLite); a LIKE over the folded column takes
tens of milliseconds. The table follows ``task.updated_at`` (set by every import that changes a
task): ``refresh`` folds the tasks changed since the newest row it holds, with an upsert, so
two processes refreshing at once do no harm.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models.core.tables import Task
from models.core.web_tables import TaskSearch


def _fold_table() -> tuple[str, str]:
    src, dst = [], []
    for cp in range(0xC0, 0x1EFA):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base.isalpha() and base != ch:
            src.append(ch)
            dst.append(base.lower())
    return "".join(src) + "Đđ", "".join(dst) + "dd"


_FOLD = str.maketrans(*_fold_table())


def fold(text: str) -> str:
    """Lower case without diacritics: ``"Phân bổ VỐN"`` -> ``"phan bo von"``."""
    return unicodedata.normalize("NFC", text).translate(_FOLD).lower()


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TaskSearch)
    stmt = ins.on_conflict_do_update(
        index_elements=[TaskSearch.task_id],
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
    rows = [{"task_id": tid, "folded": fold(f"{ref} {content}"), "source_updated_at": at}
            for tid, ref, content, at in session.execute(q)]
    if rows:
        _upsert(session, rows)
    return len(rows)


def like_pattern(text: str) -> str:
    """``%folded text%`` for LIKE, with the wildcard characters of the text escaped."""
    needle = fold(text.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{needle}%"


def matching_param(pattern: Any) -> Any:
    """A subquery of the ids of tasks whose folded text is LIKE ``pattern`` (a bound parameter)."""
    return select(TaskSearch.task_id).where(TaskSearch.folded.like(pattern, escape="\\"))


def matching(text: str) -> Any:
    """A subquery of the ids of tasks whose reference or content contains ``text``."""
    return matching_param(like_pattern(text))
