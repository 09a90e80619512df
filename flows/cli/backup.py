"""`dondoc backup` and `dondoc restore`: the database and the data files in one archive (models/core/backup.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from flows.cli.common import fail


def backup(
    path: Path = typer.Argument(..., help="The archive to write (.tar, or .tar.gz to compress); never overwritten"),
) -> None:
    """Back up the database and the data files into one archive, consistent while the application writes."""
    from config.settings import get_settings
    from models.core.backup import BackupError, create_backup

    settings = get_settings()
    with _database_errors():
        try:
            manifest = create_backup(path, url=settings.effective_database_url, data_dir=settings.data_dir)
        except BackupError as exc:
            fail(str(exc))
    typer.echo(f"backup written to {path}: {_describe(manifest)}")


def restore(
    path: Path = typer.Argument(..., help="An archive written by dondoc backup"),
    force: bool = typer.Option(False, "--force", help="Replace a database or data folders that already hold data"),
) -> None:
    """Restore an archive of dondoc backup into the configured database and data directory, then upgrade the schema."""
    from config.settings import get_settings
    from models.core.backup import BackupError, restore_backup

    settings = get_settings()
    with _database_errors():
        try:
            manifest = restore_backup(path, url=settings.effective_database_url, data_dir=settings.data_dir,
                                      force=force)
        except BackupError as exc:
            fail(str(exc))
    typer.echo(f"restored {path} (taken {_when(manifest.get('created_at'))}): {_describe(manifest)}; "
               f"database now at revision {manifest['upgraded_to']}")


def _describe(manifest: dict[str, Any]) -> str:
    tables: dict[str, int] = manifest["tables"]
    return (f"{manifest['backend']}, revision {manifest['revision']}, {len(tables)} tables, "
            f"{sum(tables.values()):,} rows ({tables.get('audit_event', 0):,} audit events), "
            f"{len(manifest['files'])} data files")


def _when(created_at: object) -> str:
    """The backup's time as the office reads it: dd/mm/yyyy HH:MM in the province's zone."""
    from datetime import datetime

    from tasks.common.dates import fmt_date, local_zone

    try:
        moment = datetime.fromisoformat(str(created_at))
    except ValueError:
        return str(created_at)
    if moment.tzinfo is None:
        return str(created_at)
    return f"{fmt_date(moment)} {moment.astimezone(local_zone()):%H:%M}"


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database that cannot be reached is one line and exit 2, not a traceback."""
    import sqlalchemy as sa

    try:
        yield
    except sa.exc.OperationalError as exc:
        lines = str(exc.orig or exc).strip().splitlines()
        fail(f"cannot reach the database: {lines[0] if lines else exc}")
