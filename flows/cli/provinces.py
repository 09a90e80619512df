"""`dondoc province ...`: Vietnam's provinces before and after the 2025 reform (no database)."""

from __future__ import annotations

import typer

from flows.cli.common import emit_json, fail


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
