"""Office sign-ins kept on the server: a session row per sign-in, found by the keyed hash of the
random id its cookie carries (``web.security.session_key``). Signing out, a password reset and the
expiry end it; a copied cookie then opens nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.types import utcnow
from models.core.web_tables import StaffSession, StaffUser


def open_session(session: Session, *, user_id: int, key: str, lifetime: timedelta,
                 now: datetime | None = None) -> StaffSession:
    """Keep a new sign-in of ``user_id`` (and forget every sign-in that has expired)."""
    now = now or utcnow()
    session.execute(sa.delete(StaffSession).where(col(StaffSession.expires_at) <= now))
    row = StaffSession(key=key, user_id=user_id, created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return row


def session_owner(session: Session, *, key: str, now: datetime | None = None) -> tuple[StaffUser, datetime] | None:
    """The active account a live session belongs to, and when the session ends; ``None`` for an
    unknown, ended or expired session or a deactivated account."""
    row = session.exec(
        select(StaffUser, StaffSession.expires_at)
        .join(StaffSession, col(StaffSession.user_id) == StaffUser.id)
        .where(StaffSession.key == key, col(StaffSession.expires_at) > (now or utcnow()),
               col(StaffUser.active).is_(True))
    ).first()
    return (row[0], row[1]) if row is not None else None


def end_user_sessions(session: Session, *, user_id: int) -> int:
    """End every sign-in of an account (sign-out, a new password); how many there were."""
    result = session.execute(sa.delete(StaffSession).where(col(StaffSession.user_id) == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sign_out(session: Session, *, key: str, now: datetime | None = None) -> StaffUser | None:
    """Sign-out: end every sign-in of the account this session belongs to (a copy of the cookie
    made elsewhere ends with it), audited; the account, or ``None`` for no live session."""
    found = session_owner(session, key=key, now=now)
    if found is None:
        session.execute(sa.delete(StaffSession).where(col(StaffSession.key) == key))  # an expired one, if any
        return None
    user = found[0]
    ended = end_user_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    record(session, actor=f"office:{user.email}", source="web", entity="staff_user", entity_id=user.id,
           action="signed_out", changes={"sessions": [ended, 0]})
    return user
