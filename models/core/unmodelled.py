"""Schema objects the migrations make that no model describes, left out of Alembic's comparison
of models and database (models/core/migrations/env.py, tests/models/core/test_schema.py).

Migration 0017: the text search's pg_trgm GIN index on PostgreSQL (an operator class SQLAlchemy
does not compare) and the FTS5 table ``task_search_fts`` on SQLite with the shadow tables SQLite
keeps for it (``task_search_fts_data``, ``_idx``, ``_docsize``, ``_config``).
"""

from __future__ import annotations

from typing import Any

UNMODELLED = ("ix_task_search_folded_trgm", "task_search_fts")


def include_object(_obj: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: everything but ``UNMODELLED`` (and what starts with it)."""
    return not (name or "").startswith(UNMODELLED)
