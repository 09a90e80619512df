"""What an agency does from the link in its e-mail: report progress, give its input as a
coordinating agency, attach evidence, ask for an extension; bad input gets a clear message."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import Session, select

from flows.escalation.sweep import daily_sweep
from models.core.tables import PENDING, AuditEvent, Notice, ProgressUpdate
from models.core.web_tables import Evidence
from tests.web.conftest import OFFICE, Browserless, World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def task_url(world: World, key: str, ref: str) -> str:
    return f"/a/{world.token(key)}/tasks/{world.task_id(ref)}"


def test_the_link_opens_the_agencys_own_task_list(client: Browserless, world: World) -> None:
    page = client.get(f"/a/{world.token('snnptnt')}")
    assert page.status_code == 200
    assert "Nhiệm vụ của Sở Nông nghiệp và Phát triển nông thôn" in page.text and "I.1" in page.text
    assert "Đăng xuất" not in page.text and 'href="/tasks' not in page.text


def test_marking_a_task_done_is_recorded_audited_and_stops_its_notices(client: Browserless, world: World) -> None:
    daily_sweep(date(2020, 1, 24))  # seven-day reminders sent
    url = task_url(world, "snnptnt", "I.1")
    r = client.submit(url, url + "/progress", {"status": "done", "percent": "100", "note": "Đã phân bổ xong vốn."})
    assert r.status_code == 200 and "Đã lưu báo cáo tiến độ." in r.text
    a = world.assignment("I.1", "snnptnt")
    assert a.status == "done" and a.percent == 100 and a.completed_on == date(2020, 1, 25)
    with Session(world.engine) as s:
        update = s.exec(select(ProgressUpdate).where(ProgressUpdate.assignment_id == a.id)).one()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "assignment", AuditEvent.entity_id == a.id,
                                                AuditEvent.action == "progress")).one()
    assert update.note == "Đã phân bổ xong vốn." and update.source == "web"
    assert event.actor.startswith("agency:") and "Sở Nông nghiệp" in event.actor
    assert event.changes["status"] == ["open", "done"] and event.changes["percent"] == [0, 100]
    daily_sweep(date(2020, 1, 30))  # the one-day reminder would be due now
    with Session(world.engine) as s:
        later = s.exec(select(Notice).where(Notice.assignment_id == a.id, Notice.as_of == date(2020, 1, 30))).all()
    assert later == []


@pytest.mark.parametrize(("percent", "message"), [
    ("140", "Tỷ lệ hoàn thành phải từ 0 đến 100% (đã nhập 140%)."),
    ("mười", "phải là một số nguyên từ 0 đến 100"),
])
def test_a_percent_outside_0_to_100_is_refused_with_a_message(client: Browserless, world: World, percent: str,
                                                              message: str) -> None:
    url = task_url(world, "snnptnt", "I.1")
    r = client.submit(url, url + "/progress", {"status": "in_progress", "percent": percent, "note": "x"})
    assert r.status_code == 400 and message in r.text
    assert world.assignment("I.1", "snnptnt").percent == 0


def test_what_an_agency_types_is_shown_escaped(client: Browserless, world: World) -> None:
    url = task_url(world, "snnptnt", "I.1")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.submit(url, url + "/progress", {"status": "in_progress", "percent": "10", "note": attack})
    page = client.get(url).text
    assert attack not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_a_coordinating_agency_posts_its_input_and_the_lead_sees_it(client: Browserless, world: World) -> None:
    coord = task_url(world, "skhdt", "I.1")  # Sở KH&ĐT supports I.1
    page = client.get(coord).text
    assert "Ý kiến phối hợp" in page and "(phối hợp)" in page
    empty = client.submit(coord, coord + "/progress", {"status": "in_progress", "percent": "", "note": ""})
    assert empty.status_code == 400 and "Vui lòng nhập nội dung ý kiến phối hợp." in empty.text
    r = client.submit(coord, coord + "/progress", {"status": "in_progress", "percent": "50",
                                                   "note": "Đã thẩm định kế hoạch vốn, gửi Sở NN&PTNT."})
    assert "Đã gửi ý kiến phối hợp." in r.text
    lead = client.get(task_url(world, "snnptnt", "I.1")).text
    section = lead.split("Ý kiến của các cơ quan phối hợp", 1)[1]
    assert "Sở Kế hoạch và Đầu tư" in section and "Đã thẩm định kế hoạch vốn, gửi Sở NN&amp;PTNT." in section


def test_evidence_is_stored_under_a_random_name_and_served_only_through_the_link(
    client: Browserless, world: World, anonymous: Browserless
) -> None:
    url = task_url(world, "snnptnt", "I.1")
    r = client.post(url + "/evidence", files={"file": ("Báo cáo kết quả.pdf", PDF, "application/pdf")},
                    data={"csrf_token": client.csrf(url)})
    assert r.status_code == 200 and "Đã tải lên tệp minh chứng." in r.text and "Báo cáo kết quả.pdf" in r.text
    with Session(world.engine) as s:
        ev = s.exec(select(Evidence)).one()
        audit = s.exec(select(AuditEvent).where(AuditEvent.entity == "evidence")).one()
    assert len(ev.stored_name) == 32 and "pdf" not in ev.stored_name
    assert audit.changes["filename"][1] == "Báo cáo kết quả.pdf"
    got = client.get(f"/a/{world.token('snnptnt')}/evidence/{ev.id}")
    assert got.status_code == 200 and got.content == PDF and "attachment" in got.headers["content-disposition"]
    assert anonymous.get(f"/evidence/{ev.id}", follow_redirects=False).status_code == 303  # not without a session
    anonymous.login(*OFFICE)
    assert anonymous.get(f"/evidence/{ev.id}").content == PDF
    assert client.get(f"/static/{ev.stored_name}").status_code == 404
    guessed = client.get(f"/evidence/{ev.stored_name}", follow_redirects=False)
    assert guessed.status_code in (303, 404) and guessed.content != PDF


@pytest.mark.parametrize(("name", "data", "message"), [
    ("virus.exe", b"MZ\x90\x00" * 10, "Không chấp nhận tệp “.exe”"),
    ("anh.png", PDF, "Nội dung tệp không đúng định dạng .png."),
    ("rong.pdf", b"", "Tệp rỗng"),
])
def test_a_file_of_the_wrong_type_is_refused_with_a_message(client: Browserless, world: World, name: str,
                                                            data: bytes, message: str) -> None:
    url = task_url(world, "snnptnt", "I.1")
    r = client.post(url + "/evidence", files={"file": (name, data, "application/octet-stream")},
                    data={"csrf_token": client.csrf(url)})
    assert r.status_code == 400 and message in r.text
    with Session(world.engine) as s:
        assert s.exec(select(Evidence)).all() == []


def test_a_50_mb_upload_is_refused_with_a_message_and_not_stored(client: Browserless, world: World) -> None:
    url = task_url(world, "snnptnt", "I.1")
    big = io.BytesIO(b"%PDF-" + b"0" * (50 * 1024 * 1024))
    r = client.post(url + "/evidence", files={"file": ("lon.pdf", big, "application/pdf")},
                    data={"csrf_token": client.csrf(url)})
    assert r.status_code == 413 and "Tệp quá lớn: dung lượng tối đa là 10 MB." in r.text
    assert not (world_data_dir() / "evidence").exists() or not any((world_data_dir() / "evidence").iterdir())


def world_data_dir():  # type: ignore[no-untyped-def]
    from config.settings import get_settings

    return get_settings().data_dir


def test_an_image_just_over_the_limit_is_refused_after_reading(client: Browserless, world: World,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_EVIDENCE_MAX_MB", "1")
    from config.settings import reset_settings
    from tests.web.conftest import TODAY
    from web.app import create_app

    reset_settings()
    with Browserless(create_app(today=lambda: TODAY)) as small:
        url = task_url(world, "snnptnt", "I.1")
        ok = small.post(url + "/evidence", files={"file": ("anh.png", PNG, "image/png")},
                        data={"csrf_token": small.csrf(url)})
        assert "Đã tải lên tệp minh chứng." in ok.text
        just_over = PNG + b"\x00" * (1024 * 1024)
        r = small.post(url + "/evidence", files={"file": ("to.png", just_over, "image/png")},
                       data={"csrf_token": small.csrf(url)})
        assert r.status_code in (400, 413) and "Tệp quá lớn: dung lượng tối đa là 1 MB." in r.text


@pytest.mark.parametrize(("new_date", "reason", "message"), [
    ("01/01/2020", "Chờ vốn", "đã qua hoặc là hôm nay"),
    ("25/01/2020", "Chờ vốn", "đã qua hoặc là hôm nay"),
    ("30/01/2020", "Chờ vốn", "phải sau thời hạn hiện tại (31/01/2020)"),
    ("31/13/2020", "Chờ vốn", "không phải là ngày hợp lệ"),
    ("20/02/2020", "", "Vui lòng nêu lý do"),
])
def test_an_extension_request_with_a_bad_date_or_no_reason_is_refused(client: Browserless, world: World, new_date: str,
                                                                      reason: str, message: str) -> None:
    url = task_url(world, "snnptnt", "I.1")
    r = client.submit(url, url + "/extension", {"new_date": new_date, "reason": reason})
    assert r.status_code == 400 and message in r.text
    with Session(world.engine) as s:
        assert s.exec(select(Notice).where(Notice.status == PENDING)).all() == []
