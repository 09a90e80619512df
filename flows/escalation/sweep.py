"""The daily sweep: write today's notices into the outbox, then send one digest per recipient."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from config.settings import Settings, get_settings
from flows.engine import flow, step
from flows.outbox.send import Outgoing, send_outbox
from models.core.db import get_engine, session_scope
from models.core.tables import PENDING, Notice
from models.core.types import utcnow
from models.escalation.policies import schedule_unscheduled
from models.outbox.notices import analyze_outbox, notice_views, plan_notices, province_scope
from tasks.escalation.digests import EXTENSION_REQUEST, OVERSIGHT_ROLES, Digest, NoticeView, group_digests


@dataclass
class SendStats:
    messages_sent: int = 0
    notices_sent: int = 0
    messages_failed: int = 0
    error: str | None = None  # set when the mail server could not be reached at all
    # notices a stopped sweep had claimed, taken back; of them, those the mail server had accepted
    # (marked sent, not sent again)
    recovered: int = 0
    recovered_delivered: int = 0
    batches: int = 0
    # the time between each 250 and its commit in the ledger (flows/outbox/send.py)
    windows_ms: list[float] = field(default_factory=list)

    @property
    def window_ms(self) -> float:
        return max(self.windows_ms, default=0.0)


@dataclass
class SweepResult:
    as_of: date
    planned: Counter[tuple[str, int]]
    send: SendStats
    preview: list[Digest] = field(default_factory=list)  # dry run only

    @property
    def ok(self) -> bool:
        return self.send.error is None and self.send.messages_failed == 0


def make_transport(settings: Settings, province: str | None = None) -> Any:
    """A connection to the mail server; a province with a relay of its own (DONDOC_SMTP_RELAYS) uses that."""
    from notifications.smtp.transport import SmtpTransport

    host, port = settings.relay_for(province)
    return SmtpTransport(
        host, port, user=settings.smtp_user, password=settings.smtp_password,
        starttls=settings.smtp_starttls, mail_from=settings.mail_sender,  # "Văn phòng ... <address>"
    )


def _link_maker(settings: Settings, session: Any = None) -> Any:
    """Links carry the agency's current link generation (revoking its links raises it).

    With ``session`` every agency's token is read in that one session (one transaction for
    all the digests of a sweep, not one per agency)."""
    from models.agencies.links import agency_token

    tokens: dict[int, str] = {}
    base = settings.base_url.rstrip("/")

    def link(n: NoticeView) -> str:
        if n.kind == EXTENSION_REQUEST:  # the office decides on its own page
            return f"{base}/extensions"
        if n.recipient_role in OVERSIGHT_ROLES:
            # the office and the leadership open the office's page (signed in); an agency's
            # link would let them act, and be audited, as that agency
            return f"{base}/tasks/{n.task_id}"
        if n.agency_id not in tokens:
            if session is not None:
                tokens[n.agency_id] = agency_token(session, agency_id=n.agency_id, secret=settings.secret_key)
            else:
                with session_scope(get_engine()) as own:
                    tokens[n.agency_id] = agency_token(own, agency_id=n.agency_id, secret=settings.secret_key)
        return f"{base}/a/{tokens[n.agency_id]}/tasks/{n.task_id}"

    link.tokens = tokens  # type: ignore[attr-defined]  # filled ahead by a sweep's batch
    return link


def digest_message_id(digest: Digest, settings: Settings) -> str:
    """The digest's Message-ID: the same notices always give the same one."""
    from notifications.messages.render import stable_message_id

    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "dondoc.example"
    return stable_message_id(digest.keys(), domain)


def render_digest(digest: Digest, *, as_of: date, settings: Settings, link: Any, office_name: str,
                  message_id: str | None = None) -> Any:
    from notifications.messages.render import make_message

    ctx = digest.context(as_of=as_of, office_name=office_name, base_url=settings.base_url, link=link)
    return make_message(digest.kind, [digest.recipient], ctx,
                        message_id=message_id or digest_message_id(digest, settings))


OFFICE_NAME = "Văn phòng Điều phối nông thôn mới tỉnh"


@step()
def plan_day(as_of: date, now: datetime | None = None) -> Counter[tuple[str, int]]:
    settings = get_settings()
    with session_scope(get_engine()) as session:
        schedule_unscheduled(session, path=settings.escalation_policy)
        planned = plan_notices(session, as_of=as_of, now=now)
    analyze_outbox(get_engine(), added=sum(planned.values()))
    return planned


