"""The migrations and the models describe the same schema, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.core.tables  # noqa: F401
from models.core.db import HEAD
from models.core.unmodelled import include_object


def test_the_migrations_create_exactly_the_tables_the_models_declare(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert diff == []
    assert version == HEAD


def test_timestamps_come_back_timezone_aware(engine: sa.Engine) -> None:
    from sqlmodel import Session

    from models.core.tables import AuditEvent

    with Session(engine) as s:
        s.add(AuditEvent(actor="t", source="test", entity="plan", entity_id=None, action="created"))
        s.commit()
    with Session(engine) as s:
        at = s.exec(sa.select(AuditEvent.at)).scalar_one()
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
