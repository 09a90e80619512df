"""The SQL form of the status rules (models/status_sql.py) agrees with tasks.escalation.status.classify,
on generated rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.escalation.status_sql import open_states_sql, status_case, status_is
from tasks.escalation.status import ALL_STATUSES, classify

BASE = date(2024, 6, 1)
probe_meta = sa.MetaData()
probe = sa.Table(
    "status_probe", probe_meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("due", sa.Date, nullable=True),
    sa.Column("completed", sa.Date, nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
)

days = st.integers(min_value=-12, max_value=12).map(lambda n: BASE + timedelta(days=n))
rows = st.lists(
    st.tuples(st.none() | days, st.none() | days, st.sampled_from(["open", "in_progress", "done"])),
    min_size=1, max_size=40,
)


@pytest.fixture
def probe_table(engine: sa.Engine):  # type: ignore[no-untyped-def]
    probe_meta.create_all(engine)
    yield engine
    probe_meta.drop_all(engine)


def _check(engine: sa.Engine, data: list[tuple[date | None, date | None, str]], as_of: date, near: int,
           flag: bool) -> None:
    done = (probe.c.state == "done") if flag else None
    with engine.begin() as conn:
        conn.execute(probe.delete())
        conn.execute(probe.insert(),
                     [{"id": i, "due": d, "completed": c, "state": s} for i, (d, c, s) in enumerate(data)])
        case = status_case(due=probe.c.due, completed_on=probe.c.completed, done=done, as_of=as_of, near_days=near)
        got = dict(conn.execute(sa.select(probe.c.id, case)).all())
        by_predicate: dict[int, list[str]] = {}
        # with the flag, also the index-friendly "not done" that the assignment queries use
        index_friendly = open_states_sql(state=probe.c.state, completed_on=probe.c.completed, as_of=as_of)
        variants = [None, index_friendly] if flag else [None]
        for not_done in variants:
            for status in ALL_STATUSES:
                pred = status_is(status, due=probe.c.due, completed_on=probe.c.completed, done=done, as_of=as_of,
                                 near_days=near, not_done=not_done)
                for (i,) in conn.execute(sa.select(probe.c.id).where(pred)):
                    by_predicate.setdefault(i, []).append(status.value)
    for i, (due, completed, state) in enumerate(data):
        expected = classify(due_date=due, completed_on=completed, as_of=as_of, near_days=near,
                            done=(state == "done") if flag else None)
        assert got[i] == expected.value, (due, completed, state, as_of, near, flag)
        assert by_predicate.get(i) == [expected.value] * (2 if flag else 1), (due, completed, state, as_of, near, flag)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows, as_of=days, near=st.integers(min_value=0, max_value=5), flag=st.booleans())
def test_the_sql_status_and_its_filters_agree_with_classify_on_generated_rows(
    probe_table: sa.Engine, data: list[tuple[date | None, date | None, str]], as_of: date, near: int, flag: bool
) -> None:
    _check(probe_table, data, as_of, near, flag)


def test_the_boundaries_of_due_soon_and_overdue_agree_with_classify(probe_table: sa.Engine) -> None:
    as_of = BASE
    data = [(as_of + timedelta(days=n), None, "open") for n in (-1, 0, 3, 4)]
    data += [(as_of, as_of, "done"), (as_of, as_of + timedelta(days=1), "done"), (None, None, "done"),
             (as_of - timedelta(days=1), as_of, "done"), (None, None, "open"),
             (as_of, as_of - timedelta(days=2), "open")]
    _check(probe_table, data, as_of, 3, True)
    _check(probe_table, data, as_of, 3, False)


def test_a_negative_near_window_is_refused() -> None:
    with pytest.raises(ValueError, match="near_days must not be negative"):
        status_case(due=probe.c.due, completed_on=probe.c.completed, done=None, as_of=BASE, near_days=-1)
