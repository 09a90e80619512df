"""Office sign-in and sign-out: e-mail and password, a session kept on the server (its random id
in the cookie), wrong passwords slowed down by address and by account (models/auth/throttle.py)."""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.auth.sessions import open_session, sign_out
from models.auth.throttle import clear_failures, note_failure, sign_in_wait
from models.auth.users import authenticate
from web.deps import csrf_checked, db, forget_sessions, session_user
from web.security import SESSION_COOKIE, new_session, session_key
from web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect a signed-in user to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query field's name
    if session_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": "", "error": None})


def _wait_words(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    return f"{seconds} giây" if seconds < 60 else f"{math.ceil(seconds / 60)} phút"


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(request: Request, email: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:  # noqa: A002 - the form field's name, which the login page posts
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    email = email[:200]
    wait, session_id = timedelta(0), None
    with db(request) as session:
        if email:
            wait = sign_in_wait(session, email=email, client=client)
        if wait:
            pass  # the password is not even checked: no answer to learn from
        elif email and password:
            user = authenticate(session, email=email, password=password[:500])
            if user is None:
                note_failure(session, email=email, client=client)
            else:
                clear_failures(session, email=email, client=client)
                session_id, key = new_session(settings.secret_key)
                open_session(session, user_id=user.id, key=key,  # type: ignore[arg-type]
                             lifetime=timedelta(hours=settings.session_hours))
    if wait:
        refused = render(request, "login.html", {"next": _safe_next(next), "email": email, "error":
                         f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {_wait_words(wait)} "
                         "(hoặc đề nghị quản trị viên đặt lại mật khẩu)."}, status_code=429)
        refused.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
        return refused
    if session_id is None:
        return render(request, "login.html", {"next": _safe_next(next), "email": email,
                                              "error": "E-mail hoặc mật khẩu không đúng."}, status_code=400)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id,
                        max_age=settings.session_hours * 3600, httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"), path="/")
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    """End the account's sign-ins on the server, not only this browser's cookie: a copy of the
    cookie opens nothing afterwards."""
    key = session_key(request.app.state.settings.secret_key, request.cookies.get(SESSION_COOKIE))
    if key is not None:
        with db(request) as session:
            user = sign_out(session, key=key)
        if user is not None:
            forget_sessions(request, user.id)  # type: ignore[arg-type]
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
