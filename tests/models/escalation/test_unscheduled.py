"""Assignments without an escalation policy: found through the partial index, then scheduled."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.core.tables import Assignment
from models.escalation.policies import UNSCHEDULED_PLANS, schedule_unscheduled
from tests.conftest import PLANS

POLICY = Path(__file__).resolve().parents[3] / "config" / "escalation.yaml"


def _plan(engine: sa.Engine, query: object) -> str:
    with engine.connect() as conn:
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny test table: ask whether the index can serve
            return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        return "\n".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_sweep_finds_unscheduled_assignments_through_the_partial_index(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    assert "ix_assignment_unscheduled" in _plan(engine, UNSCHEDULED_PLANS)
    with Session(engine) as s:
        assert s.exec(UNSCHEDULED_PLANS).all() == []  # the import gave every row its policy
        some = list(s.exec(select(Assignment).order_by(Assignment.id).limit(3)))
        for a in some:
            a.policy_id = None
            s.add(a)
        s.commit()
        assert len(s.exec(UNSCHEDULED_PLANS).all()) == 1
        assert schedule_unscheduled(s, path=POLICY) == 3
        s.commit()
        assert s.exec(UNSCHEDULED_PLANS).all() == []
        assert all(s.get(Assignment, a.id).policy_id is not None for a in some)  # type: ignore[union-attr]
