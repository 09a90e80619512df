"""Web application at national scale: 1,000,000 tasks, 34 provinces, 20 clients, p95 per page.

    .venv/bin/python -m benchmarks.bench_web_national [--runs 3] [--backend postgres|sqlite|both]
        [--seconds 10] [--regenerate] [--only TEXT]

The data are benchmarks.bench_national's (34 provinces x 100 agencies, three plans each,
1,000,000 tasks with one lead assignment each, generated in bulk by benchmarks.dataset), kept in
their own copy (schema ``bench_web_national`` of database ``test``; benchmarks/out/
web_national.sqlite3), with the tasks' contents varied (ten kinds of work x ten subjects, as
benchmarks.bench_web writes them, so that a search matches a tenth of the tasks or a handful),
the search index folded, a national account and office accounts of three provinces.

The real app is served by uvicorn (2 workers) and driven by `wrk` (20 connections; a small
asyncio+httpx client stands in when wrk is missing), signed in as each account with a real
session. Measured, each for ``--seconds`` after a 2-second warm-up, ``--runs`` times:

* a province's overview (its office account), and the country's (the national account);
* a province's task list by agency and status, and by plan and quarter, every request new (no
  page cache: rows read and rendered);
* text search, every request new, in a province and in the country.

Also printed: how long one province's figures and the country's take to compute from nothing.
The machine is shared and 2-core: each line carries the load averages. Loopback only; every
run is bounded in time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks import bench_national
from benchmarks.common import OUT, PG_SERVER, Result, arg_parser, load, print_summary

SCHEMA = "bench_web_national"
SQLITE_FILE = OUT / "web_national.sqlite3"
AS_OF = bench_national.AS_OF
PROVINCES = ("tinh-05", "tinh-17", "tinh-29")  # the provinces whose office accounts are measured
NATIONAL_EMAIL = "quocgia@bo.example"
PASSWORD = "bench-password-national"
TARGETS = {"province overview": 0.150, "national overview": 0.300, "province list": 0.150,
           "province list: plan + quarter": 0.150, "province text search": 0.300, "national text search": 0.300}
WORDS = ("Xây dựng kế hoạch", "Hoàn thành tiêu chí", "Phân bổ nguồn vốn", "Tổ chức kiểm tra", "Rà soát, điều chỉnh",
         "Thẩm định hồ sơ", "Tuyên truyền, tập huấn", "Báo cáo kết quả", "Đề án nâng cao chất lượng",
         "Hỗ trợ phát triển sản xuất")
OBJECTS = ("nông thôn mới", "đường giao thông nông thôn", "nước sạch", "trường học đạt chuẩn", "OCOP",
           "môi trường", "thôn kiểu mẫu", "chuyển đổi số", "y tế cơ sở", "văn hóa")
SEARCHES = ("phan bo nguon von", "nuoc sach", "thon kieu mau", "giai doan 4711", "OCOP", "chuyen doi so")


def url_of(backend: str) -> str:
    from benchmarks import dataset

    return bench_national.pg_url(SCHEMA) if backend == "postgresql" else dataset.sqlite_url(SQLITE_FILE)


def _case(expr: str, values: Sequence[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {expr} {whens} END"


def prepare(backend: str, *, regenerate: bool = False) -> None:
    """The national data set in this benchmark's own copy, its contents varied, the search index
    folded and the accounts made (kept between runs)."""
    from benchmarks import dataset
    from models.auth.users import add_user
    from models.core.db import make_engine, session_scope
    from models.core.tables import Task
    from models.core.web_tables import StaffUser, TaskSearch
    from tasks.common.text import plain_key

    url = url_of(backend)
    if backend == "sqlite" and regenerate:
        dataset.remove_sqlite(SQLITE_FILE)
    if backend == "postgresql":
        admin = make_engine(PG_SERVER)
        with admin.begin() as conn:
            if regenerate:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
        admin.dispose()
    bench_national.generate(url)  # into the schema the URL names (or this benchmark's SQLite file)
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(StaffUser)).scalar():
            engine.dispose()
            return
    start = time.perf_counter()
    with engine.begin() as conn:
        folded = conn.execute(sa.select(sa.func.count()).select_from(TaskSearch)).scalar()
    with engine.begin() as conn:
        if folded:
            rows = []
        # ten kinds of work x ten subjects, as benchmarks.bench_web writes them
        content = (f"{_case('id % 10', WORDS)} || ' ' || {_case('(id / 10) % 10', OBJECTS)} "
                   f"|| ' giai đoạn ' || CAST(id AS TEXT)")
        if not folded:
            conn.execute(sa.text(f"UPDATE task SET content = {content}"))
            rows = list(conn.execute(sa.select(  # type: ignore[call-overload]
                Task.id, Task.ref, Task.content, Task.updated_at, Task.plan_id)).all())
        dataset.load(conn, TaskSearch.__table__, ("task_id", "folded", "source_updated_at", "plan_id"),  # type: ignore[attr-defined]
                     ((tid, plain_key(f"{ref} {text}"), at, plan) for tid, ref, text, at, plan in rows))
    print(f"web national: contents varied and {len(rows)} tasks folded in {time.perf_counter() - start:.1f} s",
          flush=True)
    with session_scope(engine) as s:
        add_user(s, email=NATIONAL_EMAIL, role="national", password=PASSWORD, actor="bench")
        for slug in PROVINCES:
            # made as a real province's account, then moved to the synthetic province (whose slug
            # the catalogue of provinces does not know)
            user = add_user(s, email=f"vp@{slug.replace('-', '')}.example", role="office", password=PASSWORD,
                            actor="bench", province="bac-ninh")
            user.province = slug
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        dataset.checkpoint_sqlite(engine)
    engine.dispose()


def _user_id(url: str, email: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM staff_user WHERE email = :e"), {"e": email}).scalar_one()
    engine.dispose()
    return int(found)


def compute_times(url: str) -> dict[str, float]:
    """Seconds to compute one province's figures and the country's (every province's) from nothing."""
    from sqlmodel import Session

    from models.core.db import make_engine
    from models.overview.dashboard import merge_overviews, overview, overview_figures

    engine = make_engine(url)
    out: dict[str, float] = {}
    with Session(engine) as session:
        overview(session, as_of=AS_OF, province=PROVINCES[0])  # warm the caches
        t = time.perf_counter()
        overview(session, as_of=AS_OF, province=PROVINCES[1])
        out["province"] = time.perf_counter() - t
        slugs = list(session.execute(sa.text("SELECT DISTINCT province FROM plan ORDER BY 1")).scalars())
        t = time.perf_counter()
        merge_overviews(AS_OF, [overview_figures(session, as_of=AS_OF, province=s) for s in slugs])
        out["national, by province"] = time.perf_counter() - t
    engine.dispose()
    return out


def _ids(url: str, province: str) -> dict[str, Any]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        agencies = list(conn.execute(sa.text(
            "SELECT id FROM agency WHERE province = :p AND kind <> 'office' ORDER BY id LIMIT 20"), {"p": province}
        ).scalars())
        plans = list(conn.execute(sa.text("SELECT id FROM plan WHERE province = :p ORDER BY id"),
                                  {"p": province}).scalars())
    engine.dispose()
    return {"agencies": agencies, "plans": plans}


def scenarios(url: str) -> dict[str, tuple[str, list[str], bool]]:
    """name -> (account e-mail, paths, every request new)."""
    a = AS_OF
    province = PROVINCES[0]
    ids = _ids(url, province)
    office = f"vp@{province.replace('-', '')}.example"
    statuses = ("qua_han", "sap_den_han", "chua_den_han", "hoan_thanh_dung_han")
    by_agency = [f"/tasks?agency={ag}&status={st}&role=lead&as_of={a}" for ag in ids["agencies"] for st in statuses]
    by_plan = [f"/tasks?plan={p}&quarter={y}-Q{q}&role=lead&as_of={a}" for p in ids["plans"]
               for y in (2022, 2023, 2024) for q in (1, 2, 3, 4)]
    searches = [f"/tasks?q={w.replace(' ', '+')}&as_of={a}" for w in SEARCHES]
    return {
        "province overview": (office, [f"/?as_of={a}"], False),
        "national overview": (NATIONAL_EMAIL, [f"/?as_of={a}"], False),
        "province list": (office, by_agency, True),
        "province list: plan + quarter": (office, by_plan, True),
        "province text search": (office, searches, True),
        "national text search": (NATIONAL_EMAIL, searches, True),
    }


def measure(backend: str, *, runs: int, seconds: int, only: str | None = None) -> dict[str, list[dict[str, Any]]]:
    import shutil

    from benchmarks.bench_web import _session_cookie, httpx_load, serve, wrk
    from web.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf_cookie

    url = url_of(backend)
    times = compute_times(url)
    print(f"web national {backend}: figures computed from nothing: one province "
          f"{times['province'] * 1000:.0f} ms, the country by province {times['national, by province'] * 1000:.0f} ms; "
          f"{load()}", flush=True)
    plan = scenarios(url)
    cookies = {}
    for email in {email for email, _, _ in plan.values()}:
        cookies[email] = (f"{SESSION_COOKIE}={_session_cookie(url, _user_id(url, email))}; "
                          f"{CSRF_COOKIE}={new_csrf_cookie()}")
    tmp = Path(tempfile.mkdtemp(prefix="dondoc-bench-national-"))
    proc, base = serve(url, tmp, workers=2)
    drive = wrk if shutil.which("wrk") else httpx_load
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        warm_up(base, plan, cookies)
        for run in range(runs):
            for name, (email, paths, unique) in plan.items():
                if only and only not in name:
                    continue
                drive(base, paths, cookies[email], clients=20, seconds=2, unique=unique)  # warm-up
                r = drive(base, paths, cookies[email], clients=20, seconds=seconds, unique=unique)
                r["load"] = load()
                out.setdefault(name, []).append(r)
                time.sleep(3)  # requests wrk gave up on are still being answered: not in the next page's figures
                print(f"  {backend:10} run {run + 1} {name:30} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
                      f"p99 {r['p99']:7.1f} ms  {r['rps']:6.1f} req/s  errors {r['errors']}  {r['load']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def warm_up(base: str, plan: dict[str, tuple[str, list[str], bool]], cookies: dict[str, str]) -> None:
    """Each page asked for by 20 clients at once, with time to answer: each worker process computes
    its first figures (the country's: every province's, once a day) before anything is measured."""
    import asyncio

    import httpx

    async def go() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            for name, (email, paths, _unique) in plan.items():
                t = time.perf_counter()
                got = await asyncio.gather(*(client.get(paths[0], headers={"Cookie": cookies[email]})
                                             for _ in range(20)))
                codes = sorted({r.status_code for r in got})
                print(f"  warm-up {name}: {time.perf_counter() - t:.1f} s, HTTP {codes}, "
                      f"{len(got[0].content) // 1024} KB", flush=True)

    asyncio.run(go())


def run(runs: int = 3, backends: Sequence[str] = ("postgresql",), regenerate: bool = False, seconds: int = 10,
        only: str | None = None) -> list[Result]:
    import os

    os.environ.setdefault("DONDOC_SECRET_KEY", "bench-secret-Vx7Lq2pZr9wT4mN8kB3cH6jD1fG5sYa0eU")
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for backend in backends:
        prepare(backend, regenerate=regenerate)
        pages = measure(backend, runs=runs, seconds=seconds, only=only)
        for name, samples in pages.items():
            errors = sum(s["errors"] for s in samples)
            results.append(Result(f"web 1M p95 {name} ({backend})", [s["p95"] / 1000 for s in samples], TARGETS[name],
                                  note=f"20 clients, 34 provinces; {errors} errors; "
                                       f"{statistics.median(s['rps'] for s in samples):.0f} req/s"))
    return results


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="postgres")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per page")
    parser.add_argument("--only", help="only the pages whose name contains this text")
    args = parser.parse_args(argv)
    backends = {"sqlite": ["sqlite"], "postgres": ["postgresql"], "both": ["postgresql", "sqlite"]}[args.backend]
    results = run(args.runs, backends, args.regenerate, seconds=args.seconds, only=args.only)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
