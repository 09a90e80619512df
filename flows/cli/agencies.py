"""`dondoc agencies`: the agency directory."""

from __future__ import annotations

import typer

from flows.cli.common import directory, emit_json, user_errors


def agencies(
    province: str | None = typer.Option(None, "--province"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the agency directory (config/agencies)."""
    agency_directory = directory()
    with user_errors():
        slugs = [province] if province else agency_directory.provinces
        entries = [a for slug in slugs for a in agency_directory.province(slug).agencies]
    if as_json:
        emit_json([
            {"name": a.name, "aliases": list(a.aliases), "kind": a.kind, "province": a.province,
             "email": a.email, "head_email": a.head_email}
            for a in entries
        ])
        return
    for a in entries:
        typer.echo(f"{a.province:11} {a.kind:14} {a.name}  <{a.email}>")
