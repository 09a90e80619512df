"""The import flow: read the file, parse and resolve, store in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from config.settings import get_settings
from flows.engine import flow, step
from models.agencies.setup import configured_directory
from models.core.audit import record
from models.core.db import get_engine, session_scope
from models.core.tables import Plan, Task
from models.duties.store import DutySummary, apply_duties
from models.escalation.policies import plan_policy, policy_id, schedule_unscheduled
from models.importing.store import SOURCE, ImportSummary, apply_import
from models.importing.tracking import Forecast, Tracking, apply_tracking, forecast
from models.indicators.store import plan_indicators
from models.reports.duties import apply_reporting
from tasks.common.dates import local_today
from tasks.importing.corrections import Corrections, HeadFix, RowFix, apply_corrections
from tasks.importing.layouts import LAYOUTS_FILE, ColumnMapping, LayoutStore
from tasks.importing.parse import ParsedPlan, parse_plan
from tasks.importing.readers import PlanDocument, read_document
from tasks.indicators.targets import Indicator


@dataclass
class ImportOutcome:
    parsed: ParsedPlan
    summary: ImportSummary | None  # None on a dry run
    duties: DutySummary | None = None
    corrections: Corrections | None = None
    forecast: Forecast | None = None  # a rehearsal's: what the first sweep would send


@dataclass(frozen=True)
class ImportReview:
    """What the office decided in the import preview (the web): corrections of the plan's head
    and of tasks by ref, and from which day and how the plan is tracked (a new plan only)."""

    head: HeadFix | None = None
    rows: dict[str, RowFix] = field(default_factory=dict)
    tracking: Tracking | None = None


CORRECTED_NOTE = "Văn phòng đính chính khi xem trước, trước khi xác nhận nhập kế hoạch"


# what the command line's progress bar says while each step runs, in the order they run
STEP_LABELS: dict[str, str] = {
    "read_plan_file": "reading the document",
    "parse_plan_document": "reading tasks, agencies and deadlines",
    "read_indicators": "reading indicators",
    "store_plan": "writing to the database",
}
DRY_RUN_STEPS = ("read_plan_file", "parse_plan_document")


@step()
def read_plan_file(path: str) -> tuple[PlanDocument, str]:
    p = Path(path)
    doc = read_document(p)
    return doc, hashlib.sha256(p.read_bytes()).hexdigest()


@step()
def parse_plan_document(doc: PlanDocument, *, source_name: str, province: str | None, year: int | None,
                        columns: ColumnMapping | None = None) -> ParsedPlan:
    # the sample directories and the provinces set up with `dondoc province add`
    directory = configured_directory(get_engine())
    layouts = LayoutStore(get_settings().data_dir / LAYOUTS_FILE)  # the column mappings the office chose
    return parse_plan(doc, directory, source_name=source_name, province=province, year=year, columns=columns,
                      layouts=layouts.get)


@step()
def read_indicators(doc: PlanDocument, parsed: ParsedPlan) -> list[Indicator]:
    return plan_indicators(doc, parsed)


def _write(session: Session, parsed: ParsedPlan, *, source_name: str, sha256: str, actor: str,
           indicators: list[Indicator] | None, corrections: Corrections | None = None,
           tracking: Tracking | None = None) -> tuple[ImportSummary, DutySummary]:
    """The import's writes, in the caller's transaction (committed by store_plan, rolled back by
    a rehearsal)."""
    policy_path = get_settings().escalation_policy
    summary = apply_import(
        session, parsed=parsed, source_name=source_name, sha256=sha256, actor=actor,
        policy_for=lambda plan: policy_id(session, policy=plan_policy(session, plan=plan, path=policy_path)),
    )
    duties = apply_duties(session, plan_id=summary.plan_id, province=parsed.province.slug,
                          duties=parsed.duties, actor=actor)
    # the plan's indicators, and its agencies' period-report duties (tasks like any other)
    apply_reporting(session, plan_id=summary.plan_id, parsed=parsed, indicators=indicators or [], actor=actor,
                    first_import=summary.plan_created)
    # new assignments are scheduled under the escalation policy in force now, and keep it
    # (the table rows got it on insert; this covers the duties and re-import additions)
    schedule_unscheduled(session, path=policy_path)
    if corrections:
        _audit_corrections(session, plan_id=summary.plan_id, corrections=corrections, actor=actor)
    if tracking is not None and summary.plan_created:
        apply_tracking(session, plan_id=summary.plan_id, tracking=tracking, actor=actor)
    return summary, duties


def _audit_corrections(session: Session, *, plan_id: int, corrections: Corrections, actor: str) -> None:
    """One "corrected" event for the plan's head and one per task the office corrected."""
    if corrections.head:
        record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan_id, action="corrected",
               changes={**corrections.head, "note": CORRECTED_NOTE})
    if corrections.tasks:
        ids = dict(session.exec(select(Task.ref, Task.id).where(Task.plan_id == plan_id, Task.source == "table")
                                .where(Task.ref.in_(list(corrections.tasks)))).all())  # type: ignore[attr-defined]
        for ref, changes in corrections.tasks.items():
            record(session, actor=actor, source=SOURCE, entity="task", entity_id=ids.get(ref), action="corrected",
                   changes={**changes, "note": CORRECTED_NOTE})


