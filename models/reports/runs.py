"""Compiled reports: their runs, the archive of their files, and their e-mail delivery.

Every run keeps its files under ``DONDOC_DATA_DIR/reports/<plan-slug>/<period>/<run id>/`` (paths
stored relative to the data directory), so each past report stays downloadable:
``report_runs`` lists them, ``run_file`` gives a file's path.

A scheduled run is unique per plan and period (``schedule_key``): a job that runs twice, or
twice at once, compiles and mails once. Its delivery is an outbox like the notices': one row
per recipient (the province's coordination office and the plan's leadership address), claimed,
retried and marked by the outbox's one mechanism (models/outbox/queue.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col, select

from models.agencies.directory import province_office
from models.core.report_tables import (
    RUN_DONE,
    RUN_FAILED,
    RUN_RUNNING,
    TRIGGER_SCHEDULED,
    ReportDelivery,
    ReportRun,
)
from models.core.tables import PENDING, Plan
from models.core.types import utcnow

__all__ = [
    "ARCHIVE",
    "DELIVERY_CLAIM_LIMIT",
    "RunView",
    "claim_scheduled_run",
    "delivery_runs",
    "finish_run",
    "queue_deliveries",
    "report_runs",
    "run_dir",
    "run_file",
]

ARCHIVE = "reports"
STALE_RUN = timedelta(minutes=30)  # a scheduled run "running" for longer crashed: it may be taken over
DELIVERY_CLAIM_LIMIT = 1000  # the most report e-mails one job claims (and sends) at once


def run_dir(data_dir: Path, *, slug: str, period: str, run_id: int) -> Path:
    return data_dir / ARCHIVE / slug / period / f"{run_id:06d}"


def schedule_key(plan_id: int, period: str) -> str:
    return f"{plan_id}:{period}"


def claim_scheduled_run(
    engine: Engine, *, plan_id: int, period: str, as_of: date, report_date: date, actor: str,
    now: datetime | None = None,
) -> ReportRun | None:
    """The plan's scheduled run for ``period``, claimed for this process; None when another
    process has done it or is doing it. Commits on its own (the claim must be visible)."""
    now = now or utcnow()
    key = schedule_key(plan_id, period)
    with Session(engine, expire_on_commit=False) as session:
        run = ReportRun(plan_id=plan_id, period=period, as_of=as_of, report_date=report_date, trigger=TRIGGER_SCHEDULED,
                        status=RUN_RUNNING, actor=actor, schedule_key=key, started_at=now)
        session.add(run)
        try:
            session.commit()
            return run
        except sa.exc.IntegrityError:
            session.rollback()
        existing = session.exec(select(ReportRun).where(ReportRun.schedule_key == key)).one()
        if existing.status == RUN_DONE:
            return None
        if existing.status == RUN_RUNNING and existing.started_at > now - STALE_RUN:
            return None
        taken = cast(CursorResult[Any], session.execute(
            sa.update(ReportRun)
            .where(col(ReportRun.id) == existing.id, col(ReportRun.status) == existing.status,
                   col(ReportRun.started_at) == existing.started_at)
            .values(status=RUN_RUNNING, started_at=now, as_of=as_of, report_date=report_date, error=None)
        )).rowcount
        session.commit()
        if taken != 1:
            return None
        session.refresh(existing)
        return existing


def finish_run(session: Session, *, run: ReportRun, files: dict[str, Any], summary: dict[str, Any]) -> None:
    run.files, run.summary = files, summary
    run.status, run.generated_at, run.error = RUN_DONE, utcnow(), None
    session.add(run)


def fail_run(engine: Engine, *, run_id: int, error: str) -> None:
    with Session(engine) as session:
        session.execute(
            sa.update(ReportRun).where(col(ReportRun.id) == run_id).values(status=RUN_FAILED, error=error[:2000])
        )
        session.commit()


@dataclass(frozen=True)
class RunView:
    id: int
    plan_id: int
    plan_code: str
    province: str
    period: str
    as_of: date
    report_date: date
    trigger: str
    generated_at: datetime | None
    files: dict[str, Any]  # format -> {"path", "name", "sha256", "size"}
    summary: dict[str, Any]


def report_runs(session: Session, *, plan_id: int | None = None, period: str | None = None,
                provinces: tuple[str, ...] | None = None) -> list[RunView]:
    """Completed report runs, newest first, with their files (for the dashboard's downloads)."""
    q = (
        select(ReportRun, Plan.code, Plan.province).join(Plan, Plan.id == ReportRun.plan_id)  # type: ignore[arg-type]
        .where(ReportRun.status == RUN_DONE)
    )
    if plan_id is not None:
        q = q.where(ReportRun.plan_id == plan_id)
    if period is not None:
        q = q.where(ReportRun.period == period)
    if provinces is not None:
        q = q.where(col(Plan.province).in_(provinces))
    q = q.order_by(ReportRun.generated_at.desc(), ReportRun.id.desc())  # type: ignore[union-attr]
    return [
        RunView(id=r.id, plan_id=r.plan_id, plan_code=code, province=province, period=r.period, as_of=r.as_of,
                report_date=r.report_date, trigger=r.trigger, generated_at=r.generated_at, files=dict(r.files),
                summary=dict(r.summary))
        for r, code, province in session.execute(q)
    ]


def run_file(data_dir: Path, run: RunView | ReportRun, fmt: str) -> Path | None:
    """The stored file of a run in ``fmt`` ("docx", "xlsx", "html"), None if it has none.

    The stored path must stay inside the archive: a row cannot point elsewhere on the disk."""
    entry = (run.files or {}).get(fmt)
    if not entry:
        return None
    root = (data_dir / ARCHIVE).resolve()
    path = (data_dir / entry["path"]).resolve()
    if root not in path.parents:
        raise ValueError(f"report file outside the archive: {entry['path']}")
    return path


# --- delivery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRecipient:
    role: str
    email: str
    name: str


def recipients(session: Session, *, plan: Plan) -> list[ReportRecipient]:
    """The province's coordination office and the plan's leadership address, once each."""
    out: list[ReportRecipient] = []
    office = province_office(session, province=plan.province)
    if office is not None and office.email:
        out.append(ReportRecipient("office", office.email, office.name))
    if plan.leadership_email:
        out.append(ReportRecipient("leadership", plan.leadership_email, "Lãnh đạo UBND tỉnh"))
    seen: set[str] = set()
    return [r for r in out if not (r.email.lower() in seen or seen.add(r.email.lower()))]  # type: ignore[func-returns-value]


def queue_deliveries(session: Session, *, run: ReportRun, plan: Plan, now: datetime | None = None) -> int:
    """One pending delivery per recipient of the run (the unique key makes a repeat add nothing)."""
    now = now or utcnow()
    rows = [
        {"report_run_id": run.id, "recipient": r.email, "recipient_name": r.name, "recipient_role": r.role,
         "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
        for r in recipients(session, plan=plan)
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReportDelivery)
    result = session.execute(ins.on_conflict_do_nothing().returning(col(ReportDelivery.id)), rows)
    return len(result.all())


def delivery_runs(session: Session, *, run_ids: list[int]) -> dict[int, tuple[ReportRun, Plan]]:
    """The runs (and their plans) that claimed deliveries mail, by run id."""
    if not run_ids:
        return {}
    rows = session.execute(
        select(ReportRun, Plan).join(Plan, Plan.id == ReportRun.plan_id).where(ReportRun.id.in_(run_ids))  # type: ignore[arg-type,union-attr]
    ).all()
    return {run.id: (run, plan) for run, plan in rows}
