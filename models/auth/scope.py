"""Which provinces an office account sees and changes (issue 13, "One deployment, several provinces").

An account of role ``office``, ``viewer`` or ``admin`` belongs to a province (``StaffUser.province``,
a slug as ``Plan.province`` and ``Agency.province``); it sees that province's plans, tasks,
agencies, reports and notices, and those of the former provinces merged into it (an account of
``bac-ninh`` sees the 2020 plans of ``bac-giang``, whose work Bắc Ninh carries on). An account of
role ``national`` reads every province and changes nothing.

An account without a province (made before accounts had one, or with ``dondoc user add`` on a
database that held no plans yet) sees the one province the database holds (its plans and the
provinces set up with ``dondoc province add``, counted together with the former provinces merged
into each); on a database that holds several it sees nothing and is refused with a message
until an administrator gives it a province (``dondoc user add EMAIL --province SLUG``).

A scope is a tuple of slugs, or ``None`` for every province; the ``*_in`` functions are the SQL
conditions the lists and counts add.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.report_tables import ReportDelivery, ReportRun, ReportSubmission
from models.core.tables import Agency, AgencyLinkMail, Assignment, Notice, Plan, ProvinceSetup, Task
from models.core.web_tables import ROLE_NATIONAL, Evidence, ExtensionRequest, StaffUser
from tasks.agencies.provinces import UnknownProvinceError, province

Provinces = tuple[str, ...] | None  # None: every province (the national role)


class ScopeError(Exception):
    """An account without a province on a database holding several provinces: it sees nothing."""


def family(slug: str) -> tuple[str, ...]:
    """A province's slug and those of the former provinces merged into it (a current province), sorted."""
    try:
        info = province(slug)
    except UnknownProvinceError:
        return (slug,)
    return tuple(sorted({slug, *info.predecessors})) if info.current else (slug,)


def _head(slug: str) -> str:
    """The province a slug's work belongs to today (itself, or the province it was merged into)."""
    try:
        info = province(slug)
    except UnknownProvinceError:
        return slug
    return info.successor or slug


def held_provinces(session: Session) -> set[str]:
    """The provinces the database holds, each as today's province: of its plans and of the
    provinces set up with ``dondoc province add``."""
    slugs = set(session.exec(select(Plan.province).distinct()).all())
    slugs |= set(session.exec(select(ProvinceSetup.slug)).all())
    return {_head(s) for s in slugs}


def inferred_province(session: Session) -> str | None:
    """The one province the database holds, else ``None`` (none, or several)."""
    held = held_provinces(session)
    return next(iter(held)) if len(held) == 1 else None


def account_provinces(session: Session, user: StaffUser) -> Provinces:
    """The provinces ``user`` sees; ``None`` for every one. :class:`ScopeError` for an account
    without a province on a database holding several."""
    if user.role == ROLE_NATIONAL:
        return None
    if user.province:
        return family(user.province)
    held = held_provinces(session)
    if not held:
        return None  # nothing to see yet; the first plan imported makes the database one province's
    if len(held) == 1:
        return family(next(iter(held)))
    raise ScopeError("Tài khoản chưa được gán tỉnh, mà cơ sở dữ liệu có kế hoạch của nhiều tỉnh: quản trị viên cần "
                     "chọn tỉnh cho tài khoản (dondoc user add EMAIL --role ... --province SLUG).")


def check_province(slug: str) -> str:
    """A slug an account may belong to: one of today's provinces or a former one (the sample
    provinces among them). Raises ``ValueError`` with one line otherwise."""
    slug = slug.strip().lower()
    try:
        province(slug)
    except UnknownProvinceError as exc:
        raise ValueError(str(exc)) from None
    return slug


# ---- SQL conditions ---------------------------------------------------------------------------

def plan_in(provinces: tuple[str, ...]) -> Any:
    return col(Plan.province).in_(provinces)


def plan_ids_in(provinces: tuple[str, ...]) -> Any:
    return sa.select(col(Plan.id)).where(plan_in(provinces))


