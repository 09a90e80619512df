"""What the office corrects in the import preview before confirming: a task's text, its lead and
coordinating agencies and its deadline, and the plan's head (number, date of issue, title).

Pure: the corrections come in as the typed text, are checked against the parsed plan and its
province's directory (agencies found as the task form finds them, without case, punctuation or
tone marks: :class:`tasks.planning.manual.AgencyMatcher`; a deadline read as a task entered by
hand is: :func:`tasks.planning.manual.read_deadline`) and applied to the :class:`ParsedPlan`
before it is stored. Every problem is one Vietnamese message keyed by the row and the field,
shown beside it; nothing is applied unless everything reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from tasks.agencies.directory import AgencyEntry, ProvinceDirectory
from tasks.common.dates import fmt_date
from tasks.common.text import nfc
from tasks.importing.deadlines import Deadline, parse_deadline
from tasks.importing.parse import ParsedPlan, ParsedTask
from tasks.planning.manual import (
    MAX_CONTENT,
    AgencyChoice,
    AgencyMatcher,
    ManualTaskError,
    read_deadline,
    read_plan_correction,
)

# the names typed in one agency field are separated by ";" or new lines (a name may hold a comma:
# "Sở Văn hóa, Thể thao và Du lịch")
_SEPARATORS = re.compile(r"[;\n]+")
CORRECTED = "corrected by the office"  # the review reason a corrected row keeps, for the record


@dataclass(frozen=True)
class RowFix:
    """What the preview's fields hold for one task (the typed text, as sent)."""

    ref: str
    content: str
    lead: str
    coordinating: str
    deadline: str


@dataclass(frozen=True)
class HeadFix:
    code: str
    issued_on: str
    title: str


