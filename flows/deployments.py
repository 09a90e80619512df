"""Prefect flow objects for prefect.yaml's deployments (importing this module imports Prefect).

Every deployment signs links (the digests' agency links, the reports' pages), so each one first
refuses a placeholder or weak DONDOC_SECRET_KEY outside development and test, as the command line
does (web.security.check_secret): the run fails with that one line and sends nothing.

``daily-sweep`` is the parent of the national sweep (flows/escalation/national.py): it plans the
day and starts one ``province-sweep`` run per province; it ends Failed, after every province has
run, when any of them failed, with the per-province report in its log and message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flows.engine import as_prefect_flow
from flows.escalation.national import NationalSweepResult, national_sweep, province_sweep
from flows.reports.flow import compile_due_reports

R = TypeVar("R")


class ProvincesFailed(RuntimeError):
    """Some provinces' runs of the daily sweep failed (the others sent their mail)."""


def refuse_weak_secret() -> None:
    """Raise web.security.InsecureSecretError (one line) for a placeholder or weak secret
    outside development and test."""
    from config.settings import get_settings
    from web.security import check_secret

    check_secret(get_settings())


def guarded(fn: Callable[..., R]) -> Callable[..., R]:
    """``fn`` run only after the secret check (the flow keeps ``fn``'s name and parameters)."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> R:
        refuse_weak_secret()
        return fn(*args, **kwargs)

    return run


def daily_sweep_parent(as_of: date | None = None, concurrency: int | None = None,
                       provinces: list[str] | None = None) -> NationalSweepResult:
    """The national sweep, reported province by province in the run's log; Failed when any
    province failed."""
    result: NationalSweepResult = national_sweep.plain(  # type: ignore[attr-defined]
        as_of=as_of, concurrency=concurrency, provinces=provinces)
    print(result.report())
    if not result.ok:
        raise ProvincesFailed(f"{len(result.failed)} of {len(result.provinces)} provinces failed: "
                              + "; ".join(result.provinces[p].line() for p in result.failed))
    return result


def province_sweep_run(province: str, as_of: date | None = None) -> Any:
    """One province's run (``province-sweep``), started by ``daily-sweep``."""
    return province_sweep.plain(province, as_of)  # type: ignore[attr-defined]


daily_sweep_flow = as_prefect_flow(guarded(daily_sweep_parent), "daily-sweep")
province_sweep_flow = as_prefect_flow(guarded(province_sweep_run), "province-sweep")
compile_reports_flow = as_prefect_flow(guarded(compile_due_reports.plain), "compile-reports")  # type: ignore[attr-defined]
