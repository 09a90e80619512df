"""`dondoc tasks`: the task list, on the terminal, as JSON, or as the web list's Excel workbook.

With ``--xlsx PATH`` (tasks.listing.export) the command's filters become the web list's
(models.listing.task_list.TaskFilters) and its rows are read by the same statements: without
``--agency``, the lead assignments (as ``/tasks`` shows by default); with it, the agency's
assignments in both roles (as its page shows). ``--due-before`` compares each assignment's own
due date (an extension moves it). A plan code or an agency name that means several rows (the
same code or name in two provinces) is read once per row.
"""

from __future__ import annotations

from datetime import date
from itertools import product
from pathlib import Path
from typing import Any

import typer
from sqlmodel import Session, select

from flows.cli.common import db, emit_json, fail, parse_date, resolve_agency_keys


def check_target(path: Path) -> None:
    """One error line and exit 2 for a path the workbook cannot go to (checked before any work)."""
    if path.is_dir():
        fail(f"--xlsx: '{path}' is a directory; give a file name such as '{path / 'nhiem-vu.xlsx'}'")
    if path.suffix.lower() != ".xlsx":
        fail(f"--xlsx expects a file name ending in .xlsx, got '{path}'")
    if not path.parent.is_dir():
        fail(f"--xlsx: directory '{path.parent}' does not exist")


def write_tasks_xlsx(session: Session, path: Path, *, plan: str | None, agency: str | None,
                     agency_ids: list[int] | None, due_before: date | None) -> int:
    """Write the workbook (``agency``: the name as typed, ``agency_ids``: the agencies it means);
    the number of rows written."""
    from config.settings import get_settings
    from models.core.tables import Agency, Plan
    from models.listing.export_details import task_codes_and_notes
    from models.listing.task_list import (
        TaskFilters,
        coordinating_agencies,
        count_tasks,
        search_tasks,
    )
    from tasks.common.dates import local_today
    from tasks.escalation.policy import PolicyError, load_policy
    from tasks.listing.export import MAX_ROWS, ExportScope, render_task_workbook

    try:
        near = load_policy(get_settings().escalation_policy).near_days
    except PolicyError as exc:
        fail(str(exc))
    day = local_today()
    plan_ids: list[int | None] = [None]
    if plan is not None:
        plan_ids = list(session.exec(select(Plan.id).where(Plan.code == plan)))
    role = None if agency_ids is not None else "lead"
    every = [TaskFilters(as_of=day, plan_id=p, agency_id=a, role=role, due_before=due_before, near_days=near)
             for p, a in product(plan_ids, agency_ids if agency_ids is not None else [None])]
    total = sum(count_tasks(session, filters=f) for f in every)
    if total > MAX_ROWS:
        fail(f"--xlsx: {total} rows match, more than the {MAX_ROWS} one workbook may hold; filter by plan or agency")
    rows, coordinating = [], {}
    for f in every:
        rows.extend(search_tasks(session, filters=f, every_row=True, count=False)[0])
        coordinating.update(coordinating_agencies(session, filters=f))
    if len(every) > 1:  # the list's order over the merged reads: by due date (undated last), then import order
        rows.sort(key=lambda r: (r.due_date is None, r.due_date or date.min, r.assignment_id))
    names = sorted(set(session.exec(select(Agency.name).where(Agency.id.in_(agency_ids))))) if agency_ids else []  # type: ignore[union-attr]
    scope = ExportScope(as_of=day, plan=plan, agency=", ".join(names) or agency, role=role, due_before=due_before)
    details = task_codes_and_notes(session, task_ids=(r.task_id for r in rows))
    body = render_task_workbook(rows, scope, coordinating, details)
    try:
        path.write_bytes(body)
    except OSError as exc:
        fail(f"--xlsx: cannot write '{path}': {exc.strerror or exc}")
    return len(rows)


def tasks(
    plan: str | None = typer.Option(None, "--plan", help="Plan number, e.g. 552/KH-BCĐ"),
    agency: str | None = typer.Option(None, "--agency", help="Any name, abbreviation or alias"),
    due_before: str | None = typer.Option(None, "--due-before", help="dd/mm/yyyy or YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the list to this Excel workbook (.xlsx) instead"),
) -> None:
    """List tasks, filtered by plan, agency and due date."""
    from models.core.db import session_scope
    from models.listing.shared import find_agencies, list_tasks

    before = parse_date(due_before, "--due-before")
    if xlsx is not None:
        if as_json:
            fail("--xlsx and --json cannot be used together")
        check_target(xlsx)
    with session_scope(db()) as session:
        agency_ids: list[int] | None = None
        if agency:
            keys = resolve_agency_keys(agency)
            agency_ids = [a.id for a in find_agencies(session, keys=keys) if a.id is not None]  # stored: never None
        if xlsx is not None:
            written = write_tasks_xlsx(session, xlsx, plan=plan, agency=agency, agency_ids=agency_ids,
                                       due_before=before)
            typer.echo(f"{written} rows written to {xlsx}")
            return
        rows = list_tasks(session, plan_code=plan, agency_ids=agency_ids, due_before=before)
    if as_json:
        emit_json([r.__dict__ for r in rows])
        return
    _print_tasks(rows)


def _print_tasks(rows: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("Kế hoạch", "TT", "Nội dung", "Chủ trì", "Hạn", show_lines=False)
    for r in rows:
        due = r.due_date.strftime("%d/%m/%Y") if r.due_date else (r.deadline_text or "—")
        table.add_row(r.plan_code, r.ref, r.content[:80], "; ".join(r.lead)[:60], due)
    Console().print(table)
    typer.echo(f"{len(rows)} tasks")
