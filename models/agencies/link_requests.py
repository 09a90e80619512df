"""Asking for a new link from a dead one: which agencies an address belongs to, and how often
an address on the Internet may ask (the database side; flows/agencies/links.py sends).

Anyone can type an address into the form of a refused link, so the answer never tells whether
the address is an agency's, and two budgets bound what the form can do:

* one client address: ``PER_CLIENT`` requests an hour, whatever was typed (beyond, the form
  asks it to wait; the same answer for every address typed);
* one agency: ``PER_AGENCY`` link mails an hour from the form (beyond, nothing more is sent,
  and the answer is the same as ever), so the form cannot be used to flood an agency's mailbox.

Both are counted on the audit log: every request is an event ``link_requested`` of the client
(``web:ADDRESS``, the typed address not kept), every mail sent an event ``link_sent`` of the
agency (who caused it, and to which of its addresses on file).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.tables import Agency, AuditEvent
from models.core.types import utcnow

__all__ = ["LINK_REQUESTED", "LINK_SENT", "PER_AGENCY", "PER_CLIENT", "WINDOW", "agencies_for_address",
           "client_actor", "client_wait", "note_link_sent", "note_request", "sent_from_form"]

LINK_REQUESTED = "link_requested"
LINK_SENT = "link_sent"
WINDOW = timedelta(hours=1)
PER_CLIENT = 5
PER_AGENCY = 3
MAX_ADDRESS = 200


def client_actor(client: str) -> str:
    """The actor of what an anonymous visitor does: its network address."""
    return f"web:{client[:64]}"


def agencies_for_address(session: Session, *, address: str) -> list[Agency]:
    """The agencies in force whose address on file (the agency's or its head's) is ``address``,
    case aside."""
    key = address.strip().lower()
    if "@" not in key or len(key) > MAX_ADDRESS:
        return []
    return list(session.exec(
        select(Agency).where(col(Agency.active) == True,  # noqa: E712
                             sa.or_(sa.func.lower(col(Agency.email)) == key,
                                    sa.func.lower(col(Agency.head_email)) == key))
        .order_by(col(Agency.id))
    ))


def client_wait(session: Session, *, client: str, now: datetime | None = None) -> timedelta:
    """How long this client must wait before asking again; zero when it may ask now."""
    now = now or utcnow()
    times = session.execute(
        sa.select(col(AuditEvent.at)).where(col(AuditEvent.action) == LINK_REQUESTED,
                                            col(AuditEvent.actor) == client_actor(client),
                                            col(AuditEvent.at) >= now - WINDOW)
        .order_by(col(AuditEvent.at))
    ).scalars().all()
    if len(times) < PER_CLIENT:
        return timedelta(0)
    oldest = times[-PER_CLIENT]
    if oldest.tzinfo is None and now.tzinfo is not None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(oldest + WINDOW - now, timedelta(0))


def sent_from_form(session: Session, *, agency_id: int, now: datetime | None = None) -> int:
    """Link mails the form caused for the agency within the last ``WINDOW``."""
    now = now or utcnow()
    return session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where(col(AuditEvent.entity) == "agency", col(AuditEvent.entity_id) == agency_id,
               col(AuditEvent.action) == LINK_SENT, col(AuditEvent.actor).startswith("web:"),
               col(AuditEvent.at) >= now - WINDOW)
    ).scalar_one()


def note_request(session: Session, *, client: str, found: int) -> None:
    """One request from ``client`` (audited without the address typed: only how many agencies it named)."""
    record(session, actor=client_actor(client), source="web", entity="link_request", entity_id=None,
           action=LINK_REQUESTED, changes={"agencies": found})


def note_link_sent(session: Session, *, agency_id: int, to: str, reason: str, actor: str, source: str) -> None:
    record(session, actor=actor, source=source, entity="agency", entity_id=agency_id, action=LINK_SENT,
           changes={"to": to, "reason": reason})
