"""Request helpers: database sessions, who is asking (office user or agency link), CSRF."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from fastapi import Request
from sqlmodel import Session

from models.agencies.links import agency_from_token
from models.auth.scope import (
    QUERY_IDS,
    ROW_PROVINCE,
    Provinces,
    ScopeError,
    account_provinces,
    family,
    row_in_scope,
    user_in_scope,
)
from models.auth.sessions import session_owner
from models.core.db import get_engine, get_read_engine, session_scope
from models.core.tables import Agency, Plan
from models.core.types import utcnow
from models.core.web_tables import ACTING_ROLES, ROLE_ADMIN, ROLE_NATIONAL, StaffUser
from models.overview.dashboard import data_stamp
from tasks.common.tokens import BadToken
from web.forms import MAX_ID, FormError, parse_date
from web.security import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_valid, session_key


class PageError(Exception):
    """Shown as an error page (HTML) or a JSON error (API) with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class LoginRequired(Exception):
    """An office page was asked for without a valid session: go to the sign-in page."""


def ids_in_range(request: Request) -> None:
    """Every id in a path names a row or nothing: a number no row can have (zero, negative, or
    past what SQLite and PostgreSQL's BIGINT store) is a page that does not exist, not an error
    inside the driver. Applies to every path parameter a route declares as ``int``."""
    route = request.scope.get("route")
    if route is None:
        return
    for name in _int_path_params(route):
        raw = request.path_params.get(name)
        if not isinstance(raw, str):
            continue
        try:
            value = int(raw)
        except ValueError:
            continue  # not a number: FastAPI's validation answers (404 for pages, 422 for the API)
        if not 0 < value <= MAX_ID:
            raise PageError(404, "Không tìm thấy trang.")


def _int_path_params(route: object) -> frozenset[str]:
    """The path parameters declared ``int`` by a route, its router or any of their dependencies
    (worked out once per route; the route is kept with them, so its ``id`` is never reused)."""
    known = _INT_PARAMS.get(id(route))
    if known is not None:
        return known[1]
    dependant = getattr(route, "dependant", None)
    names: set[str] = set()
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        names.update(p.name for p in current.path_params if p.field_info.annotation in _INT_TYPES)
        pending.extend(current.dependencies)
    _INT_PARAMS[id(route)] = (route, frozenset(names))
    return frozenset(names)


_INT_PARAMS: dict[int, tuple[object, frozenset[str]]] = {}
_INT_TYPES: tuple[object, ...] = (int, int | None)


