"""The one-statement planning of a day's notices against a plain Python reference, on both backends.

The reference places each open assignment with ``notice_for`` and resolves its recipients
row by row, the way the office would by hand; the statement must write exactly those rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.tables import COORDINATING, TASK_ACTIVE, Agency, Assignment, EscalationPolicy, Notice, Plan, Task
from models.escalation.policies import stored_policies
from models.outbox.notices import OPEN_STATES, plan_notices
from tasks.escalation.policy import notice_for
from tests.conftest import PLANS

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
DAYS = [date(2020, 1, 24), date(2020, 2, 1), date(2020, 2, 7), date(2020, 2, 20), date(2020, 3, 31),
        date(2020, 6, 30), date(2020, 7, 1), date(2020, 12, 31), date(2021, 3, 2)]


def _reference(session: Session, as_of: date) -> set[tuple[Any, ...]]:
    policies = stored_policies(session, ids=list(session.exec(select(EscalationPolicy.id))))
    agencies = {a.id: a for a in session.exec(select(Agency))}
    plans = {p.id: p for p in session.exec(select(Plan))}
    offices: dict[str, Agency] = {}
    for a in sorted(agencies.values(), key=lambda a: a.id or 0):
        if a.kind == "office":
            offices.setdefault(a.province, a)
    rows = session.exec(
        select(Assignment.id, Assignment.agency_id, Assignment.role, Assignment.due_date, Assignment.policy_id,
               Task.plan_id)
        .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
        .where(Assignment.status.in_(OPEN_STATES), Task.state == TASK_ACTIVE,  # type: ignore[attr-defined]
               Assignment.due_date.is_not(None), Assignment.policy_id.is_not(None))  # type: ignore[union-attr]
    ).all()
    out: set[tuple[Any, ...]] = set()
    for aid, agency_id, role, due, pid, plan_id in rows:
        policy, agency, plan = policies[pid], agencies[agency_id], plans[plan_id]
        office = offices.get(plan.province)
        for kind in (["coordination_reminder"] if role == COORDINATING else ["reminder", "escalation"]):
            found = notice_for(policy, kind=kind, due_date=due, as_of=as_of)
            if found is None:
                continue
            level, seq = found
            if kind == "escalation":
                lv = policy.level(level)
                roles = list(dict.fromkeys((*lv.to, *lv.cc)))
            else:
                roles = ["coordinating" if kind == "coordination_reminder" else "lead"]
            seen: set[str] = set()
            for r in roles:
                address, name = {
                    "lead": (agency.email or None, agency.name),
                    "coordinating": (agency.email or None, agency.name),
                    "lead_head": (agency.head_email or None, f"Thủ trưởng {agency.name}"),
                    "leadership": (plan.leadership_email or None, "Lãnh đạo UBND tỉnh"),
                    "office": (office.email or None, office.name) if office else (None, None),
                }[r]
                if address is None or address in seen:
                    continue
                seen.add(address)
                out.add((aid, kind, level, seq, due, address, name, r))
    return out


def _planned(session: Session, as_of: date) -> set[tuple[Any, ...]]:
    rows = session.exec(select(Notice.assignment_id, Notice.kind, Notice.level, Notice.seq, Notice.due_date,
                               Notice.recipient, Notice.recipient_name, Notice.recipient_role)
                        .where(Notice.as_of == as_of)).all()
    assert len(rows) == len(set(rows))
    return set(rows)


def _awkward_directory(engine: sa.Engine) -> None:
    """Cases a directory really has: a head without an address of its own, an agency whose head
    shares its mailbox, a second office listed for the province, a plan without a leadership address."""
    with session_scope(engine) as s:
        nn = s.exec(select(Agency).where(Agency.email == "snnptnt@bacgiang.example")).one()
        nn.head_email = nn.email  # one mailbox for the department and its director
        busiest = s.exec(  # the lead agency (after that one) with the most tasks: it will be escalated
            select(Assignment.agency_id).where(Assignment.role == "lead", Assignment.agency_id != nn.id)
            .group_by(Assignment.agency_id).order_by(sa.func.count().desc(), Assignment.agency_id)).first()
        headless = s.get(Agency, busiest)
        assert headless is not None
        headless.head_email = ""
        office = s.exec(select(Agency).where(Agency.kind == "office")).first()
        assert office is not None
        s.add(Agency(province=office.province, key="vpdp-2", name="Văn phòng thứ hai", kind="office",
                     email="vpdp2@bacgiang.example", head_email="vpdp2@bacgiang.example"))


def test_the_statement_writes_exactly_the_notices_of_the_reference(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    _awkward_directory(engine)
    total = 0
    for day in DAYS:
        with Session(engine) as s:
            added = plan_notices(s, as_of=day)
            planned = _planned(s, day)
            assert planned == _reference(s, day), day
            assert sum(added.values()) == len(planned)
            assert added == Counter((kind, level) for _, kind, level, *_ in planned)
            total += len(planned)
            s.rollback()
    assert total > 100  # the days chosen do plan notices: reminders, every level, repeats


def test_roles_sharing_one_address_give_one_notice_to_the_first_role(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    _awkward_directory(engine)
    with Session(engine) as s:
        plan_notices(s, as_of=date(2020, 3, 31))
        rows = s.exec(select(Notice.recipient_role, Notice.recipient, Notice.level)
                      .where(Notice.kind == "escalation", Notice.recipient == "snnptnt@bacgiang.example")).all()
        assert rows and {role for role, *_ in rows} == {"lead"}  # the director's copy is the department's own
        assert not s.exec(select(Notice).where(Notice.recipient == "vpdp2@bacgiang.example")).all()
        assert s.exec(select(Notice).where(Notice.recipient_role == "office")).all()
        assert not s.exec(select(Notice).where(Notice.recipient == "")).all()
        headless = s.exec(select(Agency).where(Agency.head_email == "")).one()
        assert set(s.exec(select(Notice.recipient_role).join(Assignment).where(  # type: ignore[arg-type]
            Assignment.agency_id == headless.id, Notice.kind == "escalation", Notice.level >= 2)).all()) == {
            "lead", "office", "leadership"}  # and no "lead_head": the head has no address
        s.rollback()


def test_without_a_leadership_address_the_top_level_goes_to_the_others(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with session_scope(engine) as s:
        for p in s.exec(select(Plan)):
            p.leadership_email = None
    with Session(engine) as s:
        plan_notices(s, as_of=date(2020, 3, 31))
        roles = set(s.exec(select(Notice.recipient_role).where(Notice.kind == "escalation", Notice.level == 3)).all())
        assert "leadership" not in roles and {"lead", "office"} <= roles
        s.rollback()


def test_a_second_plan_of_the_same_day_adds_nothing(engine: sa.Engine) -> None:
    import_plan(str(BAC_GIANG))
    with Session(engine) as s:
        first = plan_notices(s, as_of=date(2020, 3, 31))
        s.commit()
        assert sum(first.values()) > 0
        assert plan_notices(s, as_of=date(2020, 3, 31)) == {}
        s.commit()
        assert len(s.exec(select(Notice)).all()) == sum(first.values())


def test_an_agency_or_office_without_an_address_gets_no_notice_and_the_others_still_do(engine: sa.Engine) -> None:
    """An agency whose e-mail is empty keeps its tasks (and its link page) but gets no mail: no
    notice is written to "" for it, nor for a coordination office without an address."""
    import_plan(str(BAC_GIANG))
    with session_scope(engine) as s:
        agency = col(Assignment.agency_id)
        busiest = s.exec(select(agency).where(Assignment.role == "lead")
                         .group_by(agency).order_by(sa.func.count().desc(), agency)).first()
        silent = s.get(Agency, busiest)
        office = s.exec(select(Agency).where(Agency.kind == "office")).first()
        assert silent is not None and office is not None and silent.head_email and silent.id != office.id
        silent.email = ""
        office.email = ""
        silent_id = silent.id
    for day in (date(2020, 2, 1), date(2020, 3, 31)):  # reminders; every escalation level
        with Session(engine) as s:
            added = plan_notices(s, as_of=day)
            assert sum(added.values()) > 0, day
            assert not s.exec(select(Notice).where(Notice.recipient == "")).all(), day
            roles = set(s.exec(select(Notice.recipient_role).join(Assignment).where(
                Assignment.agency_id == silent_id, Notice.as_of == day)).all())
            assert "lead" not in roles and "office" not in roles, day
            if day == date(2020, 3, 31):  # its head and the leadership are still told
                assert {"lead_head", "leadership"} <= roles
            s.rollback()
