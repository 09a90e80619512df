"""``config/schedules.yaml`` as pydantic models: the time zone and every job with its cron fields.

Imported by :func:`flows.scheduler.load_schedules` when it reads the file, not before. A problem
is one :class:`~flows.scheduler.ScheduleError` line: "FILE[, line N]: what is wrong".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from flows.scheduler import Job, ScheduleError, Schedules, cron_fields
from tasks.common.schema import Section, Text, error_line, fail, is_custom, join, label, pick, problem, where
from tasks.common.yaml_files import YamlLines

__all__ = ["JobSpec", "SchedulesSpec", "parse_schedules"]


def _zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("Asia")
        fail(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)")
    return value


def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5:
        fail(f"cron needs 5 fields, got '{value}'")
    # APScheduler counts 0 as Monday while Prefect/croniter count 0 as Sunday
    if any(ch.isdigit() for ch in fields[4]):
        fail("write weekdays by name (mon-fri), not number")
    from apscheduler.triggers.cron import CronTrigger

    try:  # APScheduler's own check of each field ("hour 25"); the zone plays no part in it
        CronTrigger(**cron_fields(value), timezone="UTC")
    except ValueError as exc:
        fail(f"bad cron '{value}' ({exc})")
    return value


class JobSpec(Section):
    name: Text
    function: Text  # "module:function", as APScheduler's job store needs
    prefect_entrypoint: Text  # "path.py:flow", as prefect.yaml declares it
    cron: Annotated[Text, AfterValidator(_cron)]  # minute hour day-of-month month day-of-week


class SchedulesSpec(Section):
    timezone: Annotated[Text, AfterValidator(_zone)]
    jobs: Annotated[list[JobSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _names_unique(self) -> SchedulesSpec:
        seen: set[str] = set()
        for i, job in enumerate(self.jobs):
            if job.name in seen:  # the job's name is its id in the job store and in Prefect
                fail(f"two jobs share a name ({job.name!r})", at=("jobs", i))
            seen.add(job.name)
        return self


def parse_schedules(data: Any, *, source: str, lines: YamlLines | None = None) -> Schedules:
    """The schedules ``data`` holds; else a :class:`ScheduleError` "SOURCE[, line N]: problem"."""
    try:
        spec = SchedulesSpec.model_validate(data)
    except ValidationError as exc:
        err = pick(exc)
        raise ScheduleError(f"{where(source, error_line(err, lines))}: {_describe(err, data)}") from None
    return Schedules(timezone=spec.timezone, jobs=tuple(Job(**job.model_dump()) for job in spec.jobs))


def _describe(err: ErrorDetails, data: Any) -> str:
    loc, kind = tuple(err["loc"]), err["type"]
    if is_custom(err) and len(loc) < 2:  # the time zone, names shared
        return err["msg"]
    if loc[:1] == ("timezone",) and kind != "missing":
        return f"unknown time zone {err.get('input')!r} (e.g. Asia/Ho_Chi_Minh)"
    if len(loc) < 2 and kind != "extra_forbidden":
        return "expected 'timezone' and a list of 'jobs'"
    if len(loc) < 2:
        return problem(err, SchedulesSpec)[1]
    index = loc[1] if isinstance(loc[1], int) else 0
    if len(loc) == 2 or kind in ("missing", "extra_forbidden"):
        return f"job {index + 1} needs exactly the fields {', '.join(JobSpec.model_fields)}"
    name = _job_name(data, index) or str(index + 1)
    if is_custom(err) and loc[2:] == ("cron",):
        return f"job {name}: {err['msg']}"
    field, text = problem(err, SchedulesSpec)
    return f"job {name}: {join(label(field[2:]), text)}"


def _job_name(data: Any, index: int) -> str | None:
    try:
        name = data["jobs"][index]["name"]
    except (KeyError, IndexError, TypeError):
        return None
    return name if isinstance(name, str) and name else None
