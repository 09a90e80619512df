"""The `dondoc` command line. Heavy imports stay inside commands so every command starts fast."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="dondoc: theo dõi, đôn đốc thực hiện kế hoạch.")


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    typer.echo(f"dondoc: error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line and exit status 2."""
    from tasks.agencies import AgencyDirectoryError
    from tasks.plan_import import PlanImportError
    from tasks.policy import PolicyError
    from tasks.readers import PlanFileError

    try:
        yield
    except (AgencyDirectoryError, PlanFileError, PlanImportError, PolicyError) as exc:
        fail(str(exc))
    except KeyError as exc:  # an unknown province slug: the directory's message lists the known ones
        fail(str(exc.args[0]) if exc.args else "unknown key")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from tasks.deadlines import read_date

    try:
        return read_date(value)
    except ValueError:
        fail(f"{option} expects a date as dd/mm/yyyy or YYYY-MM-DD, got '{value}'")


def db():  # type: ignore[no-untyped-def]
    """The configured database, created or upgraded on first use."""
    from models.db import ensure_schema, get_engine

    engine = get_engine()
    ensure_schema(engine)
    return engine


def _directory():  # type: ignore[no-untyped-def]
    from config.directory import load_directory

    with user_errors():
        return load_directory()


@app.command()
def init() -> None:
    """Create or upgrade the database and load the agency directories."""
    from models.agencies import sync_agencies
    from models.db import get_engine, session_scope, upgrade

    engine = get_engine()
    upgrade(engine)
    directory = _directory()
    with session_scope(engine) as session:
        entries = [a for slug in directory.provinces for a in directory.province(slug).agencies]
        counts = sync_agencies(session, entries=entries, actor="dondoc init")
    typer.echo(
        f"database ready ({engine.url.render_as_string(hide_password=True)}); "
        f"agencies: {counts['created']} created, {counts['updated']} updated"
    )


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Plan document: .docx, .xlsx or .txt"),
    province: str | None = typer.Option(None, "--province", help="bac-giang, ben-tre, lang-son, kien-giang"),
    year: int | None = typer.Option(None, "--year", help="Year for deadlines written without one"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Parse and resolve, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="Print the parsed plan as one JSON object"),
) -> None:
    """Import a plan: every appendix row becomes a task with agencies and a due date."""
    from flows.import_plan import import_plan

    if not dry_run:
        db()
    with user_errors():
        with _progress(f"Importing {path.name}", dry_run=dry_run):
            outcome = import_plan(str(path), province=province, year=year, dry_run=dry_run)
    parsed = outcome.parsed
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
    reporting = parsed.meta.reporting
    if reporting is not None:
        dates = " and ".join(f"{day:02d}/{month:02d}" for month, day, _kind in reporting.deadlines)
        to = f" to {reporting.recipient_text}" if reporting.recipient_text else ""
        typer.echo(f"  periodic report duty: {dates}{to}, owed by every agency with a tracked task"
                   f"{' (the proposals once confirmed)' if parsed.duties and not parsed.tasks else ''}")
    for u in parsed.unresolved:
        typer.echo(f"  unresolved {u['role']} agency at {u['row']} ({u['ref']}): {u['name']}", err=True)
    for w in parsed.warnings:
        typer.echo(f"  warning: {w}", err=True)


@contextmanager
def _progress(label: str, *, dry_run: bool = False) -> Iterator[None]:
    """A progress bar over the import's steps on a terminal (large appendices take seconds);
    silent otherwise (pipes, --json, tests)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.engine import watching_steps
    from flows.import_plan import DRY_RUN_STEPS, STEP_LABELS

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


@app.command()
def tasks(
    plan: str | None = typer.Option(None, "--plan", help="Plan number, e.g. 552/KH-BCĐ"),
    agency: str | None = typer.Option(None, "--agency", help="Any name, abbreviation or alias"),
    due_before: str | None = typer.Option(None, "--due-before", help="dd/mm/yyyy or YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the list to this Excel workbook (.xlsx) instead"),
) -> None:
    """List tasks, filtered by plan, agency and due date."""
    from models.db import session_scope
    from models.queries import find_agencies, list_tasks

    before = parse_date(due_before, "--due-before")
    if xlsx is not None:
        from flows.cli_export import check_target, write_tasks_xlsx

        if as_json:
            fail("--xlsx and --json cannot be used together")
        check_target(xlsx)
    with session_scope(db()) as session:
        agency_ids = None
        if agency:
            keys = resolve_agency_keys(agency)
            agency_ids = [a.id for a in find_agencies(session, keys=keys)]
        if xlsx is not None:
            written = write_tasks_xlsx(session, xlsx, plan=plan, agency=agency, agency_ids=agency_ids, due_before=before)
            typer.echo(f"{written} rows written to {xlsx}")
            return
        rows = list_tasks(session, plan_code=plan, agency_ids=agency_ids, due_before=before)
    if as_json:
        emit_json([r.__dict__ for r in rows])
        return
    _print_tasks(rows)


def resolve_agency_keys(name: str) -> list[tuple[str, str]]:
    """(province, key) of every agency the name means, in any province; exit 2 if none."""
    directory = _directory()
    keys = []
    for slug in directory.provinces:
        entry = directory.province(slug).resolve_name(name)
        if entry is not None:
            keys.append((slug, entry.key))
    if not keys:
        fail(f"unknown agency '{name}': not a name, abbreviation or alias in config/agencies")
    return keys


def _print_tasks(rows: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("Kế hoạch", "TT", "Nội dung", "Chủ trì", "Hạn", show_lines=False)
    for r in rows:
        due = r.due_date.strftime("%d/%m/%Y") if r.due_date else (r.deadline_text or "—")
        table.add_row(r.plan_code, r.ref, r.content[:80], "; ".join(r.lead)[:60], due)
    Console().print(table)
    typer.echo(f"{len(rows)} tasks")


@app.command()
def agencies(
    province: str | None = typer.Option(None, "--province"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the agency directory (config/agencies)."""
    directory = _directory()
    with user_errors():
        slugs = [province] if province else directory.provinces
        entries = [a for slug in slugs for a in directory.province(slug).agencies]
    if as_json:
        emit_json([
            {"name": a.name, "aliases": list(a.aliases), "kind": a.kind, "province": a.province,
             "email": a.email, "head_email": a.head_email}
            for a in entries
        ])
        return
    for a in entries:
        typer.echo(f"{a.province:11} {a.kind:14} {a.name}  <{a.email}>")


def main() -> None:
    import flows.cli_engine  # noqa: F401  (registers the deadline-engine commands)
    import flows.cli_review  # noqa: F401  (registers `dondoc review`)
    import flows.cli_report  # noqa: F401  (registers `dondoc report`, `submit-report`, `indicators`)

    try:
        app()
    finally:
        _end_of_process()


def _end_of_process() -> None:
    """Close the database connections, then let the interpreter end without the garbage
    collector's last passes. A command's objects (SQLAlchemy's and pydantic's structures among
    them) go with the process anyway; collecting them cost 0.2-0.3 s of every command, a sixth
    of a sweep. Only for the ``dondoc`` process itself: where the interpreter lives on, frozen
    objects would never be collected."""
    db_module = sys.modules.get("models.db")
    if db_module is not None:
        db_module.dispose_engines()
    gc.freeze()


if __name__ == "__main__":
    main()
