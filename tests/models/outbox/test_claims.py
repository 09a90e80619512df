"""The claim, whatever the statistics and however many senders: planned without a nested loop on
a table whose statistics predate the day's notices (issue 17.2), every due notice of a recipient
in one claim, and a recipient a concurrent claim holds skipped whole (issue 17.9)."""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import PENDING, SENT, Assignment, Notice
from models.core.types import utcnow
from models.outbox.notices import ANALYZE_AFTER, analyze_outbox
from models.outbox.queue import claim, new_worker_id
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"


def _notices(engine: sa.Engine, recipients: list[str], *, status: str = PENDING, seq_from: int = 0,
             now: datetime) -> None:
    """One notice per entry of ``recipients`` (a recipient may come back), in that id order."""
    with session_scope(engine) as s:
        aid = s.exec(select(col(Assignment.id)).order_by(col(Assignment.id))).first()
        s.execute(sa.insert(Notice), [
            {"assignment_id": aid, "kind": "reminder", "level": 7, "seq": seq_from + n, "due_date": date(2020, 1, 31),
             "as_of": date(2020, 1, 24), "recipient": r, "recipient_name": r, "recipient_role": "lead",
             "status": status, "attempts": 0, "next_attempt_at": now, "created_at": now}
            for n, r in enumerate(recipients)
        ])


def _owner(engine: sa.Engine) -> dict[str, set[str | None]]:
    with Session(engine) as s:
        out: dict[str, set[str | None]] = {}
        for recipient, by in s.exec(select(Notice.recipient, Notice.claimed_by)):
            out.setdefault(recipient, set()).add(by)
        return out


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_claim_is_planned_without_a_nested_loop_on_statistics_older_than_the_days_notices(
    engine: sa.Engine,
) -> None:
    """Yesterday's notices were sent and the table analyzed; today's were inserted since, so the
    statistics say no notice is pending and the planner expects one row. The claim's statements,
    explained on that table, must not loop over it (the old claim's UPDATE was a nested loop of
    the pending notices over the chosen ones: quadratic, 287 s for 60,322 notices)."""
    import_plan(str(BAC_GIANG))
    now = utcnow()
    recipients = [f"so{n % 200}@bacgiang.example" for n in range(2000)]
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE notice SET (autovacuum_enabled = false)"))  # no analyze behind our back
    _notices(engine, recipients, status=SENT, now=now)
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE notice"))
        conn.commit()
    _notices(engine, recipients, seq_from=len(recipients), now=now)
    statements: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "WITH", "SELECT")):
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        with session_scope(engine) as s:
            taken = claim(s, table=Notice, worker=new_worker_id(), now=now, limit=50)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    with engine.begin() as conn:  # the table as the claim found it, statistics untouched
        conn.execute(sa.text("UPDATE notice SET status = 'pending', claimed_by = NULL WHERE status = 'sending'"))
    plans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            plans.append("\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)))
        conn.rollback()
    assert any("Update on notice" in p for p in plans)
    for plan in plans:
        assert "Nested Loop" not in plan, plan
    assert len({n.recipient for n in taken}) == 50 and len(taken) == 500  # every notice of 50 recipients


def test_a_claim_takes_every_due_notice_of_each_recipient_it_takes_oldest_first(engine: sa.Engine) -> None:
    """The limit counts recipients: a recipient's notices are never split between two claims
    (two sweeps would send two digests)."""
    import_plan(str(BAC_GIANG))
    now = utcnow()
    _notices(engine, ["b@x.example", "a@x.example", "b@x.example", "a@x.example", "c@x.example", "b@x.example"],
             now=now)
    first = claim_rows(engine, now=now, limit=1)
    assert {n.recipient for n in first} == {"b@x.example"} and len(first) == 3  # b's oldest notice is oldest
    second = claim_rows(engine, now=now, limit=2)
    assert sorted(n.recipient for n in second) == ["a@x.example", "a@x.example", "c@x.example"]
    assert claim_rows(engine, now=now, limit=5) == []


def claim_rows(engine: sa.Engine, *, now: datetime, limit: int, worker: str | None = None) -> list[Notice]:
    with session_scope(engine) as s:
        return claim(s, table=Notice, worker=worker or new_worker_id(), now=now, limit=limit)


def test_a_recipient_held_by_a_claim_in_progress_is_left_whole_to_it(engine: sa.Engine) -> None:
    """Two claims at once: the first has taken recipient a@ and not yet committed when the second
    runs. The second takes the other recipients, none of a@'s notices (the old claim locked rows,
    not recipients: it skipped the row being taken and took a@'s others, and a@ got two digests).
    On SQLite the second claim waits for the first (one writer at a time)."""
    import_plan(str(BAC_GIANG))
    now = utcnow()
    _notices(engine, ["a@x.example", "b@x.example", "a@x.example", "b@x.example", "a@x.example"], now=now)
    taking, go_on = threading.Event(), threading.Event()
    first: list[Notice] = []

    def slow_claim() -> None:
        with session_scope(engine) as s:
            commit = s.commit

            def held_commit() -> None:  # the claim is done but not committed: held here
                taking.set()
                go_on.wait(30)
                commit()

            s.commit = held_commit  # type: ignore[method-assign]
            first.extend(claim(s, table=Notice, worker="first", now=now, limit=1))

    thread = threading.Thread(target=slow_claim)
    thread.start()
    assert taking.wait(30)
    if engine.dialect.name == "postgresql":
        second = claim_rows(engine, now=now, limit=10, worker="second")
        go_on.set()
    else:
        go_on.set()  # SQLite: the first claim holds the write lock until it commits
        second = claim_rows(engine, now=now, limit=10, worker="second")
    thread.join(30)
    assert {n.recipient for n in first} == {"a@x.example"} and len(first) == 3
    assert {n.recipient for n in second} == {"b@x.example"} and len(second) == 2
    assert _owner(engine) == {"a@x.example": {"first"}, "b@x.example": {"second"}}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_planning_that_adds_many_notices_is_followed_by_analyze(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))

    def tuples() -> float:
        with engine.connect() as conn:
            query = sa.text("SELECT reltuples FROM pg_class WHERE oid = 'notice'::regclass")
            return float(conn.execute(query).scalar_one())

    _notices(engine, [f"so{n}@bacgiang.example" for n in range(ANALYZE_AFTER)], now=utcnow())
    assert tuples() <= 0  # never analyzed since the rows came
    assert not analyze_outbox(engine, added=ANALYZE_AFTER - 1)
    assert tuples() <= 0
    assert analyze_outbox(engine, added=ANALYZE_AFTER)
    assert tuples() == ANALYZE_AFTER

