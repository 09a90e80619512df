"""Signed session cookies, CSRF tokens and security headers.

* The office session is a cookie ``<payload>.<signature>`` (HMAC-SHA256 with
  ``DONDOC_SECRET_KEY``); the payload holds the user id and an expiry, nothing secret.
* CSRF: every page sets a random ``dondoc_csrf`` cookie; every form carries
  ``HMAC(secret, cookie)`` in a hidden ``csrf_token`` field (JSON clients send it in the
  ``X-CSRF-Token`` header). A cross-site page can neither read the cookie nor compute the field.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

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


def make_session(secret: str, *, user_id: int, hours: int, now: float | None = None) -> str:
    payload = {"u": user_id, "e": int((now or time.time()) + hours * 3600), "n": secrets.token_hex(8)}
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_mac(secret, 'session', body)}"


def read_session(secret: str, value: str | None, *, now: float | None = None) -> int | None:
    """The user id of a valid, unexpired session cookie; ``None`` otherwise."""
    if not value or value.count(".") != 1:
        return None
    body, sig = value.split(".")
    if not hmac.compare_digest(sig, _mac(secret, "session", body)):
        return None
    try:
        payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if payload["e"] < (now or time.time()):
            return None
        return int(payload["u"])
    except (ValueError, KeyError, TypeError):
        return None


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
