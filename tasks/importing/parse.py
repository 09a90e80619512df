"""From a read document to a parsed plan: metadata, task rows, dates and agencies resolved.

Pure: no database, no Prefect. The database layer (models.importing.store) stores what this returns,
and the command line prints it as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from tasks.agencies.directory import AgencyDirectory, AgencyEntry, CellResolution, ProvinceDirectory
from tasks.agencies.setup import setup_hint
from tasks.duties.extract import ProposedDuty, assigns_in_text, extract_text_duties
from tasks.duties.phrases import carried_out_year
from tasks.importing.appendix import AppendixResult, Layouts, TaskRow, columns_hint, find_task_rows
from tasks.importing.deadlines import Deadline, parse_deadline
from tasks.importing.layouts import ColumnMapping
from tasks.importing.meta import PlanMeta, plan_paragraphs, read_plan_meta
from tasks.importing.readers import PlanDocument, PlanFileError
from tasks.indicators.targets import Indicator, document_indicators


@dataclass(frozen=True)
class ParsedMilestone:
    year: int
    due_date: date
    target: str


@dataclass
class ParsedTask:
    row: TaskRow
    deadline: Deadline
    due_date: date | None
    lead: list[AgencyEntry]
    coordinating: list[AgencyEntry]
    milestones: list[ParsedMilestone]
    unresolved: list[str]
    # why the office should look at this row before confirming the import ("read by OCR", "date
    # proposed, not read", "agency not resolved", "column mapped by hand", "deadline not read", "deadline note"); empty
    # when sure
    review: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.row.ref


@dataclass
class ParsedPlan:
    meta: PlanMeta
    code: str
    province: ProvinceDirectory
    year: int | None
    tasks: list[ParsedTask]
    # duties read from the prose: proposed, tracked only once the office confirms them
    duties: list[ProposedDuty] = field(default_factory=list)
    # targets (chỉ tiêu) read from the objectives, the tables and the task table's target columns
    indicators: list[Indicator] = field(default_factory=list)
    unresolved: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str = "txt"  # the reader's PlanDocument.source: "txt", "docx", "xlsx", "pdf", "scan", ...
    # the table layout the office's --columns mapping was applied to (remembered after the import)
    column_layout: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape the command line promises (`dondoc import --json`)."""
        return {
            "plan": {
                "code": self.code,
                "title": self.meta.title,
                "issued_on": self.meta.issued_on.isoformat() if self.meta.issued_on else None,
                "issuer": self.meta.issuer,
                "province": self.province.slug,
                "year": self.year,
                "reporting": _reporting_json(self.meta),
            },
            "tasks": [_task_json(t) for t in self.tasks] + [_duty_json(d) for d in self.duties],
            "indicators": [i.to_json() for i in self.indicators],
            "unresolved": self.unresolved,
            "warnings": self.warnings,
        }


def _reporting_json(meta: PlanMeta) -> dict[str, Any] | None:
    if meta.reporting is None:
        return None
    r = meta.reporting
    return {
        "deadlines": [{"month": m, "day": d, "period": p} for m, d, p in r.deadlines],
        "recipient": r.recipient_text,
        "clause": r.clause,
        # every period the clause names (yearly, sơ kết 3 năm, tổng kết 5 năm, ...); an undated
        # clause reports on the usual dates of its periods, proposed rather than read
        "cadence": [c.to_json() for c in r.cadence],
        "dates_proposed": r.dates_proposed,
        # the periodic report duty the clause creates: one task per period (refs BC.2024-H1,
        # BC.2024, ...) owed by every agency with a tracked task of the plan; for proposals
        # from the text, once the office confirms them
        "duty": {
            "title": "Báo cáo định kỳ kết quả thực hiện Kế hoạch"
                     + (f" gửi {r.recipient_text}" if r.recipient_text else ""),
            "due": [f"{d:02d}/{m:02d}" for m, d, _p in r.schedule],
            "refs": "BC.<kỳ báo cáo>",
            "owed_by": "every agency with a tracked (confirmed) task of the plan",
        },
    }


