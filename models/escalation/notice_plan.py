"""Planning a day's notices: one INSERT ... SELECT, so the database does the per-row work.

Python turns each stored policy into the day's *stages* (``tasks.escalation.policy.stages``: a due-date
range per notice kind, level and repeat, a few hundred rows at most) and the recipient roles
of each stage (``tasks.escalation.policy.recipient_roles``). Both go to the database as one JSON parameter
each, and one statement then

* finds the open assignments of each stage through ix_assignment_sweep (role, status, due
  date), one index range per stage, on active tasks only;
* resolves each role to an address: the agency (lead or coordinating), its head, the plan's
  leadership recipient, the province's coordination office (a role without an address is
  skipped);
* inserts one notice per recipient with ON CONFLICT DO NOTHING on the notice key, so a
  repeated, restarted or concurrent sweep of the same day adds nothing. When two roles of a
  notice share one address, the first role in the policy's list keeps it.

Before, every candidate came back to Python and every notice went back to the database: at
national scale (20,000 notices among 1,000,000 assignments) that round trip cost several
times the bare SELECT of the candidates (benchmarks/bench_national.py).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.tables import COORDINATING, IN_PROGRESS, LEAD, OPEN, PENDING, TASK_ACTIVE, Assignment, Notice
from tasks.escalation.policy import COORDINATION, Policy, recipient_roles, stages

HEAD_PREFIX = "Thủ trưởng "  # the head of an agency is addressed as "Thủ trưởng <agency>"
LEADERSHIP_NAME = "Lãnh đạo UBND tỉnh"

_COLUMNS = ("assignment_id, kind, level, seq, due_date, as_of, recipient, recipient_name, recipient_role, "
            "status, attempts, next_attempt_at, created_at")

# The stages and the roles of each stage, as tables from their JSON parameters. A role row
# says which address-giving roles come before it in its list: of two roles that resolve to
# one address, the first keeps it (as the notice key allows one row per address).
_SQLITE_INPUTS = """
 s AS MATERIALIZED (SELECT json_extract(value, '$.stage') AS stage, json_extract(value, '$.policy_id') AS policy_id,
     json_extract(value, '$.kind') AS kind, json_extract(value, '$.arole') AS arole,
     json_extract(value, '$.level') AS level, json_extract(value, '$.seq') AS seq,
     json_extract(value, '$.due_from') AS due_from, json_extract(value, '$.due_to') AS due_to
   FROM json_each(:stages)),
 r AS MATERIALIZED (SELECT json_extract(value, '$.policy_id') AS policy_id, json_extract(value, '$.kind') AS kind,
     json_extract(value, '$.level') AS level, json_extract(value, '$.role') AS role,
     json_extract(value, '$.after_lead') AS after_lead, json_extract(value, '$.after_head') AS after_head,
     json_extract(value, '$.after_leadership') AS after_leadership,
     json_extract(value, '$.after_office') AS after_office
   FROM json_each(:roles)),"""
_PG_INPUTS = """
 s AS MATERIALIZED (SELECT * FROM json_to_recordset(CAST(:stages AS json)) AS x(stage int, policy_id int, kind text,
     arole text, level int, seq int, due_from date, due_to date)),
 r AS MATERIALIZED (SELECT * FROM json_to_recordset(CAST(:roles AS json)) AS x(policy_id int, kind text, level int,
     role text, after_lead int, after_head int, after_leadership int, after_office int)),"""

# one coordination office per province, the first should a directory list two (SQLite takes
# the other columns of a min() aggregate from the row holding the minimum)
_SQLITE_OFFICES = """
 o AS MATERIALIZED (SELECT province, min(id) AS id, email, name FROM agency WHERE kind = 'office' GROUP BY province),"""
_PG_OFFICES = """
 o AS MATERIALIZED (SELECT DISTINCT ON (province) province, id, email, name FROM agency WHERE kind = 'office'
   ORDER BY province, id),"""
_OPEN = """a.policy_id = s.policy_id AND a.role = s.arole AND a.status IN (:open, :in_progress)
     AND a.due_date BETWEEN s.due_from AND s.due_to"""
_ADDRESSES = "ag.email, ag.head_email, ag.name, p.leadership_email, o.email AS office_email, o.name AS office_name"

# Each notice with the address and name of its role; a role without an address (NULL or empty:
# an agency or office with no e-mail keeps its tasks but gets no mail) is dropped, and so is one
# whose address an earlier role of the same notice has.
_PICK = """ q AS (SELECT c.assignment_id, c.kind, c.level, c.seq, c.due_date, r.role,
     CASE r.role WHEN 'lead_head' THEN NULLIF(c.head_email, '') WHEN 'leadership' THEN NULLIF(c.leadership_email, '')
       WHEN 'office' THEN NULLIF(c.office_email, '') ELSE NULLIF(c.email, '') END AS address,
     CASE r.role WHEN 'lead_head' THEN CAST(:head_prefix AS TEXT) || c.name WHEN 'leadership' THEN :leadership_name
       WHEN 'office' THEN c.office_name ELSE c.name END AS name,
     r.after_lead, r.after_head, r.after_leadership, r.after_office,
     c.email, c.head_email, c.leadership_email, c.office_email
   FROM c JOIN r ON r.policy_id = c.policy_id AND r.kind = c.kind AND r.level = c.level)"""
_INTO = f"INSERT INTO notice ({_COLUMNS})"
_SELECT = """SELECT q.assignment_id, q.kind, q.level, q.seq, q.due_date, :as_of, q.address, q.name, q.role,
  :pending, 0, :now, :now
