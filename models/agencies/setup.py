"""Provinces set up with ``dondoc province add``: their dated directory in the agency table.

* :func:`set_up_province` creates, or brings up to date, a province's directory from the shipped
  data (:func:`tasks.agencies.setup.province_setup`), audited; it also dates the agencies of the
  former provinces merged into it (Bắc Giang's, for Bắc Ninh) and names the agency of the
  province that carries each one's work now.
* :func:`dated_directory` reads a set-up province's directory back as a
  :class:`~tasks.agencies.directory.ProvinceDirectory`; :func:`import_directory` joins the set-up
  provinces to the sample directories; :func:`configured_directory` is that join for the configured
  sample directories and database, which the importer, the command line and the web resolve against.
* :func:`move_to_successors` moves the open assignments of dissolved agencies to the agencies
  that carry their work now, in one audited step; reminders then go to those.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from models.core.audit import apply_changes, record
from models.core.tables import (
    CANCELLED,
    IN_PROGRESS,
    OPEN,
    TASK_ACTIVE,
    Agency,
    Assignment,
    Plan,
    ProvinceSetup,
    Task,
)
from models.core.types import utcnow
from tasks.agencies.directory import AgencyDirectory, AgencyEntry, DatedProvince, ProvinceDirectory

if TYPE_CHECKING:
    from config.settings import Settings

SOURCE = "agency directory"

__all__ = ["Move", "SetupSummary", "agency_rows", "configured_directory", "dated_directory", "import_directory",
           "move_to_successors", "set_up_province", "set_up_provinces"]


@dataclass
class SetupSummary:
    slug: str
    name: str
    created: bool  # the province was set up for the first time
    agencies_created: list[str] = field(default_factory=list)  # keys
    agencies_updated: list[str] = field(default_factory=list)
    former_dated: list[str] = field(default_factory=list)  # "bac-giang/snnptnt": former provinces' agencies dated
    communes: int = 0
    departments: int = 0  # current agencies other than communes

    @property
    def changed(self) -> bool:
        return self.created or bool(self.agencies_created or self.agencies_updated or self.former_dated)

    def as_json(self) -> dict[str, Any]:
        return {"province": self.slug, "name": self.name, "created": self.created,
                "agencies_created": len(self.agencies_created), "agencies_updated": len(self.agencies_updated),
                "former_agencies_dated": len(self.former_dated), "communes": self.communes,
                "agencies_in_force": self.communes + self.departments}


def set_up_provinces(session: Session, *, including_former: bool = False) -> set[str]:
    """The slugs of the provinces set up (and, ``including_former``, of the former provinces merged into them)."""
    slugs = set(session.exec(select(ProvinceSetup.slug)).all())
    if including_former and slugs:
        from tasks.agencies.provinces import province

        slugs |= {former for slug in list(slugs) for former in province(slug).predecessors}
    return slugs


def _union(old: list[str], new: tuple[str, ...]) -> list[str]:
    """``old`` kept as it is (the office's additions with it), then what ``new`` adds."""
    return list(dict.fromkeys([*old, *new]))


def set_up_province(session: Session, *, slug: str, actor: str, with_codes: Collection[str] = (),
                    without_codes: Collection[str] = (), placeholder_addresses: bool = True) -> SetupSummary:
    """Create or bring up to date ``slug``'s directory from the shipped data, in the caller's transaction.

    An agency already there keeps its mail addresses, its aliases and its groups (the setup adds
    its own to them); name, kind and dates follow the data, except for an agency the office has
    edited in the browser, which keeps its name, kind, aliases, groups and end. Every change is audited. Raises
    :class:`~tasks.agencies.provinces.UnknownProvinceError` for an unknown or former slug.
    """
    from tasks.agencies.setup import province_setup

    setup = province_setup(slug, with_codes=with_codes, without_codes=without_codes,
                           placeholder_addresses=placeholder_addresses)
    marker = session.exec(select(ProvinceSetup).where(ProvinceSetup.slug == slug)).first()
    summary = SetupSummary(slug=slug, name=setup.name, created=marker is None)
    if marker is None:
        marker = ProvinceSetup(slug=slug, name=setup.name, leadership_name=setup.leadership_name,
                               leadership_email=setup.leadership_email, email_domain=setup.email_domain,
                               data_version=setup.version)
        session.add(marker)
    else:
        marker.name, marker.data_version, marker.updated_at = setup.name, setup.version, utcnow()
    session.flush()

    rows = {a.key: a for a in session.exec(select(Agency).where(Agency.province == slug))}
    from models.agencies.edit import edited_agency_ids

    # rows the office changed in the browser (models/agencies/edit.py) keep its name, kind, aliases,
    # groups and deactivation: bringing the province up to date does not undo them
    edited = edited_agency_ids(session, ids=[a.id for a in rows.values() if a.id is not None])
    for entry in setup.agencies:
        row = rows.get(entry.key)
        values: dict[str, Any] = {"name": entry.name, "kind": entry.kind, "valid_from": entry.valid_from,
                                  "valid_to": entry.valid_to, "successor": entry.successor}
        if row is None:
            row = Agency(province=slug, key=entry.key, email=entry.email, head_email=entry.head_email,
                         aliases=list(entry.aliases), groups=list(entry.groups), **values)
            session.add(row)
            rows[entry.key] = row
            summary.agencies_created.append(entry.key)
            continue
        values["aliases"] = _union(row.aliases, entry.aliases)
        values["groups"] = _union(row.groups, entry.groups)
        changes = apply_changes(row, values, skip=("name", "kind", "aliases", "groups", "valid_to", "active")
                                if row.id in edited else ())
        if changes:
            row.updated_at = utcnow()
            summary.agencies_updated.append(entry.key)
            session.flush()
            record(session, actor=actor, source=SOURCE, entity="agency", entity_id=row.id, action="updated",
                   changes=changes)
    session.flush()
    # the successors by id, once every row has one
    for entry in setup.agencies:
        row = rows[entry.key]
        successor_id = rows[entry.successor_key].id if entry.successor_key else None
        if row.successor_id != successor_id:
            if entry.key not in summary.agencies_created:
                record(session, actor=actor, source=SOURCE, entity="agency", entity_id=row.id, action="updated",
                       changes={"successor_id": [row.successor_id, successor_id]})
                if entry.key not in summary.agencies_updated:
                    summary.agencies_updated.append(entry.key)
            row.successor_id = successor_id
    # a sample directory's district UBNDs of this province (Lạng Sơn's): gone with the district level
    _date_former_rows(session, rows=[r for k, r in rows.items() if r.kind == "district"], carriers={},
                      setup_rows=rows, actor=actor, summary=summary, prefix="")
    # the agencies of the former provinces merged into this one, as far as the database has them
    from tasks.agencies.provinces import province
    from tasks.agencies.setup import former_province_successors

    for former in province(slug).predecessors:
        if former == slug:
            continue
        former_rows = list(session.exec(select(Agency).where(Agency.province == former).order_by(col(Agency.id))))
        carriers = former_province_successors([r.key for r in former_rows], {r.key: r.kind for r in former_rows},
                                              setup)
        _date_former_rows(session, rows=former_rows, carriers=carriers, setup_rows=rows, actor=actor,
                          summary=summary, prefix=f"{former}/")
    in_force = [e for e in setup.agencies if e.valid_to is None]
    summary.communes = sum(1 for e in in_force if e.kind == "commune")
    summary.departments = len(in_force) - summary.communes
    session.flush()
    record(session, actor=actor, source=SOURCE, entity="province", entity_id=marker.id,
           action="set up" if summary.created else "brought up to date",
           changes={"province": slug, "data": setup.version, "agencies_created": summary.agencies_created,
                    "agencies_updated": summary.agencies_updated, "former_agencies_dated": summary.former_dated})
    return summary


def _date_former_rows(session: Session, *, rows: list[Agency], carriers: dict[str, str | None],
                      setup_rows: dict[str, Agency], actor: str, summary: SetupSummary, prefix: str) -> None:
    """Give each row of a dissolved unit its last day and the agency that carries its work now."""
    from tasks.agencies.reference import departments
    from tasks.agencies.setup import LAST_DAY_OF_FORMER_PROVINCES

    reference = {a.code: a for a in departments().entries}
    for row in rows:
        ref = reference.get(row.key)
        last = LAST_DAY_OF_FORMER_PROVINCES
        if ref is not None and ref.valid_to is not None:
            last = min(last, ref.valid_to)
        carrier = setup_rows.get(carriers.get(row.key) or "")
        values: dict[str, Any] = {"valid_to": row.valid_to or last}
        if carrier is not None:
            values.update(successor_id=carrier.id, successor=carrier.name)
        changes = apply_changes(row, values)
        if changes:
            row.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="agency", entity_id=row.id, action="updated",
                   changes=changes)
            summary.former_dated.append(prefix + row.key)