def _task_json(task: ParsedTask) -> dict[str, Any]:
    row = task.row
    return {
        "ref": row.ref,
        "section": row.section,
        "number": row.number,
        "group": row.group,
        "content": row.content,
        "code": row.code,
        "lead": [a.name for a in task.lead],
        "coordinating": [a.name for a in task.coordinating],
        "deadline_text": row.deadline_text,
        "deadline_kind": task.deadline.kind,
        "deadline_note": task.deadline.note,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "milestones": [{"due_date": m.due_date.isoformat(), "target": m.target} for m in task.milestones],
        "unresolved": task.unresolved,
        "review": task.review,
        "source": "table",
    }


def _duty_json(duty: ProposedDuty) -> dict[str, Any]:
    data = duty.to_json()
    data.update(section=" › ".join(duty.section_path[:-1]) or None, number=None, group=None, state="proposed")
    return data


class PlanImportError(Exception):
    """The document cannot become a plan; the message is one line for the user."""


def parse_plan(
    doc: PlanDocument,
    directory: AgencyDirectory,
    *,
    source_name: str,
    province: str | None = None,
    year: int | None = None,
    columns: ColumnMapping | None = None,
    layouts: Layouts | None = None,
) -> ParsedPlan:
    """Read metadata, table rows and duties in the text; turn deadlines into dates and names
    into agencies. A document with neither a task table nor duties in its text is not a plan."""
    try:
        appendix = find_task_rows(doc, columns=columns, layouts=layouts)
        no_table: PlanFileError | None = None
    except PlanFileError as exc:
        if columns is not None:
            raise  # the office named the table's columns: no table fits them
        appendix, no_table = AppendixResult(rows=[], warnings=[]), exc
    # a Word head laid out as a table is read with the paragraphs: number, date, issuer, province
    paragraphs = plan_paragraphs(doc)
    meta = read_plan_meta(paragraphs)
    slug = province or directory.infer_province("\n".join(paragraphs[:80]))
    if slug is None and no_table is not None and not assigns_in_text(paragraphs):
        raise no_table  # neither a table nor a section that assigns work: no province makes it a plan
    if slug is None:
        raise PlanImportError(
            f"{source_name}: cannot tell which province issued this plan; pass --province "
            f"({', '.join(directory.provinces)})"
        )
    plan_year = year or meta.year or carried_out_year(meta.title)
    try:  # a plan resolves against the directory of its date (today's, for one issued since the reform)
        prov = directory.province(slug, on=meta.issued_on or (
            date(plan_year, 12, 31) if plan_year and 1 <= plan_year <= 9999 else None))
    except KeyError as exc:
        raise PlanImportError(f"unknown province '{slug}': expected one of {', '.join(directory.provinces)}"
                              f"{setup_hint(slug)}") from exc
    code = meta.code or source_name.rsplit(".", 1)[0]
    plan = ParsedPlan(
        meta=meta, code=code, province=prov, year=plan_year, tasks=[], warnings=list(appendix.warnings),
        source=doc.source, column_layout=appendix.mapped_layout,
    )
    if meta.code is None:
        plan.warnings.append(f"no plan number found in the document head; using '{code}'")
    if not year and not meta.year and plan_year:
        plan.warnings.append(f"no date of issue found; the plan's year is taken as {plan_year}, the year of the "
                             f"text it carries out (pass --year to change it)")
    resolve = lru_cache(maxsize=None)(prov.resolve_cell)  # the same cell text recurs on many rows
    parse = lru_cache(maxsize=None)(
        lambda text: parse_deadline(text, plan_year=plan_year, issued_on=meta.issued_on)
    )
    for row in appendix.rows:
        plan.tasks.append(_parse_row(row, resolve, parse, plan))
    text = extract_text_duties(doc.paragraphs, prov, plan_year=plan_year)
    plan.duties = text.duties
    plan.warnings += text.warnings
    rows = [(t.ref, {m.year: m.target for m in t.milestones}, t.row.lead_text) for t in plan.tasks if t.milestones]
    plan.indicators = document_indicators(doc, plan_year=plan_year, title=meta.title, appendix_rows=rows)
    if not plan.tasks and not plan.duties and not plan.indicators:
        raise PlanFileError(f"{source_name}: no task table, no duties assigned and no targets set in the text: "
                            "this is not a plan" + columns_hint(doc.tables))  # a table's header not understood?
    return plan


