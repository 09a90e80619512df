"""search and lists at national scale: trigram index of task_search.folded (pg_trgm on PostgreSQL,
an FTS5 trigram table on SQLite), task.updated_at indexed for the search index's refresh

Text search reads ``task_search.folded LIKE '%needle%'``. Without an index that is a scan of
every task (1,000,000 at national scale: seconds under load). On PostgreSQL a GIN index with
pg_trgm's operator class answers LIKE with a wildcard on both sides; on SQLite an FTS5 table with
the trigram tokenizer (SQLite 3.34 and later) does the same, kept equal to task_search by triggers.

pg_trgm is created if missing (``CREATE EXTENSION IF NOT EXISTS``, in the schema ``public``, so
that dropping a schema never drops it; the database's owner or a superuser may, and PostgreSQL's
contrib package ships it). Where it cannot be created, the index is left out with a warning:
search stays right, only slower.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""
from typing import Sequence, Union
import warnings

from alembic import op
import sqlalchemy as sa


revision: str = "0017"
down_revision: Union[str, None] = "0016"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FTS = "task_search_fts"


def _trigram_schema(bind: sa.Connection) -> str | None:
    """The schema holding pg_trgm, created in ``public`` when missing; None when it cannot be."""
    # two processes migrating two schemas of one database at once: one creates, the other waits
    bind.exec_driver_sql("SELECT pg_advisory_xact_lock(160017)")
    found = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar()
    if found is not None:
        return str(found)
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError as exc:
        warnings.warn(f"pg_trgm could not be created ({str(exc.orig).strip()}): text search works without its "
                      "index, slower; a superuser can run CREATE EXTENSION pg_trgm SCHEMA public and "
                      "`dondoc db upgrade` again", stacklevel=1)
        return None
    return "public"


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_task_updated_at", "task", ["updated_at"], unique=False)
    if bind.dialect.name == "postgresql":
        schema = _trigram_schema(bind)
        if schema is not None:
            op.execute(f'CREATE INDEX ix_task_search_folded_trgm ON task_search USING gin (folded "{schema}".gin_trgm_ops)')
        return
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(folded, content='task_search', content_rowid='task_id', "
               "tokenize='trigram')")
    op.execute(f"CREATE TRIGGER task_search_fts_insert AFTER INSERT ON task_search BEGIN "
               f"INSERT INTO {FTS}(rowid, folded) VALUES (new.task_id, new.folded); END")
    op.execute(f"CREATE TRIGGER task_search_fts_delete AFTER DELETE ON task_search BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, folded) VALUES ('delete', old.task_id, old.folded); END")
    op.execute(f"CREATE TRIGGER task_search_fts_update AFTER UPDATE ON task_search BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, folded) VALUES ('delete', old.task_id, old.folded); "
               f"INSERT INTO {FTS}(rowid, folded) VALUES (new.task_id, new.folded); END")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_task_search_folded_trgm")  # pg_trgm stays: other schemas may use it
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS task_search_fts_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_index("ix_task_updated_at", table_name="task")
