"""The agencies' signed links: made with the agency's current generation, checked against it,
revoked by raising it (tasks/tokens.py signs and reads; this module adds the database side)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from models.core.audit import record
from models.core.tables import Agency
from models.core.types import utcnow
from tasks.common.tokens import BadToken, make_agency_token, read_agency_token

LINK_TTL_DAYS = 60


def agency_token(session: Session, *, agency_id: int, secret: str, ttl_days: int = LINK_TTL_DAYS) -> str:
    """A fresh link token for the agency, valid until its links are revoked or it expires."""
    generation = session.exec(select(Agency.link_generation).where(Agency.id == agency_id)).one()
    return make_agency_token(agency_id, secret=secret, ttl_days=ttl_days, generation=generation)


def agency_tokens(session: Session, *, agency_ids: Iterable[int], secret: str,
                  ttl_days: int = LINK_TTL_DAYS) -> dict[int, str]:
    """``agency_token`` for many agencies with one query (a sweep's batch names hundreds)."""
    wanted = sorted(set(agency_ids))
    out: dict[int, str] = {}
    for start in range(0, len(wanted), 5000):  # bounded IN lists
        rows = session.exec(select(Agency.id, Agency.link_generation)
                            .where(col(Agency.id).in_(wanted[start:start + 5000])))
        for aid, generation in rows:
            if aid is not None:
                out[aid] = make_agency_token(aid, secret=secret, ttl_days=ttl_days, generation=generation)
    return out


def agency_from_token(session: Session, *, token: str, secret: str) -> Agency:
    """The agency a token opens; ``BadToken`` (with a Vietnamese message) when it opens nothing."""
    try:
        agency_id, generation = read_agency_token(token, secret=secret)
    except BadToken as exc:
        if "expired" in str(exc):
            raise BadToken("Đường liên kết đã hết hạn. Vui lòng dùng liên kết trong thư nhắc việc mới nhất.") from exc
        raise BadToken("Đường liên kết không hợp lệ.") from exc
    agency = session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise BadToken("Đường liên kết không hợp lệ.")
    if generation != agency.link_generation:
        raise BadToken("Đường liên kết này đã bị thu hồi. Vui lòng dùng liên kết trong thư nhắc việc mới nhất.")
    return agency


def revoke_links(session: Session, *, agency: Agency, actor: str, source: str = "web") -> int:
    """Invalidate every link issued to the agency so far; returns the new generation."""
    old = agency.link_generation
    agency.link_generation = old + 1
    agency.updated_at = utcnow()
    session.add(agency)
    record(session, actor=actor, source=source, entity="agency", entity_id=agency.id, action="links_revoked",
           changes={"link_generation": [old, old + 1]})
    session.flush()
    return agency.link_generation
