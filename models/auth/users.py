"""Office staff accounts: scrypt password hashes, creation (audited) and sign-in. Sessions:
models/auth/sessions.py; slowing down guesses: models/auth/throttle.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlmodel import Session, select

from models.auth.sessions import end_user_sessions
from models.auth.throttle import clear_failures
from models.core.audit import record
from models.core.types import utcnow
from models.core.web_tables import ROLES, StaffUser

# scrypt cost: 2**15 x 8 x 1 takes ~60 ms and 32 MiB (OWASP's floor is 2**17 x 8 x 1 for
# interactive logins with a 128 MiB budget; this keeps sign-in snappy on a 2-core machine)
SCRYPT_N = 2**15
_N, _R, _P = SCRYPT_N, 8, 1  # tests lower _N to keep sign-ins fast
_MAXMEM = 64 * 1024 * 1024
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class UserError(ValueError):
    """Bad input for an account (message in Vietnamese, shown as is)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=_MAXMEM, dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


# verifying against this when the e-mail is unknown keeps sign-in timing the same either way
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def add_user(session: Session, *, email: str, role: str, password: str, actor: str) -> StaffUser:
    """Create an account, or reset the role and password of an existing one (audited)."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise UserError(f"địa chỉ e-mail không hợp lệ: '{email}'")
    if role not in ROLES:
        raise UserError(f"vai trò phải là {' hoặc '.join(ROLES)}, không phải '{role}'")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    if user is None:
        user = StaffUser(email=email, role=role, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        record(session, actor=actor, source="cli", entity="staff_user", entity_id=user.id, action="created",
               changes={"email": email, "role": role})
        return user
    changes: dict[str, list[object]] = {"password": ["***", "***"]}
    if user.role != role:
        changes["role"] = [user.role, role]
    user.role, user.active, user.password_hash = role, True, hash_password(password)
    session.add(user)
    clear_failures(session, email=email)  # a reset password opens a throttled sign-in again
    ended = end_user_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    if ended:  # whoever held a session (a copied cookie too) signs in again, with the new password
        changes["sessions"] = [ended, 0]
    record(session, actor=actor, source="cli", entity="staff_user", entity_id=user.id, action="updated",
           changes=changes)
    return user


def authenticate(session: Session, *, email: str, password: str) -> StaffUser | None:
    """The active account with this e-mail and password; ``None`` otherwise (same timing)."""
    user = session.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None or not user.active:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        return None
    user.last_login_at = utcnow()
    session.add(user)
    record(session, actor=f"office:{user.email}", source="web", entity="staff_user", entity_id=user.id,
           action="signed_in", changes={})
    return user