def agency_rows(session: Session, *, province: str, on: date | None = None) -> list[Agency]:
    """A province's active agency rows, those in force on ``on`` when given, by id."""
    rows = session.exec(select(Agency).where(Agency.province == province, Agency.active == True)  # noqa: E712
                        .order_by(col(Agency.id))).all()
    if on is None:
        return list(rows)
    return [a for a in rows
            if (a.valid_from is None or a.valid_from <= on) and (a.valid_to is None or on <= a.valid_to)]


def _entry(row: Agency, keys: dict[int, str]) -> AgencyEntry:
    return AgencyEntry(key=row.key, name=row.name, aliases=tuple(row.aliases), kind=row.kind, province=row.province,
                       email=row.email, head_email=row.head_email, groups=tuple(row.groups), successor=row.successor,
                       valid_from=row.valid_from, valid_to=row.valid_to,
                       successor_key=keys.get(row.successor_id) if row.successor_id is not None else None)


def dated_directory(session: Session, *, slug: str) -> ProvinceDirectory:
    """A set-up province's directory as the database holds it (active agencies, dated)."""
    from tasks.agencies.setup import today_groups

    marker = session.exec(select(ProvinceSetup).where(ProvinceSetup.slug == slug)).one()
    rows = agency_rows(session, province=slug)
    keys = {r.id: r.key for r in rows if r.id is not None}
    groups = today_groups()
    return ProvinceDirectory.build(
        slug=slug, name=marker.name, agencies=[_entry(r, keys) for r in rows], groups=groups.groups,
        fillers=groups.fillers, leadership_name=marker.leadership_name, leadership_email=marker.leadership_email,
        email_domain=marker.email_domain, source=f"province {slug} (database)")


