"""What a progress report needs from the database, read set-based and turned into ReportData.

    data = report_data(session, plan=plan, period=parse_period("2020-H1"), as_of=date(2020, 6, 30),
                       report_date=date(2020, 7, 1))
    render_docx(data)   # tasks.reports.render.docx

The pure side (tasks.report_*) computes the figures; this module supplies its inputs, each in
one query over the plan (never one query per row):

* the plan's assignments as AssignmentFact (lead and coordinating, cancelled ones included) of
  its tracked tasks: appendix rows and confirmed duties from the text; proposals are not
  tracked, and the report-submission duties ("BC.2020-H1") are kept apart;
* the audit log of those tasks and assignments as AuditRecord, for the rebuild as of the
  cut-off (a duty from the text counts from its confirmation);
* escalation notices sent (NoticeFact), for the escalation level reached by the cut-off;
* the plan's indicators and the values agencies reported; the narratives of the period's
  reports; the agencies whose period report had not arrived by the deadline.

Which day counts: the figures are as of ``as_of`` (the end of that day). The agencies'
reports on the period count up to ``through``: the reporting deadline when the report is
compiled after it (they report after the cut-off, on data as of it), else ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models.core.db import fetch_raw
from models.core.report_tables import REPORT_SOURCE, ReportSubmission
from models.core.tables import (
    LEAD,
    SENT,
    TASK_ACTIVE,
    TASK_CANCELLED,
    Agency,
    Assignment,
    AuditEvent,
    Notice,
    Plan,
    Task,
)
from models.indicators.store import indicator_facts, load_indicators
from tasks.indicators.targets import progress
from tasks.reports.asof import AuditRecord, NoticeFact, figures_as_of, rebuild
from tasks.reports.audit import audit_record
from tasks.reports.content import NarrativeExcerpt, ReportData
from tasks.reports.figures import DONE, AssignmentFact, Period, is_live, vi_sort_key
from tasks.reports.schedule import duty_ref

__all__ = [
    "ReportError",
    "ReportInputs",
    "find_plan",
    "load_inputs",
    "plan_slug",
    "recipient_lines",
    "report_data",
]

NEAR_DAYS = 3  # "sắp đến hạn": as the dashboard and the sweep count it
ESCALATION = "escalation"


class ReportError(ValueError):
    """The report cannot be made as asked (unknown plan, bad period or date): one line."""


def find_plan(session: Session, *, code: str, province: str | None = None) -> Plan:
    q = select(Plan).where(Plan.code == code)
    if province:
        q = q.where(Plan.province == province)
    rows = list(session.exec(q))
    if not rows:
        where = f" in {province}" if province else ""
        raise ReportError(f"no plan {code}{where}; see `dondoc tasks` for the plans imported")
    if len(rows) > 1:
        raise ReportError(f"several plans are numbered {code} ({', '.join(sorted(p.province for p in rows))}); "
                          "pass --province")
    return rows[0]


def plan_slug(plan: Plan) -> str:
    """'bac-giang' + '552/KH-BCĐ' -> 'bac-giang-552-kh-bcd' (folder and file names)."""
    from tasks.indicators.targets import name_key

    return f"{plan.province}-{name_key(plan.code)}"


@dataclass
class ReportInputs:
    plan: Plan
    facts: list[AssignmentFact]  # the plan's tracked tasks, every assignment, as stored today
    duty_facts: list[AssignmentFact]  # the period's report-submission duty, one lead per agency
    duty_due: date | None  # when the agencies' reports on the period are due (None: no duty)
    audits: list[AuditRecord]  # of the plan's tasks and their assignments
    notices: list[NoticeFact]
    province_name: str
    duty_audits: list[AuditRecord] = field(default_factory=list)  # of the period's duty
    submissions: list[tuple[str, date, str | None, dict[str, str]]] = field(default_factory=list)


_FACT_COLUMNS = (
    Assignment.id, Task.ref, Task.section, Task.content, Agency.name, Assignment.role, Assignment.due_date,
    Assignment.original_due_date, Assignment.completed_on, Assignment.status, Assignment.percent, Plan.code,
    Task.id, Agency.id, Task.state, Task.source,
)


class _Dates:
    """Date and timestamp columns as Python values: SQLite gives ISO text, PostgreSQL objects."""

    def __init__(self) -> None:
        self.memo: dict[Any, Any] = {None: None}

    def day(self, value: Any) -> date | None:
        found = self.memo.get(value, _MISSING)
        if found is _MISSING:
            found = self.memo[value] = date.fromisoformat(value) if isinstance(value, str) else value
        return found

    @staticmethod
    def moment(value: Any) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_MISSING = object()


def _fact(**values: Any) -> AssignmentFact:
    """AssignmentFact without the frozen dataclass's per-field __init__ (tens of thousands of rows)."""
    fact = object.__new__(AssignmentFact)
    fact.__dict__.update(values, escalation_level=0)
    return fact


