"""The audit log as the as-of rebuild reads it: events, the day each took effect, undoing one.

See tasks.reports.asof for the rules; this module holds the mechanics.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from tasks.common.dates import local_zone
from tasks.reports.figures import AssignmentFact

__all__ = ["AuditRecord", "Event", "audit_record", "effective_day", "prepare", "undo_assignment", "undo_task",
           "with_changes"]

_FIELDS = ("status", "percent", "completed_on", "due_date", "original_due_date")
_DATE_FIELDS = {"completed_on", "due_date", "original_due_date"}
_INITIAL = {"status": "open", "percent": 0, "completed_on": None}


@dataclass(frozen=True)
class AuditRecord:
    """One AuditEvent row (entity, entity_id, action, changes, at) plus an optional effective day."""

    entity: str  # "assignment" | "task" | ...
    entity_id: int | None
    action: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    effective_on: date | None = None
    seq: int = 0  # the row id: orders events recorded in the same instant


def audit_record(entity: str, entity_id: int | None, action: str, changes: Any, at: datetime,
                 effective_on: date | None, seq: int, *, text_duty: bool) -> AuditRecord | None:
    """One stored audit row as the rebuild reads it (``changes`` as stored: a mapping, JSON text or
    nothing); None for a row the rebuild leaves out. A duty read from the plan's text is tracked
    from its confirmation, which is its creation; its proposal, edits and discarding are not."""
    if entity == "task" and text_duty:
        if action == "confirmed":
            action = "created"
        elif action in ("proposed", "edited", "discarded"):
            return None
    if isinstance(changes, str):
        changes = json.loads(changes)
    return AuditRecord(entity, entity_id, action, changes or {}, at, effective_on, seq)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _value(name: str, value: Any) -> Any:
    if name in _DATE_FIELDS:
        return _as_date(value)
    if name == "percent":
        return int(value) if value is not None else 0
    return value


def _old_new(changes: Mapping[str, Any], name: str) -> tuple[Any, Any] | None:
    pair = changes.get(name)
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return _value(name, pair[0]), _value(name, pair[1])
    return None


def effective_day(event: AuditRecord, tz: tzinfo | None = None) -> date:
    """The day a change took effect (rules in the module docstring), in ``tz`` (default: the province's zone)."""
    if event.effective_on is not None:
        return event.effective_on
    at = event.at if event.at.tzinfo is not None else event.at.replace(tzinfo=UTC)
    recorded = at.astimezone(tz or local_zone()).date()
    completion = _old_new(event.changes, "completed_on")
    if event.entity == "assignment" and completion and completion[1] is not None:
        return min(recorded, completion[1])
    return recorded


@dataclass(frozen=True)
class Event:
    """An audit event read once: its effective day and the fact fields it changed."""

    day: date
    entity: str
    entity_id: int
    action: str
    fields: dict[str, tuple[Any, Any]]
    changes: Mapping[str, Any]


def prepare(events: Iterable[AuditRecord], tz: tzinfo) -> list[Event]:
    dated = []
    for e in events:
        if e.entity_id is None or e.entity not in ("assignment", "task"):
            continue
        fields = {name: pair for name in _FIELDS if (pair := _old_new(e.changes, name)) is not None}
        day = effective_day(e, tz)
        dated.append(((day, e.at, e.seq), Event(day, e.entity, e.entity_id, e.action, fields, e.changes)))
    dated.sort(key=lambda p: p[0])
    return [event for _, event in dated]


def with_changes(fact: AssignmentFact, **changes: Any) -> AssignmentFact:
    """dataclasses.replace without re-running __init__ (the rebuild does this tens of thousands of times)."""
    new = copy.copy(fact)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


def _state_on(history: Sequence[Event], as_of: date) -> dict[str, Any]:
    """Progress fields after the assignment's last event effective on or before ``as_of``."""
    state = dict(_INITIAL)
    for event in history:
        if event.day > as_of:
            break
        for name in _INITIAL:
            if name in event.fields:
                state[name] = event.fields[name][1]
    return state


def undo_assignment(facts: dict[int, AssignmentFact], gone: set[int], event: Event) -> None:
    fact = facts.get(event.entity_id)
    if fact is None:
        return
    if event.action == "created":
        gone.add(fact.assignment_id)
        return
    undo = {name: pair[0] for name, pair in event.fields.items()}
    if "percent" in undo and undo["percent"] is None:
        undo["percent"] = 0
    if undo:
        facts[fact.assignment_id] = with_changes(fact, **undo)


def _restore(fact: AssignmentFact, history: Sequence[Event], as_of: date) -> AssignmentFact:
    state = _state_on(history, as_of)
    return with_changes(fact, status=state["status"], percent=state["percent"] or 0, completed_on=state["completed_on"])


def undo_task(
    facts: dict[int, AssignmentFact],
    gone: set[int],
    event: Event,
    ids: list[int],
    history: Mapping[int, Sequence[Event]],
    as_of: date,
) -> None:
    if event.action == "created":
        gone.update(ids)
        return
    if event.action == "cancelled":
        for i in ids:
            fact = facts[i]
            reinstated = _restore(fact, history.get(i, ()), as_of) if fact.status == "cancelled" else fact
            facts[i] = with_changes(reinstated, task_state="active")
        return
    changes = event.changes

    def keyed(name: str) -> set[tuple[int, str]]:
        return {(int(p[0]), str(p[1])) for p in changes.get(name) or () if isinstance(p, (list, tuple)) and len(p) == 2}

    added, cancelled, restored = (
        keyed("assignments_added"),
        keyed("assignments_cancelled"),
        keyed("assignments_restored"),
    )
    moved = event.fields.get("due_date")
    for i in ids:
        fact = facts[i]
        key = (fact.agency_id, fact.role)
        if key in added:
            gone.add(i)
        elif key in cancelled:
            facts[i] = fact = _restore(fact, history.get(i, ()), as_of)
        elif key in restored:
            facts[i] = fact = with_changes(fact, status="cancelled")
        if moved is not None and fact.due_date == moved[1] and moved[0] != moved[1]:
            facts[i] = with_changes(fact, due_date=moved[0], original_due_date=moved[0])