def import_directory(engine: Engine, base: AgencyDirectory, *, today: date | None = None) -> AgencyDirectory:
    """The sample directories joined with the provinces set up in the database (each read when
    first asked for, in a session of its own). A database not created yet has none: ``base``."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).exists():  # a dry run does not create the file
        return base
    try:
        with Session(engine) as session:
            markers = [(m.slug, m.name) for m in session.exec(select(ProvinceSetup).order_by(col(ProvinceSetup.id)))]
    except DBAPIError:  # a database older than migration 0013 (not upgraded yet): no province set up
        return base

    def loader(slug: str) -> Any:
        def load() -> ProvinceDirectory:
            with Session(engine) as session:
                return dated_directory(session, slug=slug)

        return load

    return base.with_dated({slug: DatedProvince(slug, name, loader(slug)) for slug, name in markers}, today=today)


def configured_directory(engine: Engine | None = None, *, settings: Settings | None = None) -> AgencyDirectory:
    """The agency directory plans are resolved against everywhere (command line, flows, web):
    the sample directories of ``DONDOC_AGENCIES_DIR`` joined with the provinces set up in the
    database (``engine``, by default the configured one). Raises
    ``tasks.agencies.directory.AgencyDirectoryError`` for a broken sample file."""
    from config.directory import load_directory
    from models.core.db import get_engine

    base = load_directory(settings)
    if engine is None:
        engine = get_engine(settings.effective_database_url if settings is not None else None)
    return import_directory(engine, base)


@dataclass(frozen=True)
class Move:
    assignment_id: int
    plan: str
    ref: str
    role: str
    from_agency: str
    to_agency: str
    merged: bool  # the task already had the successor in that role: this assignment is cancelled into it

    def as_json(self) -> dict[str, Any]:
        return {"assignment": self.assignment_id, "plan": self.plan, "ref": self.ref, "role": self.role,
                "from": self.from_agency, "to": self.to_agency, "merged": self.merged}


def _carrier(rows: dict[int, Agency], row: Agency, today: date) -> Agency | None:
    """The agency in force today that carries ``row``'s work, through every successor; None if none."""
    seen: set[int] = set()
    while row.valid_to is not None and row.valid_to < today:
        if row.successor_id is None or row.successor_id in seen:
            return None
        seen.add(row.successor_id)
        nxt = rows.get(row.successor_id)
        if nxt is None:
            return None
        row = nxt
    return row


