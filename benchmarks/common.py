"""Shared pieces of the benchmarks: timing, results, the dondoc command, a local SMTP server.

Nothing here imports pytest or the tests package: the benchmarks run from a plain virtualenv.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"  # git-ignored
DONDOC = Path(sys.executable).with_name("dondoc")
PG_SERVER = os.environ.get("DONDOC_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEFAULT_RUNS = 3


@dataclass
class Result:
    """One target: the median of ``samples`` against ``target`` (``higher`` = a floor, not a ceiling)."""

    name: str
    samples: list[float]
    target: float
    unit: str = "s"
    higher_is_better: bool = False
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def passed(self) -> bool:
        return self.median >= self.target if self.higher_is_better else self.median <= self.target

    def line(self) -> str:
        op = ">=" if self.higher_is_better else "<="
        samples = ", ".join(_fmt(s, self.unit) for s in self.samples)
        text = (f"{self.name:34} median {_fmt(self.median, self.unit):>11}  target {op} "
                f"{_fmt(self.target, self.unit):>10}  {'PASS' if self.passed else 'MISS'}  [{samples}]")
        return f"{text}  {self.note}" if self.note else text


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f} {unit}"


def print_summary(results: Sequence[Result]) -> None:
    print("\n".join(r.line() for r in results), flush=True)


def env_with(**values: str) -> dict[str, str]:
    """The current environment without stray DONDOC_*/Prefect settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_") and k != "PREFECT_API_URL"}
    env.update(values)
    return env


@dataclass
class Timed:
    seconds: float  # wall clock, spawn to exit
    code: int
    out: str
    err: str
    cpu: float = 0.0  # user + system time of the process (less sensitive to other load)


def run_timed(args: Sequence[str], env: dict[str, str], *, timeout: float = 600) -> Timed:
    """Run a whole process and time it from spawn to exit (stdout/stderr captured)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(seconds, proc.returncode, proc.stdout, proc.stderr, cpu)


def check(timed: Timed, what: str) -> Timed:
    if timed.code != 0:
        raise SystemExit(f"{what} failed with exit code {timed.code}:\n{timed.out}\n{timed.err[-3000:]}")
    return timed


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0, read it, close): aiosmtpd's
    Controller cannot use port 0 itself, and it also serves as a port where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def aiosmtpd_process(host: str = "127.0.0.1", timeout: float = 15.0) -> Iterator[tuple[str, int]]:
    """``python -m aiosmtpd`` with the discarding Sink handler, in its own process (own GIL).

    It records nothing; a 250 reply is the only evidence of delivery. Also used by the tests
    (tests/smtp_server.py). Yields ``(host, port)``.
    """
    port = free_port(host)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"{host}:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((host, port), timeout=1.0) as sock:
                    if sock.recv(3) == b"220":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"aiosmtpd did not start on {host}:{port}")
            time.sleep(0.05)
        yield host, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def arg_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="measurements per target (median reported)")
    return parser


def load() -> str:
    """The machine's load averages (1, 5, 15 min): other processes share its two cores."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"