@dataclass
class Corrections:
    """The checked corrections: per task ref and per plan field, ``{field: [old, new]}`` as the
    audit records them (agencies as their names, dates ISO)."""

    head: dict[str, list[Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.head or self.tasks)


class CorrectionError(ValueError):
    """``errors``: ``{"head": {field: message}, ref: {field: message}}``, each shown by its field."""

    def __init__(self, errors: dict[str, dict[str, str]]) -> None:
        super().__init__("; ".join(m for fields in errors.values() for m in fields.values()))
        self.errors = errors


def agency_field(agencies: list[AgencyEntry], written: str) -> str:
    """What an agency field shows for a parsed task: the resolved names, else the cell's text."""
    return "; ".join(a.name for a in agencies) if agencies else nfc(written)


def deadline_field(task: ParsedTask) -> str:
    """What the deadline field shows: the date read (dd/mm/yyyy), else the cell's wording."""
    return fmt_date(task.due_date) if task.due_date else task.row.deadline_text


def row_fields(task: ParsedTask) -> RowFix:
    """The values a row's correction fields start with: a field sent back unchanged changes nothing."""
    return RowFix(ref=task.ref, content=task.row.content, lead=agency_field(task.lead, task.row.lead_text),
                  coordinating=agency_field(task.coordinating, task.row.coordinating_text),
                  deadline=deadline_field(task))


def head_fields(parsed: ParsedPlan) -> HeadFix:
    meta = parsed.meta
    return HeadFix(code=parsed.code, issued_on=fmt_date(meta.issued_on) if meta.issued_on else "",
                   title=meta.title or "")


def _matcher(province: ProvinceDirectory) -> tuple[AgencyMatcher, dict[int, AgencyEntry]]:
    entries = dict(enumerate(province.agencies))
    choices = [AgencyChoice(id=i, name=a.name, key=a.key, aliases=a.aliases) for i, a in entries.items()]
    return AgencyMatcher(choices), entries


def _same(a: str, b: str) -> bool:
    return " ".join(nfc(a).split()) == " ".join(nfc(b).split())


def apply_corrections(parsed: ParsedPlan, *, head: HeadFix | None, rows: Mapping[str, RowFix]) -> Corrections:
    """Check the corrections against ``parsed`` and apply them to it (in place); raises
    :class:`CorrectionError` with every problem, leaving ``parsed`` untouched, when one does not
    read. Only the fields whose text differs from what the preview showed count."""
    errors: dict[str, dict[str, str]] = {}
    done = Corrections()
    new_head: tuple[str, date | None, str | None] | None = None
    if head is not None:
        shown = head_fields(parsed)
        if not (_same(head.code, shown.code) and _same(head.issued_on, shown.issued_on)
                and _same(head.title, shown.title)):
            try:
                new_head = read_plan_correction(code=head.code, issued_on=head.issued_on, title=head.title)
            except ManualTaskError as exc:
                errors["head"] = exc.errors
    issued_on = new_head[1] if new_head is not None else parsed.meta.issued_on
    matcher, entries = _matcher(parsed.province)
    by_ref = {t.ref: t for t in parsed.tasks}
    planned: dict[str, dict[str, Any]] = {}
    for ref, fix in rows.items():
        task = by_ref.get(ref)
        if task is None:
            continue  # a row no longer in the file (the directory or the layout changed): nothing to fix
        shown_row = row_fields(task)
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        if not _same(fix.content, shown_row.content):
            text = " ".join(nfc(fix.content).split())
            if not text:
                problems["content"] = "Vui lòng nhập nội dung nhiệm vụ."
            elif len(text) > MAX_CONTENT:
                problems["content"] = f"Nội dung nhiệm vụ quá dài (tối đa {MAX_CONTENT} ký tự)."
            else:
                values["content"] = text
        for role, what in (("lead", "Cơ quan chủ trì"), ("coordinating", "Cơ quan phối hợp")):
            typed = getattr(fix, role)
            if _same(typed, getattr(shown_row, role)):
                continue
            found, problem = matcher.read(_SEPARATORS.split(typed), what=what)
            if problem:
                problems[role] = problem
            elif role == "lead" and not found:
                problems[role] = "Vui lòng nhập ít nhất một cơ quan chủ trì."
            else:
                values[role] = [entries[c.id] for c in found]
        if not _same(fix.deadline, shown_row.deadline):
            try:
                values["deadline"] = read_deadline(fix.deadline, issued_on=issued_on)
            except ValueError as exc:
                problems["deadline"] = str(exc)
        if problems:
            errors[ref] = problems
        elif values:
            planned[ref] = values
    if errors:
        raise CorrectionError(errors)
    if new_head is not None:
        done.head = _apply_head(parsed, *new_head)
    for ref, values in planned.items():
        done.tasks[ref] = _apply_row(parsed, by_ref[ref], values)
    return done


def _apply_head(parsed: ParsedPlan, code: str, issued_on: date | None, title: str | None) -> dict[str, list[Any]]:
    meta = parsed.meta
    changes: dict[str, list[Any]] = {}
    if code != parsed.code:
        changes["code"] = [parsed.code, code]
        parsed.code = code
    if issued_on != meta.issued_on:
        changes["issued_on"] = [meta.issued_on, issued_on]
    if title != meta.title:
        changes["title"] = [meta.title, title]
    year = issued_on.year if issued_on else parsed.year
    parsed.meta = replace(meta, code=code, issued_on=issued_on, title=title)
    if "issued_on" in changes:
        parsed.year = year
        # deadlines counted from the date of issue ("60 ngày kể từ ngày ban hành") follow the corrected date
        for task in parsed.tasks:
            read = parse_deadline(task.row.deadline_text, plan_year=year, issued_on=issued_on)
            if read.kind == "date" or task.deadline.kind == "unknown":
                _set_deadline(task, read)
            if read.kind != "unknown":
                task.review = [r for r in task.review if r != "deadline not read"]
    return changes


def _set_deadline(task: ParsedTask, deadline: Deadline) -> None:
    task.deadline = deadline
    if deadline.due_date is not None or deadline.kind != "empty" or not task.milestones:
        task.due_date = deadline.due_date


def _apply_row(parsed: ParsedPlan, task: ParsedTask, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if "content" in values:
        changes["content"] = [task.row.content, values["content"]]
        task.row.content = values["content"]
    if "lead" in values or "coordinating" in values:
        lead: list[AgencyEntry] = values.get("lead", task.lead)
        others: list[AgencyEntry] = values.get("coordinating", task.coordinating)
        others = [a for a in others if a.key not in {x.key for x in lead}]  # one agency leads, as at import
        # the audit shows names as the page does: "A; B", or the cell's text when it named no known agency
        if [a.key for a in lead] != [a.key for a in task.lead]:
            changes["lead"] = [agency_field(task.lead, task.row.lead_text), agency_field(lead, "")]
        if [a.key for a in others] != [a.key for a in task.coordinating]:
            changes["coordinating"] = [agency_field(task.coordinating, task.row.coordinating_text),
                                       agency_field(others, "")]
        task.lead, task.coordinating = lead, others
        # the names the office gave stand for the cells: nothing of them is unresolved any more
        task.row.lead_text = "; ".join(a.name for a in lead)
        task.row.coordinating_text = "; ".join(a.name for a in others)
        task.unresolved = []
        parsed.unresolved = [u for u in parsed.unresolved if u["ref"] != task.ref]
        task.review = [r for r in task.review if r != "agency not resolved"]
    if "deadline" in values:
        deadline: Deadline = values["deadline"]
        changes["deadline"] = [task.row.deadline_text, deadline.text]
        changes["due_date"] = [task.due_date, deadline.due_date]
        task.row.deadline_text = deadline.text
        _set_deadline(task, deadline)
        task.review = [r for r in task.review if r not in ("date proposed, not read", "start date only, no deadline",
                                                          "deadline note")]
    if changes and CORRECTED not in task.review:
        task.review.append(CORRECTED)
    return changes


__all__ = ["CORRECTED", "CorrectionError", "Corrections", "HeadFix", "RowFix", "agency_field", "apply_corrections",
           "deadline_field", "head_fields", "row_fields"]
