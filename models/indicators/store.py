"""A plan's indicators (chỉ tiêu) in the database: stored at import, read back for reports.

    found = plan_indicators(doc, parsed)                       # text, Biểu 01 tables, appendix targets
    store_indicators(session, plan_id=..., directory=parsed.province, indicators=found, actor="cli")
    defs = load_indicators(session, plan_id=...)                # tasks.indicators.targets.Indicator again

Indicators are keyed by ``Indicator.key`` (name, unit, district): a re-import updates them in
place, and one the plan no longer states is kept (its reported values with it) but marked
inactive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models.agencies.directory import agency_ids
from models.core.audit import apply_changes, record
from models.core.report_tables import Indicator as IndicatorRow
from models.core.report_tables import IndicatorValue
from models.core.tables import Agency
from models.core.types import utcnow
from tasks.indicators.targets import Indicator, IndicatorFact, Target, document_indicators

__all__ = [
    "indicator_facts", "indicator_keys", "latest_values", "load_indicators", "plan_indicators", "store_indicators",
]

SOURCE = "plan import"


def plan_indicators(doc: Any, parsed: Any) -> list[Indicator]:
    """Targets from the plan's text and tables, and from its appendix rows: what the parse read
    (``ParsedPlan.indicators``, also in `dondoc import --json`), else read here."""
    if getattr(parsed, "indicators", None):
        return list(parsed.indicators)
    rows = [(t.ref, {m.year: m.target for m in t.milestones}, t.row.lead_text) for t in parsed.tasks if t.milestones]
    return document_indicators(doc, plan_year=parsed.year, title=parsed.meta.title, appendix_rows=rows)


def _targets(indicator: Indicator) -> list[dict[str, Any]]:
    return [asdict(t) for t in indicator.targets]


def _owner_id(directory: Any, ids: dict[str, int], indicator: Indicator) -> int | None:
    """The agency answerable for an indicator: the one the plan names, or the district's UBND."""
    names = [indicator.owner] if indicator.owner else []
    if indicator.district:
        names += [f"UBND {indicator.district}", indicator.district]
    for name in names:
        try:
            entry = directory.resolve_name(name) if directory is not None else None
        except Exception:  # odd wording is not an import error
            entry = None
        if entry is not None and entry.key in ids:
            return ids[entry.key]
    return None


def _values(indicator: Indicator, owner_id: int | None, position: int) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": indicator.baseline,
        "baseline_year": indicator.baseline_year,
        "district": indicator.district,
        "owner_text": indicator.owner,
        "owner_agency_id": owner_id,
        "direction": indicator.direction,
        "source": indicator.source,
        "targets": _targets(indicator),
        "source_text": indicator.source_text or None,
        "position": position,
        "active": True,
    }


def store_indicators(
    session: Session, *, plan_id: int, province: str, directory: Any, indicators: Sequence[Indicator], actor: str,
    effective_on: date | None = None,
) -> dict[str, int]:
    """Insert or update the plan's indicators by key (audited); returns counts."""
    ids = agency_ids(session, province=province)
    existing = {row.key: row for row in session.exec(select(IndicatorRow).where(IndicatorRow.plan_id == plan_id))}
    counts = {"created": 0, "updated": 0, "retired": 0}
    seen: set[str] = set()
    for position, indicator in enumerate(indicators):
        key = indicator.key
        if key in seen:
            continue
        seen.add(key)
        values = _values(indicator, _owner_id(directory, ids, indicator), position)
        row = existing.get(key)
        if row is None:
            row = IndicatorRow(plan_id=plan_id, key=key, **values)
            session.add(row)
            session.flush()
            record(session, actor=actor, source=SOURCE, entity="indicator", entity_id=row.id, action="created",
                   changes={"key": key, "targets": values["targets"]}, effective_on=effective_on)
            counts["created"] += 1
            continue
        changes = apply_changes(row, values, skip=("position",))
        row.position = position
        if changes:
            row.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="indicator", entity_id=row.id, action="updated",
                   changes=changes)
            counts["updated"] += 1
    for key, row in existing.items():
        if key not in seen and row.active:
            row.active = False
            row.updated_at = utcnow()
            record(session, actor=actor, source=SOURCE, entity="indicator", entity_id=row.id, action="retired",
                   changes={"active": [True, False]})
            counts["retired"] += 1
    session.flush()
    return counts


