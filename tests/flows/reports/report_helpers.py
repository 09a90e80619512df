"""Shared set-up of the report tests: the Bắc Giang plan with progress recorded in H1 2020."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from config.settings import reset_settings
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import Plan
from models.progress.updates import find_assignment, find_task, record_progress
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
CODE = "552/KH-BCĐ"
VPDP = ("bac-giang", "vpdp")  # Văn phòng Điều phối nông thôn mới tỉnh: 9 lead tasks
NN = ("bac-giang", "snnptnt")  # Sở Nông nghiệp và Phát triển nông thôn: 8 lead tasks
VPDP_NAME = "Văn phòng Điều phối nông thôn mới tỉnh"
NN_NAME = "Sở Nông nghiệp và Phát triển nông thôn"
H1_END = date(2020, 6, 30)
# the days the daily sweep runs in the scenario (reminders, then escalations of overdue items)
SWEEP_DAYS = (date(2020, 1, 24), date(2020, 3, 2), date(2020, 3, 9), date(2020, 4, 1), date(2020, 6, 8),
              date(2020, 6, 30))


def progress(engine: sa.Engine, ref: str, agency: tuple[str, str], on: date, status: str = "done",
             percent: int | None = None, note: str | None = None) -> None:
    with session_scope(engine) as s:
        task = find_task(s, ref=ref, plan_code=CODE)
        a = find_assignment(s, task=task, agency_keys=[agency])
        record_progress(s, assignment=a, status=status, percent=percent, note=note, on=on, actor="test", source="test")


def record_h1(engine: sa.Engine) -> None:
    """Progress recorded in the first half of 2020 (hand-counted in the tests):

    VPĐP: I.1 done 20/01 (due 31/01: on time), I.12 done 10/04 (due 31/03: late), II.2 in
    progress 50% (due 31/07), six more due after June: 9 tasks, 1 on time, 1 late, 7 in term.
    Sở NN&PTNT: I.1 never done (due 31/01: overdue), seven due after June: 8 tasks, 7 in term,
    1 overdue. UBND huyện Lạng Giang I.3 done 25/02 (due 28/02), UBND huyện Tân Yên I.4 done
    15/03 (due 29/02: late).
    """
    progress(engine, "I.1", VPDP, date(2020, 1, 20))
    progress(engine, "I.3", ("bac-giang", "ubnd-huyen-lang-giang"), date(2020, 2, 25))
    progress(engine, "I.4", ("bac-giang", "ubnd-huyen-tan-yen"), date(2020, 3, 15))
    progress(engine, "I.12", VPDP, date(2020, 4, 10))
    progress(engine, "II.2", VPDP, date(2020, 5, 5), status="in_progress", percent=50, note="Đang tổng hợp")


def mail_to(monkeypatch: pytest.MonkeyPatch, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    reset_settings()


def h1_scenario(engine: sa.Engine) -> None:
    """Import, record H1 progress, run the sweeps of the scenario's days."""
    import_plan(str(BAC_GIANG))
    record_h1(engine)
    for day in SWEEP_DAYS:
        result = daily_sweep(day)
        assert result.ok, result.send


def plan_id(engine: sa.Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(Plan.id).where(Plan.code == CODE)).one()  # type: ignore[return-value]


def docx_tables(data: bytes | Path) -> list[list[list[str]]]:
    raw = data.read_bytes() if isinstance(data, Path) else data
    document = docx.Document(io.BytesIO(raw))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_text(data: bytes | Path) -> str:
    raw = data.read_bytes() if isinstance(data, Path) else data
    document = docx.Document(io.BytesIO(raw))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def agency_table(data: bytes | Path) -> dict[str, tuple[int, int, int, int, int, str]]:
    """The per-agency table of the report: name -> (assigned, on time, late, in term, overdue, rate)."""
    for table in docx_tables(data):
        if table and len(table[0]) == 8 and table[0][1] == "Cơ quan, đơn vị chủ trì":
            return {row[1]: (int(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]), row[7])
                    for row in table[1:]}
    raise AssertionError("no per-agency table in the document")
