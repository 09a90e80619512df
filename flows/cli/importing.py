"""`dondoc import`: a plan file into tasks, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from flows.cli.common import db, emit_json, fail, user_errors

if TYPE_CHECKING:
    from tasks.importing.layouts import ColumnMapping
    from tasks.importing.reporting import ReportingSchedule


def import_(
    path: Path = typer.Argument(
        ..., help="Plan document: .docx, .xlsx, .txt, .pdf (text or scan), .doc/.odt/.rtf, a page image"
    ),
    province: str | None = typer.Option(None, "--province", help="bac-giang, ben-tre, lang-son, kien-giang"),
    year: int | None = typer.Option(None, "--year", help="Year for deadlines written without one"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Parse and resolve, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="Print the parsed plan as one JSON object"),
    columns: str | None = typer.Option(
        None, "--columns", metavar="ROLE=N,...",
        help="The task table's columns when its header is not understood, numbered from 1: "
             "task=3,lead=4,coordinating=5,due=8 (also code=, number=); remembered for tables of the same header",
    ),
) -> None:
    """Import a plan: every appendix row becomes a task with agencies and a due date."""
    from flows.importing.flow import import_plan
    from tasks.importing.layouts import ColumnSpecError, parse_columns

    mapping: ColumnMapping | None = None
    if columns is not None:
        try:
            mapping = parse_columns(columns)
        except ColumnSpecError as exc:
            fail(str(exc))
    if not dry_run:
        db()
    with user_errors(), _progress(f"Importing {path.name}", dry_run=dry_run):
        outcome = import_plan(str(path), province=province, year=year, dry_run=dry_run, columns=mapping)
    parsed = outcome.parsed
    if mapping is not None and parsed.column_layout is not None:
        _remember(parsed.column_layout, mapping, dry_run=dry_run)
    if as_json:
        emit_json(parsed.to_json())
        return
    s = outcome.summary
    typer.echo(f"{parsed.code} ({parsed.province.name}): {len(parsed.tasks)} tasks read"
               f"{f', {len(parsed.duties)} duties proposed from the text' if parsed.duties else ''}")
    if s is not None:
        typer.echo(f"  created {s.created}, updated {s.updated}, cancelled {s.cancelled}, unchanged {s.unchanged}")
    else:
        typer.echo("  dry run: nothing written")
    d = outcome.duties
    if d is not None and parsed.duties:
        typer.echo(f"  text duties: {d.proposed} new proposals, {d.refreshed} refreshed, {d.kept} already reviewed; "
                   f"confirm them with `dondoc review --plan {parsed.code}`")
    if d is not None and d.withdrawn:  # audited as cancelled; say it, even for a file without prose
        typer.echo(f"  text duties: {d.withdrawn} unreviewed proposals withdrawn (not in this document)")
    if parsed.meta.reporting is not None:
        for line in reporting_lines(parsed.meta.reporting, proposals_only=bool(parsed.duties and not parsed.tasks)):
            typer.echo(f"  {line}")
    for u in parsed.unresolved:
        typer.echo(f"  unresolved {u['role']} agency at {u['row']} ({u['ref']}): {u['name']}", err=True)
    for w in parsed.warnings:
        typer.echo(f"  warning: {w}", err=True)


CLAUSE_SHOWN = 300  # characters of an undated clause printed; a longer one ends in "…"


def reporting_lines(reporting: ReportingSchedule, *, proposals_only: bool = False) -> list[str]:
    """What the import says of the plan's reporting clause, each line true of what is stored.

    A clause with dates gives the periodic duty on them. A clause without ("Định kỳ hàng năm, 3
    năm, 5 năm có báo cáo ...") is shown as it is written; the duty then falls on the usual dates
    of the periods it names (15/12 for a year), else on the usual 15/06 and 15/12
    (models.reports.duties.plan_deadlines): proposed dates, said so. Reviews of several years
    ("sơ kết 3 năm") are duties at the end of each review's last year, proposed too."""
    from tasks.reports.schedule import DEFAULT_DEADLINES

    def days(items: list[tuple[int, int, str]] | tuple[tuple[int, int, str], ...]) -> str:
        return " and ".join(f"{day:02d}/{month:02d}" for month, day, _kind in items)

    to = f" to {reporting.recipient_text}" if reporting.recipient_text else ""
    owed = f", owed by every agency with a tracked task{' (the proposals once confirmed)' if proposals_only else ''}"
    if reporting.deadlines:
        lines = [f"periodic report duty: {days(reporting.deadlines)}{to}{owed}"]
    else:
        clause = " ".join(reporting.clause.split())
        clause = clause if len(clause) <= CLAUSE_SHOWN else clause[:CLAUSE_SHOWN - 1].rstrip() + "…"
        schedule = reporting.schedule
        usual = ("the usual dates of its periods" if schedule else "no period with a usual date named: the usual "
                 "half-year and year dates")
        lines = [f"periodic report clause without a date: {clause}",
                 f"periodic report duty on proposed dates ({usual}): {days(schedule or DEFAULT_DEADLINES)}{to}{owed}"]
    reviews = [c.label for c in reporting.cadence if (c.every_years or 0) > 1 or c.period == "term"]
    if reviews:
        lines.append(f"review duties ({', '.join(reviews)}): due at the end of each review's last year from the "
                     f"plan's year (the term's: the years the title gives, else the plan's horizon), "
                     f"on proposed dates{to}")
    return lines


def _remember(layout: tuple[str, ...], mapping: ColumnMapping, *, dry_run: bool) -> None:
    """Keep the office's mapping for the next plans of this layout (not on a dry run: it writes nothing)."""
    if dry_run:
        typer.echo(f"  columns {mapping.spec()}: a dry run, not remembered", err=True)
        return
    from config.settings import get_settings
    from tasks.importing.layouts import LAYOUTS_FILE, LayoutStore

    with user_errors():
        LayoutStore(get_settings().data_dir / LAYOUTS_FILE).remember(layout, mapping)
    typer.echo(f"  columns {mapping.spec()}: remembered for tables with the header {' | '.join(layout)}", err=True)


@contextmanager
def _progress(label: str, *, dry_run: bool = False) -> Iterator[None]:
    """A progress bar over the import's steps on a terminal (large appendices take seconds);
    silent otherwise (pipes, --json, tests)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from flows.engine import watching_steps
    from flows.importing.flow import DRY_RUN_STEPS, STEP_LABELS

    steps = DRY_RUN_STEPS if dry_run else tuple(STEP_LABELS)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        job = bar.add_task(label, total=len(steps))

        def follow(name: str, finished: bool) -> None:
            if name not in steps:
                return
            if finished:
                bar.advance(job)
            else:
                bar.update(job, description=f"{label}: {STEP_LABELS[name]}")

        with watching_steps(follow):
            yield
        bar.update(job, description=f"{label}: done", completed=len(steps))
