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
from models.core.web_tables import ROLE_NATIONAL, ROLES, StaffUser

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


def account_province(session: Session, *, role: str, province: str | None,
                     current: StaffUser | None = None) -> str | None:
    """The province an account of ``role`` gets (models/auth/scope.py): the one given (checked);
    none for a national account; else the account's own (an existing one) or the one province the
    database holds. A new non-national account on a database holding several is refused."""
    from models.auth.scope import check_province, held_provinces

    if role == ROLE_NATIONAL:
        if province:
            raise UserError("tài khoản national xem mọi tỉnh: không gán tỉnh (--province) cho nó")
        return None
    if province:
        try:
            return check_province(province)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if current is not None and current.province:
        return current.province
    held = sorted(held_provinces(session))
    if len(held) > 1:
        raise UserError(f"cơ sở dữ liệu có kế hoạch của nhiều tỉnh ({', '.join(held)}): cần --province SLUG")
    return held[0] if held else None


def add_user(session: Session, *, email: str, role: str, password: str, actor: str,
             province: str | None = None) -> StaffUser:
    """Create an account, or reset the role and password of an existing one (audited). Its
    province: ``province``, else as ``account_province`` says."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise UserError(f"địa chỉ e-mail không hợp lệ: '{email}'")
    if role not in ROLES:
        raise UserError(f"vai trò phải là {' hoặc '.join(ROLES)}, không phải '{role}'")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    slug = account_province(session, role=role, province=province, current=user)
    if user is None:
        user = StaffUser(email=email, role=role, province=slug, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        record(session, actor=actor, source="cli", entity="staff_user", entity_id=user.id, action="created",
               changes={"email": email, "role": role, "province": slug})
        return user
    changes: dict[str, list[object]] = {"password": ["***", "***"]}
    if user.role != role:
        changes["role"] = [user.role, role]
    if user.province != slug:
        changes["province"] = [user.province, slug]
    user.role, user.province, user.active, user.password_hash = role, slug, True, hash_password(password)
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
