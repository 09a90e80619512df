"""Storing a parsed plan: create on first import, update and audit on re-import, never delete.

Rows are written with set-based INSERTs (a 20,000-row appendix must import in seconds); the
whole import runs in the caller's transaction, so a failure leaves nothing half written.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.directory import agency_ids, sync_agencies
from models.agencies.moved import Key, TaskMoves, dated_agency_ids, directory_moves
from models.core.audit import apply_changes, jsonable, record
from models.core.db import fetch_raw
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    TASK_CANCELLED,
    Assignment,
    AuditEvent,
    Milestone,
    Plan,
    Task,
)
from models.core.types import utcnow
from tasks.importing.notes import vietnamese_note
from tasks.importing.parse import ParsedPlan, ParsedTask

SOURCE = "plan import"


@dataclass
class ImportSummary:
    plan_id: int
    plan_created: bool
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    changed_refs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.plan_created or bool(self.created or self.updated or self.cancelled)


def _task_values(task: ParsedTask) -> dict[str, Any]:
    row = task.row
    return {
        "position": row.position,
        "section": row.section,
        "section_code": row.section_code,
        "number": row.number,
        "group_title": row.group,
        "content": row.content,
        "code": row.code,
        "deadline_text": row.deadline_text,
        "deadline_kind": task.deadline.kind,
        "deadline_note": vietnamese_note(task.deadline.note),  # shown on the pages: in Vietnamese
        "due_date": task.due_date,
        "lead_text": row.lead_text,
        "coordinating_text": row.coordinating_text,
        "unresolved": list(task.unresolved),
        "state": TASK_ACTIVE,
    }


def _plan_values(parsed: ParsedPlan, *, source_name: str, sha256: str) -> dict[str, Any]:
    meta = parsed.meta
    reporting = meta.reporting
    return {
        "title": meta.title,
        "issuer": meta.issuer,
        "issued_on": meta.issued_on,
        "year": parsed.year,
        "source_name": source_name,
        "source_sha256": sha256,
        # the deadlines (the usual dates of the periods an undated clause names, marked proposed),
        # then the reviews of several years ("sơ kết 3 năm", "tổng kết 5 năm"), which have no date
        "report_schedule": reporting.stored() if reporting else [],
        "report_recipient": reporting.recipient_text if reporting else None,
        "report_clause": reporting.clause if reporting else None,
        "leadership_email": parsed.province.leadership_email,
    }


# tasks resolved, written and compared per batch: at the appendix's ~17 assignments a row, a
# batch is ~35,000 assignment rows (tens of MB), whatever the size of the appendix
BATCH_TASKS = 2_000


def apply_import(
    session: Session, *, parsed: ParsedPlan, source_name: str, sha256: str, actor: str,
    policy_for: Callable[[Plan], int] | None = None, batch: int | None = None,
) -> ImportSummary:
    """Bring the database in line with ``parsed``; every difference becomes an audit event.

    ``policy_for`` gives the escalation-policy row new assignments are scheduled under; they get
    it in the bulk INSERT itself (an UPDATE of 300,000 fresh rows afterwards costs a second).

    The tasks go through in batches of ``batch`` (BATCH_TASKS): each batch's new tasks are
    inserted with their assignments, milestones and audit events, its known tasks read back by ref with their
    children and compared, its changes flushed, and nothing of it is kept, so memory is bounded
    by the batch, not by the appendix. It all stays in the caller's one transaction: a failure
    in any batch leaves nothing of the import."""
    batch = batch or BATCH_TASKS  # read at call time: a test sets smaller batches
    sync_agencies(session, entries=parsed.province.agencies, actor=actor)
    ids = agency_ids(session, province=parsed.province.slug)
    # the plan reads against the directory of its date; of those agencies, the dissolved ones may
    # have handed open assignments to their successors (move_to_successors): the comparison of a
    # re-import reads those moves back for the tasks that name one (none in a province never set
    # up). Re-import of a 20,000-row Bắc Giang workbook, CPU: 3.8 s not set up, 4.1 s once
    # Bắc Ninh is added (every task looked up, no move), 5.6-6.2 s after the ~250,000 moves
    # (before this look-up: 55-57 s, undoing 19,093 tasks' moves)
    dated = dated_agency_ids(session, province=parsed.province.slug)
    plan = session.exec(
        select(Plan).where(Plan.province == parsed.province.slug, Plan.code == parsed.code)
    ).first()
    values = _plan_values(parsed, source_name=source_name, sha256=sha256)
    if plan is None:
        plan = Plan(code=parsed.code, province=parsed.province.slug, **values)
        session.add(plan)
        session.flush()
        record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="created",
               changes={"code": parsed.code, "source": source_name})
        summary = ImportSummary(plan_id=plan.id, plan_created=True)  # type: ignore[arg-type]
    else:
        summary = ImportSummary(plan_id=plan.id, plan_created=False)  # type: ignore[arg-type]
        changes = apply_changes(plan, values)
        if changes:
            plan.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="plan", entity_id=plan.id, action="updated",
                   changes=changes)
    # the tasks of a plan's first import exist from the day it was issued (reports rebuild past
    # days from the audit log); tasks a revision adds exist from the day of that import
    effective = first_import_day(plan) if summary.plan_created else None
    tasks = parsed.tasks
    with _write_cache(session):
        _apply_batches(session, plan=plan, tasks=tasks, ids=ids, actor=actor, summary=summary, batch=batch,
                       effective=effective, policy_for=policy_for, dated=dated)
    session.flush()
    return summary


def _apply_batches(session: Session, *, plan: Plan, tasks: list[ParsedTask], ids: dict[str, int], actor: str,
                   summary: ImportSummary, batch: int, effective: date | None,
                   policy_for: Callable[[Plan], int] | None, dated: set[int] | None = None) -> None:
    plan_id: int = plan.id  # type: ignore[assignment]
    policy: list[int | None] = []  # asked once, when the first new task needs it
    for start in range(0, len(tasks), batch):
        chunk = tasks[start:start + batch]
        # a new plan has no tasks yet: nothing to read back
        existing = {} if summary.plan_created else _stored_tasks(session, plan_id=plan_id, refs=[t.ref for t in chunk])
        new_tasks = [t for t in chunk if t.ref not in existing]
        if new_tasks and not policy:
            policy.append(policy_for(plan) if policy_for is not None else None)
        _insert_tasks(session, plan_id=plan_id, tasks=new_tasks, ids=ids, actor=actor, effective_on=effective,
                      policy_id=policy[0] if policy else None)
        summary.created += len(new_tasks)
        if existing:
            _compare_batch(session, chunk=chunk, existing=existing, ids=ids, actor=actor, summary=summary,
                           dated=dated or set())
        session.flush()  # the batch's ORM changes go out now; its objects are then dropped
        existing.clear()
    if not summary.plan_created:
        _cancel_missing(session, plan_id=plan_id, seen={t.ref for t in tasks}, actor=actor, summary=summary,
                        batch=batch)


# SQLite's page cache while an import writes (its default is 2 MB): the assignment indexes led
# by the agency take rows all over their length, and a cache of a few thousand pages saves a
# quarter of the INSERT time of a 100,000-row appendix; more saves nothing measurable
IMPORT_CACHE_KIB = 32_768


@contextmanager
def _write_cache(session: Session) -> Iterator[None]:
    """A larger SQLite page cache on this connection for the import's writes, then the one it had."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        # never in place of the import's own error (a connection it left unusable)
        with suppress(sa.exc.SQLAlchemyError):
            conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def _stored_tasks(session: Session, *, plan_id: int, refs: list[str]) -> dict[str, Task]:
    """The plan's table tasks among ``refs`` (one batch), by ref."""
    query = select(Task).where(Task.plan_id == plan_id, Task.source == "table", col(Task.ref).in_(refs))
    return {t.ref: t for t in session.exec(query)}


