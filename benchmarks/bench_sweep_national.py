"""National sweep on PostgreSQL: the day's mail of 34 provinces (1,000,000 assignments) sent to a local
SMTP sink, in-process and fanned out over one and two Prefect workers.

    .venv/bin/python -m benchmarks.bench_sweep_national [--runs 3] [--regenerate] [--skip-prefect] [--compare]

The data set is benchmarks.bench_national's (34 provinces x 100 agencies, 1,000,000 tasks with one
lead assignment each; 01/07/2024 plans 19,614 notices), in a schema of its own,
``bench_sweep_national``, since these runs send and change it. Before each run the outbox is
emptied (notice, outbox_send, outbox_sender; VACUUM ANALYZE notice) and so is the data folder
(the công văn files), so every run plans and sends the same day from scratch. Mail goes to aiosmtpd
(Sink handler) in its own process (benchmarks.common.aiosmtpd_process).

Targets (issue 16):

* in-process: ``dondoc sweep --as-of 2024-07-01`` as a whole process, at least 2x faster than the
  36-45 s recorded before (target: under 18 s);
* memory: the peak RSS of that process (os.wait4's ru_maxrss) under 200 MB; printed beside it the
  peak of a one-province sweep (``--province tinh-01``, 1/34 of the volume): bounded by the batch,
  it should not differ much;
* Prefect: the parent flow (flows/escalation/national.py, run in this process as a Prefect flow
  run) with a local `prefect server start` and one, then two, `prefect worker start --limit 1`
  (benchmarks/prefect_local.py); each province a flow run of the province-sweep deployment, a
  process of its own. Target: one worker's time / two workers' time at least 1.6, both measured
  in the same run of this benchmark.

The machine's load average is printed with every run: these machines have 2 cores, shared with
other work.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import DONDOC, OUT, REPO, Result, aiosmtpd_process, arg_parser, env_with, load, print_summary

SCHEMA = "bench_sweep_national"
DAY = "2024-07-01"
BEFORE = (36.0, 45.0)  # the recorded in-process sweep of this day (issue 16)
TARGET_SECONDS = BEFORE[0] / 2
TARGET_RSS_MB = 200.0
TARGET_RATIO = 1.6
DATA = OUT / "sweep-national-data"


def url() -> str:
    from benchmarks.bench_national import pg_url

    return pg_url(SCHEMA)


def reset() -> None:
    """An empty outbox and data folder: the next run plans and sends the whole day again."""
    import sqlalchemy as sa

    engine = sa.create_engine(url())
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM outbox_send; DELETE FROM outbox_sender; DELETE FROM notice")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE notice")
    engine.dispose()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)


def sweep_env(host: str, port: int) -> dict[str, str]:
    return env_with(DONDOC_DATABASE_URL=url(), DONDOC_SMTP_HOST=host, DONDOC_SMTP_PORT=str(port),
                    DONDOC_ENV="test", DONDOC_DATA_DIR=str(DATA), DONDOC_MAIL_FROM="dondoc@dondoc.example")


# one province's sweep in a process of its own (`dondoc sweep --province` knows only the provinces
# of the directory; the benchmark's are synthetic): the same flow the command calls
ONE_PROVINCE = ("import sys; from datetime import date; from flows.escalation.sweep import daily_sweep; "
                "r = daily_sweep(date.fromisoformat(sys.argv[1]), province=sys.argv[2]); "
                "print(f'{r.send.messages_sent} messages sent ({r.send.notices_sent} notices)')")


def run_sender(args: Sequence[str], env: dict[str, str]) -> tuple[float, float, str, float]:
    """A process (``dondoc ARGS``, or ARGS when it starts with python): wall seconds, its own
    peak RSS in MB (os.wait4), its output, its CPU seconds (user + system)."""
    start = time.perf_counter()
    command = list(args) if args[0] == sys.executable else [str(DONDOC), *args]
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{out[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


# the same sweep with every công văn drawn by python-docx, as before the press (tasks/escalation/letter.py)
WITHOUT_PRESS = ("import sys; import models.escalation.letters as letters; "
                 "from tasks.escalation.letter import draw_cong_van; "
                 "letters.render_cong_van = draw_cong_van; from flows.cli import main; "
                 "sys.argv = ['dondoc', 'sweep', '--as-of', sys.argv[1]]; main()")


def measure_in_process(runs: int, host: str, port: int,
                       compare: bool = False) -> tuple[list[float], list[float], list[float]]:
    env = sweep_env(host, port)
    times, rss, small = [], [], []
    if compare:
        reset()
        seconds, peak, out, cpu = run_sender([sys.executable, "-c", WITHOUT_PRESS, DAY], env)
        print(f"sweep national in-process, letters drawn by python-docx (before the press): {seconds:.2f} s "
              f"(CPU {cpu:.1f} s), peak RSS {peak:.0f} MB; {load()}", flush=True)
    for i in range(runs):
        reset()
        seconds, peak, out, cpu = run_sender(["sweep", "--as-of", DAY], env)
        sent = next((line for line in out.splitlines() if "messages sent" in line), "?")
        times.append(seconds)
        rss.append(peak)
        print(f"sweep national in-process run {i + 1}: {seconds:.2f} s (CPU {cpu:.1f} s), peak RSS {peak:.0f} MB; "
              f"{sent}; {load()}", flush=True)
        reset()
        seconds, peak, out, cpu = run_sender([sys.executable, "-c", ONE_PROVINCE, DAY, "tinh-01"], env)
        sent = next((line for line in out.splitlines() if "messages sent" in line), "?")
        small.append(peak)
        print(f"    one province (tinh-01): {seconds:.2f} s (CPU {cpu:.1f} s), peak RSS {peak:.0f} MB; {sent}",
              flush=True)
    return times, rss, small


def measure_prefect(runs: int, host: str, port: int) -> tuple[list[float], list[float], list[float]]:
    """The parent flow with 1 then 2 workers (alternating, ``runs`` pairs): seconds and ratios."""
    from benchmarks.prefect_local import prefect_cluster

    env = sweep_env(host, port)
    for key in ("DONDOC_DATABASE_URL", "DONDOC_SMTP_HOST", "DONDOC_SMTP_PORT", "DONDOC_ENV", "DONDOC_DATA_DIR"):
        os.environ[key] = env[key]
    one: list[float] = []
    two: list[float] = []
    for i in range(runs):
        for workers, into in ((1, one), (2, two)):
            into.append(_fan_out(workers, env, OUT / f"prefect-{workers}", prefect_cluster))
            print(f"sweep national prefect run {i + 1}, {workers} worker(s): {into[-1]:.1f} s; {load()}", flush=True)
    return one, two, [a / b for a, b in zip(one, two, strict=True)]


def _fan_out(workers: int, env: dict[str, str], folder: Path, prefect_cluster: Any) -> float:
    from config.settings import reset_settings

    reset()
    shutil.rmtree(folder, ignore_errors=True)
    with prefect_cluster(folder, workers=workers, env=env) as cluster:
        os.environ["PREFECT_API_URL"] = cluster.api_url
        reset_settings()
        from datetime import date

        from flows.escalation.national import national_sweep
        from models.core.db import dispose_engines

        try:
            start = time.perf_counter()
            result = national_sweep(date.fromisoformat(DAY), concurrency=2 * workers)
            seconds = time.perf_counter() - start
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            reset_settings()
            dispose_engines()
    sent = sum(o.messages_sent for o in result.provinces.values())
    notices = sum(o.notices_sent for o in result.provinces.values())
    print(f"    {workers} worker(s): {len(result.provinces)} province runs, {sent} messages ({notices} notices), "
          f"failed: {result.failed or 'none'}", flush=True)
    if not result.ok:
        raise SystemExit(result.report())
    return seconds


def run(runs: int = 3, regenerate: bool = False, prefect: bool = True, compare: bool = False) -> list[Result]:
    from benchmarks.bench_national import generate

    OUT.mkdir(parents=True, exist_ok=True)
    generate(url(), regenerate=regenerate, schema=SCHEMA)
    results: list[Result] = []
    with aiosmtpd_process() as (host, port):
        times, rss, small = measure_in_process(runs, host, port, compare)
        results.append(Result("sweep national in-process (pg)", times, TARGET_SECONDS,
                              note=f"before: {BEFORE[0]:.0f}-{BEFORE[1]:.0f} s; "
                                   f"speed-up {BEFORE[0] / statistics.median(times):.1f}-"
                                   f"{BEFORE[1] / statistics.median(times):.1f}x"))
        results.append(Result("sweep national sender peak RSS", rss, TARGET_RSS_MB, unit="MB",
                              note=f"one province's sweep: {statistics.median(small):.0f} MB"))
        if prefect:
            one, two, ratios = measure_prefect(runs, host, port)
            results.append(Result("sweep national 1 vs 2 workers", ratios, TARGET_RATIO, unit="x",
                                  higher_is_better=True,
                                  note=f"1 worker {statistics.median(one):.1f} s, 2 workers "
                                       f"{statistics.median(two):.1f} s"))
    reset()
    return results


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached data set")
    parser.add_argument("--skip-prefect", action="store_true", help="only the in-process sweep and its memory")
    parser.add_argument("--compare", action="store_true",
                        help="first, once, the same sweep with python-docx drawing every letter (before the press)")
    args = parser.parse_args(argv)
    results = run(args.runs, args.regenerate, prefect=not args.skip_prefect, compare=args.compare)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
