"""The figures of a progress report, from a snapshot of the plan's assignments on one day.

    facts = rebuild(facts_now, events, as_of=period.end)          # tasks.reports.asof
    figures = compute(facts, period_start=period.start, period_end=period.end, as_of=period.end)

Every status comes from tasks.escalation.status.classify (the one place status rules live). What counts:

* Only live rows: an assignment or task cancelled on ``as_of`` is left out.
* The summary, the per-agency table and the overdue list take **lead** assignments only (the
  agency answerable for the task); the XLSX lists every assignment.
* The "2×2" of the official statuses: done on time | done late, and for items not done,
  in progress within term (not due, due soon, standing duty) | overdue. ``assigned`` equals the
  sum of the four cells, per agency and in total.
* The on-time rate is tasks.escalation.status.on_time_rate: on time / (on time + late + overdue).
* The overdue list: lead items overdue on ``as_of``, oldest first (age = overdue_days).
* The series for the second chart: counts per status at each month end of the period up to
  ``as_of`` (and at ``as_of`` itself), from ``snapshots`` when given (one rebuilt snapshot per
  day, exact) or else from ``facts`` judged on each day (exact for completions, blind to later
  extensions and cancellations).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tasks.common.text import vi_sort_key  # also offered here, where the report modules import it from
from tasks.escalation.status import ALL_STATUSES, Status, classify, on_time_rate, overdue_bucket, overdue_days
from tasks.reports.period import Period, parse_period, series_days

__all__ = [
    "AgencyFigures",
    "AssignmentFact",
    "OverdueItem",
    "Period",
    "ReportFigures",
    "StatusPoint",
    "compute",
    "fact_status",
    "is_live",
    "parse_period",
    "series_days",
    "vi_sort_key",
]

LEAD = "lead"
COORDINATING = "coordinating"
DONE = "done"
CANCELLED = "cancelled"
IN_TERM_STATUSES = (Status.NOT_DUE, Status.DUE_SOON, Status.NO_DEADLINE)


@dataclass(frozen=True)
class AssignmentFact:
    """One assignment as it stands on a day (mirrors Assignment joined to Task, Agency, Plan)."""

    assignment_id: int
    task_ref: str
    section: str | None
    content: str
    agency_name: str
    role: str  # "lead" | "coordinating"
    due_date: date | None
    original_due_date: date | None
    completed_on: date | None
    status: str  # stored state: "open" | "in_progress" | "done" | "cancelled"
    percent: int = 0
    escalation_level: int = 0  # highest escalation level reached (0: none)
    plan_code: str = ""
    task_id: int | None = None  # needed by the as-of rebuild for task-level audit events
    agency_id: int | None = None
    task_state: str = "active"  # "active" | "cancelled"


def is_live(fact: AssignmentFact) -> bool:
    return fact.status != CANCELLED and fact.task_state != CANCELLED


def fact_status(fact: AssignmentFact, as_of: date, near_days: int = 3) -> Status:
    """The official status of a fact on ``as_of`` (the stored state says whether it is done)."""
    return classify(
        due_date=fact.due_date,
        completed_on=fact.completed_on,
        as_of=as_of,
        near_days=near_days,
        done=fact.status == DONE,
    )


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyFigures:
    agency_name: str
    assigned: int
    done_on_time: int
    done_late: int
    in_term: int  # not done and not overdue (not due, due soon, standing duty)
    overdue: int
    on_time_rate: float | None  # 0..1, None when nothing can be judged yet

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late


@dataclass(frozen=True)
class OverdueItem:
    assignment_id: int
    task_ref: str
    section: str | None
    content: str
    agency_name: str
    due_date: date
    age_days: int
    bucket: str | None  # ">30", ">60", ">120"
    escalation_level: int
    percent: int


@dataclass(frozen=True)
class StatusPoint:
    on: date
    counts: Mapping[Status, int]


@dataclass(frozen=True)
class ReportFigures:
    period_start: date
    period_end: date
    as_of: date
    counts: Mapping[Status, int]  # lead assignments per official status, every status present
    agencies: tuple[AgencyFigures, ...]
    overdue: tuple[OverdueItem, ...]
    series: tuple[StatusPoint, ...]
    due_in_period: int  # lead items whose due date falls in the period
    completed_in_period: int  # lead items completed within the period (by as_of)
    coordinating: int  # live coordinating assignments (not in the figures above)
    near_days: int = 3
    totals: AgencyFigures = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", _agency_row("Tổng cộng", self.counts))

    @property
    def total(self) -> int:
        return self.totals.assigned

    @property
    def on_time_rate(self) -> float | None:
        return self.totals.on_time_rate


def _zero_counts() -> dict[Status, int]:
    return dict.fromkeys(ALL_STATUSES, 0)


def _counts(statuses: Iterable[Status]) -> dict[Status, int]:
    counts = _zero_counts()
    for status in statuses:
        counts[status] += 1
    return counts


def _agency_row(name: str, counts: Mapping[Status, int]) -> AgencyFigures:
    return AgencyFigures(
        agency_name=name,
        assigned=sum(counts.values()),
        done_on_time=counts[Status.DONE_ON_TIME],
        done_late=counts[Status.DONE_LATE],
        in_term=sum(counts[s] for s in IN_TERM_STATUSES),
        overdue=counts[Status.OVERDUE],
        on_time_rate=on_time_rate(counts),
    )


def _lead_live(facts: Iterable[AssignmentFact]) -> list[AssignmentFact]:
    return [f for f in facts if f.role == LEAD and is_live(f)]


def compute(
    facts: Sequence[AssignmentFact],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
    near_days: int = 3,
    snapshots: Mapping[date, Sequence[AssignmentFact]] | None = None,
) -> ReportFigures:
    """The report's figures on ``as_of`` (see the module docstring for what counts)."""
    if period_end < period_start:
        raise ValueError(f"the period ends ({period_end}) before it starts ({period_start})")
    leads = _lead_live(facts)
    statuses = [fact_status(f, as_of, near_days) for f in leads]
    per_agency: dict[str, Counter[Status]] = defaultdict(Counter)
    for fact, status in zip(leads, statuses, strict=True):
        per_agency[fact.agency_name][status] += 1
    agencies = tuple(
        sorted(
            (_agency_row(name, {**_zero_counts(), **counts}) for name, counts in per_agency.items()),
            key=lambda row: (-row.assigned, vi_sort_key(row.agency_name)),
        )
    )
    overdue = []
    for fact, status in zip(leads, statuses, strict=True):
        if status is not Status.OVERDUE or fact.due_date is None:
            continue
        age = overdue_days(due_date=fact.due_date, completed_on=None, as_of=as_of)
        overdue.append(
            OverdueItem(
                assignment_id=fact.assignment_id,
                task_ref=fact.task_ref,
                section=fact.section,
                content=fact.content,
                agency_name=fact.agency_name,
                due_date=fact.due_date,
                age_days=age,
                bucket=overdue_bucket(age),
                escalation_level=fact.escalation_level,
                percent=fact.percent,
            )
        )
    overdue.sort(key=lambda item: (-item.age_days, vi_sort_key(item.agency_name), item.task_ref))
    series = []
    for day in series_days(period_start, period_end, as_of):
        day_facts = _lead_live(snapshots[day]) if snapshots is not None and day in snapshots else leads
        series.append(StatusPoint(day, _counts(fact_status(f, day, near_days) for f in day_facts)))
    end = min(period_end, as_of)
    return ReportFigures(
        period_start=period_start,
        period_end=period_end,
        as_of=as_of,
        counts=_counts(statuses),
        agencies=agencies,
        overdue=tuple(overdue),
        series=tuple(series),
        due_in_period=sum(1 for f in leads if f.due_date is not None and period_start <= f.due_date <= period_end),
        completed_in_period=sum(
            1
            for f, s in zip(leads, statuses, strict=True)
            if s in (Status.DONE_ON_TIME, Status.DONE_LATE)
            and f.completed_on is not None
            and period_start <= f.completed_on <= end
        ),
        coordinating=sum(1 for f in facts if f.role == COORDINATING and is_live(f)),
        near_days=near_days,
    )
