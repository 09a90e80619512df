"""The directory the office keeps in the browser: agencies listed with their open and overdue
tasks, added, edited and deactivated (never deleted), groups edited, contact lists applied.

Every change is audited (source ``web``) in the caller's transaction. The importer reads what is
written here: a set-up province's directory is its agency rows (``models/agencies/setup.py``
``dated_directory``: names, aliases, dates, and the group tags a group wording expands to), and
``dondoc init`` or a plan's import no longer overwrite a row the office has edited
(``models/agencies/directory.py`` ``sync_agencies``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import apply_changes, record
from models.core.tables import IN_PROGRESS, OPEN, TASK_ACTIVE, Agency, Assignment, AuditEvent, ProvinceSetup, Task
from models.core.types import utcnow
from tasks.agencies.contacts import AgencyForm, ContactPlan, DirectoryAgency
from tasks.common.text import slugify, vi_sort_key
from tasks.escalation.status import Status

SOURCE = "web"
# the audit actions of the office's directory edits; sync_agencies leaves the rows they touched alone
EDIT_ACTIONS = ("created", "edited", "deactivated", "contacts_imported", "groups_edited")
OFFICE_KIND = "office"
DONE_STATUSES = {Status.DONE_ON_TIME.value, Status.DONE_LATE.value}

__all__ = ["EDIT_ACTIONS", "DirectoryError", "DirectoryRow", "GroupChoice", "agency_history", "apply_contacts",
           "create_agency", "deactivate_agency", "directory_agencies", "directory_rows", "edit_agency",
           "editable_groups", "edited_agency_ids", "no_address_counts", "open_assignments", "set_group_members"]


class DirectoryError(ValueError):
    """A change the directory refuses: ``errors`` maps a form field to its message (Vietnamese)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def in_force(a: Agency, day: date) -> bool:
    return a.active and (a.valid_from is None or a.valid_from <= day) and (a.valid_to is None or day <= a.valid_to)


@dataclass(frozen=True)
class DirectoryRow:
    id: int
    key: str
    name: str
    kind: str
    email: str
    head_email: str
    aliases: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    successor: str | None
    current: bool  # in force today
    open: int  # lead assignments of active plan tasks not done (the overview's population)
    overdue: int  # of those, overdue today


def _lead_counts(session: Session, *, province: str, today: date, near_days: int) -> dict[int, tuple[int, int]]:
    """Agency id -> (open, overdue) lead assignments, counted as the overview counts them
    (``models.overview.dashboard.lead_scope`` and the official status rules in SQL)."""
    from models.escalation.status_sql import assignment_status
    from models.overview.dashboard import lead_scope

    st = assignment_status(today, near_days).label("st")
    inner = lead_scope(select(col(Assignment.agency_id), st)
                       .join(Task, col(Task.id) == col(Assignment.task_id))
                       .join(Agency, col(Agency.id) == col(Assignment.agency_id))
                       .where(col(Agency.province) == province)).subquery()
    out: dict[int, tuple[int, int]] = {}
    for aid, status, n in session.execute(sa.select(inner.c.agency_id, inner.c.st, sa.func.count())
                                          .group_by(inner.c.agency_id, inner.c.st)):
        open_, overdue = out.get(aid, (0, 0))
        if status not in DONE_STATUSES:
            open_ += n
        if status == Status.OVERDUE.value:
            overdue += n
        out[aid] = (open_, overdue)
    return out


def directory_rows(session: Session, *, province: str, today: date, near_days: int = 3,
                   include_former: bool = False) -> list[DirectoryRow]:
    """The province's agencies in force ``today`` (and, ``include_former``, those that are not:
    ended, deactivated), each with its open and overdue lead tasks, in Vietnamese order."""
    rows = session.exec(select(Agency).where(Agency.province == province)).all()
    counts = _lead_counts(session, province=province, today=today, near_days=near_days)
    out = []
    for a in rows:
        current = in_force(a, today)
        if not current and not include_former:
            continue
        assert a.id is not None
        open_, overdue = counts.get(a.id, (0, 0))
        out.append(DirectoryRow(a.id, a.key, a.name, a.kind, a.email, a.head_email, tuple(a.aliases), a.valid_from,
                                a.valid_to, a.successor, current, open_, overdue))
    return sorted(out, key=lambda r: (not r.current, vi_sort_key(r.name)))


