"""Escalation policies as stored rows: an assignment keeps the one it was scheduled under."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from models.core.tables import Assignment, EscalationPolicy, Plan, Task
from tasks.escalation.policy import Policy, load_policy, policy_from_dict


def policy_id(session: Session, *, policy: Policy) -> int:
    """The row id of this policy, created on first use (rows are content-addressed)."""
    fp = policy.fingerprint()
    found = session.exec(select(EscalationPolicy.id).where(EscalationPolicy.fingerprint == fp)).first()
    if found is not None:
        return found
    row = EscalationPolicy(fingerprint=fp, body=policy.to_dict())
    session.add(row)
    session.flush()
    return row.id  # type: ignore[return-value]


def plan_policy(session: Session, *, plan: Plan, path: object) -> Policy:
    """The policy file, with the file's section for this plan and the plan's own override over it."""
    return load_policy(path, plan.policy_override, plan=plan.code)  # type: ignore[arg-type]


def stored_policies(session: Session, *, ids: list[int]) -> dict[int, Policy]:
    rows = session.exec(select(EscalationPolicy).where(EscalationPolicy.id.in_(ids)))  # type: ignore[union-attr]
    return {r.id: policy_from_dict(r.body) for r in rows}  # type: ignore[misc]


# the plans that have assignments without a policy (read from ix_assignment_unscheduled, which
# holds only those rows: almost always none)
UNSCHEDULED_PLANS = (
    select(Task.plan_id).join(Assignment, Assignment.task_id == Task.id)  # type: ignore[arg-type]
    .where(Assignment.policy_id.is_(None)).distinct()  # type: ignore[union-attr]
)


def schedule_unscheduled(session: Session, *, path: object) -> int:
    """Give assignments without a policy the one of their plan (set-based, one UPDATE per plan)."""
    plan_ids = session.exec(UNSCHEDULED_PLANS).all()
    total = 0
    for pid in plan_ids:
        plan = session.get(Plan, pid)
        assert plan is not None
        pol_id = policy_id(session, policy=plan_policy(session, plan=plan, path=path))
        tasks = select(col(Task.id)).where(col(Task.plan_id) == pid)
        # Session.execute is typed as returning a Result; an UPDATE's is a CursorResult (rowcount)
        result = cast(CursorResult[Any], session.execute(
            sa.update(Assignment)
            .where(col(Assignment.policy_id).is_(None), col(Assignment.task_id).in_(tasks))
            .values(policy_id=pol_id)
            # a set-based UPDATE: do not fetch every updated id back into the identity map
            .execution_options(synchronize_session=False)
        ))
        total += result.rowcount or 0
    return total
