"""The rules of ``tasks.escalation.status.classify`` as SQL, for counting 100,000 rows in the database.

``tasks/status.py`` stays the one definition of the rules; this module restates them as a
SQL ``CASE`` (to group and count by status) and as per-status predicates (sargable ranges on
the due date, for filtering with indexes). ``tests/models/test_status_sql.py`` checks both
against ``classify`` on generated rows, on SQLite and PostgreSQL.

Arguments are SQL expressions: ``due`` and ``completed_on`` date columns, ``done`` a boolean
expression standing for ``classify``'s ``done`` flag (``None`` means the flag is not given).
``as_of`` is a date, or a bound parameter together with ``soon`` (``as_of + near_days``) so
that a statement can be built once and run for any day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from models.core.tables import DONE, IN_PROGRESS, OPEN, Assignment
from tasks.escalation.status import Status

Expr = Any  # a SQLAlchemy column expression


def _d(value: Any) -> Any:
    return sa.literal(value, sa.Date) if isinstance(value, date) else value


def _soon(as_of: Any, near_days: int, soon: Any) -> Any:
    if soon is not None:
        return soon
    if not isinstance(as_of, date):
        raise TypeError("give soon (as_of + near_days) with a bound as_of")
    return _d(as_of + timedelta(days=near_days))


def is_done_sql(*, completed_on: Expr, done: Expr | None, as_of: Any) -> Any:
    """``tasks.escalation.status.is_done`` as SQL."""
    completed_by = sa.and_(completed_on.is_not(None), completed_on <= _d(as_of))
    if done is None:
        return completed_by
    return sa.and_(done, sa.or_(completed_on.is_(None), completed_on <= _d(as_of)))


def status_case(*, due: Expr, completed_on: Expr, done: Expr | None, as_of: Any, near_days: int = 3,
                soon: Any = None) -> Any:
    """A ``CASE`` giving the ``Status`` value (e.g. ``'qua_han'``) of each row on ``as_of``."""
    if near_days < 0:
        raise ValueError(f"near_days must not be negative, got {near_days}")
    finished = sa.func.coalesce(completed_on, _d(as_of))
    done_sql = is_done_sql(completed_on=completed_on, done=done, as_of=as_of)
    return sa.case(
        (sa.and_(done_sql, sa.or_(due.is_(None), finished <= due)), Status.DONE_ON_TIME.value),
        (done_sql, Status.DONE_LATE.value),
        (due.is_(None), Status.NO_DEADLINE.value),
        (due < _d(as_of), Status.OVERDUE.value),
        (due <= _soon(as_of, near_days, soon), Status.DUE_SOON.value),
        else_=Status.NOT_DUE.value,
    )


def status_is(status: Status, *, due: Expr, completed_on: Expr, done: Expr | None, as_of: Any,
              near_days: int = 3, soon: Any = None, not_done: Expr | None = None) -> Any:
    """A predicate true exactly for the rows ``status_case`` puts in ``status`` (index-friendly).

    ``not_done`` may restate "not done on ``as_of``" in a form the database can look up in an
    index (``open_states_sql``); by default it is the negation of ``is_done_sql``."""
    done_sql = is_done_sql(completed_on=completed_on, done=done, as_of=as_of)
    finished = sa.func.coalesce(completed_on, _d(as_of))
    open_ = sa.not_(done_sql) if not_done is None else not_done
    soon = _soon(as_of, near_days, soon)
    match status:
        case Status.OVERDUE:
            return sa.and_(due.is_not(None), due < _d(as_of), open_)
        case Status.DUE_SOON:
            return sa.and_(due.is_not(None), due >= _d(as_of), due <= soon, open_)
        case Status.NOT_DUE:
            return sa.and_(due.is_not(None), due > soon, open_)
        case Status.NO_DEADLINE:
            return sa.and_(due.is_(None), open_)
        case Status.DONE_ON_TIME:
            return sa.and_(done_sql, sa.or_(due.is_(None), finished <= due))
        case Status.DONE_LATE:
            return sa.and_(done_sql, due.is_not(None), finished > due)
    raise ValueError(f"unknown status {status!r}")


def open_states_sql(*, state: Expr, completed_on: Expr, as_of: Any) -> Any:
    """Not done on ``as_of``, for a state column holding open, in_progress or done (never
    cancelled: callers leave those out): open states, or done only after ``as_of``. Written
    with equalities so SQLite and PostgreSQL read each branch from an index on the state."""
    return sa.or_(state == OPEN, state == IN_PROGRESS, sa.and_(state == DONE, completed_on > _d(as_of)))


def assignment_status(as_of: Any, near_days: int = 3, soon: Any = None) -> Any:
    """The status ``CASE`` over the ``assignment`` table (done means ``status = 'done'``)."""
    return status_case(due=Assignment.due_date, completed_on=Assignment.completed_on,
                       done=Assignment.status == DONE, as_of=as_of, near_days=near_days, soon=soon)


def assignment_status_is(status: Status, as_of: Any, near_days: int = 3, soon: Any = None) -> Any:
    """``status_is`` over assignments that are not cancelled (the callers filter those out)."""
    return status_is(status, due=Assignment.due_date, completed_on=Assignment.completed_on,
                     done=Assignment.status == DONE, as_of=as_of, near_days=near_days, soon=soon,
                     not_done=open_states_sql(state=Assignment.status, completed_on=Assignment.completed_on,
                                              as_of=as_of))