def move_to_successors(session: Session, *, province: str, actor: str, today: date,
                       dry_run: bool = False) -> tuple[list[Move], list[str]]:
    """Move the open assignments of the dissolved agencies of ``province`` (a current province: it
    and the former provinces merged into it; a former one: the same, through its successor) to
    the agency that carries each one's work today, audited; returns the moves and the names of
    dissolved agencies with open assignments but no successor (left for the office to reassign).

    ``dry_run`` changes nothing. A task that already has the successor in the same role keeps
    that assignment; the moved one is cancelled into it (audited as such).
    """
    from tasks.agencies.provinces import successor

    current = successor(province)
    slugs = {current.slug, *current.predecessors}
    agencies = {a.id: a for a in session.exec(select(Agency).where(col(Agency.province).in_(slugs)))
                if a.id is not None}
    dissolved = {i: a for i, a in agencies.items() if a.valid_to is not None and a.valid_to < today}
    if not dissolved:
        return [], []
    query = (select(Assignment, Task.ref, Task.plan_id).join(Task, col(Task.id) == col(Assignment.task_id))
             .where(col(Assignment.agency_id).in_(dissolved), col(Assignment.status).in_((OPEN, IN_PROGRESS)),
                    Task.state == TASK_ACTIVE)
             .order_by(col(Assignment.task_id), col(Assignment.id)))
    found = session.exec(query).all()
    plans = {p.id: p.code for p in session.exec(select(Plan).where(col(Plan.id).in_({r[2] for r in found})))}
    taken = {(a.task_id, a.agency_id, a.role) for a in session.exec(
        select(Assignment).where(col(Assignment.task_id).in_({r[0].task_id for r in found})))}
    moves: list[Move] = []
    orphans: list[str] = []
    for assignment, ref, plan_id in found:
        old = dissolved[assignment.agency_id]
        carrier = _carrier(agencies, old, today)
        if carrier is None or carrier.id is None:
            if old.name not in orphans:
                orphans.append(old.name)
            continue
        merged = (assignment.task_id, carrier.id, assignment.role) in taken
        moves.append(Move(assignment_id=assignment.id or 0, plan=plans.get(plan_id, "?"), ref=ref,
                          role=assignment.role, from_agency=old.name, to_agency=carrier.name, merged=merged))
        if dry_run:
            taken.add((assignment.task_id, carrier.id, assignment.role))
            continue
        changes: dict[str, Any]
        if merged:  # the successor already has this task in this role: one assignment, not two
            changes = {"status": [assignment.status, CANCELLED], "successor": carrier.name,
                       "successor_id": carrier.id}
            assignment.status = CANCELLED
            action = "merged into successor"
        else:
            changes = {"agency_id": [old.id, carrier.id], "agency": [old.name, carrier.name]}
            assignment.agency_id = carrier.id
            action = "moved to successor"
        assignment.updated_at = utcnow()
        taken.add((assignment.task_id, carrier.id, assignment.role))
        record(session, actor=actor, source=SOURCE, entity="assignment", entity_id=assignment.id, action=action,
               changes=changes, effective_on=today)
    session.flush()
    return moves, orphans
