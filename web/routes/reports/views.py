"""What the report pages read: a plan's reporting periods, an agency's report duties, the tasks
and indicators of its report form (read-only queries; writing is models.reports.submissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.agencies.directory import province_office
from models.core.report_tables import REPORT_SOURCE, Indicator, ReportSubmission
from models.core.tables import CANCELLED, LEAD, TASK_ACTIVE, Agency, Assignment, Plan, Task
from tasks.reports.period import Period, parse_period
from tasks.reports.schedule import period_of_duty_ref

TRIGGER_LABELS = {"scheduled": "theo lịch", "manual": "lập theo yêu cầu"}


@dataclass(frozen=True)
class PlanPeriod:
    period: Period
    due: date | None  # the agencies' deadline for their reports


def plan_periods(session: Session, *, plan_id: int) -> list[PlanPeriod]:
    """The plan's reporting periods (its active report duties), by deadline."""
    rows = session.execute(
        select(col(Task.ref), col(Task.due_date))
        .where(col(Task.plan_id) == plan_id, col(Task.source) == REPORT_SOURCE, col(Task.state) == TASK_ACTIVE)
        .order_by(col(Task.due_date), col(Task.ref))
    ).all()
    out = []
    for ref, due in rows:
        code = period_of_duty_ref(ref)
        if code is not None:
            out.append(PlanPeriod(parse_period(code), due))
    return out


def default_period(periods: list[PlanPeriod], today: date) -> PlanPeriod | None:
    """The period whose deadline comes next (else the last one)."""
    upcoming = [p for p in periods if p.due is None or p.due >= today]
    return upcoming[0] if upcoming else (periods[-1] if periods else None)


@dataclass(frozen=True)
class Duty:
    """An agency's report duty: its lead assignment on a plan's "BC.<period>" task."""

    assignment: Assignment
    task: Task
    plan: Plan
    period: Period


def agency_duties(session: Session, *, agency_id: int) -> list[Duty]:
    """The agency's report duties on active tasks, by deadline."""
    rows = session.execute(
        select(Assignment, Task, Plan).join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
        .join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
        .where(Assignment.agency_id == agency_id, Assignment.role == LEAD, Assignment.status != CANCELLED,
               Task.source == REPORT_SOURCE, Task.state == TASK_ACTIVE)
        .order_by(Assignment.due_date, Plan.code, Task.ref)  # type: ignore[arg-type]
    ).all()
    return [Duty(a, t, p, parse_period(code)) for a, t, p in rows if (code := period_of_duty_ref(t.ref))]


def agency_duty(session: Session, *, agency_id: int, assignment_id: int) -> Duty | None:
    """The duty behind ``assignment_id`` if it is this agency's; None otherwise."""
    return next((d for d in agency_duties(session, agency_id=agency_id) if d.assignment.id == assignment_id), None)


def lead_tasks(session: Session, *, plan_id: int, agency_id: int) -> list[Task]:
    """The plan's active tasks (not report duties) the agency leads: one narrative each."""
    return list(session.exec(
        select(Task).join(Assignment, col(Assignment.task_id) == col(Task.id))
        .where(Task.plan_id == plan_id, Task.state == TASK_ACTIVE, Task.source != REPORT_SOURCE,
               Assignment.agency_id == agency_id, Assignment.role == LEAD, Assignment.status != CANCELLED)
        .order_by(col(Task.position), col(Task.id))
    ))


def plan_indicators(session: Session, *, plan_id: int) -> list[Indicator]:
    """The plan's active indicators in document order (the keys of models.indicators.store.indicator_keys)."""
    return list(session.exec(
        select(Indicator).where(Indicator.plan_id == plan_id, Indicator.active == True)  # noqa: E712
        .order_by(Indicator.position, Indicator.id)  # type: ignore[arg-type]
    ))


def agency_indicators(session: Session, *, plan: Plan, agency: Agency) -> list[Indicator]:
    """The plan's active indicators the agency reports: those it answers for, which the import
    sets (``owner_agency_id``) from the plan's wording, from the lead of the task a target
    belongs to, or, for a district's row of Biểu 01, to the district's people's committee
    (models.indicators.store._owner_id); and, for the province's coordination office (the
    agency of kind "office", which compiles the plan's report), the province-wide figures no
    agency is named for. Another district's rows are never on an agency's form."""
    office = province_office(session, province=plan.province)
    compiles = office is not None and office.id == agency.id
    return [i for i in plan_indicators(session, plan_id=plan.id)  # type: ignore[arg-type]
            if i.owner_agency_id == agency.id or (compiles and i.owner_agency_id is None)]


@dataclass(frozen=True)
class SentReport:
    """What an agency has sent for a period, field by field the latest (a later report adds to
    the earlier ones: models.reports.submissions)."""

    narratives: dict[str, str]  # task ref -> text
    indicator_values: dict[str, float]  # indicator key -> value
    summary: str | None
    files: list[ReportSubmission]  # the submissions that carried a file, newest first

    @property
    def empty(self) -> bool:
        return not (self.narratives or self.indicator_values or self.summary or self.files)


def sent_report(received: list[ReportSubmission]) -> SentReport:
    """``received``: the agency's submissions for the period, newest first (``submissions``)."""
    narratives: dict[str, str] = {}
    values: dict[str, float] = {}
    summary = None
    for row in reversed(received):  # oldest first: a later report overwrites
        narratives.update(row.narratives or {})
        values.update(row.indicator_values or {})
        summary = row.summary or summary
    return SentReport(narratives, values, summary, [r for r in received if r.stored_name])
