"""Signed, expiring links scoped to one agency (no password for agencies)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


class BadToken(ValueError):
    """The link is malformed, forged, expired or revoked."""


def _sig(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def make_agency_token(agency_id: int, *, secret: str, ttl_days: int = 60, generation: int = 0,
                      now: float | None = None) -> str:
    """``<agency>.<generation>.<expiry>.<signature>``; bumping ``generation`` revokes older links."""
    expires = int((now if now is not None else time.time()) + ttl_days * 86400)
    payload = f"{agency_id}.{generation}.{expires}"
    return f"{payload}.{_sig(secret, payload)}"


def read_agency_token(token: str, *, secret: str, now: float | None = None) -> tuple[int, int]:
    """(agency id, generation) of a valid token; BadToken otherwise."""
    try:
        agency, generation, expires, sig = token.split(".")
        payload = f"{agency}.{generation}.{expires}"
        valid = hmac.compare_digest(sig, _sig(secret, payload))
        agency_id, gen, exp = int(agency), int(generation), int(expires)
    except ValueError as exc:
        raise BadToken("malformed link") from exc
    if not valid:
        raise BadToken("invalid link signature")
    if exp < (now if now is not None else time.time()):
        raise BadToken("this link has expired")
    return agency_id, gen
