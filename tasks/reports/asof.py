"""Rebuild the assignments as they stood on a past day, from today's rows and the audit log.

    facts = rebuild(facts_now, events, date(2020, 6, 30), notices=notices)

A report for 2020-H1 produced in 2021 must show 30/06/2020, not today: every change that took
effect after ``as_of`` is undone, newest first. The events mirror AuditEvent rows:

* ``assignment`` ``progress`` / ``extension`` / ``updated`` (any action but ``created``): each
  field named in ``changes`` ({"field": [old, new]}) that a fact carries (status, percent,
  completed_on, due_date, original_due_date) goes back to ``old``.
* ``assignment`` ``created`` after ``as_of``: the row did not exist.
* ``task`` ``created`` after ``as_of``: none of its assignments existed.
* ``task`` ``cancelled`` after ``as_of``: the task was active and its assignments were live, in
  the state their own history gives on ``as_of`` (the cancellation overwrote their status
  without a per-assignment event).
* ``task`` ``updated`` after ``as_of``: ``assignments_added`` [[agency_id, role]] did not exist,
  ``assignments_cancelled`` were live (state from their history), ``assignments_restored`` were
  cancelled, and a moved ``due_date`` [old, new] goes back to ``old`` on the assignments that
  followed it.

When did a change take effect? ``effective_on`` when the caller gives it (e.g. the plan's issue
date for the tasks of its first import, the approval date of an extension), else the business
date a completion carries (``completed_on``'s new value, when earlier than the recording: work
done on 10/05 and entered later was done on 10/05), else the day of ``at`` in the province's
time zone (naive timestamps are taken as UTC).

Escalation levels on ``as_of`` come from the outbox (``notices``): the highest level of an
escalation notice sent for a sweep day on or before ``as_of``, for the due date the assignment
had then (the dashboard's rule: sent notices of the current due date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from tasks.common.dates import local_zone
from tasks.reports.audit import AuditRecord, Event, effective_day, prepare, undo_assignment, undo_task, with_changes
from tasks.reports.figures import AssignmentFact, ReportFigures, compute, series_days

__all__ = [
    "AuditRecord",
    "NoticeFact",
    "effective_day",
    "escalation_levels",
    "figures_as_of",
    "rebuild",
    "rebuild_many",
]


@dataclass(frozen=True)
class NoticeFact:
    """The Notice columns the rebuild needs."""

    assignment_id: int
    kind: str  # "reminder" | "coordination_reminder" | "escalation"
    level: int
    as_of: date  # the sweep day that wrote it
    due_date: date | None = None
    status: str = "sent"


def rebuild(
    facts_now: Iterable[AssignmentFact],
    audit_events: Iterable[AuditRecord],
    as_of: date,
    *,
    notices: Iterable[NoticeFact] | None = None,
    tz: tzinfo | None = None,
) -> list[AssignmentFact]:
    """The facts as they stood at the end of ``as_of`` (rules in the module docstring)."""
    return rebuild_many(facts_now, audit_events, [as_of], notices=notices, tz=tz)[as_of]


def rebuild_many(
    facts_now: Iterable[AssignmentFact],
    audit_events: Iterable[AuditRecord],
    days: Iterable[date],
    *,
    notices: Iterable[NoticeFact] | None = None,
    tz: tzinfo | None = None,
) -> dict[date, list[AssignmentFact]]:
    """One snapshot per day, walking the log back once, newest day first."""
    facts = {f.assignment_id: f for f in facts_now}
    order = list(facts)
    events = prepare(audit_events, tz or local_zone())
    history: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.entity == "assignment" and event.action != "created":
            history[event.entity_id].append(event)
    by_task: dict[int, list[int]] = defaultdict(list)
    for fact in facts.values():
        if fact.task_id is not None:
            by_task[fact.task_id].append(fact.assignment_id)
    notice_list = list(notices) if notices is not None else None
    gone: set[int] = set()
    out: dict[date, list[AssignmentFact]] = {}
    index = len(events) - 1
    for day in sorted(set(days), reverse=True):
        while index >= 0 and events[index].day > day:
            event = events[index]
            if event.entity == "assignment":
                undo_assignment(facts, gone, event)
            else:
                undo_task(facts, gone, event, by_task.get(event.entity_id, []), history, day)
            index -= 1
        snapshot = [facts[i] for i in order if i not in gone]
        if notice_list is not None:
            levels = escalation_levels(notice_list, day, {f.assignment_id: f.due_date for f in snapshot})
            snapshot = [
                (
                    f
                    if f.escalation_level == levels.get(f.assignment_id, 0)
                    else with_changes(f, escalation_level=levels.get(f.assignment_id, 0))
                )
                for f in snapshot
            ]
        out[day] = snapshot
    return out


def escalation_levels(
    notices: Iterable[NoticeFact], as_of: date, due_dates: Mapping[int, date | None] | None = None
) -> dict[int, int]:
    """Highest escalation level per assignment on ``as_of`` (for its due date then, if given)."""
    levels: dict[int, int] = {}
    for notice in notices:
        if notice.kind != "escalation" or notice.as_of > as_of or notice.status != "sent":
            continue
        if due_dates is not None:
            if notice.assignment_id not in due_dates:
                continue
            due = due_dates[notice.assignment_id]
            if notice.due_date is not None and due is not None and notice.due_date != due:
                continue  # escalated under a due date an extension has since replaced
        levels[notice.assignment_id] = max(levels.get(notice.assignment_id, 0), notice.level)
    return levels


def figures_as_of(
    facts_now: Sequence[AssignmentFact],
    audit_events: Sequence[AuditRecord],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    notices: Sequence[NoticeFact] | None = None,
    near_days: int = 3,
    tz: tzinfo | None = None,
) -> tuple[list[AssignmentFact], ReportFigures]:
    """Rebuild on ``as_of`` and on each day of the status series, then compute the figures."""
    days = [*series_days(period_start, period_end, as_of), as_of]
    snapshots = rebuild_many(facts_now, audit_events, days, tz=tz)
    facts = snapshots[as_of]
    if notices is not None:
        facts = rebuild_many(facts, [], [as_of], notices=notices)[as_of]
    figures = compute(
        facts, period_start=period_start, period_end=period_end, as_of=as_of, near_days=near_days, snapshots=snapshots
    )
    return facts, figures