def directory_agencies(session: Session, *, province: str, today: date | None = None,
                       exclude: int | None = None) -> list[DirectoryAgency]:
    """The province's agencies (in force ``today`` when given; else every active row) for the pure rules."""
    rows = session.exec(select(Agency).where(Agency.province == province, Agency.active == True)).all()  # noqa: E712
    return [DirectoryAgency(a.id, a.name, tuple(a.aliases), a.email, a.head_email) for a in rows
            if a.id is not None and a.id != exclude and (today is None or in_force(a, today))]


def open_assignments(session: Session, *, agency_id: int) -> int:
    """Open assignments (any role) of active tasks the agency carries."""
    q = (select(sa.func.count()).select_from(Assignment).join(Task, col(Task.id) == col(Assignment.task_id))
         .where(col(Assignment.agency_id) == agency_id, col(Assignment.status).in_((OPEN, IN_PROGRESS)),
                col(Task.state) == TASK_ACTIVE))
    return int(session.execute(q).scalar_one())


def _new_key(session: Session, *, province: str, name: str) -> str:
    base = (slugify(name) or "co-quan")[:100]
    taken = set(session.exec(select(Agency.key).where(Agency.province == province,
                                                      col(Agency.key).startswith(base))).all())
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _check_office(session: Session, *, province: str, kind: str, agency: Agency | None) -> None:
    """The province's coordination office is one agency (the directory needs exactly one)."""
    was_office = agency is not None and agency.kind == OFFICE_KIND
    if kind == OFFICE_KIND and not was_office:
        exists = session.exec(select(Agency.id).where(Agency.province == province, Agency.kind == OFFICE_KIND,
                                                      Agency.active == True)).first()  # noqa: E712
        if exists is not None:
            raise DirectoryError({"kind": "Tỉnh đã có Văn phòng điều phối; mỗi tỉnh chỉ có một."})
    if was_office and kind != OFFICE_KIND:
        raise DirectoryError({"kind": "Không đổi được loại của Văn phòng điều phối: mỗi tỉnh cần đúng một."})


def create_agency(session: Session, *, province: str, form: AgencyForm, actor: str, today: date) -> Agency:
    """A new agency of ``province``, in force from ``today``, audited."""
    _check_office(session, province=province, kind=form.kind, agency=None)
    dated = session.exec(select(ProvinceSetup.id).where(ProvinceSetup.slug == province)).first() is not None
    agency = Agency(province=province, key=_new_key(session, province=province, name=form.name), name=form.name,
                    kind=form.kind, email=form.email, head_email=form.head_email, aliases=list(form.aliases),
                    groups=[], valid_from=today if dated else None)
    session.add(agency)
    session.flush()
    record(session, actor=actor, source=SOURCE, entity="agency", entity_id=agency.id, action="created",
           changes={"province": province, "key": agency.key, "name": agency.name, "kind": agency.kind,
                    "email": agency.email, "head_email": agency.head_email, "aliases": list(form.aliases)})
    return agency


def edit_agency(session: Session, *, agency: Agency, form: AgencyForm, actor: str) -> dict[str, Any]:
    """Name, kind, addresses and aliases as the form has them; the changes (audited), empty when none."""
    _check_office(session, province=agency.province, kind=form.kind, agency=agency)
    changes = apply_changes(agency, {"name": form.name, "kind": form.kind, "email": form.email,
                                     "head_email": form.head_email, "aliases": list(form.aliases)})
    if changes:
        agency.updated_at = utcnow()
        record(session, actor=actor, source=SOURCE, entity="agency", entity_id=agency.id, action="edited",
               changes=changes)
    return changes


def deactivate_agency(session: Session, *, agency: Agency, actor: str, today: date) -> int:
    """The agency is no longer in force from ``today`` (its last day is yesterday); nothing is
    deleted and its open assignments stay where they are (their number is returned and audited)."""
    if agency.kind == OFFICE_KIND:
        raise DirectoryError({"agency": "Không ngừng hoạt động được Văn phòng điều phối: mỗi tỉnh cần đúng một."})
    if not in_force(agency, today):
        raise DirectoryError({"agency": "Cơ quan này đã ngừng hoạt động."})
    last = today - timedelta(days=1)
    values: dict[str, Any] = {"valid_to": last}
    if agency.valid_from is not None and agency.valid_from > last:
        values["active"] = False  # added today: it never was in force
    changes = apply_changes(agency, values)
    agency.updated_at = utcnow()
    kept = open_assignments(session, agency_id=agency.id or 0)
    record(session, actor=actor, source=SOURCE, entity="agency", entity_id=agency.id, action="deactivated",
           changes={**changes, "open_assignments": kept}, effective_on=today)
    return kept