@step(retries=0)
def send_pending(as_of: date, now: datetime | None = None, province: str | None = None) -> SendStats:
    """Send every due notice, one digest per recipient, in batches of DONDOC_SEND_BATCH
    recipients over DONDOC_SMTP_CONNECTIONS connections, writing each batch's results back
    (flows/outbox/send.py); first, the notices a stopped sweep had claimed are taken back. The
    sweep reports a mail server that is down even when nothing is due (its exit status tells
    the office). With ``province``, only the notices of that province's plans."""
    settings = get_settings()

    def digests(session: Session, claimed: list[Notice]) -> list[Outgoing[Notice]]:
        by_id = {n.id: n for n in claimed}
        grouped = group_digests(notice_views(session, notices=claimed))
        from models.agencies.links import agency_tokens
        from models.escalation.situation import attach_situations  # each message states the whole situation

        attach_situations(session, grouped, as_of=as_of, policy_path=settings.escalation_policy)
        link = _link_maker(settings, session)
        # every agency's link token, read with one query in this transaction
        link.tokens.update(agency_tokens(session, agency_ids={n.agency_id for d in grouped for n in d.notices},
                                         secret=settings.secret_key))
        # each digest is rendered in this thread while the previous one is on the wire (no
        # database needed: the tokens are cached in ``link``)
        out = []
        for d in grouped:
            message_id = digest_message_id(d, settings)
            out.append(Outgoing(rows=[by_id[i] for i in d.notice_ids], message_id=message_id,
                                render=partial(render_digest, d, as_of=as_of, settings=settings, link=link,
                                               office_name=OFFICE_NAME, message_id=message_id)))
        return out

    def send(relay: str | None, scope: Any) -> SendStats:
        sent = send_outbox(table=Notice, engine=get_engine(), connect=partial(make_transport, settings, relay),
                           connections=settings.smtp_connections, now=now or utcnow(), limit=settings.send_batch,
                           compose=digests, check_when_idle=True, scope=scope)
        return SendStats(messages_sent=sent.messages_sent, notices_sent=sent.rows_sent,
                         messages_failed=sent.messages_failed, error=sent.error,
                         recovered=sent.recovered.rows, recovered_delivered=sent.recovered.delivered,
                         batches=sent.batches, windows_ms=sent.windows_ms)

    if province is not None:
        return send(province, province_scope(province))
    relayed = settings.relayed_provinces()
    if not relayed:
        return send(None, None)
    # the provinces with relays of their own (DONDOC_SMTP_RELAYS) each through theirs, then the rest
    parts = [send(p, province_scope(p)) for p in relayed]
    parts.append(send(None, sa.not_(province_scope(*relayed))))
    errors = [s.error for s in parts if s.error]
    return SendStats(messages_sent=sum(s.messages_sent for s in parts), notices_sent=sum(s.notices_sent for s in parts),
                     messages_failed=sum(s.messages_failed for s in parts), error="; ".join(errors) or None,
                     recovered=sum(s.recovered for s in parts),
                     recovered_delivered=sum(s.recovered_delivered for s in parts),
                     batches=sum(s.batches for s in parts), windows_ms=[w for s in parts for w in s.windows_ms])


def preview_day(as_of: date, province: str | None = None) -> tuple[Counter[tuple[str, int]], list[Digest]]:
    """What a sweep would send, computed inside a transaction that is rolled back."""
    settings = get_settings()
    engine = get_engine()
    from sqlmodel import Session, select

    session = Session(engine)
    try:
        schedule_unscheduled(session, path=settings.escalation_policy)
        planned = plan_notices(session, as_of=as_of)
        query = select(Notice).where(Notice.status == PENDING)
        if province is not None:
            query = query.where(province_scope(province))
        pending = list(session.exec(query))
        digests = group_digests(notice_views(session, notices=pending))
    finally:
        session.rollback()
        session.close()
    return planned, digests


@flow("daily-sweep")
def daily_sweep(as_of: date | None = None, dry_run: bool = False, now: datetime | None = None,
                province: str | None = None) -> SweepResult:
    """``as_of`` is the day whose notices are due; ``now`` the clock for retries (tests move it).

    With ``province`` the sweep sends only the notices of that province's plans (one province's
    run of a sweep spread over workers); the day's planning is one statement for every province,
    adding nothing a run of another province already wrote."""
    from tasks.common.dates import local_today

    day = as_of or local_today()
    if dry_run:
        planned, digests = preview_day(day, province)
        return SweepResult(as_of=day, planned=planned, send=SendStats(), preview=digests)
    planned = plan_day(day, now)
    result = SweepResult(as_of=day, planned=planned, send=send_pending(day, now, province))
    if province is None:  # the agencies' link mails waiting for a retry go out with the day's mail
        from flows.agencies.links import retry_link_mails

        retry_link_mails(now=now)
    return result
