"""Schedules: one definition, the embedded APScheduler with catch-up, and a real Prefect API."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import Session, select

from config.settings import CONFIG_DIR, REPO_ROOT, get_settings, reset_settings
from flows.importing.flow import import_plan
from flows.scheduler import (
    ScheduleError,
    SchedulerLockError,
    cron_trigger,
    load_schedules,
    start_embedded,
    stop_embedded,
)
from models.core.tables import Notice
from tests.conftest import PLANS

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"


def test_the_sweep_is_scheduled_at_half_past_seven_in_vietnam() -> None:
    schedules = load_schedules(CONFIG_DIR / "schedules.yaml")
    job = next(j for j in schedules.jobs if j.name == "daily-sweep")
    trigger = cron_trigger(job, schedules.timezone)
    fire = trigger.get_next_fire_time(None, datetime(2020, 3, 2, 8, 0, tzinfo=VN))
    assert fire == datetime(2020, 3, 3, 7, 30, tzinfo=VN)


def test_weekdays_written_as_numbers_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh", "jobs": [
        {"name": "x", "function": "a:b", "prefect_entrypoint": "a.py:b", "cron": "0 8 * * 1-5"}]}))
    with pytest.raises(ValueError, match="by name"):
        load_schedules(bad)


JOB = {"name": "x", "function": "a:b", "prefect_entrypoint": "a.py:b", "cron": "30 7 * * *"}


@pytest.mark.parametrize(("text", "expected"), [
    ("jobs: [{name: x\n", r"s.yaml, line \d+: not valid YAML"),
    (yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh"}), "a list of 'jobs'"),
    (yaml.safe_dump({"timezone": "Asia/Hanoi_City", "jobs": [JOB]}), "unknown time zone 'Asia/Hanoi_City'"),
    (yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh", "jobs": [{"name": "x", "cron": "30 7 * * *"}]}),
     "job 1 needs exactly the fields name, function, prefect_entrypoint, cron"),
    (yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh", "jobs": [dict(JOB, cron="30 25 * * *")]}), "job x: bad cron"),
    (yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh", "jobs": [dict(JOB, cron="30 7 * *")]}), "cron needs 5 fields"),
    (yaml.safe_dump({"timezone": "Asia/Ho_Chi_Minh", "jobs": [JOB, JOB]}), "two jobs share a name"),
])
def test_a_broken_schedule_file_is_one_error_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleError, match=expected) as err:
        load_schedules(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("change", "expected"), [
    (('cron: "0 8 * * *"', "cron: 8"), "job compile-reports: cron must be text, got 8"),
    (('cron: "0 8 * * *"', 'cron: "0 28 * * *"'), "job compile-reports: bad cron '0 28 * * *' ("),
    (('cron: "0 8 * * *"', 'cron: "0 8 * * 1-5"'), "job compile-reports: write weekdays by name (mon-fri), not number"),
    (("name: compile-reports", "name: daily-sweep"), "two jobs share a name ('daily-sweep')"),
    (("name: compile-reports", "name: 5"), "job 2: name must be text, got 5"),
    (("prefect_entrypoint: flows/deployments.py:compile", "entrypoint: flows/deployments.py:compile"),
     "job 2 needs exactly the fields name, function, prefect_entrypoint, cron"),
    (("timezone: Asia/Ho_Chi_Minh", "timezone: Asia"), "unknown time zone 'Asia' (e.g. Asia/Ho_Chi_Minh)"),
    (("timezone: Asia/Ho_Chi_Minh", "zone: Asia/Ho_Chi_Minh"), "unknown key 'zone' (known: timezone, jobs)"),
])
def test_a_broken_entry_of_the_schedules_names_the_file_and_its_line(
        tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = (CONFIG_DIR / "schedules.yaml").read_text(encoding="utf-8").replace(*change, 1)
    line = max(n for n, row in enumerate(text.splitlines(), start=1) if change[1] in row)  # a repeat's, if any
    bad = tmp_path / "s.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleError) as err:
        load_schedules(bad)
    assert str(err.value).startswith(f"{bad}, line {line}: {expected}"), str(err.value)
    assert "\n" not in str(err.value)


def test_prefect_yaml_declares_the_same_schedules_as_the_config() -> None:
    schedules = load_schedules(CONFIG_DIR / "schedules.yaml")
    deployments = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]
    declared = {d["name"]: (d["entrypoint"], d["schedules"][0]["cron"], d["schedules"][0]["timezone"])
                for d in deployments if d.get("schedules")}
    # the daily sweep's per-province runs are started by it, never by a schedule
    assert [d["entrypoint"] for d in deployments if not d.get("schedules")] == [
        "flows/deployments.py:province_sweep_flow"]
    assert declared == {j.name: (j.prefect_entrypoint, j.cron, schedules.timezone) for j in schedules.jobs}


def test_a_scheduler_that_was_off_for_days_catches_up_with_one_sweep_as_of_today(
    engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(BAC_GIANG))
    scheduler = start_embedded(background=True)
    try:
        scheduler.pause()
        # the stored job last should have run four days ago: the machine was off since
        scheduler.modify_job("daily-sweep", next_run_time=datetime.now(VN) - timedelta(days=4))
        scheduler.resume()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(engine) as s:
                if s.exec(select(Notice).where(Notice.status == "sent")).first():
                    break
            time.sleep(0.2)
        time.sleep(1.0)  # a second (wrong) catch-up run would have started by now
    finally:
        stop_embedded(scheduler)
    with Session(engine) as s:
        days = set(s.exec(select(Notice.as_of)).all())
    today = datetime.now(VN).date()
    assert days == {today}
    assert len(smtp_sink.messages()) > 0


def test_only_one_embedded_scheduler_may_use_the_job_store(engine: sa.Engine) -> None:
    first = start_embedded(background=True)
    try:
        with pytest.raises(SchedulerLockError):
            start_embedded(background=True)
    finally:
        stop_embedded(first)
    second = start_embedded(background=True)  # the lock is free again
    stop_embedded(second)


def test_the_sweep_runs_through_a_real_prefect_api(engine: sa.Engine, smtp_sink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prefect.testing.utilities import prefect_test_harness

    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    reset_settings()
    import_plan(str(BAC_GIANG))  # in-process: no PREFECT_API_URL yet
    with prefect_test_harness(server_startup_timeout=90):
        from prefect.settings import PREFECT_API_URL

        monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        reset_settings()
        assert get_settings().prefect_api_url
        from flows.escalation.sweep import daily_sweep

        result = daily_sweep(date(2020, 1, 24))
        assert result.ok and result.send.messages_sent == 4
        import asyncio

        from prefect.client.orchestration import get_client

        async def runs() -> list:  # type: ignore[type-arg]
            async with get_client() as client:
                return await client.read_flow_runs()

        flow_runs = asyncio.run(runs())
    names = {(r.name, r.state_type.value if r.state_type else None) for r in flow_runs}
    assert any(state == "COMPLETED" for _, state in names), names
    assert len(smtp_sink.messages()) == 4
