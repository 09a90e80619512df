"""Alembic environment: migrations run on the engine handed over by models.core.db.upgrade()."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models.core.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.core.unmodelled import include_object

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from models.core.db import get_engine

        engine = get_engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things in place
            compare_type=True,
            include_object=include_object,  # the text search's index objects no model describes
        )
        context.run_migrations()


run_migrations_online()