def _facts(session: Session, *, plan_id: int, duty: str) -> tuple[list[AssignmentFact], list[AssignmentFact], set[int]]:
    """(plan facts, the period duty's facts, ids of the tasks read from the text)."""
    q = (
        select(*_FACT_COLUMNS)  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(col(Task.plan_id) == plan_id, col(Task.state).in_((TASK_ACTIVE, TASK_CANCELLED)))
        .order_by(Task.position, Assignment.id)
    )
    facts: list[AssignmentFact] = []
    duties: list[AssignmentFact] = []
    text_tasks: set[int] = set()
    day = _Dates().day
    for (aid, ref, section, content, agency, role, due, original, completed, status, percent, code, task_id,
         agency_id, state, source) in fetch_raw(session, q):
        if source == REPORT_SOURCE and ref != duty:
            continue
        if source == "text":
            if state != TASK_ACTIVE:
                continue  # a proposal withdrawn before anyone confirmed it was never tracked
            text_tasks.add(task_id)
        fact = _fact(
            assignment_id=aid, task_ref=ref, section=section, content=content, agency_name=agency, role=role,
            due_date=day(due), original_due_date=day(original), completed_on=day(completed), status=status,
            percent=percent or 0, plan_code=code, task_id=task_id, agency_id=agency_id, task_state=state,
        )
        (duties if source == REPORT_SOURCE else facts).append(fact)
    return facts, duties, text_tasks


def _audits(
    session: Session, *, plan_id: int, text_tasks: set[int], groups: list[tuple[set[int], set[int]]]
) -> list[list[AuditRecord]]:
    """The audit log of the plan's tasks and assignments, read in two indexed scans (no per-row
    query) and split into one list per (task ids, assignment ids) group."""
    in_plan = select(col(Task.id)).where(col(Task.plan_id) == plan_id)
    assignments = select(col(Assignment.id)).where(col(Assignment.task_id).in_(in_plan))
    cols = (AuditEvent.id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action, AuditEvent.changes,
            AuditEvent.at, AuditEvent.effective_on)
    out: list[list[AuditRecord]] = [[] for _ in groups]
    dates = _Dates()
    for index, (entity, ids) in enumerate((("task", in_plan), ("assignment", assignments))):
        q = select(*cols).where(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            col(AuditEvent.entity) == entity, col(AuditEvent.entity_id).in_(ids))
        for seq, ent, entity_id, action, changes, at, effective in fetch_raw(session, q):
            targets = [out[g] for g, group in enumerate(groups) if entity_id in group[index]]
            if not targets:
                continue
            record = audit_record(ent, entity_id, action, changes, dates.moment(at), dates.day(effective), seq,
                                  text_duty=entity_id in text_tasks)
            if record is None:
                continue
            for target in targets:
                target.append(record)
    return out


def _notices(session: Session, *, plan_id: int) -> list[NoticeFact]:
    q = (
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            Notice.assignment_id, Notice.kind, Notice.level, Notice.as_of, Notice.due_date, Notice.status)
        .join(Assignment, col(Assignment.id) == col(Notice.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id, col(Notice.kind) == ESCALATION, col(Notice.status) == SENT,
               col(Assignment.role) == LEAD)
        .distinct()
    )
    day = _Dates().day
    return [NoticeFact(aid, kind, level, day(as_of), day(due), status)  # type: ignore[arg-type]
            for aid, kind, level, as_of, due, status in fetch_raw(session, q)]


def province_name(slug: str) -> str:
    """The province's display name ("Bắc Giang") from its file in the agency directory."""
    import yaml

    from config.settings import get_settings

    folder = get_settings().agencies_dir
    for path in (folder / f"{slug}.yaml", *sorted(folder.glob("*.yaml"))):
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(spec, dict) and spec.get("slug") == slug and spec.get("name"):
            return str(spec["name"])
    return slug.replace("-", " ").title()