def _compare_batch(session: Session, *, chunk: list[ParsedTask], existing: dict[str, Task], ids: dict[str, int],
                   actor: str, summary: ImportSummary, dated: set[int] | None = None) -> None:
    """Update the batch's known tasks that differ from the file; count the others unchanged.

    ``dated``: the ids among ``ids`` of agencies with an end date. The assignments of the tasks
    that name one may have moved to a successor (move_to_successors); those moves are read in
    one more query and the comparison counts a moved assignment as the one it replaced."""
    # what the batch's stored tasks hold, read in two set-based queries: a re-import of an
    # unchanged appendix must not cost two queries and a few dozen ORM objects per task
    stored = _StoredChildren.load(session, task_ids=[row.id for row in existing.values()],  # type: ignore[misc]
                                  moved_task_ids=_naming_dated(chunk, existing, ids, dated or set()))
    for task in chunk:
        row = existing.get(task.ref)
        if row is None:
            continue
        moves = stored.moves.get(row.id)  # type: ignore[arg-type]
        if stored.unchanged(row=row, task=task, ids=ids, moves=moves):
            if row.position != task.row.position:
                row.position = task.row.position  # follows the file silently, as in _update_task
            summary.unchanged += 1
            continue
        if _update_task(session, row=row, task=task, ids=ids, actor=actor, moves=moves):
            summary.updated += 1
            summary.changed_refs.append(task.ref)
        else:
            summary.unchanged += 1


