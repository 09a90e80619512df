"""Report-submission duties: every agency with a task in a plan reports on each period.

The plan's reporting clause (or the usual 15/06 and 15/12, tasks.reports.schedule) gives the
periods; each becomes a Task with source "report" and ref "BC.2020-H1", active, due on the
reporting deadline, with one lead assignment per agency that has a task in the plan. They are
tasks like any other for the daily sweep: reminders before the deadline, escalation after it.
The reports' own figures leave them out (they count the plan's work) and list instead the
agencies that did not submit.

Reviews of several years the clause asks for ("sơ kết 3 năm", "tổng kết 5 năm": items with
``every_years`` in ``Plan.report_schedule``) are duties too, ref "BC.3y.2026-2028", due at the
end of the review's last year (tasks.reports.schedule.review_calendar); so is the review of the
plan's whole term ("tổng kết giai đoạn"), ref "BC.term.2026-2030", over the years the plan's title
gives ("giai đoạn 2026 - 2030", "đến năm 2030"), else its horizon. The clause never dates
them, so their date is proposed: the task's ``deadline_note`` says so, as it does for periodic
duties on the usual dates of an undated clause. They are not periods of the compiled reports.

``ensure_report_duties`` is idempotent: the import calls it every time; a period already
present gets only the agencies it lacks, and a period the clause no longer names is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.moved import directory_moves
from models.core.audit import record
from models.core.report_tables import REPORT_SOURCE, Indicator
from models.core.tables import (
    CANCELLED,
    DONE,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    TASK_CANCELLED,
    Assignment,
    Milestone,
    Plan,
    Task,
)
from models.core.types import utcnow
from tasks.reports.schedule import (
    DEFAULT_DEADLINES,
    ReportDeadline,
    ReviewDeadline,
    duty_ref,
    period_of_duty_ref,
    reporting_calendar,
    review_calendar,
    review_of_duty_ref,
    term_of_title,
)

__all__ = [
    "MAX_HORIZON_YEARS",
    "REPORT_SOURCE",
    "DutyCounts",
    "apply_reporting",
    "duty_content",
    "ensure_report_duties",
    "plan_calendar",
    "plan_deadlines",
    "plan_reviews",
    "review_content",
    "tracked_agency_ids",
]

SOURCE = "report duties"
MAX_HORIZON_YEARS = 5  # duties are created for the plan's year and at most this many after it
POSITION_BASE = 2_000_000  # after the appendix rows and the duties read from the text
SECTION = "Báo cáo định kỳ"
# the note a duty carries when its date is not written in the plan (Task.deadline_note)
PROPOSED_NOTE = "ngày đề xuất: kế hoạch không ghi ngày báo cáo, lấy ngày thường dùng của kỳ báo cáo"


@dataclass
class DutyCounts:
    created: int = 0  # periods
    assigned: int = 0  # agency assignments added
    cancelled: int = 0  # periods the clause no longer names


def plan_deadlines(plan: Plan) -> list[tuple[int, int, str]]:
    """(month, day, kind) from the plan's clause, else the usual semi-annual and annual dates."""
    out = []
    for item in plan.report_schedule or []:
        try:
            out.append((int(item["month"]), int(item["day"]), str(item["period"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out or list(DEFAULT_DEADLINES)


def _horizon(session: Session, *, plan: Plan, first: int) -> int:
    """The last year the plan reaches (milestones, indicator targets), within MAX_HORIZON_YEARS."""
    years: list[int] = [first]
    milestone = session.execute(
        select(sa.func.max(Milestone.year)).join(Task, Task.id == Milestone.task_id).where(Task.plan_id == plan.id)  # type: ignore[arg-type]
    ).scalar()
    if milestone:
        years.append(int(milestone))
    active_targets = select(Indicator.targets).where(Indicator.plan_id == plan.id, Indicator.active == True)  # noqa: E712
    for (targets,) in session.execute(active_targets):
        years += [int(t["year"]) for t in targets or () if isinstance(t, dict) and t.get("year")]
    return max(first, min(max(years), first + MAX_HORIZON_YEARS))


def plan_calendar(session: Session, *, plan: Plan) -> list[ReportDeadline]:
    """The plan's reporting deadlines from its year to its horizon."""
    first = plan.year or (plan.issued_on.year if plan.issued_on else None)
    if first is None:
        return []
    last = _horizon(session, plan=plan, first=first)
    return reporting_calendar(plan_deadlines(plan), years=range(first, last + 1), not_before=plan.issued_on)


def plan_reviews(session: Session, *, plan: Plan) -> list[ReviewDeadline]:
    """The reviews of several years the plan's clause asks for ("sơ kết 3 năm", "tổng kết 5 năm"),
    from its year to its horizon (tasks.reports.schedule.review_calendar)."""
    first = plan.year or (plan.issued_on.year if plan.issued_on else None)
    if first is None or not any((isinstance(i.get("every_years"), int) and i["every_years"] > 1)
                                or i.get("period") == "term" for i in plan.report_schedule or []):
        return []
    schedule = plan.report_schedule or []
    term = term_of_title(plan.title, first=first) if any(i.get("period") == "term" for i in schedule) else None
    return review_calendar(schedule, first=first, last=_horizon(session, plan=plan, first=first), term=term)


def review_content(plan: Plan, review: ReviewDeadline) -> str:
    """"Báo cáo sơ kết 3 năm thực hiện Kế hoạch số 12/CTr-UBND (2026-2028) gửi Sở ..."."""
    text = f"Báo cáo {review.label} thực hiện Kế hoạch số {plan.code} ({review.first_year}-{review.last_year})"
    return f"{text} gửi {plan.report_recipient}" if plan.report_recipient else text


def _review_note(review: ReviewDeadline) -> str:
    return (f"ngày đề xuất: kế hoạch yêu cầu {review.label} nhưng không ghi ngày; "
            f"lấy cuối năm {review.last_year}, năm cuối của kỳ {review.first_year}-{review.last_year}")


def duty_content(plan: Plan, deadline: ReportDeadline) -> str:
    text = f"Báo cáo kết quả thực hiện Kế hoạch số {plan.code} {deadline.period.label_vi}"
    return f"{text} gửi {plan.report_recipient}" if plan.report_recipient else text


def tracked_agency_ids(session: Session, *, plan_id: int) -> list[int]:
    """Agencies with a live assignment (lead or coordinating) on one of the plan's active tasks."""
    q = (
        select(Assignment.agency_id).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
        .where(Task.plan_id == plan_id, Task.state == TASK_ACTIVE, Task.source != REPORT_SOURCE,
               Assignment.status != CANCELLED)
        .distinct()
    )
    return sorted(session.execute(q).scalars())


def _insert_assignments(session: Session, *, task_id: int, due: date, agency_ids: list[int]) -> None:
    if not agency_ids:
        return
    now = utcnow()
    session.execute(sa.insert(Assignment), [
        {"task_id": task_id, "agency_id": aid, "role": LEAD, "status": OPEN, "percent": 0, "due_date": due,
         "original_due_date": due, "created_at": now, "updated_at": now}
        for aid in agency_ids
    ])


def ensure_report_duties(
    session: Session, *, plan_id: int, actor: str, effective_on: date | None = None, from_day: date | None = None
) -> DutyCounts:
    """Create or complete the plan's report duties (rules in the module docstring).

    With ``from_day``, periods whose report was due before that day get no new duty (a plan's
    text duties confirmed in 2026 must not start with five overdue reports of 2023-2025);
    duties that exist already are completed as usual."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise ValueError(f"no plan with id {plan_id}")
    counts = DutyCounts()
    # (ref, due, content, note) of every duty the clause asks for: the periodic reports, then the
    # reviews of several years; the note says when the date is proposed rather than written
    proposed = PROPOSED_NOTE if any(i.get("proposed") for i in plan.report_schedule or []) else None
    duties = [(duty_ref(d.period.code), d.due, duty_content(plan, d), proposed)
              for d in plan_calendar(session, plan=plan)]
    duties += [(r.ref, r.due, review_content(plan, r), _review_note(r)) for r in plan_reviews(session, plan=plan)]
    agencies = tracked_agency_ids(session, plan_id=plan_id)
    existing = {
        t.ref: t for t in session.exec(select(Task).where(Task.plan_id == plan_id, Task.source == REPORT_SOURCE))
    }
    assigned: dict[int, set[int]] = {}
    if existing:
        for task_id, agency_id in session.execute(
            select(Assignment.task_id, Assignment.agency_id)
            .where(Assignment.task_id.in_([t.id for t in existing.values()]), Assignment.role == LEAD)  # type: ignore[attr-defined]
        ):
            assigned.setdefault(task_id, set()).add(agency_id)
    moves = directory_moves(session, task_ids=[t.id for t in existing.values() if t.id is not None])
    wanted: set[str] = set()
    for index, (ref, due, content, note) in enumerate(duties):
        wanted.add(ref)
        row = existing.get(ref)
        if row is None:
            if not agencies or (from_day is not None and due < from_day):
                continue
            row = Task(
                plan_id=plan_id, ref=ref, position=POSITION_BASE + index, section=SECTION, section_code="BC",
                content=content, deadline_text=f"Trước {due:%d/%m/%Y}", deadline_note=note,
                deadline_kind="date", due_date=due, lead_text="Các cơ quan, đơn vị có nhiệm vụ trong Kế hoạch",
                source=REPORT_SOURCE, state=TASK_ACTIVE,
            )
            session.add(row)
            session.flush()
            _insert_assignments(session, task_id=row.id, due=due, agency_ids=agencies)  # type: ignore[arg-type]
            record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="created",
                   changes={"ref": ref, "due_date": due, "agencies": len(agencies)}, effective_on=effective_on)
            counts.created += 1
            counts.assigned += len(agencies)
            continue
        if row.state != TASK_ACTIVE:
            continue  # cancelled by hand or by an earlier clause: left as decided
        changes: dict[str, Any] = {}
        held = {(a, LEAD) for a in assigned.get(row.id, set())}  # type: ignore[arg-type]
        task_moves = moves.get(row.id)  # type: ignore[arg-type]
        # an agency whose duty a directory move handed to its successor is not missing: the
        # successor's assignment stands for it (else a re-import after `province
        # move-to-successors` would give the dissolved agency its duty back)
        missing = [a for a in agencies if (a, LEAD) not in held
                   and (task_moves is None or task_moves.holder((a, LEAD), held) is None)]
        if missing:
            _insert_assignments(session, task_id=row.id, due=row.due_date or due, agency_ids=missing)  # type: ignore[arg-type]
            changes["assignments_added"] = [[a, LEAD] for a in missing]
            counts.assigned += len(missing)
        if row.due_date != due:
            changes["due_date"] = [row.due_date, due]
            session.execute(
                sa.update(Assignment)
                .where(col(Assignment.task_id) == row.id, col(Assignment.due_date) == row.due_date,
                       col(Assignment.status) != DONE)
                .values(due_date=due, original_due_date=due, updated_at=utcnow())
            )
            row.due_date = due
            row.deadline_text = f"Trước {due:%d/%m/%Y}"
        if row.deadline_note != note:  # a clause that now writes its dates, or a review moved
            changes["deadline_note"] = [row.deadline_note, note]
            row.deadline_note = note
        if changes:
            row.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="updated",
                   changes=changes)
    for ref, row in existing.items():
        if ref in wanted or row.state != TASK_ACTIVE or (
                period_of_duty_ref(ref) is None and review_of_duty_ref(ref) is None):
            continue
        row.state = TASK_CANCELLED
        row.updated_at = utcnow()
        session.execute(
            sa.update(Assignment)
            .where(col(Assignment.task_id) == row.id, col(Assignment.status).notin_((CANCELLED, DONE)))
            .values(status=CANCELLED, updated_at=utcnow())
        )
        record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="cancelled",
               changes={"state": [TASK_ACTIVE, TASK_CANCELLED]})
        counts.cancelled += 1
    session.flush()
    return counts


def apply_reporting(
    session: Session, *, plan_id: int, parsed: Any, indicators: list[Any], actor: str, first_import: bool
) -> DutyCounts:
    """At import: store the plan's indicators, then create or complete its report duties.

    What a plan's first import creates takes effect on the plan's issue date (the reports
    rebuild past days from the audit log)."""
    from models.importing.store import first_import_day
    from models.indicators.store import store_indicators

    plan = session.get(Plan, plan_id)
    effective = first_import_day(plan) if first_import and plan is not None else None
    store_indicators(session, plan_id=plan_id, province=parsed.province.slug, directory=parsed.province,
                     indicators=indicators, actor=actor, effective_on=effective)
    return ensure_report_duties(session, plan_id=plan_id, actor=actor, effective_on=effective)