def load_inputs(session: Session, *, plan: Plan, period: Period) -> ReportInputs:
    duty = duty_ref(period.code)
    facts, duties, text_tasks = _facts(session, plan_id=plan.id, duty=duty)  # type: ignore[arg-type]
    audits, duty_audits = _audits(session, plan_id=plan.id, text_tasks=text_tasks, groups=[  # type: ignore[arg-type]
        ({f.task_id for f in facts}, {f.assignment_id for f in facts}),  # type: ignore[misc]
        ({f.task_id for f in duties}, {f.assignment_id for f in duties}),  # type: ignore[misc]
    ])
    duty_due = session.execute(
        select(col(Task.due_date)).where(col(Task.plan_id) == plan.id, col(Task.source) == REPORT_SOURCE,
                                         col(Task.ref) == duty, col(Task.state) == TASK_ACTIVE)
    ).scalar()
    subs = session.execute(
        select(col(Agency.name), col(ReportSubmission.submitted_on), col(ReportSubmission.summary),
               col(ReportSubmission.narratives))
        .join(Agency, col(Agency.id) == col(ReportSubmission.agency_id))
        .where(col(ReportSubmission.plan_id) == plan.id, col(ReportSubmission.period) == period.code)
        .order_by(col(ReportSubmission.submitted_on), col(ReportSubmission.id))
    ).all()
    return ReportInputs(
        plan=plan, facts=facts, duty_facts=duties, duty_due=duty_due,
        audits=audits, duty_audits=duty_audits,
        notices=_notices(session, plan_id=plan.id),  # type: ignore[arg-type]
        province_name=province_name(plan.province),
        submissions=[(name, on, summary, dict(narr or {})) for name, on, summary, narr in subs],
    )


def through_day(*, as_of: date, report_date: date, duty_due: date | None) -> date:
    """Up to which day the agencies' period reports count (see the module docstring)."""
    return max(as_of, min(report_date, duty_due or as_of))


def missing_reports(inputs: ReportInputs, *, through: date) -> list[str]:
    """Agencies whose period report had not arrived by ``through`` (none before it is due)."""
    if inputs.duty_due is None or inputs.duty_due > through or not inputs.duty_facts:
        return []
    state = rebuild(inputs.duty_facts, inputs.duty_audits, through)
    names = {
        f.agency_name for f in state
        if f.role == LEAD and is_live(f)
        and not (f.status == DONE and (f.completed_on is None or f.completed_on <= through))
    }
    return sorted(names, key=vi_sort_key)


def narratives(inputs: ReportInputs, *, through: date) -> list[NarrativeExcerpt]:
    out: list[NarrativeExcerpt] = []
    for agency, on, summary, by_task in inputs.submissions:
        if on > through:
            continue
        if summary:
            out.append(NarrativeExcerpt(agency, None, summary, on))
        out += [NarrativeExcerpt(agency, ref, text, on) for ref, text in by_task.items() if text]
    return out


def recipient_lines(plan: Plan) -> list[str]:
    """The "Nơi nhận" lines of the compiled report ("Lưu: VT" is added by the renderer)."""
    lines = ["TT Tỉnh ủy, TT HĐND tỉnh (b/c)", "Chủ tịch, các PCT UBND tỉnh"]
    if (plan.issuer or "").lower().startswith("ban chỉ đạo"):
        lines.append("Các thành viên Ban Chỉ đạo tỉnh")
    if plan.report_recipient:
        lines.append(plan.report_recipient)
    lines.append("Các cơ quan, đơn vị có tên tại Kế hoạch")
    return lines


def report_data(
    session: Session,
    *,
    plan: Plan,
    period: Period,
    as_of: date,
    report_date: date,
    inputs: ReportInputs | None = None,
    **extra: Any,
) -> ReportData:
    """Everything the renderers need, as of the end of ``as_of`` (``extra``: ReportData fields
    such as ``proposals``, ``signer_name``)."""
    inputs = inputs or load_inputs(session, plan=plan, period=period)
    facts, figures = figures_as_of(
        inputs.facts, inputs.audits, period_start=period.start, period_end=period.end, as_of=as_of,
        notices=inputs.notices, near_days=NEAR_DAYS,
    )
    through = through_day(as_of=as_of, report_date=report_date, duty_due=inputs.duty_due)
    indicators = load_indicators(session, plan_id=plan.id)  # type: ignore[arg-type]
    values = (
        indicator_facts(session, plan_id=plan.id, period=period.code, through=through, as_of=as_of)  # type: ignore[arg-type]
        if indicators else []
    )
    return ReportData(
        plan_code=plan.code,
        plan_title=plan.title,
        plan_issuer=plan.issuer,
        plan_issued_on=plan.issued_on,
        province_name=inputs.province_name,
        period=period,
        as_of=as_of,
        report_date=report_date,
        figures=figures,
        facts=facts,
        indicators=progress(indicators, values, as_of=as_of),
        narratives=narratives(inputs, through=through),
        missing_reports=missing_reports(inputs, through=through),
        recipients=recipient_lines(plan),
        **extra,
    )


def summary_of(data: ReportData) -> dict[str, Any]:
    """The headline figures of a report, stored with its run (listings need no file)."""
    t = data.figures.totals
    return {
        "assigned": t.assigned, "done_on_time": t.done_on_time, "done_late": t.done_late, "in_term": t.in_term,
        "overdue": t.overdue, "on_time_rate": t.on_time_rate, "agencies": len(data.figures.agencies),
        "indicators": len(data.indicators), "missing_reports": len(data.missing_reports),
        "narratives": len(data.narratives),
    }
