"""`dondoc tasks --xlsx PATH`: the web list's Excel export (tasks.task_export) from the command line.

The command's filters become the web list's (models.task_search.TaskFilters) and its rows are
read by the same statements: without ``--agency``, the lead assignments (as ``/tasks`` shows by
default); with it, the agency's assignments in both roles (as its page shows). ``--due-before``
compares each assignment's own due date (an extension moves it). A plan code or an agency name
that means several rows (the same code or name in two provinces) is read once per row.
"""

from __future__ import annotations

from datetime import date
from itertools import product
from pathlib import Path

from sqlmodel import Session, select

from flows.cli import fail


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
    from models.tables import Agency, Plan
    from models.task_search import TaskFilters, coordinating_agencies, count_tasks, search_tasks
    from notifications.formatting import local_today
    from tasks.policy import PolicyError, load_policy
    from tasks.task_export import MAX_ROWS, ExportScope, render_task_workbook

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
    body = render_task_workbook(rows, scope, coordinating)
    try:
        path.write_bytes(body)
    except OSError as exc:
        fail(f"--xlsx: cannot write '{path}': {exc.strerror or exc}")
    return len(rows)
