"""Signed session cookies, CSRF tokens and security headers.

* The office session is kept on the server (``staff_session``, models/auth/sessions.py); the
  cookie carries only a random id, the table its HMAC-SHA256 with ``DONDOC_SECRET_KEY``.
* CSRF: every page sets a random ``dondoc_csrf`` cookie; every form carries
  ``HMAC(secret, cookie)`` in a hidden ``csrf_token`` field (JSON clients send it in the
  ``X-CSRF-Token`` header). A cross-site page can neither read the cookie nor compute the field.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import PLACEHOLDER_SECRET, Settings

SESSION_COOKIE = "dondoc_session"
CSRF_COOKIE = "dondoc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class InsecureSecretError(RuntimeError):
    """A placeholder or weak ``DONDOC_SECRET_KEY`` outside development and test."""


MIN_SECRET_LENGTH = 32
# "x" * 40 or "abab..." is long and guessable: a random secret of 32 characters from the usual
# alphabets (hex, base64) has far more than 10 different characters
MIN_SECRET_DISTINCT = 10


def secret_weakness(secret: str) -> str | None:
    """Why ``secret`` may not sign links and sessions in production; ``None`` when it may."""
    if secret == PLACEHOLDER_SECRET or "change-me" in secret.lower() or "changeme" in secret.lower():
        return "is the documented placeholder"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(secret)) < MIN_SECRET_DISTINCT:
        return f"has fewer than {MIN_SECRET_DISTINCT} different characters"
    return None


def check_secret(settings: Settings) -> None:
    """The one check, called by every command that signs a token or writes links (``serve``, the
    scheduler it starts, ``sweep``) and by the web application: outside development and test the
    secret must not be the placeholder nor weak. Raises ``InsecureSecretError`` (one line)."""
    if settings.env in ("development", "test"):
        return
    weakness = secret_weakness(settings.secret_key)
    if weakness is not None:
        raise InsecureSecretError(
            f"DONDOC_SECRET_KEY {weakness}: set at least {MIN_SECRET_LENGTH} random characters (for example the "
            f"output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) before running with "
            f"DONDOC_ENV={settings.env}"
        )


def _mac(secret: str, purpose: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}|{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_session(secret: str) -> tuple[str, str]:
    """A new sign-in: the random id its cookie carries (256 bits) and the key the server keeps."""
    session_id = secrets.token_urlsafe(32)
    return session_id, _mac(secret, "session", session_id)


def session_key(secret: str, session_id: str | None) -> str | None:
    """What the server keeps of a session id (``staff_session.key``): its HMAC, so the table
    opens no session and a new secret ends every sign-in. ``None`` for a value no id looks like."""
    if not session_id or len(session_id) > 64:
        return None
    return _mac(secret, "session", session_id)


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_token_for(secret: str, cookie: str) -> str:
    return _mac(secret, "csrf", cookie)


def csrf_valid(secret: str, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(submitted, csrf_token_for(secret, cookie))


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # agencies' links carry their token in the path: never send it on as a Referer
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy",
     (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
      b"frame-ancestors 'none'; base-uri 'none'")),
]


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