def _indicator(row: Any) -> Indicator:
    targets = tuple(
        Target(year=int(t["year"]), low=float(t["low"]), high=t.get("high"), qualifier=t.get("qualifier"),
               per_year=bool(t.get("per_year")))
        for t in row.targets or ()
    )
    return Indicator(
        name=row.name, unit=row.unit, targets=targets, baseline=row.baseline, baseline_year=row.baseline_year,
        owner=row.owner_text, district=row.district, direction=row.direction, source=row.source,
        source_text=row.source_text or "",
    )


def load_indicators(session: Session, *, plan_id: int) -> list[Indicator]:
    """The plan's active indicators in document order, as tasks.indicators.targets.Indicator."""
    rows = session.exec(
        select(IndicatorRow).where(IndicatorRow.plan_id == plan_id, IndicatorRow.active == True)  # noqa: E712
        .order_by(col(IndicatorRow.position), col(IndicatorRow.id))
    ).all()
    return [_indicator(r) for r in rows]


def indicator_keys(session: Session, *, plan_id: int) -> dict[str, int]:
    """Indicator key -> id for the plan's active indicators."""
    return dict(session.execute(
        select(col(IndicatorRow.key), col(IndicatorRow.id))
        .where(IndicatorRow.plan_id == plan_id, IndicatorRow.active == True)  # noqa: E712
    ).tuples().all())


def indicator_facts(
    session: Session, *, plan_id: int, period: str | None = None, through: date, as_of: date
) -> list[IndicatorFact]:
    """Reported values for the report on ``as_of``, oldest first (the latest per indicator counts).

    Values of the report's own ``period`` reported up to ``through`` (the agencies' deadline:
    they report after the cut-off, on data as of it) count as of ``as_of``; values of other
    periods count from the day they were reported, up to ``as_of``.
    """
    q = (
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for 4 columns at most
            IndicatorRow.key, IndicatorValue.value, IndicatorValue.reported_on, IndicatorValue.period, Agency.name)
        .join(IndicatorRow, col(IndicatorRow.id) == col(IndicatorValue.indicator_id))
        .outerjoin(Agency, col(Agency.id) == col(IndicatorValue.agency_id))
        .where(col(IndicatorRow.plan_id) == plan_id, col(IndicatorValue.reported_on) <= max(through, as_of))
        .order_by(col(IndicatorValue.reported_on), col(IndicatorValue.id))
    )
    facts: list[IndicatorFact] = []
    for key, value, reported_on, value_period, agency in session.execute(q):
        if value_period == period and period is not None:
            if reported_on > through:
                continue
            reported_on = min(reported_on, as_of)
        elif reported_on > as_of:
            continue
        facts.append(IndicatorFact(key, float(value), reported_on, agency))
    facts.sort(key=lambda f: f.reported_on)  # stable: the order of reporting within a day stays
    return facts


def latest_values(session: Session, *, indicator_ids: Iterable[int]) -> dict[int, float]:
    ids = list(indicator_ids)
    if not ids:
        return {}
    q = (
        select(col(IndicatorValue.indicator_id), col(IndicatorValue.value))
        .where(col(IndicatorValue.indicator_id).in_(ids))
        .order_by(col(IndicatorValue.reported_on), col(IndicatorValue.id))
    )
    # .all(): a Result has keys(), so dict() would take it for a mapping; the latest value wins
    return dict(session.execute(q).tuples().all())

