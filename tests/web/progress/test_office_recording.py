"""The office records on the task page a report an agency gave on paper, by phone, Zalo or e-mail
(SQLite and PostgreSQL): stored as the agency's own report would be, with who recorded it, on whose
behalf and through which channel, audited; bad input keeps what was typed."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from models.core.tables import AuditEvent, ProgressUpdate
from tests.web.conftest import Browserless, World


def test_the_office_records_a_phone_report_for_one_agency(office: Browserless, world: World) -> None:
    task_id = world.task_id("I.1")
    lead = world.assignment("I.1", "snnptnt")
    page = office.get(f"/tasks/{task_id}")
    assert f'action="/tasks/{task_id}/progress/{lead.id}"' in page.text  # a form per assignment
    r = office.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/progress/{lead.id}", {
        "status": "in_progress", "percent": "60", "reported_on": "24/01/2020", "channel": "phone",
        "note": "Đồng chí Phó Giám đốc Sở báo qua điện thoại: đã rà soát 6/10 huyện"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/tasks/{task_id}?msg=progress_recorded#ghi-nhan"
    after = world.assignment("I.1", "snnptnt")
    assert (after.status, after.percent) == ("in_progress", 60)
    with Session(world.engine) as s:
        update = s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id == lead.id)).one()
        assert (update.actor, update.source, update.reported_on) == ("office:vp@bacgiang.example", "office:phone",
                                                                    date(2020, 1, 24))
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "assignment", AuditEvent.entity_id == lead.id)
                       .order_by(col(AuditEvent.id).desc())).first()
        assert event is not None and event.action == "progress" and event.actor == "office:vp@bacgiang.example"
        assert event.changes["on_behalf_of"] == "Sở Nông nghiệp và Phát triển nông thôn"
        assert event.changes["channel"] == "điện thoại"
    shown = office.get(f"/tasks/{task_id}?msg=progress_recorded").text
    assert "Đã ghi nhận báo cáo thay cơ quan." in shown
    assert "Văn phòng ghi nhận qua điện thoại, cơ quan báo cáo ngày 24/01/2020" in shown
    assert "ghi nhận thay cơ quan: Sở Nông nghiệp và Phát triển nông thôn" in shown
    # the agency sees it on its own page too
    agency = office.get(f"/a/{world.token('snnptnt')}/tasks/{task_id}").text
    assert "Văn phòng ghi nhận qua điện thoại" in agency


def test_a_report_without_its_channel_or_with_a_future_date_keeps_what_was_typed(
    office: Browserless, world: World
) -> None:
    task_id = world.task_id("I.1")
    lead = world.assignment("I.1", "snnptnt")
    typed = {"status": "done", "percent": "", "reported_on": "24/01/2020", "channel": "",
             "note": "Báo cáo giấy số 12/BC-SNN"}
    r = office.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/progress/{lead.id}", typed, follow_redirects=False)
    assert r.status_code == 400 and "giấy, điện thoại, Zalo hoặc e-mail" in r.text
    assert f'id="ghi-nhan-{lead.id}" open' in r.text and "Báo cáo giấy số 12/BC-SNN</textarea>" in r.text
    r = office.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/progress/{lead.id}",
                      {**typed, "channel": "paper", "reported_on": "26/01/2020"}, follow_redirects=False)
    assert r.status_code == 400 and "chưa tới" in r.text and 'value="26/01/2020"' in r.text
    r = office.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/progress/{lead.id}",
                      {**typed, "channel": "paper", "percent": "50"}, follow_redirects=False)
    assert r.status_code == 400 and "phải là 100%" in r.text
    assert world.assignment("I.1", "snnptnt").status == "open"
    with Session(world.engine) as s:
        assert s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id == lead.id)).all() == []


def test_an_assignment_of_another_task_is_not_found_there(office: Browserless, world: World) -> None:
    other = world.assignment("I.2", "ubnd-huyen-hiep-hoa")
    task_id = world.task_id("I.1")
    r = office.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/progress/{other.id}",
                      {"status": "done", "reported_on": "24/01/2020", "channel": "zalo"}, follow_redirects=False)
    assert r.status_code == 404
    assert world.assignment("I.2", "ubnd-huyen-hiep-hoa").status == "open"


def test_a_viewer_sees_no_recording_form(client: Browserless, world: World) -> None:
    from tests.web.conftest import VIEWER

    client.login(*VIEWER)
    page = client.get(f"/tasks/{world.task_id('I.1')}").text
    assert 'id="ghi-nhan"' not in page and "/edit" not in page
