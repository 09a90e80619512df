"""Slowing down password guessing at the office sign-in without locking the real user out.

Every wrong password (or unknown e-mail) is a ``sign_in_failure`` row: the e-mail as typed, the
client's address and the time; rows older than ``THROTTLE_WINDOW`` no longer count. Three budgets,
each with a growing wait once spent (``FIRST_WAIT`` after the try that spends it, doubled by each
further failure, at most ``THROTTLE_WINDOW``), never a lock that outlasts the guessing:

* one address at one account: ``FREE_PER_ACCOUNT_AND_ADDRESS`` tries (a user who mistypes five
  times waits 30 seconds, then a minute, ...);
* one account from every address together: ``FREE_PER_ACCOUNT`` tries; the wait applies to the
  addresses that have failed at this account, so the right password from another address
  (the real user's) still opens it while someone else guesses;
* one address at every account together: ``FREE_PER_ADDRESS`` tries, so trying one password at
  a hundred e-mails is slowed as much as a hundred at one.

While an address waits, its tries are answered "wait" without checking the password, so the
answer tells nothing about the password.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.types import utcnow
from models.core.web_tables import SignInFailure, StaffUser

THROTTLE_WINDOW = timedelta(minutes=15)
FIRST_WAIT = timedelta(seconds=30)
FREE_PER_ACCOUNT_AND_ADDRESS = 5
FREE_PER_ACCOUNT = 20
FREE_PER_ADDRESS = 20
_NO_WAIT = timedelta(0)


def _wait(failures: int, free: int, last: datetime | None, now: datetime) -> timedelta:
    """How long after ``last`` a budget of ``free`` tries spent by ``failures`` makes one wait."""
    if failures < free or last is None:
        return _NO_WAIT
    delay = min(FIRST_WAIT * 2 ** min(failures - free, 16), THROTTLE_WINDOW)
    return max(last + delay - now, _NO_WAIT)


def sign_in_wait(session: Session, *, email: str, client: str, now: datetime | None = None) -> timedelta:
    """How long this address must wait before its next try at this e-mail; zero when it may try now."""
    now = now or utcnow()
    since = now - THROTTLE_WINDOW
    key, address = _key(email), client[:64]
    account = session.execute(sa.select(col(SignInFailure.client), col(SignInFailure.at)).where(
        col(SignInFailure.email) == key, col(SignInFailure.at) >= since)).all()
    mine = [at for c, at in account if c == address]
    waits = [_wait(len(mine), FREE_PER_ACCOUNT_AND_ADDRESS, max(mine, default=None), now)]
    if mine:  # an address that has not failed here is not held up by others' guessing
        waits.append(_wait(len(account), FREE_PER_ACCOUNT, max(at for _, at in account), now))
    count, last = session.execute(sa.select(sa.func.count(), sa.func.max(col(SignInFailure.at))).where(
        col(SignInFailure.client) == address, col(SignInFailure.at) >= since)).one()
    waits.append(_wait(int(count), FREE_PER_ADDRESS, last, now))
    return max(waits)


def note_failure(session: Session, *, email: str, client: str, now: datetime | None = None) -> None:
    """Keep one wrong try (and forget this e-mail's and this address's tries older than the window).
    The try that spends an account's budget (from this address or from all) is an audit event of
    the account, when there is one."""
    now = now or utcnow()
    key, address = _key(email), client[:64]
    session.execute(sa.delete(SignInFailure).where(
        sa.or_(col(SignInFailure.email) == key, col(SignInFailure.client) == address),
        col(SignInFailure.at) < now - THROTTLE_WINDOW))
    session.add(SignInFailure(email=key, client=address, at=now))
    session.flush()
    account = session.execute(sa.select(col(SignInFailure.client)).where(
        col(SignInFailure.email) == key, col(SignInFailure.at) >= now - THROTTLE_WINDOW)).scalars().all()
    if sum(c == address for c in account) == FREE_PER_ACCOUNT_AND_ADDRESS or len(account) == FREE_PER_ACCOUNT:
        user = session.exec(select(StaffUser).where(StaffUser.email == key)).first()
        if user is not None:
            record(session, actor=f"web:{address}", source="web", entity="staff_user", entity_id=user.id,
                   action="sign_in_throttled", changes={})


def clear_failures(session: Session, *, email: str, client: str | None = None) -> None:
    """Forget an e-mail's wrong tries (from one address, or from all: a new password)."""
    q = sa.delete(SignInFailure).where(col(SignInFailure.email) == _key(email))
    if client is not None:
        q = q.where(col(SignInFailure.client) == client[:64])
    session.execute(q)


def _key(email: str) -> str:
    return email.strip().lower()[:200]
