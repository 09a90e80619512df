"""The daily sweep against Redmine's reminder job, whole process, SQLite, real SMTP.

    .venv/bin/python -m benchmarks.bench_sweep [--runs 3] [--regenerate]

Reference: on this machine `rake redmine:send_reminders days=7` (Redmine 5.0, SQLite) takes
17.5 s for 100,000 issues, 100 assignees and 1,323 open issues due within 7 days, mailing 100
digests to a local SMTP server. The same shape here: one province, 100 agencies (synthetic
Agency rows, ``.example`` addresses), 100,000 tasks in four plans with one lead assignment
each, all scheduled under the default policy (config/escalation.yaml); 1,323 open assignments
due within the reminder window of the chosen day (0..7 days ahead), the earlier ones done,
the later ones open. Written with bulk INSERTs (benchmarks.dataset), not the importer, into
benchmarks/out/sweep-template.sqlite3 (kept; --regenerate rebuilds it).

Each run copies the template to a fresh file, starts nothing but the timer, and runs
``dondoc sweep --as-of 2025-03-10`` as a process with DONDOC_DATABASE_URL and
DONDOC_SMTP_HOST/PORT pointing at aiosmtpd running in its own process. Target: under 1.75 s
(a tenth of Redmine's time), every run sending 100 digests.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from benchmarks.common import (
    DONDOC,
    OUT,
    Result,
    aiosmtpd_process,
    arg_parser,
    check,
    env_with,
    load,
    print_summary,
    run_timed,
)

TARGET_SECONDS = 1.75
REDMINE_SECONDS = 17.5
AS_OF = date(2025, 3, 10)
AGENCIES = 100
TASKS = 100_000
PLANS = 4
DUE_SOON = 1_323  # open, due AS_OF .. AS_OF + 7 (the reminder stages 7, 1 and 0)
TEMPLATE = OUT / "sweep-template.sqlite3"
PROVINCE = "bac-giang"
DOMAIN = "bacgiang.example"


def due_dates(rng: random.Random) -> Iterator[tuple[date, str, date | None, int]]:
    """(due date, status, completed on, percent) for every assignment, in task order."""
    soon = set(rng.sample(range(TASKS), DUE_SOON))
    first, last = date(2023, 1, 1), date(2026, 12, 31)
    span = (last - first).days
    for i in range(TASKS):
        if i in soon:
            yield AS_OF + timedelta(days=rng.randrange(8)), rng.choice(("open", "open", "in_progress")), None, 0
            continue
        while True:
            due = first + timedelta(days=rng.randrange(span + 1))
            if not AS_OF <= due <= AS_OF + timedelta(days=7):
                break
        if due < AS_OF:  # everything already due is done: no escalations in this comparison
            yield due, "done", due - timedelta(days=rng.randrange(10)), 100
        else:
            yield due, rng.choice(("open", "open", "in_progress")), None, rng.choice((0, 0, 30, 50))


def generate(regenerate: bool = False) -> dict[str, Any]:
    """Build the template database unless it exists; returns what it holds."""
    from sqlmodel import Session

    from benchmarks import dataset
    from models.core.tables import Assignment, Plan, Task

    if not regenerate and dataset.template_is_current(TEMPLATE):
        return {"cached": True}
    start = time.perf_counter()
    rng = random.Random(20201)
    with dataset.template_build(TEMPLATE) as engine, Session(engine) as session:
        pid, agencies = dataset.start_province(session, province=PROVINCE, agencies=AGENCIES, domain=DOMAIN)
        conn = session.connection()
        dataset.load(conn, Plan.__table__, ("id", *dataset.PLAN_COLUMNS),
                     [(p + 1, *dataset.plan_row(f"{100 + p}/KH-UBND", PROVINCE, 2023, f"lanhdao@{DOMAIN}"))
                      for p in range(PLANS)])
        dues = list(due_dates(rng))
        owners = [agencies[rng.randrange(AGENCIES)] for _ in range(TASKS)]
        per_plan = TASKS // PLANS
        dataset.load(conn, Task.__table__, ("id", *dataset.TASK_COLUMNS), (
            (i + 1, *dataset.task_row(i // per_plan + 1, i % per_plan + 1, dues[i][0], owners[i][1]))
            for i in range(TASKS)
        ))
        dataset.load(conn, Assignment.__table__, ("id", *dataset.ASSIGNMENT_COLUMNS), (
            (i + 1, i + 1, owners[i][0], "lead", dues[i][1], dues[i][3], dues[i][0], dues[i][0], dues[i][2], pid,
             dataset.CREATED, dataset.CREATED)
            for i in range(TASKS)
        ))
        session.commit()
    due_soon = sum(1 for d in dues if d[1] != "done" and AS_OF <= d[0] <= AS_OF + timedelta(days=7))
    print(f"sweep: generated {TEMPLATE.name} ({TASKS} lead assignments, {AGENCIES} agencies, "
          f"{due_soon} open and due {AS_OF:%d/%m/%Y}..{AS_OF + timedelta(days=7):%d/%m/%Y}) "
          f"in {time.perf_counter() - start:.1f} s", flush=True)
    return {"cached": False, "due_soon": due_soon}


_SENT = re.compile(r"(\d+) messages sent \((\d+) notices\), (\d+) failed")


def run(runs: int = 3, regenerate: bool = False) -> list[Result]:
    from benchmarks import dataset

    generate(regenerate)
    db = OUT / "sweep-run.sqlite3"
    samples: list[float] = []
    sent: list[str] = []
    with aiosmtpd_process() as (host, port):
        env = env_with(DONDOC_DATABASE_URL=dataset.sqlite_url(db), DONDOC_DATA_DIR=str(OUT / "sweep-data"),
                       DONDOC_SMTP_HOST=host, DONDOC_SMTP_PORT=str(port), DONDOC_ENV="test")
        cmd = [str(DONDOC), "sweep", "--as-of", AS_OF.isoformat()]
        for i in range(runs):
            dataset.copy_sqlite(TEMPLATE, db)
            timed = check(run_timed(cmd, env), "dondoc sweep")
            found = _SENT.search(timed.out)
            if not found or found.group(3) != "0" or found.group(1) == "0":
                raise SystemExit(f"the sweep did not send as expected:\n{timed.out}\n{timed.err}")
            planned = ", ".join(
                line.strip() for line in timed.out.splitlines() if "notices" in line and "level" in line
            )
            print(f"sweep run {i + 1}: {timed.seconds:.3f} s (cpu {timed.cpu:.2f} s): {found.group(1)} digests, "
                  f"{found.group(2)} notices sent [{planned}]; {load()}", flush=True)
            samples.append(timed.seconds)
            sent.append(f"{found.group(1)} digests/{found.group(2)} notices")
    note = f"{sent[-1]}; Redmine send_reminders {REDMINE_SECONDS} s"
    return [Result("sweep 100k assignments (sqlite)", samples, TARGET_SECONDS, note=note)]


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rebuild the template database")
    args = parser.parse_args(argv)
    results = run(args.runs, args.regenerate)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
