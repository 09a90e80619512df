"""The as-of rebuild: a report for 2020-H1 produced later shows 30/06/2020, not the day it runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from tasks.escalation.status import Status
from tasks.reports.asof import AuditRecord, NoticeFact, escalation_levels, figures_as_of, rebuild, rebuild_many
from tasks.reports.figures import AssignmentFact, compute

AS_OF = date(2020, 6, 30)
IMPORTED = datetime(2020, 2, 20, 3, 0, tzinfo=UTC)


def fact(aid: int = 1, *, task_id: int = 10, agency_id: int = 100, **kw: object) -> AssignmentFact:
    values: dict[str, object] = {
        "assignment_id": aid,
        "task_ref": f"I.{aid}",
        "section": "Nhiệm vụ trong Quý II/2020",
        "content": "Xây dựng kế hoạch",
        "agency_name": "Sở Tài chính",
        "role": "lead",
        "due_date": date(2020, 5, 31),
        "original_due_date": date(2020, 5, 31),
        "completed_on": None,
        "status": "open",
        "percent": 0,
        "task_id": task_id,
        "agency_id": agency_id,
    }
    values.update(kw)
    return AssignmentFact(**values)  # type: ignore[arg-type]


def at(y: int, m: int, d: int, hour: int = 3) -> datetime:
    return datetime(y, m, d, hour, 0, tzinfo=UTC)


def created(task_id: int = 10, when: datetime = IMPORTED, **kw: object) -> AuditRecord:
    return AuditRecord("task", task_id, "created", {"ref": "I.1"}, when, **kw)  # type: ignore[arg-type]


def status_on(facts: list[AssignmentFact], day: date = AS_OF) -> list[Status]:
    f = compute(facts, period_start=date(2020, 1, 1), period_end=date(2020, 6, 30), as_of=day)
    return [s for s, n in f.counts.items() for _ in range(n)]


def test_a_task_done_in_2021_counts_as_overdue_in_the_2020_h1_report() -> None:
    now = fact(status="done", percent=100, completed_on=date(2021, 3, 1))
    done = AuditRecord(
        "assignment",
        1,
        "progress",
        {"status": ["in_progress", "done"], "percent": [50, 100], "completed_on": [None, "2021-03-01"]},
        at(2021, 3, 1),
    )
    (then,) = rebuild([now], [created(), done], AS_OF)
    assert (then.status, then.percent, then.completed_on) == ("in_progress", 50, None)
    assert status_on([then]) == [Status.OVERDUE]
    figures = compute([then], period_start=date(2020, 1, 1), period_end=AS_OF, as_of=AS_OF)
    assert figures.overdue[0].age_days == 30


def test_an_extension_approved_after_the_period_end_is_undone() -> None:
    now = fact(due_date=date(2020, 9, 30), original_due_date=date(2020, 5, 31))
    extended = AuditRecord("assignment", 1, "extended", {"due_date": ["2020-05-31", "2020-09-30"]}, at(2020, 7, 15))
    (then,) = rebuild([now], [created(), extended], AS_OF)
    assert then.due_date == date(2020, 5, 31)
    assert status_on([then]) == [Status.OVERDUE]
    assert status_on([now]) == [Status.NOT_DUE]  # today's row, unrebuilt, would hide it


def test_an_extension_approved_before_the_period_end_stays() -> None:
    now = fact(due_date=date(2020, 9, 30))
    extended = AuditRecord("extension", 1, "approved", {}, at(2020, 6, 1))  # another entity: ignored
    moved = AuditRecord("assignment", 1, "extension", {"due_date": ["2020-05-31", "2020-09-30"]}, at(2020, 6, 1))
    (then,) = rebuild([now], [created(), extended, moved], AS_OF)
    assert then.due_date == date(2020, 9, 30)


def test_changes_are_undone_newest_first_back_to_the_state_at_the_cut_off() -> None:
    now = fact(status="done", percent=100, completed_on=date(2020, 8, 20))
    events = [
        AuditRecord(
            "assignment", 1, "progress", {"status": ["open", "in_progress"], "percent": [0, 30]}, at(2020, 5, 2)
        ),
        AuditRecord("assignment", 1, "progress", {"percent": [30, 60]}, at(2020, 7, 2)),
        AuditRecord(
            "assignment",
            1,
            "progress",
            {"status": ["in_progress", "done"], "percent": [60, 100], "completed_on": [None, "2020-08-20"]},
            at(2020, 8, 20),
        ),
    ]
    (then,) = rebuild([now], events, AS_OF)
    assert (then.status, then.percent, then.completed_on) == ("in_progress", 30, None)


def test_a_completion_entered_late_counts_from_the_day_it_was_done() -> None:
    now = fact(status="done", percent=100, completed_on=date(2020, 5, 10))
    entered_later = AuditRecord(
        "assignment", 1, "progress", {"status": ["open", "done"], "completed_on": [None, "2020-05-10"]}, at(2021, 1, 5)
    )
    (then,) = rebuild([now], [entered_later], AS_OF)
    assert then.completed_on == date(2020, 5, 10)
    assert status_on([then]) == [Status.DONE_ON_TIME]


def test_a_row_created_after_the_cut_off_did_not_exist() -> None:
    rows = [fact(1, task_id=10), fact(2, task_id=20), fact(3, task_id=10)]
    events = [created(10), created(20, at(2020, 9, 1)), AuditRecord("assignment", 3, "created", {}, at(2020, 7, 1))]
    assert [f.assignment_id for f in rebuild(rows, events, AS_OF)] == [1]


def test_the_effective_day_given_by_the_caller_wins_over_the_recording_time() -> None:
    # the demo imports the 2020 plan years later: its tasks exist from the plan's issue date
    imported_late = created(10, at(2026, 11, 22), effective_on=date(2020, 2, 17))
    assert len(rebuild([fact()], [imported_late], AS_OF)) == 1
    assert rebuild([fact()], [created(10, at(2026, 11, 22))], AS_OF) == []


def test_the_cut_off_day_is_the_provinces_calendar_day() -> None:
    # 18:00 UTC on 30/06 is 01:00 on 01/07 in Hà Nội: after the cut-off
    late_evening = AuditRecord(
        "assignment", 1, "extension", {"due_date": ["2020-05-31", "2020-09-30"]}, at(2020, 6, 30, 18)
    )
    (then,) = rebuild([fact(due_date=date(2020, 9, 30))], [late_evening], AS_OF)
    assert then.due_date == date(2020, 5, 31)
    # naive on purpose: a stamp as SQLite gives it back, which is read as UTC (23:00 in Hà Nội: still 30/06)
    naive_utc = replace(late_evening, at=datetime(2020, 6, 30, 16, 0))  # noqa: DTZ001
    (kept,) = rebuild([fact(due_date=date(2020, 9, 30))], [naive_utc], AS_OF)
    assert kept.due_date == date(2020, 9, 30)


def test_a_task_cancelled_after_the_cut_off_was_active_in_the_state_its_history_gives() -> None:
    now = fact(status="cancelled", percent=40, task_state="cancelled")
    events = [
        created(),
        AuditRecord(
            "assignment", 1, "progress", {"status": ["open", "in_progress"], "percent": [0, 40]}, at(2020, 4, 1)
        ),
        AuditRecord("task", 10, "cancelled", {"state": ["active", "cancelled"]}, at(2020, 8, 1)),
    ]
    (then,) = rebuild([now], events, AS_OF)
    assert (then.task_state, then.status, then.percent) == ("active", "in_progress", 40)
    assert status_on([then]) == [Status.OVERDUE]
    assert status_on([now]) == []  # cancelled rows are not counted


def test_a_re_import_after_the_cut_off_is_undone_assignment_by_assignment() -> None:
    kept = fact(1, agency_id=100, due_date=date(2020, 10, 31), original_due_date=date(2020, 10, 31))
    added = fact(2, agency_id=200, due_date=date(2020, 10, 31))
    dropped = fact(3, agency_id=300, status="cancelled")
    restored = fact(4, agency_id=400, status="open")
    reimport = AuditRecord(
        "task",
        10,
        "updated",
        {
            "due_date": ["2020-05-31", "2020-10-31"],
            "assignments_added": [[200, "lead"]],
            "assignments_cancelled": [[300, "lead"]],
            "assignments_restored": [[400, "lead"]],
        },
        at(2020, 7, 20),
    )
    rows = {f.assignment_id: f for f in rebuild([kept, added, dropped, restored], [created(), reimport], AS_OF)}
    assert set(rows) == {1, 3, 4}
    assert rows[1].due_date == rows[1].original_due_date == date(2020, 5, 31)
    assert rows[3].status == "open"
    assert rows[4].status == "cancelled"


def test_escalation_levels_are_those_sent_by_the_cut_off_for_the_due_date_then() -> None:
    notices = [
        NoticeFact(1, "escalation", 1, date(2020, 6, 5), date(2020, 5, 31)),
        NoticeFact(1, "escalation", 2, date(2020, 7, 5), date(2020, 5, 31)),  # after the cut-off
        NoticeFact(1, "reminder", 3, date(2020, 5, 28), date(2020, 5, 31)),  # not an escalation
        NoticeFact(2, "escalation", 2, date(2020, 6, 10), date(2020, 5, 31), status="pending"),  # never sent
        NoticeFact(3, "escalation", 1, date(2020, 6, 10), date(2020, 4, 30)),  # an older due date
    ]
    due = {1: date(2020, 5, 31), 2: date(2020, 5, 31), 3: date(2020, 5, 31)}
    assert escalation_levels(notices, AS_OF, due) == {1: 1}
    rows = rebuild([fact(1, escalation_level=2), fact(2), fact(3)], [], AS_OF, notices=notices)
    assert [f.escalation_level for f in rows] == [1, 0, 0]


def test_the_status_series_uses_a_rebuilt_snapshot_on_each_month_end() -> None:
    early = fact(1, task_id=10)
    later = fact(2, task_id=20, due_date=date(2020, 6, 15), original_due_date=date(2020, 6, 15))
    events = [created(10), created(20, at(2020, 4, 10))]
    facts, figures = figures_as_of([early, later], events, period_start=date(2020, 1, 1), period_end=AS_OF, as_of=AS_OF)
    totals = {p.on: sum(p.counts.values()) for p in figures.series}
    assert totals[date(2020, 3, 31)] == 1
    assert totals[date(2020, 4, 30)] == 2
    assert len(facts) == 2 and figures.total == 2


def test_without_audit_events_the_rows_are_taken_as_they_are() -> None:
    assert rebuild([fact()], [], AS_OF) == [fact()]


def test_one_walk_back_gives_the_same_snapshots_as_separate_rebuilds() -> None:
    rows = [
        fact(1, task_id=10, status="done", percent=100, completed_on=date(2020, 8, 1), due_date=date(2020, 9, 30)),
        fact(2, task_id=20, agency_id=200, status="cancelled", task_state="cancelled"),
        fact(3, task_id=30),
    ]
    events = [
        created(10),
        created(20),
        created(30, at(2020, 4, 2)),
        AuditRecord(
            "assignment", 1, "progress", {"status": ["open", "in_progress"], "percent": [0, 20]}, at(2020, 3, 3)
        ),
        AuditRecord("assignment", 1, "extended", {"due_date": ["2020-05-31", "2020-09-30"]}, at(2020, 5, 20)),
        AuditRecord(
            "assignment",
            1,
            "progress",
            {"status": ["in_progress", "done"], "percent": [20, 100], "completed_on": [None, "2020-08-01"]},
            at(2020, 8, 1),
        ),
        AuditRecord(
            "assignment", 2, "progress", {"status": ["open", "in_progress"], "percent": [0, 70]}, at(2020, 2, 2)
        ),
        AuditRecord("task", 20, "cancelled", {"state": ["active", "cancelled"]}, at(2020, 6, 5)),
    ]
    days = [date(2020, m, 28) for m in range(1, 10)]
    together = rebuild_many(rows, events, days)
    for day in days:
        assert together[day] == rebuild(rows, events, day), day
    assert [f.assignment_id for f in together[date(2020, 3, 28)]] == [1, 2]
    assert together[date(2020, 5, 28)][0].due_date == date(2020, 9, 30)
    assert together[date(2020, 4, 28)][0].due_date == date(2020, 5, 31)
    assert together[date(2020, 6, 28)][1].status == "cancelled"
    assert together[date(2020, 5, 28)][1].status == "in_progress"


def test_a_text_duty_is_tracked_from_its_confirmation_and_its_proposal_is_left_out() -> None:
    from tasks.reports.audit import audit_record

    at = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    confirmed = audit_record("task", 7, "confirmed", '{"state": ["proposed", "active"]}', at, None, 3, text_duty=True)
    assert confirmed is not None and confirmed.action == "created" and confirmed.changes == {
        "state": ["proposed", "active"]}
    assert all(audit_record("task", 7, action, None, at, None, 4, text_duty=True) is None
               for action in ("proposed", "edited", "discarded"))
    # the same id on an assignment, or a task of the plan's table, keeps its action
    assert audit_record("assignment", 7, "edited", {}, at, None, 5, text_duty=True) == AuditRecord(
        "assignment", 7, "edited", {}, at, None, 5)
    table_task = audit_record("task", 8, "confirmed", None, at, None, 6, text_duty=False)
    assert table_task is not None and table_task.action == "confirmed"
