"""A local Prefect installation for the national sweep's benchmark and test: `prefect server start`
(its own PREFECT_HOME, SQLite), a `process` work pool with prefect.yaml's deployments, and N
`prefect worker start --limit 1` processes, as README "Scaling with Prefect" sets them up.

    with prefect_cluster(tmp, workers=2, env=env) as cluster:
        ...  # PREFECT_API_URL=cluster.api_url; cluster.stop_worker(0) ...

Each worker runs one flow run at a time (``--limit 1``, standing for one machine's share), polls
every second (PREFECT_WORKER_QUERY_SECONDS=1: a province's run takes seconds, the default 10 s
poll would dominate) and starts each run as a process of its own with the environment given
(the database, the mail server). The deployments are registered through the API with prefect.yaml's
entrypoints and work pool (faster than `prefect deploy`, the same records).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import REPO, free_port

PREFECT = Path(sys.executable).with_name("prefect")
POOL = "dondoc"


@dataclass
class Cluster:
    api_url: str
    env: dict[str, str]  # the environment of the server, the workers and their flow runs
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def client_env(self) -> dict[str, str]:
        return {"PREFECT_API_URL": self.api_url, "PREFECT_HOME": self.env["PREFECT_HOME"]}


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"prefect server not ready after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def register_deployments(api_url: str) -> None:
    """The work pool and prefect.yaml's deployments (entrypoint, pool), run from this checkout."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.utilities.callables import parameter_schema

    import flows.deployments as deployments

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    with _api(api_url), get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
        for d in spec["deployments"]:
            name = d["entrypoint"].partition(":")[2]
            flow_obj: Any = getattr(deployments, name)
            flow_id = client.create_flow_from_name(flow_obj.name)
            client.create_deployment(
                flow_id, d["name"], work_pool_name=d["work_pool"]["name"], entrypoint=d["entrypoint"],
                path=str(REPO), parameter_openapi_schema=parameter_schema(flow_obj).model_dump_for_openapi(),
                pull_steps=[{"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}])


def wait_for_workers(api_url: str, count: int, timeout: float = 90) -> None:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with _api(api_url), get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            online = [w for w in client.read_workers_for_work_pool(POOL) if str(w.status).upper().endswith("ONLINE")]
            if len(online) >= count:
                return
            time.sleep(0.5)
    raise RuntimeError(f"{count} Prefect workers did not come up within {timeout:.0f} s")


def _drain() -> None:
    """Send this process's queued Prefect logs and events while the server is still up, as
    prefect_test_harness does: left queued, they would be retried against the stopped server by
    the next Prefect server this process uses (a later test's harness waited for them forever)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            result: Any = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:  # never started
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


def _api(api_url: str) -> Any:
    """Prefect's settings pointing at ``api_url`` for this process (Prefect reads its environment
    once, at import: setting PREFECT_API_URL afterwards would start an ephemeral server instead)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: api_url})


@contextlib.contextmanager
def prefect_cluster(folder: Path, *, workers: int, env: dict[str, str],
                    server_timeout: float = 90) -> Iterator[Cluster]:
    """Server, pool, deployments and ``workers`` workers; everything stopped on exit (workers
    first, by their own process id)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = {**env, "PREFECT_HOME": str(folder / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false", "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_HEARTBEAT_SECONDS": "5", "PREFECT_LOGGING_LEVEL": "WARNING"}
    base.pop("PREFECT_API_URL", None)
    log = folder / "server.log"
    server = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services"],
        env=base, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=REPO)
    api_url = f"http://127.0.0.1:{port}/api"
    cluster = Cluster(api_url, {**base, "PREFECT_API_URL": api_url})
    try:
        _wait_http(f"{api_url}/health", server, server_timeout, log)
        register_deployments(api_url)
        for k in range(workers):
            cluster.logs.append(folder / f"worker-{k}.log")
            cluster.workers.append(subprocess.Popen(
                [str(PREFECT), "worker", "start", "--pool", POOL, "--type", "process", "--limit", "1",
                 "--name", f"worker-{k}"],
                env=cluster.env, stdout=cluster.logs[-1].open("wb"), stderr=subprocess.STDOUT, cwd=REPO))
        wait_for_workers(api_url, workers)
        with _api(api_url):  # this process's flows and clients use the cluster
            try:
                yield cluster
            finally:
                _drain()
    finally:
        for proc in [*cluster.workers, server]:
            proc.terminate()
        for proc in [*cluster.workers, server]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
