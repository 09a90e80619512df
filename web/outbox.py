"""Mail written to the outbox by a page (extension requests and decisions), sent after the response."""

from __future__ import annotations

import logging
from datetime import date

from fastapi import BackgroundTasks, Request

from web.deps import today

log = logging.getLogger("dondoc.web")


def _send(day: date) -> None:
    from flows.escalation.sweep import send_pending

    try:
        stats = send_pending(day)
    except Exception:  # the notices stay in the outbox; the next sweep or page sends them
        log.exception("sending the outbox after a page failed")
        return
    if stats.error:
        log.warning("mail server unreachable, notices stay pending: %s", stats.error)


def send_after_response(background: BackgroundTasks, request: Request) -> None:
    """Send what is pending once the page has answered: the person who clicked does not wait
    for the mail server, and a server that is down leaves the notices pending, with retries."""
    background.add_task(_send, today(request))