NOT_IN_DIRECTORY = "no agency of the province's directory has this name: correct the row or add it as an alias"


def _parse_row(row: TaskRow, resolve: Any, parse: Any, plan: ParsedPlan) -> ParsedTask:
    deadline: Deadline = parse(row.deadline_text)
    if deadline.kind == "unknown":
        plan.warnings.append(
            f"{row.row_label} ({row.ref}): cannot read the deadline '{row.deadline_text}'; kept without a date"
            + (f" ({deadline.note})" if deadline.note else "")
        )
    elif deadline.kind == "start":
        plan.warnings.append(f"{row.row_label} ({row.ref}): '{row.deadline_text}' gives a start date only, no deadline")
    milestones = [
        ParsedMilestone(year=y, due_date=date(y, 12, 31), target=text) for y, text in sorted(row.targets.items())
    ]
    due = deadline.due_date
    if due is None and deadline.kind == "empty" and milestones:
        # target columns ("Đến năm 2020", "Đến năm 2025") stand in for a deadline column
        due = milestones[0].due_date
    lead_res: CellResolution = resolve(row.lead_text)
    coord_res: CellResolution = resolve(row.coordinating_text)
    lead = list(lead_res.agencies)
    lead_keys = {a.key for a in lead}
    coordinating = [a for a in coord_res.agencies if a.key not in lead_keys]
    unresolved = [*lead_res.unresolved, *coord_res.unresolved]
    for role, res in (("lead", lead_res), ("coordinating", coord_res)):
        for name in res.unresolved:
            entry = {"ref": row.ref, "row": row.row_label, "role": role, "name": name}
            if name in res.reasons:  # a name no longer in force, or of the abolished district level
                entry["reason"] = res.reasons[name]
                plan.warnings.append(f"{row.row_label} ({row.ref}): '{name}' not resolved: {res.reasons[name]}")
            else:  # an investor, a company, a misspelling: the office learns why the row waits for it
                entry["reason"] = NOT_IN_DIRECTORY
            plan.unresolved.append(entry)
    if not lead:
        plan.warnings.append(f"{row.row_label} ({row.ref}): no lead agency resolved from '{row.lead_text}'")
    review: list[str] = []
    if plan_read_by_ocr(plan):
        review.append("read by OCR")
    if row.mapped:
        review.append("column mapped by hand")
    if deadline.proposed:
        review.append("date proposed, not read")
    if deadline.kind == "start":
        review.append("start date only, no deadline")
    if deadline.kind == "unknown":
        review.append("deadline not read")  # kept without a date, so never reminded, until corrected
    if deadline.kind == "date" and deadline.note and not deadline.proposed:
        review.append("deadline note")  # "20/3/2026 Đề nghị điều chỉnh thời hạn": the date may not be the last word
    if unresolved:
        review.append("agency not resolved")
    return ParsedTask(
        row=row,
        deadline=deadline,
        due_date=due,
        lead=lead,
        coordinating=coordinating,
        milestones=milestones,
        unresolved=unresolved,
        review=review,
    )


def plan_read_by_ocr(plan: ParsedPlan) -> bool:
    return plan.source == "scan"



__all__ = ["ParsedMilestone", "ParsedPlan", "ParsedTask", "PlanFileError", "PlanImportError", "parse_plan"]
