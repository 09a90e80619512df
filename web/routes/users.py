"""``/users``: the office's accounts, managed in the browser by an administrator (role ``admin``):
create, change the role, set a new password, deactivate or reactivate (models/auth/accounts.py).
Anyone else gets 403; a new password, a role change or a deactivation signs the account out."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.auth.accounts import (
    WEB_ROLES,
    accounts,
    change_role,
    create_account,
    reset_password,
    set_active,
    set_province,
)
from models.auth.users import UserError
from models.core.web_tables import StaffUser
from tasks.agencies.provinces import all_provinces
from tasks.listing.names import province_name
from web.deps import actor_of_user, admin_user, csrf_checked, db, forget_sessions, user_provinces
from web.messages import flash
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
ROLE_NAMES = {"office": "văn phòng (thao tác)", "admin": "quản trị (thao tác và quản lý tài khoản)",
              "viewer": "chỉ xem", "national": "toàn quốc (xem mọi tỉnh)"}


def _province_choices(request: Request) -> list[tuple[str, str]]:
    """(slug, name) of the provinces an administrator gives accounts: its own province and the
    former ones merged into it; every province for an administrator of the whole database."""
    provinces = user_provinces(request)
    slugs = list(provinces) if provinces is not None else [p.slug for p in all_provinces()]
    return [(s, province_name(s)) for s in slugs]


def _page(request: Request, *, error: str | None = None, email: str = "", status_code: int = 200) -> Response:
    with db(request, read_only=True) as session:
        rows = accounts(session, provinces=user_provinces(request))
    user = request.state.user
    return render(request, "users.html", {"rows": rows, "roles": WEB_ROLES, "role_names": ROLE_NAMES, "error": error,
                                          "email": email, "flash": flash(request),
                                          "provinces": _province_choices(request), "own_province": user.province,
                                          "province_name": province_name}, status_code=status_code)


@router.get("/users")
def users_page(request: Request, user: StaffUser = Depends(admin_user)) -> Response:
    return _page(request)


def _act(request: Request, change: Callable[[Session], StaffUser], code: str, *, email: str = "") -> Response:
    try:
        with db(request) as session:
            changed = change(session)
            changed_id = changed.id
    except UserError as exc:
        return _page(request, error=str(exc), email=email, status_code=400)
    forget_sessions(request, changed_id)  # type: ignore[arg-type]  # this process's cache, too
    return RedirectResponse(f"/users?msg={code}", status_code=303)


@router.post("/users", dependencies=CSRF)
def create(request: Request, email: str = Form(""), role: str = Form(""), password: str = Form(""),
           province: str = Form(""), user: StaffUser = Depends(admin_user)) -> Response:
    provinces = user_provinces(request)
    chosen = province[:60] or user.province  # the administrator's own province unless another of its own is chosen
    return _act(request, lambda s: create_account(s, email=email[:300], role=role, password=password[:500],
                                                  actor=actor_of_user(user), province=chosen, provinces=provinces),
                "user_created", email=email[:300])


@router.post("/users/{user_id}/province", dependencies=CSRF)
def province(request: Request, user_id: int, province: str = Form(""),
             user: StaffUser = Depends(admin_user)) -> Response:
    provinces = user_provinces(request)
    return _act(request, lambda s: set_province(s, user_id=user_id, province=province[:60], actor=actor_of_user(user),
                                                provinces=provinces), "user_province")


@router.post("/users/{user_id}/role", dependencies=CSRF)
def role(request: Request, user_id: int, role: str = Form(""), user: StaffUser = Depends(admin_user)) -> Response:
    return _act(request, lambda s: change_role(s, user_id=user_id, role=role, actor=actor_of_user(user)),
                "user_role")


@router.post("/users/{user_id}/password", dependencies=CSRF)
def password(request: Request, user_id: int, password: str = Form(""),
             user: StaffUser = Depends(admin_user)) -> Response:
    return _act(request, lambda s: reset_password(s, user_id=user_id, password=password[:500],
                                                  actor=actor_of_user(user)), "user_password")


@router.post("/users/{user_id}/deactivate", dependencies=CSRF)
def deactivate(request: Request, user_id: int, user: StaffUser = Depends(admin_user)) -> Response:
    return _act(request, lambda s: set_active(s, user_id=user_id, active=False, actor=actor_of_user(user)),
                "user_deactivated")


@router.post("/users/{user_id}/activate", dependencies=CSRF)
def activate(request: Request, user_id: int, user: StaffUser = Depends(admin_user)) -> Response:
    return _act(request, lambda s: set_active(s, user_id=user_id, active=True, actor=actor_of_user(user)),
                "user_activated")
