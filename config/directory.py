"""The agency directory as configured: one loader for the command line, the flows and the web."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.settings import Settings, get_settings

if TYPE_CHECKING:
    from tasks.agencies.directory import AgencyDirectory


def load_directory(settings: Settings | None = None) -> AgencyDirectory:
    """``DONDOC_AGENCIES_DIR`` read and checked; real mail domains are accepted only in production.

    Raises ``tasks.agencies.directory.AgencyDirectoryError`` for a broken file: one line naming the
    file and, for an entry of the wrong shape or a bad address, its line.
    """
    from tasks.agencies.directory import AgencyDirectory

    settings = settings or get_settings()
    return AgencyDirectory.load(settings.agencies_dir, example_addresses_only=settings.env != "production")