@contextmanager
def db(request: Request, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction on the configured database (committed when the block ends);
    ``read_only``: no transaction at all (``models.core.db.get_read_engine``), for pages that only read."""
    url = request.app.state.settings.effective_database_url
    with session_scope(get_read_engine(url) if read_only else get_engine(url)) as session:
        yield session


def plan_or_404(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PageError(404, "Không tìm thấy kế hoạch.")
    return plan


def today(request: Request) -> date:
    return request.app.state.today()


def near_days(request: Request) -> int:
    return request.app.state.near_days


def as_of(request: Request) -> date:
    """``?as_of=YYYY-MM-DD`` (or dd/mm/yyyy), else today in Asia/Ho_Chi_Minh."""
    raw = request.query_params.get("as_of")
    if not raw:
        return today(request)
    try:
        value = parse_date(raw, "Ngày xem số liệu")
    except FormError as exc:
        raise PageError(400, str(exc)) from exc
    assert value is not None
    return value


def request_stamp(request: Request, session: Session) -> tuple[object, ...]:
    """The data stamp (models.overview.dashboard.data_stamp), read once per request."""
    if not hasattr(request.state, "stamp"):
        request.state.stamp = data_stamp(session)
    return request.state.stamp


# seconds a session's account row is reused without asking the database: a sign-out or password
# change in this process applies at once (``forget_sessions``), a deactivation or a password reset
# from `dondoc user add` (another process) within this time
USER_TTL = 10.0
_CACHE_PRUNE_AT = 2048  # cached sessions before the expired ones are swept out


def session_user(request: Request) -> StaffUser | None:
    """The signed-in office user, if any (also stored on ``request.state.user``): the cookie's id
    must name a live session on the server (models/auth/sessions.py)."""
    if hasattr(request.state, "user"):
        return request.state.user
    key = session_key(request.app.state.settings.secret_key, request.cookies.get(SESSION_COOKIE))
    user = None
    if key is not None:
        cache: dict[str, tuple[StaffUser, float]] = request.app.state.users
        cached = cache.get(key)
        clock = time.monotonic()
        if cached is not None and cached[1] > clock:
            user = cached[0]
        else:
            with db(request) as session:
                found = session_owner(session, key=key)
            if found is None:
                cache.pop(key, None)  # unknown ids are not kept: anyone can make them up
            else:
                user, ends = found
                if len(cache) >= _CACHE_PRUNE_AT:
                    for stale in [k for k, (_, until) in cache.items() if until <= clock]:
                        del cache[stale]
                cache[key] = (user, clock + min(USER_TTL, (ends - utcnow()).total_seconds()))
    request.state.user = user
    return user


def forget_sessions(request: Request, user_id: int) -> None:
    """Drop this process's cached sessions of an account whose sign-ins were just ended."""
    cache: dict[str, tuple[StaffUser, float]] = request.app.state.users
    for key in [k for k, (u, _) in cache.items() if u.id == user_id]:
        del cache[key]


def user_provinces(request: Request) -> Provinces:
    """The provinces the signed-in office user sees (models/auth/scope.py); ``None``: every
    province (a national account), or no one signed in (an agency's link, which has its own
    scope). Worked out once per request; an account without a province on a database holding
    several is refused (403) with what to do."""
    if hasattr(request.state, "provinces"):
        return request.state.provinces
    user = session_user(request)
    provinces: Provinces = None
    if user is not None:
        if user.role == ROLE_NATIONAL:
            provinces = None
        elif user.province:
            provinces = family(user.province)  # no database needed
        else:
            with db(request, read_only=True) as session:
                try:
                    provinces = account_provinces(session, user)
                except ScopeError as exc:
                    raise PageError(403, str(exc)) from exc
    request.state.provinces = provinces
    return provinces


# paths the province guard leaves alone: an agency's own pages (its link is its scope), signing in and out
_UNGUARDED = ("/a/", "/static/", "/login", "/logout", "/healthz", "/links/")


def province_guard(request: Request) -> None:
    """An office account sees and changes only its province's rows (issue 13): on every route, a
    plan, task, agency, assignment, evidence file, extension request, report or outbox row named
    in the path (``plan_id``, ``task_id``, ...), or in the query string (``?plan=``, ``?agency=``,
    ``?task=``), of another province answers 404, as a row that does not exist. Applied to the
    whole application (web/app.py), so a route added later is guarded too; the lists and counts
    filter in SQL by ``user_provinces``."""
    path = request.url.path
    if path.startswith(_UNGUARDED) or session_user(request) is None:
        return
    provinces = user_provinces(request)
    if provinces is None:
        return
    checks: list[tuple[str, int]] = []
    params = dict(request.path_params)
    if "row_id" in params and "source" in params:  # the outbox: a notice, a report e-mail or a link mail
        row = {"notice": "notice_id", "link": "link_mail_id"}.get(params["source"], "delivery_id")
        params[row] = params.pop("row_id")
    for name, raw in params.items():
        if name in ROW_PROVINCE or name == "user_id":
            checks.append((name, _as_id(raw)))
    for key, name in QUERY_IDS.items():
        # an id no row can have is left to the route (its own message: "không hợp lệ")
        checks.extend((name, value) for value in map(_as_id, request.query_params.getlist(key))
                      if 0 < value <= MAX_ID)
    if not checks:
        return
    with db(request, read_only=True) as session:
        for name, row_id in checks:
            if name == "user_id":
                target = session.get(StaffUser, row_id) if 0 < row_id <= MAX_ID else None
                ok = target is not None and user_in_scope(target, provinces)
            else:
                ok = 0 < row_id <= MAX_ID and row_in_scope(session, name=name, row_id=row_id, provinces=provinces)
            if not ok:  # as the route says of a row that does not exist
                raise PageError(404, _NOT_FOUND.get(name, "Không tìm thấy trang."))


_NOT_FOUND = {"plan_id": "Không tìm thấy kế hoạch.", "task_id": "Không tìm thấy nhiệm vụ.",
              "agency_id": "Không tìm thấy cơ quan."}


def _as_id(raw: object) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        return 0  # not a number: names no row


async def office_user(request: Request) -> StaffUser:
    """Dependency: any signed-in office user (office or viewer). Async: the account row is
    almost always in the short-lived cache, so this saves a trip through the thread pool."""
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    return user


async def office_actor(request: Request) -> StaffUser:
    """Dependency: a signed-in user who may act (role ``office`` or ``admin``); viewers are refused."""
    user = await office_user(request)
    if user.role not in ACTING_ROLES:
        raise PageError(403, "Tài khoản của bạn chỉ có quyền xem, không thể thực hiện thao tác này.")
    return user


async def admin_user(request: Request) -> StaffUser:
    """Dependency: a signed-in administrator (role ``admin``), who manages the office's accounts."""
    user = await office_user(request)
    if user.role != ROLE_ADMIN:
        raise PageError(403, "Chỉ quản trị viên mới quản lý được tài khoản.")
    return user


def agency_for_token(request: Request, token: str) -> Agency:
    """The agency an agency link opens (stored on ``request.state``); 403 otherwise."""
    with db(request) as session:
        try:
            agency = agency_from_token(session, token=token, secret=request.app.state.settings.secret_key)
        except BadToken as exc:
            raise PageError(403, str(exc)) from exc
    request.state.agency, request.state.token = agency, token
    return agency


def agency_link(request: Request) -> Agency:
    """Dependency for ``/a/{token}/...`` routes."""
    return agency_for_token(request, request.path_params["token"])


def actor_of_agency(agency: Agency) -> str:
    return f"agency:{agency.id} {agency.name}"


def actor_of_user(user: StaffUser) -> str:
    return f"office:{user.email}"


async def csrf_checked(request: Request) -> None:
    """Dependency for every form POST: the hidden field must match the CSRF cookie."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_valid(request.app.state.settings.secret_key, request.cookies.get(CSRF_COOKIE), submitted):
        raise PageError(403, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). "
                             "Vui lòng tải lại trang và thử lại.")