FROM q
WHERE q.address IS NOT NULL
  AND NOT (q.after_lead = 1 AND q.address = q.email)
  AND NOT (q.after_head = 1 AND q.address = COALESCE(NULLIF(q.head_email, ''), ''))
  AND NOT (q.after_leadership = 1 AND q.address = COALESCE(NULLIF(q.leadership_email, ''), ''))
  AND NOT (q.after_office = 1 AND q.address = COALESCE(q.office_email, ''))
ON CONFLICT DO NOTHING"""

# SQLite: its CROSS JOIN keeps the stages as the outer loop, each an index range of
# assignment; task, agency and plan by primary key, the office by an automatic index.
SQLITE_SQL = f"""{_INTO}
WITH{_SQLITE_INPUTS}{_SQLITE_OFFICES}
 c AS (SELECT s.stage, s.policy_id, s.kind, s.level, s.seq, a.id AS assignment_id, a.due_date, {_ADDRESSES}
   FROM s CROSS JOIN assignment a ON {_OPEN}
   JOIN task t ON t.id = a.task_id AND t.state = :active
   JOIN agency ag ON ag.id = a.agency_id JOIN plan p ON p.id = t.plan_id LEFT JOIN o ON o.province = p.province),
{_PICK}
{_SELECT}"""

# PostgreSQL: a LATERAL subquery fenced by OFFSET 0 keeps one index range per stage
# (unfenced, the planner hash-joins every open assignment against the stages and filters the
# ranges afterwards: seconds instead of milliseconds). The candidates are materialised before
# agency and plan are joined, so those become hash joins over the rows found. The statement
# counts what it added itself rather than send 20,000 rows back.
PG_SQL = f"""WITH{_PG_INPUTS}{_PG_OFFICES}
 c0 AS MATERIALIZED (SELECT s.stage, s.policy_id, s.kind, s.level, s.seq, a.id AS assignment_id, a.due_date,
     a.agency_id, t.plan_id
   FROM s CROSS JOIN LATERAL (SELECT a.id, a.due_date, a.agency_id, a.task_id FROM assignment a
     WHERE {_OPEN} OFFSET 0) a
   JOIN task t ON t.id = a.task_id AND t.state = :active),
 c AS MATERIALIZED (SELECT c0.*, {_ADDRESSES}
   FROM c0 JOIN agency ag ON ag.id = c0.agency_id JOIN plan p ON p.id = c0.plan_id
   LEFT JOIN o ON o.province = p.province),
{_PICK},
 ins AS ({_INTO}
{_SELECT}
   RETURNING kind, level)
