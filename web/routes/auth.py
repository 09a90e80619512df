"""Office sign-in and sign-out (e-mail and password, signed session cookie)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.auth.users import THROTTLE_WINDOW, authenticate, clear_failures, note_failure, sign_in_blocked
from web.deps import csrf_checked, db, session_user
from web.security import SESSION_COOKIE, make_session
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


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(request: Request, email: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:  # noqa: A002 - the form field's name, which the login page posts
    client = request.client.host if request.client else "unknown"
    blocked = False
    with db(request) as session:
        user_id = None
        if email and sign_in_blocked(session, email=email, client=client):
            blocked = True  # the password is not even checked: no answer to learn from
        elif email and password:
            user = authenticate(session, email=email[:200], password=password[:500])
            user_id = user.id if user is not None else None
            if user_id is None:
                note_failure(session, email=email, client=client)
            else:
                clear_failures(session, email=email, client=client)
    if blocked:
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        return render(request, "login.html", {"next": _safe_next(next), "email": email[:200], "error":
                      f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút "
                      "(hoặc đề nghị quản trị viên đặt lại mật khẩu)."}, status_code=429)
    if user_id is None:
        return render(request, "login.html", {"next": _safe_next(next), "email": email[:200],
                                              "error": "E-mail hoặc mật khẩu không đúng."}, status_code=400)
    settings = request.app.state.settings
    response = RedirectResponse(_safe_next(next), status_code=303)
    token = make_session(settings.secret_key, user_id=user_id, hours=settings.session_hours)
    response.set_cookie(SESSION_COOKIE, token,
                        max_age=settings.session_hours * 3600, httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"), path="/")
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
