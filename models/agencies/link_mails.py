"""An agency's link mails in the outbox (``agency_link_mail``): written before anything is sent,
one row per mail, audited like the mails sent at once before them (``link_sent`` on the agency,
which the link request form's rate limit counts: models/agencies/link_requests.py), then sent by
flows/agencies/links.py through the outbox's one mechanism."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.agencies.link_requests import note_link_sent
from models.core.tables import AgencyLinkMail

__all__ = ["LinkMailRow", "link_mail_rows", "queue_link_mails"]


@dataclass(frozen=True)
class LinkMailRow:
    id: int
    agency_id: int
    recipient: str
    status: str
    last_error: str | None


def queue_link_mails(session: Session, *, mails: Sequence[tuple[int, str, str]], reason: str, actor: str,
                     source: str) -> list[int]:
    """One pending row per (agency id, agency name, address), audited; their ids, in order. The
    caller's transaction writes them all or none."""
    rows = [AgencyLinkMail(agency_id=agency_id, reason=reason, actor=actor[:200], recipient=address,
                           recipient_name=name) for agency_id, name, address in mails]
    session.add_all(rows)
    session.flush()
    for row in rows:
        note_link_sent(session, agency_id=row.agency_id, to=row.recipient, reason=reason, actor=actor, source=source)
    return [row.id for row in rows if row.id is not None]


def link_mail_rows(session: Session, *, ids: Sequence[int]) -> dict[int, LinkMailRow]:
    """The rows ``ids`` as they stand now (after a send: sent, pending for a retry, or failed)."""
    if not ids:
        return {}
    found = session.exec(select(AgencyLinkMail).where(col(AgencyLinkMail.id).in_(list(ids))))
    return {r.id: LinkMailRow(r.id, r.agency_id, r.recipient, r.status, r.last_error) for r in found
            if r.id is not None}
