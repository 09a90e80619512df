"""A province's half-year report: 10,000 tasks and 500 agencies, whole process, SQLite.

    .venv/bin/python -m benchmarks.bench_report [--runs 3] [--regenerate]

One province, 500 agencies (synthetic Agency rows, ``.example`` addresses, the coordination
office first), one 2025 plan issued 15/01/2025 with 10,000 tasks, each with one lead and two
coordinating agencies (30,000 assignments), due dates spread over 2025. Of the tasks due by
30/06/2025 about 70 % were done on time and 15 % late, the rest are overdue (escalation notices
sent at levels 1-3); a tenth of the completions were recorded in July-September, after the
cut-off, so the as-of rebuild undoes them. The audit log holds every task's creation (effective
on the issue date) and every completion (~14,000 events). 50 indicators with values, the two
report duties (1,000 assignments) and 300 agencies' period reports with narratives complete
it. Written with bulk INSERTs (benchmarks.dataset) into benchmarks/out/report-template.sqlite3
(kept; --regenerate rebuilds it).

Each run copies the template and times, from spawn to exit,
``dondoc report --plan 1/KH-UBND --period 2025-H1 --out DIR`` (DOCX, XLSX and HTML): loading
from the database, the rebuild as of 30/06/2025, figures, charts, the three renderers, writing
the files and the run. Target: under 10 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from benchmarks.common import DONDOC, OUT, Result, arg_parser, check, env_with, load, print_summary, run_timed

TARGET_SECONDS = 10.0
AGENCIES = 500
TASKS = 10_000
COORDINATING = 2
INDICATORS = 50
SUBMISSIONS = 300
PROVINCE = "bac-giang"
DOMAIN = "bacgiang.example"
CODE = "1/KH-UBND"
ISSUED = date(2025, 1, 15)
AS_OF = date(2025, 6, 30)
TEMPLATE = OUT / "report-template.sqlite3"


def _at(day: date) -> datetime:
    return datetime.combine(day, dtime(3, 0), tzinfo=UTC)


def generate(regenerate: bool = False) -> dict[str, Any]:
    """Build the template database unless it exists."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from benchmarks import dataset
    from models.core.report_tables import Indicator, IndicatorValue, ReportSubmission
    from models.core.tables import Assignment, AuditEvent, Notice, Plan, Task

    if not regenerate and dataset.template_is_current(TEMPLATE):
        return {"cached": True}
    start = time.perf_counter()
    rng = random.Random(2025)
    with dataset.template_build(TEMPLATE) as engine, Session(engine) as session:
        pid, agencies = dataset.start_province(session, province=PROVINCE, agencies=AGENCIES, domain=DOMAIN)
        conn = session.connection()
        plan = list(dataset.plan_row(CODE, PROVINCE, 2025, f"lanhdao@{DOMAIN}"))
        plan[4] = ISSUED
        dataset.load(conn, Plan.__table__, ("id", *dataset.PLAN_COLUMNS), [(1, *plan)])
        first, span = date(2025, 1, 20), (date(2025, 12, 31) - date(2025, 1, 20)).days
        dues = [first + timedelta(days=rng.randrange(span + 1)) for _ in range(TASKS)]
        owners = [rng.randrange(AGENCIES) for _ in range(TASKS)]
        sections = [f"{'I' * (1 + i % 3)}. Nhóm nhiệm vụ số {1 + i % 3}" for i in range(TASKS)]
        tasks = []
        for i in range(TASKS):
            row = list(dataset.task_row(1, i + 1, dues[i], agencies[owners[i]][1]))
            row[3] = sections[i]
            tasks.append((i + 1, *row))
        dataset.load(conn, Task.__table__, ("id", *dataset.TASK_COLUMNS), tasks)
        # two report duties (BC.2025-H1 due 15/06, BC.2025 due 15/12), one lead per agency
        duty_tasks = [
            (TASKS + 1, 1, "BC.2025-H1", 2_000_000, "Báo cáo định kỳ", "BC", None,
             f"Báo cáo kết quả thực hiện Kế hoạch số {CODE} 6 tháng đầu năm 2025", "Trước 15/06/2025", "date",
             date(2025, 6, 15), "", "", "report", "active", [], dataset.CREATED, dataset.CREATED),
            (TASKS + 2, 1, "BC.2025", 2_000_001, "Báo cáo định kỳ", "BC", None,
             f"Báo cáo kết quả thực hiện Kế hoạch số {CODE} năm 2025", "Trước 15/12/2025", "date",
             date(2025, 12, 15), "", "", "report", "active", [], dataset.CREATED, dataset.CREATED),
        ]
        dataset.load(conn, Task.__table__, ("id", *dataset.TASK_COLUMNS), duty_tasks)
        assignments: list[tuple[Any, ...]] = []
        audits: list[tuple[Any, ...]] = []
        notices: list[tuple[Any, ...]] = []
        aid = 0
        for i in range(TASKS):
            tid, due = i + 1, dues[i]
            audits.append((_at(ISSUED), "bench", "plan import", "task", tid, "created", {"ref": f"I.{tid}"}, ISSUED))
            helpers = rng.sample([a for a in range(AGENCIES) if a != owners[i]], COORDINATING)
            for role, agency in (("lead", owners[i]), *(("coordinating", a) for a in helpers)):
                aid += 1
                status, completed, percent = "open", None, 0
                if role == "lead":
                    roll = rng.random()
                    if due <= AS_OF and roll < 0.70:
                        completed = due - timedelta(days=rng.randrange(15))
                    elif due <= AS_OF and roll < 0.85:
                        completed = due + timedelta(days=1 + rng.randrange(40))
                    elif due > AS_OF and roll < 0.25:
                        completed = min(due, date(2025, 9, 30)) - timedelta(days=rng.randrange(30))
                    if completed is not None:
                        status, percent = "done", 100
                        recorded = completed + timedelta(days=rng.randrange(3))
                        audits.append((_at(recorded), "bench", "web", "assignment", aid, "progress",
                                       {"status": ["open", "done"], "percent": [0, 100],
                                        "completed_on": [None, completed.isoformat()]}, None))
                    if due < AS_OF and (completed is None or completed > AS_OF):
                        overdue = (AS_OF - due).days
                        for level, after in ((1, 1), (2, 7), (3, 15)):
                            if overdue >= after:
                                day = due + timedelta(days=after)
                                notices.append((aid, "escalation", level, 0, due, day,
                                                f"donvi{agency + 1:03d}@{DOMAIN}", agencies[agency][1], "lead",
                                                "sent", 1, _at(day), _at(day), _at(day)))
                assignments.append((aid, tid, agencies[agency][0], role, status, percent, due, due, completed, pid,
                                    dataset.CREATED, dataset.CREATED))
        duty_ids: dict[int, int] = {}
        for t, due in ((TASKS + 1, date(2025, 6, 15)), (TASKS + 2, date(2025, 12, 15))):
            audits.append((_at(ISSUED), "bench", "report duties", "task", t, "created", {"ref": "BC"}, ISSUED))
            for a in range(AGENCIES):
                aid += 1
                if t == TASKS + 1:
                    duty_ids[a] = aid
                assignments.append((aid, t, agencies[a][0], "lead", "open", 0, due, due, None, pid,
                                    dataset.CREATED, dataset.CREATED))
        dataset.load(conn, Assignment.__table__, ("id", *dataset.ASSIGNMENT_COLUMNS), assignments)
        # 300 agencies reported on the half year: a summary and two narratives each; their duty is done
        submitters = rng.sample(range(AGENCIES), SUBMISSIONS)
        subs = []
        for n, a in enumerate(submitters, 1):
            on = date(2025, 6, 1) + timedelta(days=rng.randrange(14))
            # two tasks drawn at random; they coincide about once in 10,000 draws, and then the second
            # narrative replaces the first, which is fine for a benchmark's data
            first, second = (f"I.{1 + rng.randrange(TASKS)}" for _ in range(2))
            subs.append((n, 1, "2025-H1", agencies[a][0], duty_ids[a], on, "bench", "web",
                         "Đơn vị đã triển khai các nhiệm vụ được giao theo kế hoạch; một số nhiệm vụ còn chậm.",
                         {first: "Đã hoàn thành, đang tổng hợp kết quả gửi cơ quan chủ trì.",
                          second: "Đang triển khai, dự kiến hoàn thành trong quý III."},
                         {}, _at(on)))
            audits.append((_at(on), "bench", "web", "assignment", duty_ids[a], "progress",
                           {"status": ["open", "done"], "percent": [0, 100], "completed_on": [None, on.isoformat()]},
                           None))
        conn.execute(sa.update(Assignment).where(Assignment.id.in_([duty_ids[a] for a in submitters]))
                     .values(status="done", percent=100, completed_on=date(2025, 6, 10)))
        dataset.load(conn, ReportSubmission.__table__,
                     ("id", "plan_id", "period", "agency_id", "assignment_id", "submitted_on", "actor", "source",
                      "summary", "narratives", "indicator_values", "submitted_at"), subs)
        dataset.load(conn, AuditEvent.__table__,
                     ("at", "actor", "source", "entity", "entity_id", "action", "changes", "effective_on"), audits)
        dataset.load(conn, Notice.__table__,
                     ("assignment_id", "kind", "level", "seq", "due_date", "as_of", "recipient", "recipient_name",
                      "recipient_role", "status", "attempts", "next_attempt_at", "created_at", "sent_at"), notices)
        indicators = []
        for k in range(INDICATORS):
            district = None if k < 10 else f"Huyện thử nghiệm số {k % 10 + 1:02d}"
            number = k + 1 if district is None else 10 + k // 10  # ten plan-level, four per-district groups
            name = f"Số xã đạt tiêu chí thử nghiệm {number}"
            key = f"so-xa-dat-tieu-chi-thu-nghiem-{number}|xã" + (f"|huyen-{k % 10 + 1:02d}" if district else "")
            indicators.append((k + 1, 1, key, name, "xã", 10.0 + k, 2024, district, None, None, "up", "table", True,
                               [{"year": 2025, "low": 20.0 + k, "high": None, "qualifier": None, "per_year": False}],
                               None, k, dataset.CREATED, dataset.CREATED))
        dataset.load(conn, Indicator.__table__,
                     ("id", "plan_id", "key", "name", "unit", "baseline", "baseline_year", "district", "owner_text",
                      "owner_agency_id", "direction", "source", "active", "targets", "source_text", "position",
                      "created_at", "updated_at"), indicators)
        dataset.load(conn, IndicatorValue.__table__,
                     ("indicator_id", "agency_id", "period", "value", "reported_on", "source", "actor"),
                     [(k + 1, agencies[rng.randrange(AGENCIES)][0], "2025-H1", 12.0 + k + rng.random() * 8,
                       date(2025, 6, 10), "web", "bench") for k in range(INDICATORS)])
        session.commit()
    print(f"report: generated {TEMPLATE.name} ({TASKS} tasks, {len(assignments)} assignments, {AGENCIES} agencies, "
          f"{len(audits)} audit events, {len(notices)} escalation notices) in {time.perf_counter() - start:.1f} s",
          flush=True)
    return {"cached": False}


