"""Agency rows: loaded from the directory in config/agencies, looked up by key or name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from models.core.audit import apply_changes, record
from models.core.tables import Agency
from models.core.types import utcnow
from tasks.agencies.directory import AgencyEntry, ProvinceDirectory
from tasks.common.text import nfc


def sync_agencies(session: Session, *, entries: Iterable[AgencyEntry], actor: str = "system") -> dict[str, int]:
    """Create or update agency rows from directory entries; returns {"created", "updated"}.

    Agencies that left the directory are kept (tasks point at them), never deleted. In a province
    set up with ``province add`` (and in the former provinces merged into it) the database holds
    the directory: the YAML files are seed data there, and only add the agencies missing; an
    agency the office edited in the browser (models/agencies/edit.py) is left as the office made it.
    """
    from models.agencies.setup import set_up_provinces

    entries = list(entries)
    provinces = {e.province for e in entries}
    existing = {
        (a.province, a.key): a
        for a in session.exec(select(Agency).where(Agency.province.in_(provinces)))  # type: ignore[attr-defined]
    }
    owned = set_up_provinces(session, including_former=True) & provinces if existing else set()
    # a row the office changed in the browser (/agencies) keeps the office's values
    from models.agencies.edit import edited_agency_ids

    edited = edited_agency_ids(session, ids=[a.id for a in existing.values() if a.id is not None])
    created = updated = 0
    for entry in entries:
        row = existing.get((entry.province, entry.key))
        if row is not None and (entry.province in owned or row.id in edited):
            continue
        values: dict[str, Any] = {
            "name": entry.name,
            "kind": entry.kind,
            "email": entry.email,
            "head_email": entry.head_email,
            "successor": entry.successor,
            "aliases": list(entry.aliases),
            "groups": list(entry.groups),
        }
        if row is None:
            row = Agency(province=entry.province, key=entry.key, **values)
            session.add(row)
            existing[(entry.province, entry.key)] = row
            created += 1
            continue
        changes = apply_changes(row, values)
        if changes:
            row.updated_at = utcnow()
            session.flush()
            record(session, actor=actor, source="agency directory", entity="agency", entity_id=row.id,
                   action="updated", changes=changes)
            updated += 1
    session.flush()
    return {"created": created, "updated": updated}


def province_office(session: Session, *, province: str) -> Agency | None:
    """The province's coordination office (the lowest id when the directory lists two, as the
    sweep's planning statement chooses), or ``None``."""
    return session.exec(select(Agency).where(Agency.province == province, Agency.kind == "office",
                                             Agency.active == True).order_by(col(Agency.id))).first()  # noqa: E712


def agency_ids(session: Session, *, province: str) -> dict[str, int]:
    """Directory key -> row id for one province."""
    rows = session.exec(select(col(Agency.key), col(Agency.id)).where(Agency.province == province))
    # .all(): a Result has keys(), so dict() would take it for a mapping. A stored row's id is never
    # None, though SQLModel types every id as int | None.
    return dict(rows.all())  # type: ignore[arg-type]


class UnknownAgency(ValueError):
    """A name the province's directory does not resolve to exactly one agency."""

    def __init__(self, name: str, province: str) -> None:
        super().__init__(f"unknown agency '{name}' in {province}")
        self.name, self.province = name, province


def resolve_agency_ids(session: Session, *, directory: ProvinceDirectory, names: list[str]) -> list[int]:
    """Row ids for agency names as a person writes them (full name, abbreviation, alias or
    successor, as ``ProvinceDirectory.resolve_name`` reads them), in order, without repeats.
    A row's exact name also counts (an agency that has left the directory keeps its row).
    Raises ``UnknownAgency`` for the first name that resolves to nothing."""
    rows = {a.key: a for a in session.exec(select(Agency).where(Agency.province == directory.slug))}
    by_name = {nfc(a.name).casefold(): a for a in rows.values()}
    ids: list[int] = []
    for name in names:
        entry = directory.resolve_name(name)
        row = rows.get(entry.key) if entry is not None else by_name.get(nfc(name.strip()).casefold())
        if row is None or row.id is None:
            raise UnknownAgency(name, directory.name)
        if row.id not in ids:
            ids.append(row.id)
    return ids


__all__ = ["UnknownAgency", "agency_ids", "resolve_agency_ids", "sync_agencies"]