@step()
def store_plan(parsed: ParsedPlan, *, source_name: str, sha256: str, actor: str,
               indicators: list[Indicator] | None = None, corrections: Corrections | None = None,
               tracking: Tracking | None = None) -> tuple[ImportSummary, DutySummary]:
    with session_scope(get_engine()) as session:
        return _write(session, parsed, source_name=source_name, sha256=sha256, actor=actor, indicators=indicators,
                      corrections=corrections, tracking=tracking)


def review_plan(parsed: ParsedPlan, review: ImportReview | None) -> Corrections | None:
    """Apply the office's corrections to ``parsed`` (CorrectionError when one does not read)."""
    if review is None or (review.head is None and not review.rows):
        return None
    return apply_corrections(parsed, head=review.head, rows=review.rows)


def rehearse_import(doc: PlanDocument, parsed: ParsedPlan, *, source_name: str, sha256: str,
                    tracking: Tracking | None, corrections: Corrections | None = None) -> ImportOutcome:
    """Everything the import would write, and the notices the sweep of the tracking day would
    then plan for this plan (the sweep's own planning statement), in a transaction that is
    always rolled back: the preview counts what the import and its first sweep will do, with
    no second copy of their rules to drift from them."""
    from models.outbox.notices import plan_notices

    indicators = read_indicators.plain(doc, parsed)  # type: ignore[attr-defined]
    session = Session(get_engine(), expire_on_commit=False)
    try:
        summary, duties = _write(session, parsed, source_name=source_name, sha256=sha256, actor="preview",
                                 indicators=indicators, corrections=corrections, tracking=tracking)
        day: date = tracking.start if tracking is not None else local_today()
        plan_notices(session, as_of=day)
        ahead = forecast(session, plan_id=summary.plan_id, as_of=day)
        return ImportOutcome(parsed=parsed, summary=summary, duties=duties, corrections=corrections, forecast=ahead)
    finally:
        session.rollback()
        session.close()


def would_change(parsed: ParsedPlan, *, source_name: str, sha256: str) -> ImportOutcome | None:
    """What importing ``parsed`` would do to a plan already stored, its table tasks and the
    duties proposed from its text (``None``: the plan is new, everything would be created),
    without changing anything.

    The import's own ``apply_import`` and ``apply_duties`` run in a transaction that is always
    rolled back, so a preview counts exactly what the import will do: no second copy of the
    comparison to drift from it. A new plan skips that (nothing to compare, and a large
    appendix would be inserted only to be rolled back)."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        known = session.exec(
            select(Plan.id).where(Plan.province == parsed.province.slug, Plan.code == parsed.code)
        ).first()
        if known is None:
            return None
        summary = apply_import(session, parsed=parsed, source_name=source_name, sha256=sha256, actor="preview")
        duties = apply_duties(session, plan_id=summary.plan_id, province=parsed.province.slug,
                              duties=parsed.duties, actor="preview")
        return ImportOutcome(parsed=parsed, summary=summary, duties=duties)
    finally:
        session.rollback()
        session.close()


@flow("import-plan")
def import_plan(
    path: str, province: str | None = None, year: int | None = None, dry_run: bool = False, actor: str = "cli",
    source_name: str | None = None, columns: ColumnMapping | None = None, review: ImportReview | None = None,
) -> ImportOutcome:
    """``source_name``: the file's name as its owner knows it, when ``path`` is a stored copy
    (the web keeps uploads under random names); it is recorded on the plan, and stands in for
    the plan number when the document has none. ``columns``: the office's column mapping
    (--columns) for a task table whose wording is not understood. ``review``: what the office
    corrected and chose in the web preview, applied before anything is written and audited."""
    doc, sha256 = read_plan_file(path)
    name = source_name or Path(path).name
    parsed = parse_plan_document(doc, source_name=name, province=province, year=year, columns=columns)
    corrections = review_plan(parsed, review)
    if dry_run:
        return ImportOutcome(parsed=parsed, summary=None, corrections=corrections)
    indicators = read_indicators(doc, parsed)
    del doc  # its cells are no longer needed: the store's batches get the memory back
    summary, duties = store_plan(parsed, source_name=name, sha256=sha256, actor=actor, indicators=indicators,
                                 corrections=corrections, tracking=review.tracking if review else None)
    return ImportOutcome(parsed=parsed, summary=summary, duties=duties, corrections=corrections)