def run(runs: int = 3, regenerate: bool = False) -> list[Result]:
    import shutil

    from benchmarks import dataset

    generate(regenerate)
    db = OUT / "report-run.sqlite3"
    data_dir = OUT / "report-data"
    out_dir = OUT / "report-files"
    samples: list[float] = []
    env = env_with(DONDOC_DATABASE_URL=dataset.sqlite_url(db), DONDOC_DATA_DIR=str(data_dir), DONDOC_ENV="test")
    cmd = [str(DONDOC), "report", "--plan", CODE, "--period", "2025-H1", "--out", str(out_dir)]
    line = ""
    for i in range(runs):
        dataset.copy_sqlite(TEMPLATE, db)
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)
        timed = check(run_timed(cmd, env), "dondoc report")
        line = timed.out.splitlines()[0] if timed.out else ""
        sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size // 1024} KB" for p in sorted(out_dir.iterdir()))
        print(f"report run {i + 1}: {timed.seconds:.3f} s (cpu {timed.cpu:.2f} s): {sizes}; {load()}", flush=True)
        samples.append(timed.seconds)
    return [Result("report 10k tasks, 500 agencies (sqlite)", samples, TARGET_SECONDS, note=line[:140])]


def main(argv: Sequence[str] | None = None) -> list[Result]:
    parser = arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rebuild the template database")
    args = parser.parse_args(argv)
    results = run(args.runs, args.regenerate)
    print_summary(results)
    return results


if __name__ == "__main__":
    main()
