"""An agency's whole situation on a day, as its letters state it (pure: the rows come from
models/escalation/situation.py).

The day's notices decide who gets a letter and at which level; what the letter says is the
situation: every open assignment of the agency that is overdue, every one in its reminder
window, and whatever else a notice of the day is about (a reminder sent by hand for a task due
later, or without a due date). The leadership's and the office's reports list every overdue
lead assignment of the plans they follow. So a letter counts the same way every day, whichever
stage happens to fall that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tasks.common.text import vi_sort_key
from tasks.escalation.wording import clean_name, join_names, report_phrase

__all__ = ["AgencySituation", "LatestReport", "OversightSituation", "SituationItem", "agency_situation",
           "item_context", "oversight_situation"]


NOTE_CHARS = 300  # of an agency's last note, in a letter


@dataclass(frozen=True)
class LatestReport:
    """The agency's last progress report on the assignment."""

    reported_on: date
    status: str  # open | in_progress | done
    percent: int | None
    note: str | None

    @property
    def phrase(self) -> str:
        return report_phrase(reported_on=self.reported_on, status=self.status, percent=self.percent)


@dataclass(frozen=True)
class SituationItem:
    """One open assignment of an agency, with what the letters show about it."""

    assignment_id: int
    task_id: int
    agency_id: int
    agency_name: str
    role: str  # lead | coordinating
    plan_code: str
    ref: str
    content: str
    due_date: date | None
    lead_names: tuple[str, ...] = ()
    coordinating_names: tuple[str, ...] = ()
    report: LatestReport | None = None
    level: int = 0  # the escalation level the policy gives an overdue lead assignment today; else 0
    report_duty: bool = False  # a period report the agency owes (task "BC.2020-H1"), not a plan task
    plan_id: int = 0

    def days_left(self, as_of: date) -> int | None:
        return None if self.due_date is None else (self.due_date - as_of).days


@dataclass(frozen=True)
class AgencySituation:
    """What an agency's letter of the day lists, in three parts."""

    as_of: date
    overdue: tuple[SituationItem, ...]  # oldest first
    due_soon: tuple[SituationItem, ...]  # in their reminder window (due today included), soonest first
    later: tuple[SituationItem, ...]  # due later or without a due date: only those a notice is about

    @property
    def items(self) -> tuple[SituationItem, ...]:
        return (*self.overdue, *self.due_soon, *self.later)

    @property
    def level(self) -> int:
        """The highest level the policy gives any of its overdue lead assignments today."""
        return max((i.level for i in self.overdue), default=0)


@dataclass(frozen=True)
class OversightSituation:
    """Every overdue lead assignment of the plans a report's recipient follows, by agency."""

    as_of: date
    agencies: tuple[tuple[str, tuple[SituationItem, ...]], ...]  # worst first: most overdue tasks

    @property
    def items(self) -> tuple[SituationItem, ...]:
        return tuple(i for _, rows in self.agencies for i in rows)


def _order(item: SituationItem) -> tuple[Any, ...]:
    return (item.due_date or date.max, item.plan_code, item.ref, item.role != "lead")


def agency_situation(items: Iterable[SituationItem], *, as_of: date, in_window: Callable[[SituationItem], bool],
                     noticed: Iterable[int] = ()) -> AgencySituation:
    """Sort an agency's open assignments into the letter's parts. ``in_window`` says whether an
    assignment not yet overdue is in its reminder window today; ``noticed`` are the assignments
    the day's notices are about (listed even when due later)."""
    wanted = set(noticed)
    overdue: list[SituationItem] = []
    soon: list[SituationItem] = []
    later: list[SituationItem] = []
    for item in dict.fromkeys(items):  # the same row twice (two agencies' queries) counts once
        left = item.days_left(as_of)
        if left is not None and left < 0:
            overdue.append(item)
        elif left is not None and in_window(item):
            soon.append(item)
        elif item.assignment_id in wanted:
            later.append(item)
    return AgencySituation(as_of=as_of, overdue=tuple(sorted(overdue, key=_order)),
                           due_soon=tuple(sorted(soon, key=_order)), later=tuple(sorted(later, key=_order)))


def oversight_situation(items: Iterable[SituationItem], *, as_of: date) -> OversightSituation:
    """Overdue lead assignments grouped by agency: the agency with most first, then by name."""
    by_agency: dict[str, list[SituationItem]] = {}
    for item in dict.fromkeys(items):
        left = item.days_left(as_of)
        if item.role == "lead" and left is not None and left < 0:
            by_agency.setdefault(item.agency_name, []).append(item)
    ordered = sorted(by_agency.items(), key=lambda kv: (-len(kv[1]), vi_sort_key(kv[0])))
    return OversightSituation(as_of=as_of, agencies=tuple((name, tuple(sorted(rows, key=_order)))
                                                          for name, rows in ordered))


def _excerpt(note: str | None, limit: int = NOTE_CHARS) -> str:
    text = " ".join((note or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_context(item: SituationItem, *, as_of: date, link: str) -> dict[str, Any]:
    """What the templates (mail) and the công văn show about one item."""
    left = item.days_left(as_of)
    report = item.report
    return {
        "plan_code": item.plan_code, "ref": item.ref, "content": item.content, "due_date": item.due_date,
        "role": item.role, "agency_name": item.agency_name, "link": link, "level": item.level,
        "days_left": left if left is not None else 0, "days_overdue": -left if left is not None else 0,
        "no_deadline": item.due_date is None, "report_duty": item.report_duty,
        "lead_names": [n for n in (clean_name(x) for x in item.lead_names) if n],
        "leads": join_names(item.lead_names), "coordinating": join_names(item.coordinating_names),
        "report": report.phrase if report else report_phrase(reported_on=None, status=None, percent=None),
        "report_note": _excerpt(report.note) if report else "",
        "reported": report is not None,
    }
