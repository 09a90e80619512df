"""What every `dondoc` command shares: one-line errors, JSON output, dates, the database, the directory."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:  # imported when a command runs, not when the command line starts
    from sqlalchemy.engine import Engine

    from tasks.agencies.directory import AgencyDirectory


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    typer.echo(f"dondoc: error: {message}", err=True)
    raise typer.Exit(code)


def require_safe_secret() -> None:
    """Refuse, in one line and exit 2, to sign links or sessions with the placeholder or a weak
    ``DONDOC_SECRET_KEY`` outside development and test (``web.security.check_secret``): links signed
    with it would be refused by a correctly configured server, or forged by anyone."""
    from config.settings import get_settings
    from web.security import InsecureSecretError, check_secret

    try:
        check_secret(get_settings())
    except InsecureSecretError as exc:
        fail(str(exc))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line and exit status 2."""
    from tasks.agencies.directory import AgencyDirectoryError
    from tasks.escalation.policy import PolicyError
    from tasks.importing.parse import PlanImportError
    from tasks.importing.readers import PlanFileError

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
    from tasks.importing.deadlines import read_date

    try:
        return read_date(value)
    except ValueError:
        fail(f"{option} expects a date as dd/mm/yyyy or YYYY-MM-DD, got '{value}'")


def db() -> Engine:
    """The configured database, created or upgraded on first use."""
    from models.core.db import ensure_schema, get_engine

    engine = get_engine()
    ensure_schema(engine)
    return engine


def directory() -> AgencyDirectory:
    """The sample directories (config/agencies) and the provinces set up with `dondoc province add`."""
    from models.agencies.setup import configured_directory

    engine = db()
    with user_errors():
        return configured_directory(engine)


def resolve_agency_keys(name: str) -> list[tuple[str, str]]:
    """(province, key) of every agency the name means, in any province; exit 2 if none."""
    agency_directory = directory()
    keys = []
    for slug in agency_directory.provinces:
        entry = agency_directory.province(slug).resolve_name(name)
        if entry is not None:
            keys.append((slug, entry.key))
    if not keys:
        fail(f"unknown agency '{name}': not a name, abbreviation or alias in config/agencies")
    return keys
