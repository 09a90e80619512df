"""Tasks made and changed by hand, on SQLite and PostgreSQL: stored with their document, reminded by
the daily planning like imported tasks, edited, reassigned, cancelled and corrected in one audited
step each; and a report the office records for an agency."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.settings import get_settings
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    LEAD,
    PENDING,
    TASK_CANCELLED,
    Agency,
    Assignment,
    AuditEvent,
    Notice,
    Plan,
    ProgressUpdate,
    Task,
)
from models.outbox.notices import plan_notices
from models.planning.manual import (
    PlanningError,
    agency_choices,
    cancel_task,
    correct_plan,
    create_task,
    edit_task,
    reassign_task,
)
from models.progress.updates import ProgressError, record_on_behalf
from models.reports.duties import tracked_agency_ids
from tasks.planning.manual import (
    AgencyChoice,
    AgencyMatcher,
    ManualTask,
    TaskText,
    read_deadline,
    read_manual_task,
)
from tests.conftest import PLANS

ACTOR = "office:vp@bacgiang.example"
DAY = date(2020, 3, 10)


@pytest.fixture
def engine_with_plan(engine: sa.Engine) -> sa.Engine:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    return engine


def _manual(session: Session, **changes: object) -> ManualTask:
    fields: dict[str, object] = {
        "doc_code": "123/UBND-KTN", "doc_date": "03/03/2020", "doc_kind": "cong_van",
        "doc_title": "V/v rà soát tiêu chí môi trường", "content": "Rà soát tiêu chí môi trường các xã",
        "deadline": "Trước 31/03/2020", "lead": ["Sở NN&PTNT"], "coordinating": ["Sở Tài chính"],
    }
    fields.update(changes)
    matcher = AgencyMatcher(agency_choices(session, province="bac-giang", on=DAY))
    return read_manual_task(matcher=matcher, today=DAY, **fields)  # type: ignore[arg-type]


def _create(session: Session, **changes: object) -> Task:
    return create_task(session, province="bac-giang", manual=_manual(session, **changes), actor=ACTOR,
                       policy_path=get_settings().escalation_policy, today=DAY)


def _agency(session: Session, key: str) -> Agency:
    return session.exec(select(Agency).where(Agency.province == "bac-giang", Agency.key == key)).one()


def _assignments(session: Session, task_id: int) -> dict[tuple[str, str], Assignment]:
    rows = session.exec(select(Assignment, Agency.key).join(Agency, col(Agency.id) == col(Assignment.agency_id))
                        .where(Assignment.task_id == task_id)).all()
    return {(key, a.role): a for a, key in rows}


def _notices(session: Session, task_id: int) -> list[Notice]:
    ids = select(Assignment.id).where(Assignment.task_id == task_id)
    return list(session.exec(select(Notice).where(col(Notice.assignment_id).in_(ids)).order_by(col(Notice.id))))


def _events(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
                             .order_by(col(AuditEvent.id))))


def test_a_task_from_a_cong_van_is_stored_with_its_document_and_reminded_like_an_imported_one(
    engine_with_plan: sa.Engine,
) -> None:
    with session_scope(engine_with_plan) as s:
        task = _create(s)
        task_id, plan_id = task.id, task.plan_id
    with Session(engine_with_plan) as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None and plan.code == "123/UBND-KTN" and plan.issued_on == date(2020, 3, 3)
        assert plan.source_name == "Công văn (nhập tay)" and plan.title == "V/v rà soát tiêu chí môi trường"
        assert plan.leadership_email == "lanhdao@bacgiang.example"  # level 3 reaches the leadership, as for 552
        stored = s.get(Task, task_id)
        assert stored is not None
        assert (stored.ref, stored.source, stored.due_date) == ("NT.1", "manual", date(2020, 3, 31))
        assigned = _assignments(s, task_id)  # type: ignore[arg-type]
        assert set(assigned) == {("snnptnt", LEAD), ("stc", COORDINATING)}
        assert all(a.policy_id is not None and a.due_date == date(2020, 3, 31) for a in assigned.values())
        # a công văn asks for no periodic report: no report duty in its plan row
        assert s.exec(select(Task).where(Task.plan_id == plan_id, Task.source == REPORT_SOURCE)).all() == []
        created = _events(s, "task", task_id)  # type: ignore[arg-type]
        assert [e.action for e in created] == ["created"] and created[0].actor == ACTOR
        assert created[0].changes["document"] == "Công văn số 123/UBND-KTN ngày 03/03/2020"
        assert [e.action for e in _events(s, "plan", plan_id)] == ["created"]
    with session_scope(engine_with_plan) as s:
        plan_notices(s, as_of=date(2020, 3, 24))  # seven days before: the lead's and the coordinator's reminder
    with Session(engine_with_plan) as s:
        kinds = sorted((n.kind, n.recipient) for n in _notices(s, task_id))  # type: ignore[arg-type]
        assert kinds == [("coordination_reminder", "stc@bacgiang.example"), ("reminder", "snnptnt@bacgiang.example")]
    with session_scope(engine_with_plan) as s:
        plan_notices(s, as_of=date(2020, 4, 1))  # a day late: level 1 to the lead, copy to the office
    with Session(engine_with_plan) as s:
        late = [n for n in _notices(s, task_id) if n.kind == "escalation"]  # type: ignore[arg-type]
        assert {(n.level, n.recipient_role) for n in late} == {(1, "lead"), (1, "office")}


def test_a_second_task_of_the_same_document_joins_it(engine_with_plan: sa.Engine) -> None:
    with session_scope(engine_with_plan) as s:
        first = _create(s)
        second = _create(s, content="Báo cáo kết quả rà soát", deadline="Thường xuyên", coordinating=[])
        assert second.plan_id == first.plan_id and second.ref == "NT.2"
        assert second.deadline_kind == "standing" and second.due_date is None


def test_a_task_added_to_an_imported_plan_gives_its_new_agency_the_plans_report_duties(
    engine_with_plan: sa.Engine,
) -> None:
    with Session(engine_with_plan) as s:
        plan = s.exec(select(Plan).where(Plan.code == "552/KH-BCĐ")).one()
        tracked = tracked_agency_ids(s, plan_id=plan.id)  # type: ignore[arg-type]
        newcomer = next(a for a in s.exec(select(Agency).where(Agency.province == "bac-giang",
                                                              Agency.kind != "office").order_by(Agency.key))
                        if a.id not in tracked)
    with session_scope(engine_with_plan) as s:
        task = _create(s, doc_code="552/KH-BCĐ", doc_date="17/02/2020", lead=[newcomer.name], coordinating=[])
        assert task.plan_id == plan.id
        duties = s.exec(select(Assignment).join(Task, col(Assignment.task_id) == col(Task.id))
                        .where(Task.plan_id == plan.id, Task.source == REPORT_SOURCE,
                               Assignment.agency_id == newcomer.id)).all()
        # from the next reporting deadline on: none born overdue
        assert duties and all(a.due_date is not None and a.due_date >= DAY for a in duties)


def test_a_document_stored_with_another_date_is_refused_and_nothing_is_written(engine_with_plan: sa.Engine) -> None:
    with Session(engine_with_plan) as s:
        before = s.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one()
    with pytest.raises(PlanningError) as caught, session_scope(engine_with_plan) as s:
        _create(s, doc_code="552/KH-BCĐ", doc_date="18/02/2020")
    assert "17/02/2020" in caught.value.errors["doc_date"]
    with Session(engine_with_plan) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one() == before


def test_a_new_deadline_moves_the_assignments_and_drops_notices_pending_for_the_old_one(
    engine_with_plan: sa.Engine,
) -> None:
    with session_scope(engine_with_plan) as s:
        task_id = _create(s).id
        plan_notices(s, as_of=date(2020, 3, 24))
    with session_scope(engine_with_plan) as s:
        task = s.get(Task, task_id)
        assert task is not None
        extended = _assignments(s, task_id)[("stc", COORDINATING)]  # type: ignore[arg-type]
        extended.due_date = date(2020, 4, 15)  # an approved extension: it keeps its date
        leads = [_agency_choice(s, "snnptnt")]
        text = TaskText(content=task.content, deadline=read_deadline("Quý II/2020", issued_on=date(2020, 3, 3)))
        changes = edit_task(s, task_id=task_id, text=text, lead=leads,  # type: ignore[arg-type]
                             coordinating=[_agency_choice(s, "stc")], actor=ACTOR,
                            policy_path=get_settings().escalation_policy, today=DAY)
        assert changes == {"deadline": ["Trước 31/03/2020", "Quý II/2020"],
                           "due_date": [date(2020, 3, 31), date(2020, 6, 30)]}
    with Session(engine_with_plan) as s:
        assigned = _assignments(s, task_id)  # type: ignore[arg-type]
        assert assigned[("snnptnt", LEAD)].due_date == date(2020, 6, 30)
        assert assigned[("snnptnt", LEAD)].original_due_date == date(2020, 6, 30)
        assert assigned[("stc", COORDINATING)].due_date == date(2020, 4, 15)
        by_agency = {n.recipient: n.status for n in _notices(s, task_id)}  # type: ignore[arg-type]
        assert by_agency == {"snnptnt@bacgiang.example": CANCELLED, "stc@bacgiang.example": PENDING}
        assert [e.action for e in _events(s, "task", task_id)] == ["created", "edited"]  # type: ignore[arg-type]


def _agency_choice(session: Session, key: str) -> AgencyChoice:
    return next(c for c in agency_choices(session, province="bac-giang", on=DAY) if c.key == key)


def test_reassigning_cancels_the_old_lead_and_its_pending_notices_and_the_new_lead_is_reminded(
    engine_with_plan: sa.Engine,
) -> None:
    with session_scope(engine_with_plan) as s:
        task_id = _create(s).id
        plan_notices(s, as_of=date(2020, 3, 24))
    with session_scope(engine_with_plan) as s:
        # the coordinating Sở Tài chính now leads: one agency, one role
        changes = reassign_task(s, task_id=task_id, lead=[_agency_choice(s, "stc")], actor=ACTOR,  # type: ignore[arg-type]
                                note="Theo ý kiến chỉ đạo của UBND tỉnh", policy_path=get_settings().escalation_policy,
                                today=DAY)
        assert changes["lead"] == ["Sở Nông nghiệp và Phát triển nông thôn", "Sở Tài chính"]
        assert changes["coordinating"] == ["Sở Tài chính", None]
    with Session(engine_with_plan) as s:
        assigned = _assignments(s, task_id)  # type: ignore[arg-type]
        assert assigned[("snnptnt", LEAD)].status == CANCELLED and assigned[("stc", COORDINATING)].status == CANCELLED
        assert assigned[("stc", LEAD)].status == "open" and assigned[("stc", LEAD)].policy_id is not None
        assert {n.status for n in _notices(s, task_id)} == {CANCELLED}  # type: ignore[arg-type]
        task = s.get(Task, task_id)
        assert task is not None and task.lead_text == "Sở Tài chính" and task.coordinating_text == ""
        event = _events(s, "task", task_id)[-1]  # type: ignore[arg-type]
        assert event.action == "reassigned" and event.changes["note"] == [None, "Theo ý kiến chỉ đạo của UBND tỉnh"]
    with session_scope(engine_with_plan) as s:
        plan_notices(s, as_of=date(2020, 3, 30))  # one day before: the new lead's reminder
    with Session(engine_with_plan) as s:
        pending = [(n.kind, n.recipient) for n in _notices(s, task_id) if n.status == PENDING]  # type: ignore[arg-type]
        assert pending == [("reminder", "stc@bacgiang.example")]


def test_a_cancelled_task_gets_no_more_notices(engine_with_plan: sa.Engine) -> None:
    with session_scope(engine_with_plan) as s:
        task_id = _create(s).id
        plan_notices(s, as_of=date(2020, 3, 24))
    with session_scope(engine_with_plan) as s:
        assert cancel_task(s, task_id=task_id, actor=ACTOR, reason="Công văn đã được thu hồi") == 2  # type: ignore[arg-type]
    with session_scope(engine_with_plan) as s:
        plan_notices(s, as_of=date(2020, 4, 1))
        plan_notices(s, as_of=date(2020, 4, 20))
    with Session(engine_with_plan) as s:
        task = s.get(Task, task_id)
        assert task is not None and task.state == TASK_CANCELLED
        assert {a.status for a in _assignments(s, task_id).values()} == {CANCELLED}  # type: ignore[arg-type]
        notices = _notices(s, task_id)  # type: ignore[arg-type]
        assert len(notices) == 2 and {n.status for n in notices} == {CANCELLED}
        event = _events(s, "task", task_id)[-1]  # type: ignore[arg-type]
        assert event.action == "cancelled" and event.changes["reason"] == [None, "Công văn đã được thu hồi"]
    with pytest.raises(PlanningError), session_scope(engine_with_plan) as s:
        cancel_task(s, task_id=task_id, actor=ACTOR, reason=None)  # type: ignore[arg-type]


def test_report_duties_are_not_changed_by_hand(engine_with_plan: sa.Engine) -> None:
    with Session(engine_with_plan) as s:
        duty = s.exec(select(Task).where(Task.source == REPORT_SOURCE)).first()
        assert duty is not None
        with pytest.raises(PlanningError) as caught:
            cancel_task(s, task_id=duty.id, actor=ACTOR, reason="x")  # type: ignore[arg-type]
        assert caught.value.status == 409 and "báo cáo định kỳ" in caught.value.errors["task"]


def test_correcting_a_plans_number_renames_its_report_duties_and_refuses_a_number_in_use(
    engine_with_plan: sa.Engine,
) -> None:
    with session_scope(engine_with_plan) as s:
        _create(s)
        plan = s.exec(select(Plan).where(Plan.code == "552/KH-BCĐ")).one()
        plan_id = plan.id
        with pytest.raises(PlanningError) as caught:
            correct_plan(s, plan_id=plan_id, code="123/UBND-KTN", issued_on=None, title=None, actor=ACTOR)  # type: ignore[arg-type]
        assert set(caught.value.errors) == {"code"}
        changes = correct_plan(s, plan_id=plan_id, code="552/KH-BCĐ-NTM", issued_on=date(2020, 2, 18),  # type: ignore[arg-type]
                               title="Kế hoạch thực hiện Chương trình MTQG xây dựng NTM năm 2020", actor=ACTOR)
        assert changes["code"] == ["552/KH-BCĐ", "552/KH-BCĐ-NTM"]
        assert changes["issued_on"] == [date(2020, 2, 17), date(2020, 2, 18)]
    with Session(engine_with_plan) as s:
        duties = s.exec(select(Task.content).where(Task.plan_id == plan_id, Task.source == REPORT_SOURCE)).all()
        assert duties and all("Kế hoạch số 552/KH-BCĐ-NTM " in c for c in duties)
        event = _events(s, "plan", plan_id)[-1]  # type: ignore[arg-type]
        assert event.action == "corrected" and event.actor == ACTOR


def test_the_office_records_a_phone_report_for_an_agency_through_the_agencys_own_rules(
    engine_with_plan: sa.Engine,
) -> None:
    with session_scope(engine_with_plan) as s:
        task_id = _create(s).id
        plan_notices(s, as_of=date(2020, 3, 24))
    with session_scope(engine_with_plan) as s:
        lead = _assignments(s, task_id)[("snnptnt", LEAD)]  # type: ignore[arg-type]
        with pytest.raises(ProgressError, match="chưa tới"):
            record_on_behalf(s, assignment=lead, status="done", percent=None, note=None, on=date(2020, 3, 26),
                             channel="phone", actor=ACTOR, today=date(2020, 3, 25))
        with pytest.raises(ProgressError, match="kênh"):
            record_on_behalf(s, assignment=lead, status="done", percent=None, note=None, on=date(2020, 3, 25),
                             channel="fax", actor=ACTOR, today=date(2020, 3, 25))
        record_on_behalf(s, assignment=lead, status="done", percent=None, note="Đã rà soát xong 12 xã",
                         on=date(2020, 3, 24), channel="phone", actor=ACTOR, today=date(2020, 3, 25))
    with Session(engine_with_plan) as s:
        lead = _assignments(s, task_id)[("snnptnt", LEAD)]  # type: ignore[arg-type]
        assert (lead.status, lead.percent, lead.completed_on) == ("done", 100, date(2020, 3, 24))
        update = s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id == lead.id)).one()
        assert (update.actor, update.source, update.reported_on) == (ACTOR, "office:phone", date(2020, 3, 24))
        event = _events(s, "assignment", lead.id)[-1]  # type: ignore[arg-type]
        assert event.action == "progress" and event.actor == ACTOR and event.source == "office:phone"
        assert event.changes["on_behalf_of"] == "Sở Nông nghiệp và Phát triển nông thôn"
        assert event.changes["channel"] == "điện thoại" and event.changes["reported_on"] == "2020-03-24"
        # done: the lead's pending reminder is dropped, the coordinator's stays
        by_agency = {n.recipient: n.status for n in _notices(s, task_id)}  # type: ignore[arg-type]
        assert by_agency == {"snnptnt@bacgiang.example": CANCELLED, "stc@bacgiang.example": PENDING}


def test_an_extension_the_old_lead_asked_for_is_closed_when_the_task_is_given_to_another(
    engine_with_plan: sa.Engine,
) -> None:
    from models.core.web_tables import ExtensionRequest
    from models.progress.extensions import pending_extensions, request_extension

    with session_scope(engine_with_plan) as s:
        task_id = _create(s).id
        lead = _assignments(s, task_id)[("snnptnt", LEAD)]  # type: ignore[arg-type]
        request_extension(s, assignment=lead, new_date=date(2020, 4, 30), reason="Chờ số liệu của các huyện",
                          today=DAY, actor="agency:snnptnt", source="web")
    with session_scope(engine_with_plan) as s:
        reassign_task(s, task_id=task_id, lead=[_agency_choice(s, "sxd")], actor=ACTOR, note=None,  # type: ignore[arg-type]
                      policy_path=get_settings().escalation_policy, today=DAY)
    with Session(engine_with_plan) as s:
        req = s.exec(select(ExtensionRequest)).one()
        assert (req.state, req.decided_by) == ("rejected", ACTOR)
        assert req.decision_note is not None and "không còn được giao" in req.decision_note
        assert pending_extensions(s) == []
        # the office's notice of the request, not sent yet, is dropped with the old lead's others
        assert {n.status for n in _notices(s, task_id) if n.kind == "extension_request"} == {CANCELLED}  # type: ignore[arg-type]
        assert _events(s, "extension_request", req.id)[-1].action == "rejected"  # type: ignore[arg-type]
