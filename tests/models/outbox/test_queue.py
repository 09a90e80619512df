"""The outbox's one mechanism on both outbox tables (notices and report e-mails), SQLite and PostgreSQL:
the same claim, release of stale claims, backoff and give-up, whichever table the rows are in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.report_tables import TRIGGER_MANUAL, ReportDelivery, ReportRun
from models.core.tables import FAILED, PENDING, SENDING, SENT, Assignment, Notice, Plan
from models.core.types import utcnow
from models.outbox.notices import notice_row
from models.outbox.queue import MAX_ATTEMPTS, STALE_CLAIM, backoff, claim, mark_failed, mark_sent, new_worker_id
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
TABLES = [Notice, ReportDelivery]
ROWS = 3


def _pending_rows(engine: sa.Engine, table: type[Any], *, now: datetime) -> list[int]:
    """ROWS pending rows of ``table``, due at ``now``; their ids in order."""
    import_plan(str(BAC_GIANG))
    with session_scope(engine) as s:
        if table is Notice:
            assignment_ids = s.exec(select(Assignment.id).order_by(Assignment.id).limit(ROWS)).all()
            rows = [notice_row(assignment_id=aid, kind="manual_reminder", level=0, seq=0, due_date=date(2020, 1, 31),  # type: ignore[arg-type]
                               as_of=date(2020, 1, 24), recipient=f"so{n}@bacgiang.example", recipient_name=f"Sở {n}",
                               recipient_role="lead", now=now) for n, aid in enumerate(assignment_ids)]
        else:
            plan_id = s.exec(select(Plan.id)).first()
            run = ReportRun(plan_id=plan_id, period="2020-H1", as_of=date(2020, 6, 12), report_date=date(2020, 6, 16),  # type: ignore[arg-type]
                            trigger=TRIGGER_MANUAL, actor="test")
            s.add(run)
            s.flush()
            rows = [{"report_run_id": run.id, "recipient": f"so{n}@bacgiang.example", "recipient_name": f"Sở {n}",
                     "recipient_role": "office", "status": PENDING, "attempts": 0, "next_attempt_at": now,
                     "created_at": now} for n in range(ROWS)]
        s.execute(sa.insert(table), rows)
    with Session(engine) as s:
        return list(s.exec(select(table.id).order_by(table.id)))


def _claim(engine: sa.Engine, table: type[Any], *, now: datetime, limit: int = 100,
           worker: str | None = None) -> list[Any]:
    with session_scope(engine) as s:
        return claim(s, table=table, worker=worker or new_worker_id(), now=now, limit=limit)


def _row(engine: sa.Engine, table: type[Any], row_id: int) -> Any:
    with Session(engine) as s:
        return s.get(table, row_id)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.__name__)
def test_two_senders_never_take_the_same_row_and_a_crashed_senders_claim_is_released(
    engine: sa.Engine, table: type[Any]
) -> None:
    t0 = utcnow().replace(microsecond=0)
    ids = _pending_rows(engine, table, now=t0)
    first = _claim(engine, table, now=t0, worker="crashed")
    assert [r.id for r in first] == ids and {r.status for r in first} == {SENDING}
    assert _claim(engine, table, now=t0) == []  # taken: a second sender gets nothing
    assert _claim(engine, table, now=t0 + STALE_CLAIM - timedelta(seconds=1)) == []  # still held
    # the sender never marked anything: after STALE_CLAIM its claims are released and taken again
    again = _claim(engine, table, now=t0 + STALE_CLAIM + timedelta(seconds=1), worker="next")
    assert [r.id for r in again] == ids and {r.claimed_by for r in again} == {"next"}
    assert all(r.attempts == 0 for r in again)  # a released claim is not a failed attempt


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.__name__)
def test_a_claim_takes_at_most_its_limit_in_id_order(engine: sa.Engine, table: type[Any]) -> None:
    """On PostgreSQL too: with a small table (no statistics yet) the planner once rescanned the
    locking subquery per updated row, and a claim of 2 took all 3 rows."""
    now = utcnow().replace(microsecond=0)
    ids = _pending_rows(engine, table, now=now)
    assert [r.id for r in _claim(engine, table, now=now, limit=2)] == ids[:2]
    assert [r.id for r in _claim(engine, table, now=now, limit=2)] == ids[2:]  # only what is left
    assert _claim(engine, table, now=now, limit=2) == []


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.__name__)
def test_a_failed_attempt_waits_its_backoff_and_gives_up_after_max_attempts(
    engine: sa.Engine, table: type[Any]
) -> None:
    now = utcnow().replace(microsecond=0)
    retried, refused, delivered = _pending_rows(engine, table, now=now)
    claimed = {r.id: r for r in _claim(engine, table, now=now)}
    with session_scope(engine) as s:  # the rows come from a closed session, as in the flows
        mark_failed(s, rows=[claimed[refused]], error="550 no such user", permanent=True, now=now)
        mark_sent(s, table=table, ids=[delivered], message_id="<m1@bacgiang.example>", now=now)
    assert (_row(engine, table, refused).status, _row(engine, table, refused).attempts) == (FAILED, 1)
    sent = _row(engine, table, delivered)
    assert (sent.status, sent.message_id, sent.claimed_by) == (SENT, "<m1@bacgiang.example>", None)
    row = claimed[retried]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with session_scope(engine) as s:
            mark_failed(s, rows=[row], error="451 try again later " + "x" * 600, permanent=False, now=now)
        stored = _row(engine, table, retried)
        assert stored.attempts == attempt and stored.last_error.startswith("451") and len(stored.last_error) == 500
        if attempt == MAX_ATTEMPTS:
            assert stored.status == FAILED
            break
        assert stored.status == PENDING and stored.next_attempt_at == now + backoff(attempt)
        assert backoff(attempt) == timedelta(minutes=2 ** attempt)
        assert _claim(engine, table, now=now + backoff(attempt) - timedelta(seconds=1)) == []  # not yet
        now += backoff(attempt)
        [row] = _claim(engine, table, now=now)
        assert row.id == retried
    assert _claim(engine, table, now=now + timedelta(days=30)) == []  # failed rows are never taken again