def _naming_dated(chunk: list[ParsedTask], existing: dict[str, Task], ids: dict[str, int],
                  dated: set[int]) -> list[int]:
    """The stored ids of the batch's tasks whose file row names an agency of ``dated``: only a
    (dissolved agency, role) the file names needs the move that may have replaced it."""
    if not dated:
        return []
    return [
        row.id  # type: ignore[misc]
        for task in chunk
        if (row := existing.get(task.ref)) is not None
        and any(ids[a.key] in dated for a in (*task.lead, *task.coordinating))
    ]


def _cancel_missing(session: Session, *, plan_id: int, seen: set[str], actor: str, summary: ImportSummary,
                    batch: int) -> None:
    """Cancel the plan's table tasks whose row left the file, with their assignments; nothing is
    deleted. The stored refs are read as plain (id, ref, state) rows, not ORM objects."""
    gone = [
        (task_id, ref)
        for task_id, ref, state in fetch_raw(session, select(Task.id, Task.ref, Task.state).where(
            Task.plan_id == plan_id, Task.source == "table").order_by(col(Task.position), col(Task.id)))
        if ref not in seen and state != TASK_CANCELLED
    ]
    for start in range(0, len(gone), batch):
        chunk = gone[start:start + batch]
        task_ids = [task_id for task_id, _ref in chunk]
        now = utcnow()
        session.execute(
            sa.update(Task).where(col(Task.id).in_(task_ids)).values(state=TASK_CANCELLED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Assignment)
            .where(col(Assignment.task_id).in_(task_ids), col(Assignment.status) != CANCELLED)
            .values(status=CANCELLED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        _bulk_insert(session, AuditEvent, [
            {"at": now, "actor": actor, "source": SOURCE, "entity": "task", "entity_id": task_id,
             "action": "cancelled", "changes": {"state": [TASK_ACTIVE, TASK_CANCELLED]}, "effective_on": None}
            for task_id in task_ids
        ])
        summary.cancelled += len(chunk)
        summary.changed_refs += [ref for _task_id, ref in chunk]


def _assignment_rows(task_id: int, task: ParsedTask, ids: dict[str, int]) -> list[dict[str, Any]]:
    rows = [
        {"task_id": task_id, "agency_id": ids[a.key], "role": LEAD, "status": OPEN,
         "due_date": task.due_date, "original_due_date": task.due_date}
        for a in task.lead
    ]
    rows += [
        {"task_id": task_id, "agency_id": ids[a.key], "role": COORDINATING, "status": OPEN,
         "due_date": task.due_date, "original_due_date": task.due_date}
        for a in task.coordinating
    ]
    return rows


def first_import_day(plan: Plan) -> date | None:
    """The day a plan's first import takes effect: its issue date, else 1 January of its year."""
    if plan.issued_on is not None:
        return plan.issued_on
    return date(plan.year, 1, 1) if plan.year else None


def _insert_tasks(session: Session, *, plan_id: int, tasks: list[ParsedTask], ids: dict[str, int], actor: str,
                  effective_on: date | None = None, policy_id: int | None = None) -> None:
    if not tasks:
        return
    now = utcnow()
    task_rows = [{"plan_id": plan_id, "ref": t.ref, "source": "table", "created_at": now, "updated_at": now,
                  **_task_values(t)} for t in tasks]
    _bulk_insert(session, Task, task_rows)
    # refs are unique within a plan (uq_task_plan_ref): read the new ids back in one query
    task_ids = {ref: id_ for id_, ref in session.execute(
        select(Task.id, Task.ref).where(Task.plan_id == plan_id, col(Task.ref).in_([t.ref for t in tasks])))}
    # the assignments column by column (the ~17 of a row share its task, date and timestamps):
    # no dict per assignment, the bulk INSERT takes the columns as they are
    task_col: list[int] = []
    agency_col: list[int] = []
    role_col: list[str] = []
    due_col: list[date | None] = []
    milestones: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for t in tasks:
        tid = task_ids[t.ref]
        count = len(t.lead) + len(t.coordinating)
        task_col += [tid] * count
        agency_col += [ids[a.key] for a in t.lead]
        agency_col += [ids[a.key] for a in t.coordinating]
        role_col += [LEAD] * len(t.lead)
        role_col += [COORDINATING] * len(t.coordinating)
        due_col += [t.due_date] * count
        milestones += [
            {"task_id": tid, "year": m.year, "due_date": m.due_date, "target": m.target} for m in t.milestones
        ]
        audits.append({"at": now, "actor": actor, "source": SOURCE, "entity": "task", "entity_id": tid,
                       "action": "created", "changes": {"ref": t.ref, "due_date": jsonable(t.due_date)},
                       "effective_on": effective_on})
    n = len(task_col)
    if n:
        _bulk_insert_columns(session, Assignment, {
            "task_id": task_col, "agency_id": agency_col, "role": role_col, "status": [OPEN] * n,
            "due_date": due_col, "original_due_date": due_col, "percent": [0] * n, "created_at": [now] * n,
            "updated_at": [now] * n, "policy_id": [policy_id] * n,
        })
    for table, rows in ((Milestone, milestones), (AuditEvent, audits)):
        if rows:
            _bulk_insert(session, table, rows)


def _bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """A plain INSERT executed once for many rows (executemany on the DBAPI cursor).

    ``session.execute(sa.insert(Model), rows)`` spends ~40 µs per row in the ORM's bulk path
    and in SQLAlchemy's per-row parameter processing: 14-17 s for the ~330,000 assignments of
    a 20,000-row appendix. Here every value goes through the bind processor its column type
    applies (UTC conversion, date and JSON serialisation; None included), so the stored
    values are identical, but column by column, each distinct value (the import's timestamp,
    a due date) once, and the rows go to the driver as they are. Every row has the keys of the
    first; a statement that would need column defaults falls back to the ORM path.
    """
    _bulk_insert_columns(session, model, {key: list(map(operator.itemgetter(key), rows)) for key in rows[0]})


def _bulk_insert_columns(session: Session, model: Any, data: dict[str, list[Any]]) -> None:
    """_bulk_insert of rows given column by column: ``data`` maps each column to its values, one per row."""
    conn = session.connection()
    dialect = conn.dialect
    table = model.__table__
    keys = list(data)
    count = len(data[keys[0]])
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    missing = [name for name in names if name not in keys]
    if sorted(set(names) - set(missing)) != sorted(keys) or not all(_python_default(table.c[n]) for n in missing):
        session.execute(sa.insert(model), [dict(zip(keys, values, strict=True))
                                           for values in zip(*data.values(), strict=True)])
        return
    columns = [
        _bound_column(table.c[name].type, dialect,
                      _default_values(table.c[name], count) if name in missing else data[name])
        for name in names
    ]
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)


def _python_default(column: Any) -> bool:
    default = column.default
    return default is not None and (default.is_scalar or default.is_callable)


def _default_values(column: Any, count: int) -> list[Any]:
    """A column left out of the rows gets its Python-side default, as SQLAlchemy would give it:
    a scalar as is, a callable (``list``, ``utcnow``) called once per row."""
    default = column.default
    if default.is_scalar:
        return [default.arg] * count
    return [default.arg(None) for _ in range(count)]  # SQLAlchemy's wrapper takes the context


def _bound_column(type_: Any, dialect: Any, values: list[Any]) -> list[Any]:
    """One column's values as its type's bind processor makes them for this dialect."""
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    try:
        # a column holds values of one type (dates, timestamps), so equal values convert alike
        memo = {value: process(value) for value in set(values)}
        return list(map(memo.__getitem__, values))
    except TypeError:  # unhashable (JSON lists and dicts)
        pass
    # a task's "unresolved" and "section_path" lists repeat (mostly empty): converted once per repr,
    # cheaper than the JSON (plain JSON values with one repr are equal); dicts (an audit event's
    # changes, one per task) are all different: converted one by one
    shown: dict[str, Any] = {}
    out = []
    for value in values:
        if type(value) is not list:
            out.append(process(value))
            continue
        key = repr(value)
        done = shown.get(key)
        if done is None:
            done = shown[key] = process(value)
        out.append(done)
    return out


class _StoredChildren:
    """The assignments and milestones of a plan's tasks, as plain tuples keyed by task id."""

    def __init__(self, assignments: dict[int, dict[tuple[int, str], str]], milestones: dict[int, dict[int, str]],
                 moves: dict[int, TaskMoves] | None = None):
        self.assignments, self.milestones = assignments, milestones
        self.moves = moves or {}

    @classmethod
    def load(cls, session: Session, *, task_ids: list[int], moved_task_ids: list[int] | None = None) -> _StoredChildren:
        """The children of ``task_ids`` (one batch of a plan's tasks), and the directory moves of
        the assignments of ``moved_task_ids`` (among them)."""
        assignments: dict[int, dict[tuple[int, str], str]] = {}
        # plain columns (no type processing): read straight from the driver's cursor, which is
        # ~5x faster than building SQLAlchemy rows for the ~330,000 of a 20,000-task plan
        query = (
            select(Assignment.task_id, Assignment.agency_id, Assignment.role, Assignment.status)
            .where(col(Assignment.task_id).in_(task_ids))
        )
        for task_id, agency_id, role, status in fetch_raw(session, query):
            assignments.setdefault(task_id, {})[(agency_id, role)] = status
        milestones: dict[int, dict[int, str]] = {}
        for task_id, year, target in session.execute(
            select(Milestone.task_id, Milestone.year, Milestone.target).where(col(Milestone.task_id).in_(task_ids))
        ):
            milestones.setdefault(task_id, {})[year] = target
        return cls(assignments, milestones, directory_moves(session, task_ids=moved_task_ids or []))

    def unchanged(self, *, row: Task, task: ParsedTask, ids: dict[str, int], moves: TaskMoves | None = None) -> bool:
        """True when _update_task would find nothing to change (it then needs not run).

        Mirrors _update_task's tests (task fields, assignments to add, restore or cancel,
        milestones); a change there needs the same change here."""
        values = _task_values(task)
        del values["position"]
        loaded = row.__dict__  # the loaded column values (plain reads, not instrumented getattr)
        if any((loaded[k] if k in loaded else getattr(row, k)) != v for k, v in values.items()):
            return False
        current = self.assignments.get(row.id, {})  # type: ignore[arg-type]
        wanted = {(r["agency_id"], r["role"]) for r in _assignment_rows(row.id, task, ids)}  # type: ignore[arg-type]
        if moves is not None:
            # the stored assignment standing for each wanted key: it must be live, the others not
            holders = {moves.holder(key, current) for key in wanted}
            if None in holders or any(current[key] == CANCELLED for key in holders):  # type: ignore[index]
                return False
            if any(status != CANCELLED and key not in holders for key, status in current.items()):
                return False
            return self.milestones.get(row.id, {}) == {m.year: m.target for m in task.milestones}  # type: ignore[arg-type]
        for key, status in current.items():
            if (status == CANCELLED) == (key in wanted):  # to restore, or to cancel
                return False
        if not wanted <= current.keys():
            return False
        return self.milestones.get(row.id, {}) == {m.year: m.target for m in task.milestones}  # type: ignore[arg-type]


def _update_task(session: Session, *, row: Task, task: ParsedTask, ids: dict[str, int], actor: str,
                 moves: TaskMoves | None = None) -> bool:
    """Bring one stored task in line with its file row, audited; False when nothing differed.

    With ``moves``, a wanted (agency, role) is held by the stored assignment that stands for it
    (TaskMoves.holder): one a directory move handed to a successor stays with the successor, one
    cancelled into the successor's is not revived; an assignment standing for no wanted key is
    cancelled, moved or not."""
    values = _task_values(task)
    # the row's place in the document follows the file silently: rows above it may come or go
    row.position = values.pop("position")
    old_due = row.due_date
    changes = apply_changes(row, values)
    # assignments: add the new ones, cancel the ones that disappeared, follow a moved due date
    current = {(a.agency_id, a.role): a for a in session.exec(select(Assignment).where(Assignment.task_id == row.id))}
    wanted = {(r["agency_id"], r["role"]): r for r in _assignment_rows(row.id, task, ids)}  # type: ignore[arg-type]
    holders: dict[Key, Key | None] = {
        key: moves.holder(key, current) if moves is not None else key if key in current else None for key in wanted
    }
    for key, spec in wanted.items():
        held = holders[key]
        a = current.get(held) if held is not None else None
        if a is None:
            session.add(Assignment(**spec))
            changes.setdefault("assignments_added", []).append(list(key))
        elif a.status == CANCELLED:
            a.status = OPEN
            changes.setdefault("assignments_restored", []).append(list(held))  # type: ignore[arg-type]
        if a is not None and a.due_date == old_due and a.due_date != task.due_date:
            # an approved extension moved this assignment off the plan date: keep it
            a.due_date = task.due_date
            a.original_due_date = task.due_date
    kept = set(holders.values())
    for key, a in current.items():
        if key not in kept and a.status != CANCELLED:
            a.status = CANCELLED
            a.updated_at = utcnow()
            changes.setdefault("assignments_cancelled", []).append(list(key))
    changes.update(_sync_milestones(session, task_id=row.id, task=task))  # type: ignore[arg-type]
    if not changes:
        return False
    row.updated_at = utcnow()
    record(session, actor=actor, source=SOURCE, entity="task", entity_id=row.id, action="updated", changes=changes)
    return True


def _sync_milestones(session: Session, *, task_id: int, task: ParsedTask) -> dict[str, Any]:
    current = {m.year: m for m in session.exec(select(Milestone).where(Milestone.task_id == task_id))}
    wanted = {m.year: m for m in task.milestones}
    changes: dict[str, Any] = {}
    for year, m in wanted.items():
        row = current.get(year)
        if row is None:
            session.add(Milestone(task_id=task_id, year=year, due_date=m.due_date, target=m.target))
            changes[f"milestone_{year}"] = [None, m.target]
        elif row.target != m.target:
            changes[f"milestone_{year}"] = [row.target, m.target]
            row.target = m.target
    for year, row in current.items():
        if year not in wanted:
            changes[f"milestone_{year}"] = [row.target, None]
            session.delete(row)
    return changes


def plan_tasks(session: Session, *, plan_id: int) -> list[Task]:
    return list(session.exec(select(Task).where(Task.plan_id == plan_id).order_by(col(Task.position))))


__all__ = ["ImportSummary", "apply_import", "plan_tasks"]
