"""Mailing an agency its link (``/a/{token}``): asked for from the page of a refused link, after
the office revoked the old ones, or sent again by the office from the agency's page.

The link goes to an address on file only (the agency's, or its head's when asked for from
there), never to an address typed by a visitor. Every mail goes through the outbox: a row of
``agency_link_mail`` is written (and audited on the agency, models/agencies/link_mails.py)
before anything is sent, then the due rows are sent at once by the outbox's one mechanism
(flows/outbox/send.py), so the office still sees at once whether it went, and every mail is
listed in /outbox, retried after a failure and resent from there like the notices. The link is
made when the message is: a resend carries a link valid from then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Literal

from sqlmodel import Session

from config.settings import Settings, get_settings
from models.agencies.link_mails import link_mail_rows, queue_link_mails
from models.agencies.links import LINK_TTL_DAYS, agency_token
from models.core.db import get_engine, session_scope
from models.core.tables import SENT, Agency, AgencyLinkMail
from tasks.common.dates import local_today

if TYPE_CHECKING:
    from flows.outbox.send import OutboxStats
    from notifications.transport import OutgoingMessage

__all__ = ["LinkMail", "Reason", "agency_links", "retry_link_mails", "send_agency_links", "send_link_mails"]

log = logging.getLogger("dondoc.links")
Reason = Literal["requested", "revoked", "resent"]


@dataclass(frozen=True)
class LinkMail:
    agency_id: int
    agency_name: str
    to: str | None  # None: the agency has no address on file
    error: str | None = None  # why it was not sent

    @property
    def sent(self) -> bool:
        return self.to is not None and self.error is None


def agency_links(settings: Settings, *, agency_id: int, token: str) -> tuple[str, str]:
    """(the agency's page, its calendar feed) as absolute URLs for ``token``."""
    base = settings.base_url.rstrip("/")
    return f"{base}/a/{token}", f"{base}/agencies/{agency_id}/calendar.ics?token={token}"


LINK_BATCH = 100  # recipients per claim of link mails (they come a few at a time)


def _ready(message: OutgoingMessage) -> OutgoingMessage:
    """The message made while composing (one small text mail: nothing to defer)."""
    return message


def send_link_mails(*, settings: Settings | None = None, now: datetime | None = None) -> OutboxStats:
    """Send every due link mail (those just written, and those waiting for a retry). With none
    due the mail server is not contacted."""
    from flows.escalation.sweep import make_transport
    from flows.outbox.send import Outgoing, send_outbox
    from models.core.types import utcnow
    from notifications.messages.render import make_message, stable_message_id

    settings = settings or get_settings()
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "dondoc.example"
    valid_until = local_today() + timedelta(days=LINK_TTL_DAYS)

    def compose(session: Session, claimed: list[AgencyLinkMail]) -> list[Outgoing[AgencyLinkMail]]:
        out: list[Outgoing[AgencyLinkMail]] = []
        for row in claimed:
            agency = session.get(Agency, row.agency_id)
            if agency is None or agency.id is None:
                out.append(Outgoing(rows=[row], error="cơ quan không còn trong danh mục"))
                continue
            token = agency_token(session, agency_id=agency.id, secret=settings.secret_key)
            link, calendar = agency_links(settings, agency_id=agency.id, token=token)
            ctx = {"recipient_name": row.recipient_name, "office_name": settings.mail_from_name, "link": link,
                   "calendar_link": calendar, "valid_until": valid_until, "reason": row.reason,
                   "base_url": settings.base_url}
            message_id = stable_message_id([f"agency-link:{row.id}:{row.attempts}"], domain)
            message = make_message("agency_link", [row.recipient], ctx, message_id=message_id)
            out.append(Outgoing(rows=[row], render=partial(_ready, message), message_id=message_id))
        return out

    return send_outbox(table=AgencyLinkMail, engine=get_engine(), transport=make_transport(settings),
                       now=now or utcnow(), limit=LINK_BATCH, compose=compose)


def retry_link_mails(*, now: datetime | None = None) -> None:
    """The daily sweep's turn: the link mails waiting for a retry. A failure is logged, not raised
    (the rows stay in the outbox, and the sweep's notices are already sent)."""
    try:
        stats = send_link_mails(now=now)
    except Exception:
        log.exception("sending the pending link mails failed")
        return
    if stats.error:
        log.warning("link mails not sent, they stay in the outbox: %s", stats.error)


def send_agency_links(agency_ids: list[int], *, reason: Reason, actor: str, source: str = "web",
                      to: str | None = None, settings: Settings | None = None) -> list[LinkMail]:
    """Mail each agency a fresh link (to ``to`` when given: one of its addresses on file, as the
    caller has checked; else the agency's address, or its head's when it has none): the rows are
    written to the outbox in one transaction, then sent at once. Each result says whether its
    mail went (a mail the server did not take stays in the outbox, retried, with its error)."""
    settings = settings or get_settings()
    results: dict[int, LinkMail] = {}
    queued: list[tuple[int, str, str]] = []
    engine = get_engine()
    with session_scope(engine) as session:
        for agency_id in agency_ids:
            agency = session.get(Agency, agency_id)
            if agency is None:
                continue
            address = to or (agency.email or "").strip() or (agency.head_email or "").strip() or None
            if address is None:
                results[agency_id] = LinkMail(agency_id, agency.name, None, "không có địa chỉ thư điện tử")
                continue
            queued.append((agency_id, agency.name, address))
        ids = queue_link_mails(session, mails=queued, reason=reason, actor=actor, source=source)
    if ids:
        stats = send_link_mails(settings=settings)
        with session_scope(engine) as session:
            rows = link_mail_rows(session, ids=ids)
        for (agency_id, name, address), row_id in zip(queued, ids, strict=True):
            row = rows[row_id]
            error = None if row.status == SENT else (row.last_error or stats.error or "máy chủ thư chưa nhận thư")
            if error is not None:
                log.warning("link mail %s to agency %s not sent: %s", row_id, agency_id, error)
            results[agency_id] = LinkMail(agency_id, name, address, error)
    return [results[a] for a in agency_ids if a in results]
