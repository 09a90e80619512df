"""Mailing an agency its link (``/a/{token}``): asked for from the page of a refused link, after
the office revoked the old ones, or sent again by the office from the agency's page.

The link goes to an address on file only (the agency's, or its head's when asked for from
there), never to an address typed by a visitor; each mail sent is audited on the agency
(models/agencies/link_requests.py). Sent at once over SMTP, not through the outbox (whose rows
belong to an assignment): the office sees at once whether it went, and a visitor's request
simply says to ask again.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from config.settings import Settings, get_settings
from models.agencies.link_requests import note_link_sent
from models.agencies.links import LINK_TTL_DAYS, agency_token
from models.core.db import get_engine, session_scope
from models.core.tables import Agency
from tasks.common.dates import local_today

__all__ = ["LinkMail", "Reason", "agency_links", "send_agency_links"]

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


def send_agency_links(agency_ids: list[int], *, reason: Reason, actor: str, source: str = "web",
                      to: str | None = None, settings: Settings | None = None) -> list[LinkMail]:
    """Mail each agency a fresh link (to ``to`` when given: one of its addresses on file, as the
    caller has checked; else the agency's address, or its head's when it has none)."""
    from flows.escalation.sweep import make_transport
    from notifications.messages.render import make_message
    from notifications.transport import OutgoingMessage

    settings = settings or get_settings()
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "dondoc.example"
    valid_until = local_today() + timedelta(days=LINK_TTL_DAYS)
    results: list[LinkMail] = []
    messages: list[tuple[Agency, str, OutgoingMessage]] = []
    engine = get_engine()
    with session_scope(engine) as session:
        for agency_id in agency_ids:
            agency = session.get(Agency, agency_id)
            if agency is None:
                continue
            address = to or (agency.email or "").strip() or (agency.head_email or "").strip() or None
            if address is None:
                results.append(LinkMail(agency_id, agency.name, None, "không có địa chỉ thư điện tử"))
                continue
            token = agency_token(session, agency_id=agency_id, secret=settings.secret_key)
            link, calendar = agency_links(settings, agency_id=agency_id, token=token)
            ctx = {"recipient_name": agency.name, "office_name": settings.mail_from_name, "link": link,
                   "calendar_link": calendar, "valid_until": valid_until, "reason": reason,
                   "base_url": settings.base_url}
            message_id = f"<link-{secrets.token_hex(12)}@{domain}>"  # each mail its own: a new link every time
            messages.append((agency, address, make_message("agency_link", [address], ctx, message_id=message_id)))
    if messages:
        transport = make_transport(settings)
        try:
            outcome = list(transport.send_many(m for _, _, m in messages))
        finally:
            transport.close()
        with session_scope(engine) as session:
            for (agency, address, _), (_, error) in zip(messages, outcome, strict=True):
                if error is not None:
                    log.warning("link mail to agency %s not sent: %s", agency.id, error)
                    results.append(LinkMail(agency.id, agency.name, address, str(error)))  # type: ignore[arg-type]
                    continue
                note_link_sent(session, agency_id=agency.id, to=address, reason=reason, actor=actor,  # type: ignore[arg-type]
                               source=source)
                results.append(LinkMail(agency.id, agency.name, address))  # type: ignore[arg-type]
    return results