def apply_contacts(session: Session, *, province: str, plan: ContactPlan, actor: str) -> int:
    """The addresses of ``plan`` written, each agency audited; the number of agencies changed.

    The plan was made from the province's agencies as they were read; an agency gone since (or
    of another province) is skipped."""
    ids = [c.agency_id for c in plan.changes]
    rows = {a.id: a for a in session.exec(select(Agency).where(col(Agency.id).in_(ids), Agency.province == province))}
    done = 0
    for change in plan.changes:
        agency = rows.get(change.agency_id)
        if agency is None:
            continue
        values = {}
        if change.email is not None:
            values["email"] = change.email[1]
        if change.head_email is not None:
            values["head_email"] = change.head_email[1]
        changes = apply_changes(agency, values)
        if changes:
            agency.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="agency", entity_id=agency.id,
                   action="contacts_imported", changes={**changes, "row": change.row})
            done += 1
    return done


# ---- groups --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupChoice:
    code: str
    phrases: tuple[str, ...]  # the wording plans use for it
    members: int  # agencies in force carrying its tag


def editable_groups(session: Session, *, province: str, today: date) -> list[GroupChoice]:
    """The groups of a set-up province a plan's wording expands to (``config/agencies/reference/
    groups.yaml``), each with how many agencies in force it stands for now. A sample province's
    groups come from its YAML file: none here."""
    if session.exec(select(ProvinceSetup.id).where(ProvinceSetup.slug == province)).first() is None:
        return []
    from tasks.agencies.setup import today_groups

    rows = [a for a in session.exec(select(Agency).where(Agency.province == province)) if in_force(a, today)]
    return [GroupChoice(g.code, tuple(g.phrases), sum(1 for a in rows if g.code in a.groups))
            for g in today_groups().groups if g.kind == "group"]


def set_group_members(session: Session, *, province: str, code: str, member_ids: Collection[int], actor: str,
                      today: date) -> tuple[int, int]:
    """The agencies in force that a group wording expands to become exactly ``member_ids``
    (their ``groups`` tags: what the importer expands the group to); (added, removed), each
    agency changed audited."""
    if code not in {g.code for g in editable_groups(session, province=province, today=today)}:
        raise DirectoryError({"group": "Không có nhóm này trong danh mục của tỉnh."})
    rows = [a for a in session.exec(select(Agency).where(Agency.province == province).order_by(col(Agency.id)))
            if in_force(a, today)]
    unknown = set(member_ids) - {a.id for a in rows}
    if unknown:
        raise DirectoryError({"group": "Có cơ quan được chọn không thuộc danh mục đang có hiệu lực của tỉnh."})
    added = removed = 0
    for a in rows:
        want, has = a.id in member_ids, code in a.groups
        if want == has:
            continue
        new = [*a.groups, code] if want else [g for g in a.groups if g != code]
        changes = apply_changes(a, {"groups": new})
        a.updated_at = utcnow()
        record(session, actor=actor, source=SOURCE, entity="agency", entity_id=a.id, action="groups_edited",
               changes={**changes, "group": code})
        added, removed = added + want, removed + (not want)
    return added, removed


# ---- what others read ----------------------------------------------------------------------

def edited_agency_ids(session: Session, *, ids: Iterable[int]) -> set[int]:
    """Of ``ids``, the agencies the office has changed in the browser (kept by ``sync_agencies``)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return set()
    q = (select(AuditEvent.entity_id).where(AuditEvent.entity == "agency", AuditEvent.source == SOURCE,
                                            col(AuditEvent.action).in_(EDIT_ACTIONS),
                                            col(AuditEvent.entity_id).in_(wanted)).distinct())
    return {i for i in session.exec(q).all() if i is not None}


def no_address_counts(session: Session, *, on: date, provinces: Collection[str] | None = None) -> dict[str, int]:
    """Province slug -> agencies in force on ``on`` without an e-mail address (they get their tasks
    and link page but no mail), of ``provinces`` (None: every one); provinces where every agency
    has one are left out."""
    query = select(Agency).where(Agency.active == True, Agency.email == "")  # noqa: E712
    if provinces is not None:
        query = query.where(col(Agency.province).in_(list(provinces)))
    rows = session.exec(query).all()
    out: dict[str, int] = {}
    for a in rows:
        if in_force(a, on):
            out[a.province] = out.get(a.province, 0) + 1
    return out


def agency_history(session: Session, *, agency_id: int, limit: int = 30) -> list[AuditEvent]:
    """The agency's audit events, newest first."""
    return list(session.exec(select(AuditEvent).where(AuditEvent.entity == "agency", AuditEvent.entity_id == agency_id)
                             .order_by(col(AuditEvent.id).desc()).limit(limit)).all())