def task_in(provinces: tuple[str, ...]) -> Any:
    """Tasks (``Task`` in the query) of the provinces' plans."""
    return col(Task.plan_id).in_(plan_ids_in(provinces))


def assignment_in(provinces: tuple[str, ...]) -> Any:
    """Assignments (``Assignment`` in the query) of tasks of the provinces' plans."""
    return col(Assignment.task_id).in_(sa.select(col(Task.id)).where(task_in(provinces)))


def agency_in(provinces: tuple[str, ...]) -> Any:
    return col(Agency.province).in_(provinces)


# ---- one row, by the path parameter that names it ---------------------------------------------

def _by_assignment(ids: Any) -> Any:
    return (sa.select(col(Plan.province)).join(Task, col(Task.plan_id) == col(Plan.id))
            .join(Assignment, col(Assignment.task_id) == col(Task.id)).where(col(Assignment.id) == ids))


# path parameter -> the statement that gives the province of the row it names (:id)
_ID: Any = sa.bindparam("id")
ROW_PROVINCE: dict[str, Any] = {
    "plan_id": sa.select(col(Plan.province)).where(col(Plan.id) == _ID),
    "task_id": sa.select(col(Plan.province)).join(Task, col(Task.plan_id) == col(Plan.id)).where(col(Task.id) == _ID),
    "agency_id": sa.select(col(Agency.province)).where(col(Agency.id) == _ID),
    "assignment_id": _by_assignment(_ID),
    "evidence_id": _by_assignment(sa.select(col(Evidence.assignment_id)).where(col(Evidence.id) == _ID)
                                  .scalar_subquery()),
    "request_id": _by_assignment(sa.select(col(ExtensionRequest.assignment_id))
                                 .where(col(ExtensionRequest.id) == _ID).scalar_subquery()),
    "submission_id": sa.select(col(Plan.province)).join(ReportSubmission, col(ReportSubmission.plan_id) == col(Plan.id))
    .where(col(ReportSubmission.id) == _ID),
    "run_id": sa.select(col(Plan.province)).join(ReportRun, col(ReportRun.plan_id) == col(Plan.id))
    .where(col(ReportRun.id) == _ID),
    "notice_id": _by_assignment(sa.select(col(Notice.assignment_id)).where(col(Notice.id) == _ID).scalar_subquery()),
    "link_mail_id": sa.select(col(Agency.province))
    .join(AgencyLinkMail, col(AgencyLinkMail.agency_id) == col(Agency.id)).where(col(AgencyLinkMail.id) == _ID),
    "delivery_id": sa.select(col(Plan.province)).join(ReportRun, col(ReportRun.plan_id) == col(Plan.id))
    .join(ReportDelivery, col(ReportDelivery.report_run_id) == col(ReportRun.id)).where(col(ReportDelivery.id) == _ID),
}
# query-string filters that name a row: ?plan=, ?agency=, ?task=
QUERY_IDS = {"plan": "plan_id", "agency": "agency_id", "task": "task_id"}


def row_in_scope(session: Session, *, name: str, row_id: int, provinces: tuple[str, ...]) -> bool:
    """Whether the row ``name`` (a path parameter: ``plan_id``, ``task_id`` ...) with this id
    belongs to the provinces. A row that does not exist is in no scope: the page answers 404
    either way, as it would for a row of another province."""
    found = session.execute(ROW_PROVINCE[name], {"id": row_id}).scalar()
    return found is not None and found in provinces


def user_in_scope(target: StaffUser, provinces: Provinces) -> bool:
    """Whether an administrator of ``provinces`` may see and change the account ``target``:
    the accounts of the province; national ones only from a scope of every province."""
    if provinces is None:
        return True
    if target.role == ROLE_NATIONAL:
        return False
    return target.province is None or target.province in provinces


__all__ = [
    "QUERY_IDS",
    "ROW_PROVINCE",
    "Provinces",
    "ScopeError",
    "account_provinces",
    "agency_in",
    "assignment_in",
    "check_province",
    "family",
    "held_provinces",
    "inferred_province",
    "plan_ids_in",
    "plan_in",
    "row_in_scope",
    "task_in",
    "user_in_scope",
]
