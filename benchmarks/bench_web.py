"""Web application under load: 100,000 tasks, 20 concurrent clients, p95 per page.

Not a timed test: run it by hand and copy the figures into benchmarks/README.md.

    .venv/bin/python -m benchmarks.bench_web                  # PostgreSQL and SQLite
    .venv/bin/python -m benchmarks.bench_web --db sqlite --workers 1 --seconds 10

It builds a database with 100,000 tasks (about 250,000 assignments and 40,000 sent escalation
notices, set-based inserts), serves the real app with uvicorn in its own processes, signs in as
office staff (a real session cookie) and drives the pages with `wrk` (Debian package; a small
asyncio+httpx client stands in when wrk is missing). Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("DONDOC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2021, 6, 30)
SECRET = "bench-secret-Vx7Lq2pZr9wT4mN8kB3cH6jD1fG5sYa0eU"  # passes the production check (web/security.py)
WORDS = ("Xây dựng kế hoạch", "Hoàn thành tiêu chí", "Phân bổ nguồn vốn", "Tổ chức kiểm tra", "Rà soát, điều chỉnh",
         "Thẩm định hồ sơ", "Tuyên truyền, tập huấn", "Báo cáo kết quả", "Đề án nâng cao chất lượng",
         "Hỗ trợ phát triển sản xuất")
OBJECTS = ("nông thôn mới", "đường giao thông nông thôn", "nước sạch", "trường học đạt chuẩn", "OCOP",
           "môi trường", "thôn kiểu mẫu", "chuyển đổi số", "y tế cơ sở", "văn hóa")
LUA = """
local paths, n = {PATHS}, 0
request = function()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if UNIQUE then path = path .. "&n=" .. n end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests":%d,"duration_us":%d,"errors":%d,'
    .. '"p50":%.3f,"p95":%.3f,"p99":%.3f,"max":%.3f}\\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, *, tasks: int, seed: int = 552) -> dict[str, Any]:
    """Migrate, load the agency directory, insert ``tasks`` tasks with assignments and notices."""
    from config.settings import get_settings
    from models.agencies.directory import sync_agencies
    from models.auth.users import add_user
    from models.core.db import make_engine, session_scope, upgrade
    from models.core.tables import Agency, Assignment, Notice, Plan, Task
    from tasks.agencies.directory import AgencyDirectory

    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    directory = AgencyDirectory.load(get_settings().agencies_dir)
    with session_scope(engine) as s:
        sync_agencies(s, entries=directory.province("bac-giang").agencies)
        user = add_user(s, email="bench@bacgiang.example", role="office", password="bench-password", actor="bench")
        user_id = user.id
        agencies = [a for a, kind in s.execute(sa.select(Agency.id, Agency.kind)) if kind != "office"]
    from models.core.types import utcnow

    now = utcnow()
    per_plan, plans = 5000, max(1, tasks // 5000)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        plan_ids = [conn.execute(sa.insert(Plan).values(
            code=f"{100 + i}/KH-UBND", province="bac-giang", title=f"Kế hoạch thử tải số {i + 1}", year=2021,
            source_name="bench", source_sha256="0" * 64, report_schedule=[], report_recipient=None,
            created_at=now, updated_at=now).returning(Plan.id)).scalar_one() for i in range(plans)]
        for pid in plan_ids:
            rows = []
            for n in range(per_plan):
                due = None if rng.random() < 0.05 else date(2020, 1, 1) + timedelta(days=rng.randrange(3 * 365))
                rows.append({"plan_id": pid, "ref": f"{n // 1250 + 1}.{n % 1250 + 1}", "position": n,
                             "section": f"Phần {n // 1250 + 1}", "section_code": "IVX"[n // 1250 % 3],
                             "content": f"{rng.choice(WORDS)} {rng.choice(OBJECTS)} giai đoạn {n}", "due_date": due,
                             "deadline_kind": "date" if due else "standing", "lead_text": "", "coordinating_text": "",
                             "source": "table", "state": "active", "unresolved": [], "deadline_text": "",
                             "created_at": now, "updated_at": now})
            ids = [r[0] for r in conn.execute(sa.insert(Task).returning(Task.id, Task.due_date), rows)]
            assigns, notices = [], []
            for tid, row in zip(ids, rows, strict=True):
                due = row["due_date"]
                for role, count in (("lead", 1 + (rng.random() < 0.15)), ("coordinating", rng.randrange(3))):
                    for agency in rng.sample(agencies, count):
                        status, completed = ("open", None)
                        if due and ((due < AS_OF and rng.random() < 0.6) or rng.random() < 0.1):
                            status, completed = "done", min(AS_OF, due + timedelta(days=rng.randrange(-30, 45)))
                        elif rng.random() < 0.3:
                            status = "in_progress"
                        assigns.append({"task_id": tid, "agency_id": agency, "role": role, "status": status,
                                        "percent": 100 if status == "done" else rng.randrange(0, 90, 10),
                                        "due_date": due, "original_due_date": due, "completed_on": completed,
                                        "created_at": now, "updated_at": now})
            for start in range(0, len(assigns), 5000):
                batch = assigns[start:start + 5000]
                got = conn.execute(sa.insert(Assignment).returning(Assignment.id), batch).scalars().all()
                for aid, a in zip(got, batch, strict=True):
                    if a["role"] == "lead" and a["status"] != "done" and a["due_date"] and a["due_date"] < AS_OF \
                            and rng.random() < 0.5:
                        for level in range(1, rng.randrange(2, 5)):
                            notices.append({"assignment_id": aid, "kind": "escalation", "level": level, "seq": 0,
                                            "due_date": a["due_date"],
                                            "as_of": a["due_date"] + timedelta(days=level * 7),
                                            "recipient": "x@bacgiang.example", "recipient_name": "x",
                                            "recipient_role": "lead", "status": "sent", "attempts": 1,
                                            "next_attempt_at": now, "created_at": now, "sent_at": now})
            if notices:
                conn.execute(sa.insert(Notice), notices)
    from models.listing.search_index import refresh

    with session_scope(engine) as s:  # fold the tasks for text search, as the first search would
        refresh(s)
    counts = {t.__tablename__: 0 for t in (Task, Assignment, Notice)}  # type: ignore[attr-defined]
    with engine.connect() as conn:
        for name in counts:
            counts[name] = conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return {"user_id": user_id, "rows": counts, "build_s": round(time.perf_counter() - t0, 1), **_ids(url)}


def _ids(url: str) -> dict[str, Any]:
    """The agencies and plans the pages ask for, and how long one overview computation takes."""
    from sqlmodel import Session

    from models.overview.dashboard import overview

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        agencies = list(conn.execute(sa.text(
            "SELECT agency_id FROM assignment WHERE role = 'lead' GROUP BY agency_id ORDER BY count(*) DESC LIMIT 20"
        )).scalars())
        plans = list(conn.execute(sa.text("SELECT id FROM plan ORDER BY id")).scalars())
    with Session(engine) as session:
        t = time.perf_counter()
        overview(session, as_of=AS_OF)
        compute_ms = round((time.perf_counter() - t) * 1000)
    engine.dispose()
    return {"agency_id": agencies[0], "agencies": agencies, "plan_id": plans[0], "plans": plans,
            "overview_compute_ms": compute_ms}


def _existing(url: str) -> dict[str, Any]:
    """What the pages need from a database built by an earlier run (``--reuse``)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        user_id = conn.execute(sa.text("SELECT min(id) FROM staff_user")).scalar_one()
    engine.dispose()
    return {"user_id": user_id, "reused": True, **_ids(url)}


def serve(url: str, data_dir: Path, *, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DONDOC_DATABASE_URL": url, "DONDOC_DATA_DIR": str(data_dir), "DONDOC_SECRET_KEY": SECRET,
           "DONDOC_ENV": "production", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                             "--log-level", "warning", "--no-access-log"],
                            env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def wrk(base: str, paths: list[str], cookie: str, *, clients: int, seconds: int, unique: bool) -> dict[str, Any]:
    """wrk with one thread; requests take ``paths`` in turn (made unique: never a cached page)."""
    lua = LUA.replace("{PATHS}", "{" + ", ".join(json.dumps(p) for p in paths) + "}")
    lua = f"UNIQUE = {'true' if unique else 'false'}\n" + lua
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "5s", "-H", f"Cookie: {cookie}",
                          "-s", f.name, base], capture_output=True, text=True, timeout=seconds + 30)
    os.unlink(f.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
    stats = json.loads(line[5:])
    stats["rps"] = round(stats["requests"] / (stats["duration_us"] / 1e6), 1)
    return stats


def httpx_load(base: str, paths: list[str], cookie: str, *, clients: int, seconds: int, unique: bool) -> dict[str, Any]:
    """The stand-in for wrk: ``clients`` asyncio clients in a closed loop for ``seconds``."""
    import httpx

    async def run() -> tuple[list[float], int]:
        times: list[float] = []
        errors, n = 0, 0
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, timeout=5) as client:
            async def one() -> None:
                nonlocal errors, n
                while time.perf_counter() < stop:
                    n += 1
                    path = paths[n % len(paths)] + (f"&n={n}" if unique else "")
                    t = time.perf_counter()
                    r = await client.get(path)
                    times.append((time.perf_counter() - t) * 1000)
                    errors += r.status_code != 200
            await asyncio.gather(*(one() for _ in range(clients)))
        return times, errors

    times, errors = asyncio.run(run())
    q = statistics.quantiles(times, n=100)
    return {"requests": len(times), "errors": errors, "p50": q[49], "p95": q[94], "p99": q[98], "max": max(times),
            "rps": round(len(times) / seconds, 1)}


def scenarios(info: dict[str, Any]) -> dict[str, tuple[list[str], bool]]:
    """name -> (paths, unique). Unique paths miss every page cache: rows are read and rendered."""
    a, agencies, plans = AS_OF, info["agencies"], info["plans"]
    statuses = ("qua_han", "sap_den_han", "chua_den_han", "hoan_thanh_dung_han")
    by_agency = [f"/tasks?agency={ag}&status={st}&role=lead&as_of={a}" for ag in agencies for st in statuses]
    by_plan = [f"/tasks?plan={p}&quarter={y}-Q{q}&role=lead&as_of={a}" for p in plans for y in (2020, 2021, 2022)
               for q in (1, 2, 3, 4)]
    words = ("phan bo nguon von", "nuoc sach", "thon kieu mau", "giai doan 4711", "OCOP", "chuyen doi so")
    same_page = f"/tasks?agency={info['agency_id']}&status=qua_han&role=lead&as_of={a}"
    return {
        "overview": ([f"/?as_of={a}"], False),
        "task list: agency + status, same page again": ([same_page], False),
        "task list: agency + status, every request new": (by_agency, True),
        "task list: plan + quarter, every request new": (by_plan, True),
        "text search, every request new": ([f"/tasks?q={w.replace(' ', '+')}&as_of={a}" for w in words], True),
    }


def _session_cookie(url: str, user_id: int) -> str:
    """What a signed-in browser's cookie carries: the id of a session kept on the server."""
    from models.auth.sessions import open_session
    from models.core.db import make_engine, session_scope, upgrade
    from web.security import new_session

    engine = make_engine(url)
    upgrade(engine)  # a database kept from an earlier run may predate the session table
    session_id, key = new_session(SECRET)
    with session_scope(engine) as s:
        open_session(s, user_id=user_id, key=key, lifetime=timedelta(hours=2))
    engine.dispose()
    return session_id


def run(db: str, *, tasks: int, workers: int, clients: int, seconds: int, reuse: Path | None = None,
        keep_schema: str | None = None, only: str | None = None) -> dict[str, Any]:
    """Build (or reuse) the data, serve it, drive each scenario. ``keep_schema``: a PostgreSQL schema
    built once and kept for later runs (like ``reuse`` for SQLite); ``only``: scenarios whose name
    contains this text."""
    from config.settings import reset_settings
    from web.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf_cookie

    tmp = Path(tempfile.mkdtemp(prefix="dondoc-bench-"))
    os.environ["DONDOC_DATA_DIR"] = str(tmp)
    schema, existing = None, False
    if db == "sqlite":
        url = f"sqlite:///{reuse or tmp / 'bench.sqlite3'}"
        existing = reuse is not None and reuse.exists()
    else:
        schema = keep_schema or f"bench_{uuid.uuid4().hex[:10]}"
        with sa.create_engine(PG_SERVER).begin() as conn:
            existing = conn.execute(sa.text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                                            "AND table_name = 'staff_user'"), {"s": schema}).first() is not None
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        existing = existing and keep_schema is not None
        url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    os.environ["DONDOC_DATABASE_URL"] = url
    reset_settings()
    proc = None
    try:
        info = _existing(url) if existing else build(url, tasks=tasks)
        # what a signed-in browser sends: its session and the CSRF cookie set by the first page it saw
        session_cookie = _session_cookie(url, info["user_id"])
        cookie = f"{SESSION_COOKIE}={session_cookie}; {CSRF_COOKIE}={new_csrf_cookie()}"
        proc, base = serve(url, tmp, workers=workers)
        load = wrk if shutil.which("wrk") else httpx_load
        results = {}
        for name, (paths, unique) in scenarios(info).items():
            if only and only not in name:
                continue
            # warm-up (caches, pools, query plans) with as many clients as measured: with fewer, one of
            # the workers may get no request and compute its first overview inside the measurement
            load(base, paths, cookie, clients=clients, seconds=2, unique=unique)
            results[name] = r = load(base, paths, cookie, clients=clients, seconds=seconds, unique=unique)
            print(f"  {db:8} {name:46} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                  f"{r['rps']:7.1f} req/s  errors {r['errors']}", flush=True)
        return {"db": db, "workers": workers, "clients": clients, "seconds": seconds, "tool": load.__name__,
                **info, "pages": results}
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if schema and not keep_schema:
            with sa.create_engine(PG_SERVER).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        shutil.rmtree(tmp, ignore_errors=True)


TARGET_P95 = 0.150  # seconds, overview and a filtered task list, 20 concurrent clients
TARGETS = {"overview": "overview", "task list: agency + status, every request new": "filtered task list (uncached)"}


def results(runs: int, *, seconds: int = 10) -> list[Any]:
    """For ``benchmarks.run_all``: the two targets on both databases, p95 of each run (median of ``runs``)."""
    from benchmarks.common import Result

    samples: dict[tuple[str, str], list[float]] = {}
    for db in ("postgres", "sqlite"):
        reuse = REPO / "benchmarks" / "out" / "web.sqlite3" if db == "sqlite" else None
        for _ in range(runs):
            out = run(db, tasks=100_000, workers=2, clients=20, seconds=seconds, reuse=reuse)
            for page, label in TARGETS.items():
                samples.setdefault((db, label), []).append(out["pages"][page]["p95"] / 1000)
    return [Result(f"web p95 {label} ({db})", values, TARGET_P95, note="20 clients, 100,000 tasks")
            for (db, label), values in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per page")
    parser.add_argument("--reuse", type=Path, help="SQLite file: build it once, reuse it on later runs")
    parser.add_argument("--keep-schema", help="PostgreSQL schema: build it once, keep and reuse it on later runs")
    parser.add_argument("--only", help="run only the scenarios whose name contains this text")
    args = parser.parse_args()
    out = []
    for db in (["postgres", "sqlite"] if args.db == "both" else [args.db]):
        print(f"{db}: building {args.tasks} tasks and serving them with {args.workers} uvicorn worker(s)", flush=True)
        out.append(run(db, tasks=args.tasks, workers=args.workers, clients=args.clients, seconds=args.seconds,
                       reuse=args.reuse if db == "sqlite" else None,
                       keep_schema=args.keep_schema if db == "postgres" else None, only=args.only))
    target = REPO / "var" / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "web.json").write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    print(f"figures written to {target / 'web.json'}")


if __name__ == "__main__":
    main()
