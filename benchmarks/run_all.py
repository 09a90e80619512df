"""Run every benchmark and print one summary line per target (name, median, target, PASS/MISS).

    .venv/bin/python -m benchmarks.run_all [--runs 3] [--regenerate]
        [--only import,pdf,sweep,national,sweep-national,smtp,report,web,web-national]

`make bench` runs this. Each benchmark is also runnable alone (python -m benchmarks.bench_sweep, ...).
A benchmark that fails to run prints an ERROR line and the others still run. The exit status is
0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.common import DEFAULT_RUNS, Result, print_summary

# name -> (module, how to call its run())
BENCHMARKS: dict[str, tuple[str, Callable[[Any, argparse.Namespace], list[Result]]]] = {
    "import": ("benchmarks.bench_import_xlsx", lambda m, a: m.run(a.runs)),
    # issue 16: a 100,000-row appendix under 30 s and 500 MB peak; one run (a few minutes)
    "import-100k": ("benchmarks.bench_import_xlsx", lambda m, a: m.run(1, m.LARGE_ROWS)),
    "pdf": ("benchmarks.bench_import_pdf", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
    "sweep": ("benchmarks.bench_sweep", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
    "national": ("benchmarks.bench_national", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
    "sweep-national": ("benchmarks.bench_sweep_national", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
    "smtp": ("benchmarks.bench_smtp", lambda m, a: m.run(a.runs)),
    "report": ("benchmarks.bench_report", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
    "web": ("benchmarks.bench_web", lambda m, a: m.results(a.runs)),
    "web-national": ("benchmarks.bench_web_national", lambda m, a: m.run(a.runs, regenerate=a.regenerate)),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="measurements per target (median reported)")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help="comma-separated subset of " + ", ".join(BENCHMARKS))
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached datasets")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r} (known: {', '.join(BENCHMARKS)})")
    start = time.perf_counter()
    results: list[Result] = []
    errors: list[str] = []
    for name in chosen:
        module_name, call = BENCHMARKS[name]
        print(f"== {name}", flush=True)
        try:
            results += call(importlib.import_module(module_name), args)
        except (Exception, SystemExit) as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            errors.append(f"{name:34} ERROR  {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
    print(f"\n== summary ({args.runs} runs each, medians; {time.perf_counter() - start:.0f} s in all)")
    print_summary(results)
    for line in errors:
        print(line)
    return 0 if results and not errors and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
