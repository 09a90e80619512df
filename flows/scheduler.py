"""The embedded scheduler: APScheduler in-process, its job store in the application database.

Only one embedded scheduler may use a job store (../shared/NOTES.md): a process takes an
exclusive lock first (a PostgreSQL advisory lock, or a file lock beside the SQLite database).
Jobs coalesce with no misfire limit, so a machine that was off for days runs one catch-up
sweep on start, as of today, which covers everything missed, once.
"""

from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings

log = logging.getLogger("dondoc.scheduler")
# one lock per database and schema: a server may hold several dondoc installations
LOCK_KEY_SQL = "hashtext('dondoc-scheduler.' || current_database() || '.' || current_schema())"


@dataclass(frozen=True)
class Job:
    name: str
    function: str  # "module:function", as APScheduler's job store needs
    prefect_entrypoint: str
    cron: str


@dataclass(frozen=True)
class Schedules:
    timezone: str
    jobs: tuple[Job, ...]


class SchedulerLockError(RuntimeError):
    """Another embedded scheduler already owns the job store."""


class ScheduleError(ValueError):
    """config/schedules.yaml cannot be used; the message is one line naming the file and the job."""


def load_schedules(path: Path) -> Schedules:
    """Read and check the schedule definition: every job, its cron fields and the time zone.

    The file's shape is declared by :mod:`flows.schedules_schema`; a problem is one
    :class:`ScheduleError` line naming the file and, where it can, the line.
    """
    from flows.schedules_schema import parse_schedules
    from tasks.common.yaml_files import load_yaml_lines

    data, lines = load_yaml_lines(path, error=ScheduleError)
    return parse_schedules(data, source=str(path), lines=lines)


def cron_fields(cron: str) -> dict[str, str]:
    """APScheduler's CronTrigger fields of a five-field cron line."""
    minute, hour, day, month, dow = cron.split()
    return {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": dow}


def cron_trigger(job: Job, timezone: str) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(**cron_fields(job.cron), timezone=timezone)


def run_daily_sweep() -> None:
    """The job APScheduler runs: the sweep as of today in the province's zone."""
    from flows.escalation.sweep import daily_sweep

    result = daily_sweep()
    log.info("sweep as of %s: %s planned, %s messages sent, error=%s", result.as_of,
             sum(result.planned.values()), result.send.messages_sent, result.send.error)


def run_compile_reports() -> None:
    """The job APScheduler runs: compile the reports whose deadline has just passed, mail them."""
    from flows.reports.flow import compile_due_reports

    result = compile_due_reports()
    log.info("reports as of %s: %s compiled, %s skipped, %s errors, %s e-mails sent, error=%s", result.today,
             len(result.compiled), len(result.skipped), len(result.errors), result.delivery.sent, result.delivery.error)


class _Lock:
    def __init__(self, settings: Settings, engine: Any) -> None:
        self.engine, self.conn, self.file = engine, None, None
        if engine.dialect.name == "postgresql":
            self.conn = engine.connect()
            got = self.conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({LOCK_KEY_SQL})").scalar()
            if not got:
                self.conn.close()
                raise SchedulerLockError("another embedded scheduler is running on this database")
        else:
            path = settings.data_dir / "scheduler.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = path.open("w")
            try:
                fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                self.file.close()
                raise SchedulerLockError(f"another embedded scheduler holds {path}") from exc

    def release(self) -> None:
        if self.conn is not None:
            # a pooled connection outlives close(): release the session lock explicitly
            self.conn.exec_driver_sql(f"SELECT pg_advisory_unlock({LOCK_KEY_SQL})")
            self.conn.close()
        if self.file is not None:
            self.file.close()


def start_embedded(*, background: bool = True) -> Any:
    """Start APScheduler with every job of config/schedules.yaml; returns the scheduler."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from models.core.db import ensure_schema, get_engine

    settings = get_settings()
    if settings.scheduler != "embedded":
        raise SchedulerLockError("DONDOC_SCHEDULER=prefect: the Prefect server owns the schedules")
    engine = get_engine()
    ensure_schema(engine)
    schedules = load_schedules(settings.schedules_file)  # checked before the lock is taken
    lock = _Lock(settings, engine)
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=schedules.timezone,
    )
    for job in schedules.jobs:
        scheduler.add_job(job.function, cron_trigger(job, schedules.timezone), id=job.name, name=job.name,
                          replace_existing=True)
    scheduler._dondoc_lock = lock  # released by stop_embedded
    scheduler.start()
    return scheduler


def stop_embedded(scheduler: Any) -> None:
    scheduler.shutdown(wait=False)
    scheduler._dondoc_lock.release()
