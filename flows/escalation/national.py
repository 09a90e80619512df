"""The daily sweep spread over provinces (issue 16): a parent flow plans the day once, then one run
per province sends that province's notices, at most DONDOC_SWEEP_CONCURRENCY at a time.

Under Prefect (``PREFECT_API_URL`` set) each province's run is a flow run of the ``province-sweep``
deployment (prefect.yaml), picked up by whichever worker of the pool has room, so the sends spread
over the workers that are up; without Prefect they run in this process, one thread each. Either
way one province's failure (its relay down, DONDOC_SMTP_RELAYS) leaves its notices pending for the
next sweep and stops no other province; the parent reports every province's outcome, read from
the outbox (models/outbox/notices.province_outbox), so a run on another machine is counted the
same.

Planning stays one statement for every province: on the national benchmark (1,000,000
assignments, PostgreSQL) the day's candidate rows are read in 0.27-0.37 s for the whole country
and in 0.10-0.14 s for one province (the same due-date index ranges, filtered by the plans'
province), so 34 per-province plannings would read the same rows in 3.5-4.7 s, about 13 times
as long (benchmarks/README.md, national sweep).

No business rule lives here: planning, claiming and sending are the sweep's steps
(flows/escalation/sweep.py) over models/ and tasks/.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from config.settings import get_settings
from flows.engine import flow, prefect_enabled, step
from flows.escalation.sweep import SendStats, plan_day, send_pending
from models.core.db import get_engine, session_scope
from models.core.types import utcnow
from models.outbox.notices import province_outbox, provinces_due

PROVINCE_DEPLOYMENT = "province-sweep/province-sweep"


class ProvinceSweepFailed(RuntimeError):
    """A province's run could not send everything (its mail server down, messages refused)."""


@dataclass
class ProvinceOutcome:
    """What one province's run did: its final state (``completed`` or ``failed`` with ``error``)
    and, from the outbox, the notices and messages it sent and what is left."""

    province: str
    state: str
    error: str | None = None
    run: str | None = None  # the Prefect flow run's name; None in-process
    notices_sent: int = 0
    messages_sent: int = 0
    pending: int = 0
    failed: int = 0

    @property
    def ok(self) -> bool:
        return self.state == "completed"

    def line(self) -> str:
        text = (f"{self.province}: {self.state}, {self.messages_sent} messages ({self.notices_sent} notices) sent, "
                f"{self.pending} notices pending, {self.failed} failed")
        return f"{text}: {self.error}" if self.error else text


@dataclass
class NationalSweepResult:
    as_of: date
    planned: Counter[tuple[str, int]]
    provinces: dict[str, ProvinceOutcome] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.provinces.values())

    @property
    def failed(self) -> list[str]:
        return [p for p, o in self.provinces.items() if not o.ok]

    def report(self) -> str:
        head = (f"daily sweep of {self.as_of:%d/%m/%Y}: {sum(self.planned.values())} notices planned, "
                f"{len(self.provinces)} provinces, {len(self.failed)} failed, {self.seconds:.1f} s")
        return "\n".join([head, *(o.line() for o in self.provinces.values())])


def send_province(province: str, as_of: date, now: datetime | None = None) -> SendStats:
    """One province's notices due at ``now``, sent through its relay (the day was planned)."""
    return send_pending(as_of, now, province)


@flow("province-sweep")
def province_sweep(province: str, as_of: date | None = None, now: datetime | None = None) -> SendStats:
    """One province's run of the daily sweep (a child of ``daily-sweep``): sends that province's
    due notices; fails, with the mail server's answer, when they could not all be sent (they stay
    pending, retried by the next sweep)."""
    from tasks.common.dates import local_today

    stats = send_province(province, as_of or local_today(), now)
    if stats.error is not None:
        raise ProvinceSweepFailed(f"{province}: {stats.error}; its notices stay pending")
    if stats.messages_failed:
        raise ProvinceSweepFailed(f"{province}: {stats.messages_failed} messages failed; see `dondoc outbox`")
    return stats


@step()
def due_provinces(now: datetime) -> list[str]:
    with session_scope(get_engine()) as session:
        return provinces_due(session, now=now)


