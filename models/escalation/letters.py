"""The công văn đôn đốc of an agency, from the database: its overdue lead tasks of the day, the
province's coordination office that issues it, the signer the office set (DONDOC_SIGNER_TITLE,
DONDOC_SIGNER_NAME). Each one made is kept under ``DONDOC_DATA_DIR/cong-van/`` (one file per
agency, day and level), beside the tasks it names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col

from config.settings import Settings
from models.core.tables import LEAD, Agency
from models.escalation.situation import agency_situations, office_names, province_name
from tasks.escalation.letter import CongVan, file_name, issuer_lines, office_symbol, render_cong_van, signer_lines
from tasks.escalation.situation import AgencySituation, SituationItem

__all__ = ["LETTERS_DIR", "cong_van_data", "cong_van_for", "keep_cong_van"]

LETTERS_DIR = "cong-van"


def cong_van_data(session: Session, *, agency: Agency, situation: AgencySituation, settings: Settings,
                  level: int | None = None, offices: dict[str, str] | None = None,
                  symbols: dict[str, str] | None = None) -> CongVan | None:
    """The công văn for the agency's situation (its overdue lead assignments); None when it has none.
    ``level``: the letter's (the sweep's notices); by default the highest its tasks have reached.
    ``symbols``: the offices' ký hiệu by province, read once per province and kept there (a
    sweep makes thousands of letters)."""
    items: tuple[SituationItem, ...] = tuple(i for i in situation.overdue if i.role == LEAD)
    if not items:
        return None
    offices = offices if offices is not None else office_names(session, provinces={agency.province})
    office = offices.get(agency.province) or settings.mail_from_name
    symbols = symbols if symbols is not None else {}
    if agency.province not in symbols:
        aliases = session.execute(sa.select(col(Agency.aliases), col(Agency.name)).where(
            col(Agency.province) == agency.province, col(Agency.kind) == "office").order_by(col(Agency.id))).first()
        symbols[agency.province] = office_symbol(aliases[0] if aliases else [], aliases[1] if aliases else office)
    symbol = symbols[agency.province]
    place = province_name(agency.province)
    return CongVan(province_name=place, office_name=office, issuing_body=issuer_lines(office, place), symbol=symbol,
                   issued_on=situation.as_of, agency_name=agency.name, items=items,
                   level=level if level is not None else max(situation.level, 1),
                   signer_title=signer_lines(settings.signer_title), signer_name=settings.signer_name.strip())


def cong_van_for(session: Session, *, agency_id: int, as_of: date, settings: Settings) -> CongVan | None:
    """The công văn the agency would get today (on demand, from its page)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        return None
    situation = agency_situations(session, agency_ids=[agency_id], as_of=as_of,
                                  policy_path=settings.escalation_policy)[agency_id]
    return cong_van_data(session, agency=agency, situation=situation, settings=settings)


def keep_cong_van(data: CongVan, *, province: str, agency_key: str, data_dir: Path) -> tuple[str, bytes]:
    """Render the công văn and keep it under ``data_dir/cong-van/<province>/<agency>/``; returns
    its file name and content (the same day and level again replaces the file)."""
    content = render_cong_van(data)
    folder = data_dir / LETTERS_DIR / province / agency_key
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{data.issued_on.isoformat()}-cap-{data.level}.docx"
    tmp = stored.with_suffix(".tmp")
    tmp.write_bytes(content)
    tmp.replace(stored)  # a reader never sees half a file
    return file_name(data.agency_name, data.issued_on), content


def agencies_by_id(session: Session, ids: Iterable[int]) -> dict[int, Agency]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in session.execute(sa.select(Agency).where(col(Agency.id).in_(wanted))).scalars()
            if a.id is not None}