SELECT kind, level, count(*) FROM ins GROUP BY kind, level"""


# the address each role stands for (the lead and a coordinating agency both use the agency's
# own); each address has an ``after_<address>`` flag in the roles table
_ADDRESS_OF = {
    "lead": "lead", "coordinating": "lead", "lead_head": "head", "leadership": "leadership", "office": "office",
}
_ADDRESS_KINDS = tuple(dict.fromkeys(_ADDRESS_OF.values()))  # not _ADDRESSES, the statement's columns


def earliest_open_due(session: Session) -> date | None:
    """The earliest due date of an open lead assignment (two index look-ups: one per open state)."""
    firsts = [
        sa.select(sa.func.min(Assignment.due_date)).where(col(Assignment.role) == LEAD, col(Assignment.status) == state)
        .scalar_subquery()
        for state in (OPEN, IN_PROGRESS)
    ]
    found = [d for d in session.execute(sa.select(*firsts)).one() if d is not None]
    return min(found, default=None)


def stage_rows(policies: dict[int, Policy], *, as_of: date,
               earliest: date | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The statement's two inputs: every policy's stages of the day, and the roles of each stage."""
    rows: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    for pid, policy in policies.items():
        levels: set[tuple[str, int]] = set()
        for st in stages(policy, as_of, earliest=earliest):
            rows.append({"stage": len(rows), "policy_id": pid, "kind": st.kind,
                         "arole": COORDINATING if st.kind == COORDINATION else LEAD, "level": st.level, "seq": st.seq,
                         "due_from": st.due_from.isoformat(), "due_to": st.due_to.isoformat()})
            levels.add((st.kind, st.level))
        for kind, level in sorted(levels):
            listed = recipient_roles(policy, kind=kind, level=level)
            for i, role in enumerate(listed):
                before = {_ADDRESS_OF[r] for r in listed[:i]}
                roles.append({"policy_id": pid, "kind": kind, "level": level, "role": role,
                              **{f"after_{a}": int(a in before) for a in _ADDRESS_KINDS}})
    return rows, roles


def insert_planned(session: Session, *, stages_json: str, roles_json: str, as_of: date,
                   now: datetime) -> Counter[tuple[str, int]]:
    """Run the planning statement; counts by (kind, level) of the notices really added."""
    conn = session.connection()
    table = Notice.__table__  # type: ignore[attr-defined]
    postgres = conn.dialect.name == "postgresql"
    stmt = sa.text(PG_SQL if postgres else SQLITE_SQL).bindparams(
        sa.bindparam("as_of", type_=table.c.as_of.type), sa.bindparam("now", type_=table.c.created_at.type))
    params = {"stages": stages_json, "roles": roles_json, "as_of": as_of, "now": now, "open": OPEN,
              "in_progress": IN_PROGRESS, "active": TASK_ACTIVE, "pending": PENDING, "head_prefix": HEAD_PREFIX,
              "leadership_name": LEADERSHIP_NAME}
    if postgres:
        # compiling this statement to machine code (its estimated cost is high: the planner
        # cannot know how few rows each stage holds) takes longer than running it
        conn.exec_driver_sql("SET LOCAL jit = off")
        return Counter({(kind, level): n for kind, level, n in conn.execute(stmt, params)})
    # SQLite writes one transaction at a time, so the new rows are exactly those past the last id
    last = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    conn.execute(stmt, params)
    added = conn.execute(
        sa.select(table.c.kind, table.c.level, sa.func.count()).where(table.c.id > last)
        .group_by(table.c.kind, table.c.level))
    return Counter({(kind, level): n for kind, level, n in added})


def plan_day_notices(session: Session, *, policies: dict[int, Policy], as_of: date,
                     now: datetime) -> Counter[tuple[str, int]]:
    if not policies:
        return Counter()
    rows, roles = stage_rows(policies, as_of=as_of, earliest=earliest_open_due(session))
    if not rows:
        return Counter()
    return insert_planned(session, stages_json=json.dumps(rows), roles_json=json.dumps(roles), as_of=as_of, now=now)
