"""Agency rows: loaded from the directory in config/agencies, looked up by key or name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from models.audit import record
from models.tables import Agency
from models.types import utcnow
from tasks.agencies import AgencyEntry

def sync_agencies(session: Session, *, entries: Iterable[AgencyEntry], actor: str = "system") -> dict[str, int]:
    """Create or update agency rows from directory entries; returns {"created", "updated"}.

    Agencies that left the directory are kept (tasks point at them), never deleted.
    """
    entries = list(entries)
    provinces = {e.province for e in entries}
    existing = {
        (a.province, a.key): a
        for a in session.exec(select(Agency).where(Agency.province.in_(provinces)))  # type: ignore[attr-defined]
    }
    created = updated = 0
    for entry in entries:
        row = existing.get((entry.province, entry.key))
        values = {
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
        changes = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
        if changes:
            for k, (_old, new) in changes.items():
                setattr(row, k, new)
            row.updated_at = utcnow()
            session.flush()
            record(session, actor=actor, source="agency directory", entity="agency", entity_id=row.id,
                   action="updated", changes=changes)
            updated += 1
    session.flush()
    return {"created": created, "updated": updated}


def agency_ids(session: Session, *, province: str) -> dict[str, int]:
    """Directory key -> row id for one province."""
    rows = session.exec(select(Agency.key, Agency.id).where(Agency.province == province))
    return {key: id_ for key, id_ in rows}


__all__ = ["sync_agencies", "agency_ids"]
