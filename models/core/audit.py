"""The audit log: one row per change, written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from models.core.tables import AuditEvent


def jsonable(value: Any) -> Any:
    """Dates and timestamps as ISO strings so the JSON column stores them portably."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def record(
    session: Session,
    *,
    actor: str,
    source: str,
    entity: str,
    entity_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    effective_on: date | None = None,
) -> AuditEvent:
    """``effective_on``: the business day the change took effect, when not the day it is recorded."""
    event = AuditEvent(
        actor=actor,
        source=source,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=jsonable(changes or {}),
        effective_on=effective_on,
    )
    session.add(event)
    return event


def apply_changes(row: Any, values: Mapping[str, Any], *, skip: Collection[str] = ()) -> dict[str, Any]:
    """Set on ``row`` each value that differs from what it holds (keys in ``skip`` left alone);
    returns ``{field: [old, new]}`` of those, the ``changes`` of the audit event."""
    changes = {k: [getattr(row, k), v] for k, v in values.items() if k not in skip and getattr(row, k) != v}
    for k, (_old, new) in changes.items():
        setattr(row, k, new)
    return changes
