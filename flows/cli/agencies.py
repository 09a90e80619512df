"""`dondoc agencies`: the agency directory."""

from __future__ import annotations

from typing import Any

import typer

from flows.cli.common import db, directory, emit_json, fail, user_errors


def agencies(
    province: str | None = typer.Option(None, "--province"),
    show_all: bool = typer.Option(False, "--all", help="also the former agencies, with valid_to and successor"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the agencies in force today: of a province set up with `dondoc province add` (and of
    the former provinces merged into it) from the database, of a sample province from config/agencies."""
    from sqlmodel import Session

    from models.agencies.setup import agency_rows, set_up_provinces
    from tasks.agencies.setup import setup_hint
    from tasks.common.dates import fmt_date, local_today

    agency_directory = directory()
    engine = db()
    with Session(engine) as session:
        in_database = set_up_provinces(session, including_former=True)
    slugs = [province] if province else list(dict.fromkeys([*agency_directory.provinces, *sorted(in_database)]))
    today = local_today()
    rows: list[dict[str, Any]] = []
    for slug in slugs:
        if slug in in_database:
            with Session(engine) as session:
                found = agency_rows(session, province=slug, on=None if show_all else today)
            rows += [{"name": a.name, "aliases": list(a.aliases), "kind": a.kind, "province": a.province,
                      "email": a.email, "head_email": a.head_email, "valid_from": a.valid_from,
                      "valid_to": a.valid_to, "successor": a.successor} for a in found]
            continue
        if slug not in agency_directory.provinces:
            fail(f"unknown province '{slug}': known provinces: {', '.join(agency_directory.provinces)}"
                 f"{setup_hint(slug)}")
        with user_errors():
            entries = agency_directory.province(slug).agencies
        rows += [{"name": a.name, "aliases": list(a.aliases), "kind": a.kind, "province": a.province,
                  "email": a.email, "head_email": a.head_email, "valid_from": a.valid_from, "valid_to": a.valid_to,
                  "successor": a.successor} for a in entries]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        former = f"  (until {fmt_date(r['valid_to'])}" + (f" -> {r['successor']})" if r["successor"] else ")") \
            if r["valid_to"] else ""
        typer.echo(f"{r['province']:11} {r['kind']:14} {r['name']}  <{r['email']}>{former}")
