"""Every documented setting is honoured: here the ones no other test reaches (the province's zone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from config.settings import get_settings, reset_settings
from tasks.common.dates import fmt_date, local_zone
from tasks.reports.audit import AuditRecord, effective_day
from tests.conftest import CliResult

LATE_EVENING_UTC = datetime(2020, 6, 30, 20, 0, tzinfo=UTC)  # 03:00 on 01/07 in Vietnam


def test_the_zone_is_vietnam_unless_configured() -> None:
    assert local_zone().key == "Asia/Ho_Chi_Minh"
    assert fmt_date(LATE_EVENING_UTC) == "01/07/2020"


def test_dondoc_timezone_moves_the_calendar_day_of_a_timestamp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TIMEZONE", "UTC")
    reset_settings()
    assert fmt_date(LATE_EVENING_UTC) == "30/06/2020"
    event = AuditRecord(at=LATE_EVENING_UTC, entity="assignment", entity_id=1, action="progress", changes={})
    assert effective_day(event) == date(2020, 6, 30)


def test_an_unknown_zone_is_refused_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TIMEZONE", "Asia/Hanoi_City")
    reset_settings()
    with pytest.raises(ValidationError, match="unknown time zone"):
        get_settings()


def test_an_unknown_zone_is_one_line_and_exit_2_on_the_command_line(
    run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONDOC_TIMEZONE", "Asia/Hanoi_City")
    result = run_cli("agencies")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "dondoc: error: DONDOC_TIMEZONE: unknown time zone 'Asia/Hanoi_City' (an IANA name such as Asia/Ho_Chi_Minh)"
    ]