# a runner sends the provinces' notices, at most ``concurrency`` provinces at a time, and returns
# each province's (state, error, run name)
Runner = Callable[[Sequence[str], date, "datetime | None", int], dict[str, tuple[str, str | None, str | None]]]


def run_in_process(provinces: Sequence[str], as_of: date, now: datetime | None,
                   concurrency: int) -> dict[str, tuple[str, str | None, str | None]]:
    """Each province in a thread of this process (``province_sweep``'s body, no Prefect)."""

    def one(province: str) -> tuple[str, str | None, str | None]:
        try:
            province_sweep.plain(province, as_of, now)  # type: ignore[attr-defined]
        except Exception as exc:  # one province's failure is its own: the others go on
            return "failed", str(exc), None
        return "completed", None, None

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="province-sweep") as pool:
        return dict(zip(provinces, pool.map(one, provinces), strict=True))


def run_deployments(provinces: Sequence[str], as_of: date, now: datetime | None, concurrency: int, *,
                    deployment: str = PROVINCE_DEPLOYMENT,
                    poll_seconds: float = 0.5) -> dict[str, tuple[str, str | None, str | None]]:
    """Each province as a flow run of the ``province-sweep`` deployment, at most ``concurrency``
    scheduled or running at once (whichever worker of the pool has room takes the next); waits
    for all of them. A run that ends in any state but Completed counts as failed with its
    state's message. Each run's idempotency key is the parent run and the province, so a
    parent retried by Prefect does not start a province twice."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.runtime import flow_run

    parent = flow_run.get_id() or f"{as_of.isoformat()}-{utcnow().timestamp()}"
    queue = list(provinces)
    running: dict[Any, str] = {}
    names: dict[str, str] = {}
    out: dict[str, tuple[str, str | None, str | None]] = {}
    params: dict[str, Any] = {"as_of": as_of.isoformat()}
    if now is not None:
        params["now"] = now.isoformat()
    with get_client(sync_client=True) as client:
        target = client.read_deployment_by_name(deployment)
        while queue or running:
            while queue and len(running) < concurrency:
                province = queue.pop(0)
                run = client.create_flow_run_from_deployment(
                    target.id, parameters={"province": province, **params}, name=f"{province}-{as_of.isoformat()}",
                    tags=[f"province:{province}"], idempotency_key=f"{parent}:{province}")
                running[run.id] = province
                names[province] = run.name
            time.sleep(poll_seconds)
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(running))))
            for run in runs:
                state = run.state
                if state is None or not state.is_final():
                    continue
                province = running.pop(run.id)
                if state.is_completed():
                    out[province] = ("completed", None, names[province])
                else:
                    out[province] = ("failed", f"{state.name}: {state.message or ''}".strip(": "), names[province])
    return out


@flow("daily-sweep")
def national_sweep(as_of: date | None = None, now: datetime | None = None, concurrency: int | None = None,
                   provinces: list[str] | None = None) -> NationalSweepResult:
    """Plan the day's notices once, then send them province by province (module docstring):
    through ``province-sweep`` flow runs under Prefect, in this process's threads otherwise.
    ``provinces``: only these (default: every province with notices due)."""
    from tasks.common.dates import local_today

    started = time.perf_counter()
    day = as_of or local_today()
    planned = plan_day(day, now)
    since = utcnow()
    todo = list(provinces) if provinces is not None else due_provinces(now or utcnow())
    limit = concurrency or get_settings().sweep_concurrency
    runner: Runner = run_deployments if prefect_enabled() else run_in_process
    states = runner(todo, day, now, limit) if todo else {}
    with session_scope(get_engine()) as session:
        counts = province_outbox(session, provinces=todo, sent_since=since, as_of=day)
    result = NationalSweepResult(as_of=day, planned=planned)
    for province in todo:
        state, error, run = states.get(province, ("failed", "not run", None))
        c = counts.get(province, {})
        result.provinces[province] = ProvinceOutcome(
            province, state, error, run, notices_sent=c.get("notices_sent", 0), messages_sent=c.get("messages_sent", 0),
            pending=c.get("pending", 0) + c.get("sending", 0), failed=c.get("failed", 0))
    result.seconds = time.perf_counter() - started
    return result
