"""`dondoc update`: record an agency's progress on a task."""

from __future__ import annotations

import typer

from flows.cli.common import db, fail, parse_date, resolve_agency_keys


def update(
    ref: str = typer.Argument(..., help="Task reference as in the import JSON, e.g. I.1"),
    agency: str = typer.Option(..., "--agency", help="Any name, abbreviation or alias"),
    status: str = typer.Option(..., "--status", help="done | in_progress"),
    percent: int | None = typer.Option(None, "--percent"),
    note: str | None = typer.Option(None, "--note"),
    on: str | None = typer.Option(None, "--date", help="dd/mm/yyyy or YYYY-MM-DD; default today"),
    plan: str | None = typer.Option(None, "--plan", help="Plan number when REF is ambiguous"),
) -> None:
    """Record an agency's progress on a task (audited)."""
    from models.core.db import session_scope
    from models.progress.updates import (
        ProgressError,
        find_assignment,
        find_task,
        record_progress,
    )
    from tasks.common.dates import local_today

    if status not in ("done", "in_progress"):
        fail(f"--status must be done or in_progress, got '{status}'")
    day = parse_date(on, "--date") or local_today()
    keys = resolve_agency_keys(agency)
    try:
        with session_scope(db()) as session:
            task = find_task(session, ref=ref, plan_code=plan)
            assignment = find_assignment(session, task=task, agency_keys=keys)
            record_progress(session, assignment=assignment, status=status, percent=percent, note=note, on=day,
                            actor=agency, source="cli")
    except ProgressError as exc:
        fail(str(exc))
    typer.echo(f"{ref}: {agency} -> {status} on {day:%d/%m/%Y}")
