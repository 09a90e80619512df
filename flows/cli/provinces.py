"""`dondoc province ...`: Vietnam's provinces before and after the 2025 reform, and setting one up."""

from __future__ import annotations

import typer

from config.settings import get_settings
from flows.cli.common import db, emit_json, fail, parse_date


def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every province: today's 34 (with their communes) and the former ones, each with its successor."""
    from tasks.agencies.provinces import all_provinces
    from tasks.agencies.reference import ReferenceDataError

    try:
        provinces = all_provinces()
    except ReferenceDataError as exc:
        fail(str(exc))
    if as_json:
        emit_json([p.as_json() for p in provinces])
        return
    for p in provinces:
        if p.current:
            typer.echo(f"{p.slug:16} {p.name:16} current  {p.communes:>4} communes")
        else:
            typer.echo(f"{p.slug:16} {p.name:16} former   -> {p.successor}")


def add(
    slug: str = typer.Argument(..., help="one of today's 34 provinces: bac-ninh, ha-noi, ho-chi-minh, ..."),
    with_codes: list[str] = typer.Option([], "--with", help="an optional body the province has (sdttg, sngv, ...)"),
    without_codes: list[str] = typer.Option([], "--without", help="a body the province does not have"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create, or bring up to date, a province's agency directory from the shipped data (audited)."""
    from models.agencies.setup import set_up_province
    from models.core.db import session_scope
    from tasks.agencies.provinces import UnknownProvinceError
    from tasks.agencies.reference import ReferenceDataError

    engine = db()
    try:
        with session_scope(engine) as session:
            summary = set_up_province(session, slug=slug, actor="cli", with_codes=with_codes,
                                      without_codes=without_codes,
                                      placeholder_addresses=get_settings().env != "production")
    except (UnknownProvinceError, ReferenceDataError) as exc:
        fail(str(exc))
    if as_json:
        emit_json(summary.as_json())
        return
    what = "set up" if summary.created else ("brought up to date" if summary.changed else "already up to date")
    typer.echo(f"{summary.name} ({summary.slug}): {what}: {summary.communes + summary.departments} agencies in force "
               f"({summary.departments} departments and bodies, {summary.communes} communes)")
    typer.echo(f"  agencies created {len(summary.agencies_created)}, updated {len(summary.agencies_updated)}, "
               f"former agencies dated {len(summary.former_dated)}")


def move_to_successors(
    slug: str = typer.Argument(..., help="a province (its former provinces included), or a former one"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would move, change nothing"),
    as_of: str | None = typer.Option(None, "--as-of", help="the day (default: today)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move the open assignments of dissolved agencies to the agencies that carry their work now (audited)."""
    from models.agencies.setup import move_to_successors as move
    from models.core.db import session_scope
    from tasks.agencies.provinces import UnknownProvinceError
    from tasks.common.dates import fmt_date, local_today

    day = parse_date(as_of, "--as-of") or local_today()
    engine = db()
    try:
        with session_scope(engine) as session:
            moves, orphans = move(session, province=slug, actor="cli", today=day, dry_run=dry_run)
    except UnknownProvinceError as exc:
        fail(str(exc))
    if as_json:
        emit_json({"as_of": day.isoformat(), "dry_run": dry_run, "moves": [m.as_json() for m in moves],
                   "without_successor": orphans})
        return
    verb = "would move" if dry_run else "moved"
    for m in moves:
        how = " (the successor already had it: cancelled into it)" if m.merged else ""
        typer.echo(f"{m.plan} {m.ref} [{m.role}]: {m.from_agency} -> {m.to_agency}{how}")
    typer.echo(f"{len(moves)} open assignments {verb} to successors as of {fmt_date(day)}")
    for name in orphans:
        typer.echo(f"  {name}: dissolved, no successor: reassign its open tasks by hand")
