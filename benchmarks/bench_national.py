"""National scale: planning a day's notices over 1,000,000 lead assignments, SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_national [--runs 3] [--backend sqlite|postgres|both] [--regenerate]

34 provinces x 100 agencies (synthetic, ``.example`` addresses, one office per province), three
plans per province, 1,000,000 tasks with one lead assignment each, all under the default
escalation policy. Due dates are spread evenly over 2020-2024. For the chosen day (01/07/2024)
the assignments already due are mostly done (completed_on set, status done): of those 1-14 days
overdue 30 % are still open, 15-90 days 2.5 %, older 0.15 %; everything due later is open. A
sweep that day finds about 20,000 notices (reminders, and escalations to 1-4 recipients each).

The data are written in bulk (benchmarks.dataset: executemany on SQLite, COPY on PostgreSQL,
where the plain indexes of task and assignment are re-created after loading and foreign-key
triggers are off during the load, as pg_restore does it) and kept between runs:
benchmarks/out/national.sqlite3 and the schema ``bench_national`` of database ``test`` (created
and migrated with models.core.db.upgrade; ANALYZEd after loading, as autovacuum would).
--regenerate rebuilds them.

Each run, per backend, in one process:

* (a) ``models.outbox.notices.plan_notices`` in a transaction that is rolled back (so every run really
  plans and inserts): target under 3 s on PostgreSQL, under 6 s on SQLite;
* (b) the bare SELECT of the same candidate rows: for each window of the day (tasks.escalation.policy.windows)
  the conditions the planning statement applies (policy, role, open states, due date range,
  active task), compiled by SQLAlchemy and run on the driver's cursor; the ratio (a)/(b) is
  reported (target at most 3).

On PostgreSQL the notice table is VACUUMed before each run: the rolled-back notices of earlier
runs would otherwise pile up as dead rows that every later run checks its keys against.

EXPLAIN of the window queries is printed once per backend, with whether ix_assignment_sweep
(role, status, due_date) is used.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from benchmarks.common import OUT, PG_SERVER, REPO, Result, arg_parser, load, print_summary

AS_OF = date(2024, 7, 1)
PROVINCES = 34
AGENCIES = 100
PLANS_PER_PROVINCE = 3
TASKS = 1_000_000
FIRST, LAST = date(2020, 1, 1), date(2024, 12, 31)
SQLITE_FILE = OUT / "national.sqlite3"
PG_SCHEMA = "bench_national"
TARGETS = {"sqlite": 6.0, "postgresql": 3.0}
RATIO_TARGET = 3.0
SEED = 34


def pg_url(schema: str = PG_SCHEMA) -> str:
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}"


def status_for(rng: random.Random, due: date) -> tuple[str, date | None, int]:
    """(status, completed on, percent) of an assignment due on ``due``, seen on AS_OF."""
    overdue = (AS_OF - due).days
    if overdue <= 0:
        return rng.choice(("open", "open", "in_progress")), None, rng.choice((0, 0, 20, 50))
    still_open = 0.30 if overdue <= 14 else 0.025 if overdue <= 90 else 0.0015
    if rng.random() < still_open:
        return rng.choice(("open", "in_progress")), None, rng.choice((0, 40, 80))
    return "done", due - timedelta(days=rng.randrange(15)), 100


def generate(url: str, *, regenerate: bool = False, schema: str = PG_SCHEMA) -> None:
    """Create (or keep) the national dataset at ``url`` (on PostgreSQL in ``schema``, the one
    ``url``'s search_path names: benchmarks.bench_sweep_national keeps its own copy, which its
    sweeps change)."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from benchmarks import dataset
    from models.core.db import make_engine, upgrade
    from models.core.tables import Agency, Assignment, Plan, Task
    from models.escalation.policies import policy_id
    from tasks.escalation.policy import load_policy

    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    if backend == "postgresql":
        admin = make_engine(PG_SERVER)
        with admin.begin() as conn:
            if regenerate:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        admin.dispose()
    elif regenerate:
        dataset.remove_sqlite(SQLITE_FILE)
    engine = make_engine(url)
    upgrade(engine)  # creates the schema, or brings a kept one to the newest migration
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(Assignment.__table__)).scalar()
    if count == TASKS:
        engine.dispose()
        return
    if count:
        raise SystemExit(f"{url}: {count} assignments from an interrupted generation; run with --regenerate")
    start = time.perf_counter()
    rng = random.Random(SEED)
    with Session(engine) as session:
        pid = policy_id(session, policy=load_policy(REPO / "config" / "escalation.yaml"))
        conn = session.connection()
        provinces = [f"tinh-{k:02d}" for k in range(1, PROVINCES + 1)]
        agency_id = 0
        for slug in provinces:
            dataset.load(conn, Agency.__table__, ("id", *dataset.AGENCY_COLUMNS),
                         ((agency_id := agency_id + 1, *row)
                          for row in dataset.agency_rows(slug, AGENCIES, f"{slug.replace('-', '')}.example")))
        plans = [(p + 1, slug, k) for p, (slug, k) in enumerate(
            (slug, k) for slug in provinces for k in range(PLANS_PER_PROVINCE))]
        dataset.load(conn, Plan.__table__, ("id", *dataset.PLAN_COLUMNS), (
            (pid_, *dataset.plan_row(f"{100 + k}/KH-UBND", slug, 2020 + k, f"lanhdao@{slug.replace('-', '')}.example"))
            for pid_, slug, k in plans))
        span = (LAST - FIRST).days + 1
        per_plan = TASKS // len(plans)
        dues = [FIRST + timedelta(days=rng.randrange(span)) for _ in range(TASKS)]
        owners = [0] * TASKS
        for i in range(TASKS):
            plan_index = min(i // per_plan, len(plans) - 1)
            owners[i] = (plan_index // PLANS_PER_PROVINCE) * AGENCIES + rng.randrange(AGENCIES) + 1

        def tasks() -> Iterator[tuple[Any, ...]]:
            for i in range(TASKS):
                plan_index = min(i // per_plan, len(plans) - 1)
                yield (i + 1, *dataset.task_row(plan_index + 1, i - plan_index * per_plan + 1, dues[i],
                                                f"Sở thử nghiệm số {(owners[i] - 1) % AGENCIES + 1:03d}"))

        def assignments() -> Iterator[tuple[Any, ...]]:
            for i in range(TASKS):
                status, completed, percent = status_for(rng, dues[i])
                yield (i + 1, i + 1, owners[i], "lead", status, percent, dues[i], dues[i], completed, pid,
                       dataset.CREATED, dataset.CREATED)

        deferred = _defer_pg_indexes(conn, ("task", "assignment")) if backend == "postgresql" else []
        step = time.perf_counter()
        dataset.load(conn, Task.__table__, ("id", *dataset.TASK_COLUMNS), tasks())
        print(f"national: {TASKS} tasks loaded on {backend} in {time.perf_counter() - step:.1f} s", flush=True)
        step = time.perf_counter()
        dataset.load(conn, Assignment.__table__, ("id", *dataset.ASSIGNMENT_COLUMNS), assignments())
        print(f"national: {TASKS} assignments loaded on {backend} in {time.perf_counter() - step:.1f} s", flush=True)
        if deferred:
            step = time.perf_counter()
            for ddl in deferred:
                conn.exec_driver_sql(ddl)
            print(f"national: {len(deferred)} indexes rebuilt in {time.perf_counter() - step:.1f} s", flush=True)
        if backend == "postgresql":
            for table in ("agency", "plan", "task", "assignment"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        session.commit()
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
    else:
        dataset.checkpoint_sqlite(engine)
    print(f"national: generated {TASKS} assignments on {backend} in {time.perf_counter() - start:.1f} s", flush=True)


def _defer_pg_indexes(conn: Any, tables: Sequence[str]) -> list[str]:
    """Bulk-load set-up on PostgreSQL, as pg_restore does it: the tables' plain (non-constraint)
    indexes are dropped and their exact definitions returned to be re-created after COPY, and
    triggers (the foreign-key checks) are off for this transaction (the rows are consistent by
    construction). Primary keys and unique constraints stay in place."""
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    rows = conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%(t)s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)",
        {"t": list(tables)},
    ).all()
    for name, _ in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in rows]


def _window_queries(session: Any, as_of: date) -> list[tuple[str, Any]]:
    """The SELECT of each window's candidates (policy, role, open states, range, active task)."""
    from sqlmodel import select

    from models.core.tables import COORDINATING, LEAD, TASK_ACTIVE, Assignment, EscalationPolicy, Task
    from models.escalation.policies import stored_policies
    from models.outbox.notices import OPEN_STATES
    from tasks.escalation.policy import windows

    ids = list(session.exec(select(EscalationPolicy.id)))
    out = []
    for pid, policy in stored_policies(session, ids=ids).items():
        for w in windows(policy, as_of):
            role = COORDINATING if w.kind == "coordination_reminder" else LEAD
            q = (
                select(Assignment.id, Assignment.agency_id, Assignment.role, Assignment.due_date, Task.plan_id)
                .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
                .where(
                    Assignment.policy_id == pid,
                    Assignment.role == role,
                    Assignment.status.in_(OPEN_STATES),  # type: ignore[attr-defined]
                    Assignment.due_date.between(w.due_from, w.due_to),  # type: ignore[union-attr]
                    Task.state == TASK_ACTIVE,
                )
            )
            out.append((f"{w.kind} {w.level} [{w.due_from}..{w.due_to}]", q))
    return out


def _literal_sql(query: Any, dialect: Any) -> str:
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def bare_select(session: Any, queries: list[tuple[str, Any]]) -> tuple[float, int]:
    """Seconds and rows for running the window SELECTs on the driver's cursor (fetching every row)."""
    conn = session.connection()
    sqls = [_literal_sql(q, conn.dialect) for _, q in queries]
    cursor = conn.connection.dbapi_connection.cursor()
    rows = 0
    start = time.perf_counter()
    for sql in sqls:
        cursor.execute(sql)
        rows += len(cursor.fetchall())
    seconds = time.perf_counter() - start
    cursor.close()
    return seconds, rows


def explain(session: Any, queries: list[tuple[str, Any]]) -> list[str]:
    conn = session.connection()
    lines = []
    for label, q in queries:
        sql = _literal_sql(q, conn.dialect)
        if conn.dialect.name == "postgresql":
            plan = [r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}")]
        else:
            plan = [r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        used = any("ix_assignment_sweep" in line for line in plan)
        lines.append(f"  {label}: {'uses' if used else 'does NOT use'} ix_assignment_sweep")
        lines += [f"      {line}" for line in plan]
    return lines


class _Stopwatch:
    """Wraps a function of models.escalation.notice_plan to add up the time spent in it (for the breakdown)."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name, self.original, self.seconds = module, name, getattr(module, name), 0.0

    def __enter__(self) -> _Stopwatch:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.original)


def measure(url: str, runs: int) -> tuple[list[float], list[float], list[float], dict[str, int]]:
    from sqlmodel import Session

    import models.escalation.notice_plan as notice_plan
    from models.core.db import make_engine
    from models.outbox.notices import plan_notices

    engine = make_engine(url)
    backend = engine.dialect.name
    plan_times: list[float] = []
    bare_times: list[float] = []
    ratios: list[float] = []
    info: dict[str, int] = {}
    with Session(engine) as session:
        queries = _window_queries(session, AS_OF)
        print(f"national {backend}: EXPLAIN of the window queries", flush=True)
        print("\n".join(explain(session, queries)), flush=True)
        session.rollback()
    for i in range(-1, runs):  # run -1 warms the caches and is not counted
        if backend == "postgresql":
            # each run's notices are rolled back; their dead rows would otherwise pile up in the
            # table and its unique index (every later run checks its keys against them), as no
            # real outbox's would: autovacuum keeps up with one sweep a day
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM notice")
        with Session(engine) as session:
            bare, rows = bare_select(session, _window_queries(session, AS_OF))
            session.rollback()
        with Session(engine) as session, _Stopwatch(notice_plan, "insert_planned") as insert:
            start = time.perf_counter()
            planned = plan_notices(session, as_of=AS_OF)
            seconds = time.perf_counter() - start
            session.rollback()
        info = {"candidates": rows, "notices": sum(planned.values()),
                **{f"{k} {lv}": n for (k, lv), n in sorted(planned.items())}}
        if i >= 0:
            plan_times.append(seconds)
            bare_times.append(bare)
            ratios.append(seconds / bare)
        label = "warm-up" if i < 0 else f"run {i + 1}"
        print(f"national {backend} {label}: plan_notices {seconds:.3f} s ({info['notices']} notices), "
              f"bare select {bare:.3f} s ({rows} rows), ratio {seconds / bare:.1f}x; {load()}", flush=True)
        print(f"    in plan_notices: the INSERT ... SELECT {insert.seconds:.3f} s, the rest (policies, the day's "
              f"stages, the earliest open due date) {seconds - insert.seconds:.3f} s", flush=True)
    print(f"national {backend}: notices by kind and level: "
          + ", ".join(f"{k} {n}" for k, n in info.items() if k not in ("candidates", "notices")), flush=True)
    engine.dispose()
    return plan_times, bare_times, ratios, info


def run(runs: int = 3, backends: Sequence[str] = ("sqlite", "postgresql"), regenerate: bool = False) -> list[Result]:
    from benchmarks import dataset

    OUT.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for backend in backends:
        url = pg_url() if backend == "postgresql" else dataset.sqlite_url(SQLITE_FILE)
        generate(url, regenerate=regenerate)
        plan_times, bare_times, ratios, info = measure(url, runs)
        note = f"{info['notices']} notices from {info['candidates']} candidates"
        results.append(Result(f"national plan_notices ({backend})", plan_times, TARGETS[backend], note=note))
        results.append(Result(f"national plan/bare-select ({backend})", ratios, RATIO_TARGET, unit="x",
                              note=f"bare select median {statistics.median(bare_times):.3f} s"))
    return results


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached datasets")
    args = parser.parse_args(argv)
    backends = {"sqlite": ["sqlite"], "postgres": ["postgresql"], "both": ["sqlite", "postgresql"]}[args.backend]
    results = run(args.runs, backends, args.regenerate)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
