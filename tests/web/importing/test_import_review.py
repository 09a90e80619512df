"""Review before confirming (issue 14) and the import's first sweep (issue 15, items 4 and 5), from
the browser: every row dondoc is unsure of is flagged with the reasons `dondoc import --json`
gives; the office corrects a task's text, agencies and deadline and the plan's head before
confirming (applied, audited; a field that does not read is shown on its row and the file is
kept); it names the task table's columns when their wording is not understood (remembered for
the same layout); and the preview says what the first sweep will send, for the tracking day and
the treatment of past-due tasks the office chooses. Word files built here; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from config.settings import get_settings
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.tables import Assignment, AuditEvent, Notice, Plan, Task
from models.importing.tracking import KNOWN
from tasks.common.dates import local_zone
from tests.tasks.builders import build_docx_plan
from tests.web.conftest import OFFICE, TODAY, Browserless, World
from tests.web.importing.test_plan_import_pages import (
    FORM,
    db_state,
    error_of,
    ref_of,
    staged,
    table_tasks,
    text_of,
    upload_file,
)

HEAD = ["ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "Số: 77/KH-UBND", "Bắc Giang, ngày 05 tháng 11 năm 2019", "KẾ HOẠCH",
        "Rà soát xã nông thôn mới năm 2020"]
HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
# the office's day is 25/01/2020: task 1 is 56 days overdue (level 3), task 5 five days (level 1),
# task 6 due in five days (a reminder); 2, 3 and 4 are what dondoc is unsure of
ROWS = [
    ["1", "Rà soát tiêu chí nông thôn mới", "Sở Nông nghiệp và Phát triển nông thôn", "", "30/11/2019"],
    ["2", "Tổng kết chương trình", "Sở Tài chính", "", "20/3/2020 Đề nghị điều chỉnh thời hạn"],
    ["3", "Xây dựng nhà văn hóa xã", "UBND xã Tân Sơn", "Sở Xây dựng", "Quý IV/2020"],
    ["4", "Báo cáo chuyên đề", "Sở Tài chính", "", "Khi có chỉ đạo của UBND tỉnh"],
    ["5", "Kiểm tra tiến độ", "Sở Nội vụ", "", "20/01/2020"],
    ["6", "Tập huấn cán bộ", "Sở Tài chính", "Sở Nội vụ", "30/01/2020"],
]
CODE = "77/KH-UBND"
LEADERSHIP = "lanhdao@bacgiang.example"


def plan_docx(folder: Path, *, head: list[str] | None = None, header: list[str] | None = None,
              name: str = "ke-hoach-77.docx") -> Path:
    return build_docx_plan(folder / name, head_paragraphs=head or HEAD, header=header or HEADER, rows=ROWS)


def fields_of(page: httpx.Response) -> dict[str, Any]:
    """What the preview's main form would send as the browser fills it (inputs, textareas,
    checked radios, selected options), its CSRF token and reference included."""
    form = page.text.split('id="xem-truoc"', 1)[1].split("</form>", 1)[0]
    data: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        value = value.replace("&amp;", "&").replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'")
        if name in data:
            data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
        else:
            data[name] = value

    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="radio"' in tag and "checked" not in tag):
            continue
        put(name.group(1), value.group(1) if value else "")
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        put(name, value)
    for name, options in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        put(name, chosen.group(1) if chosen else "")
    return data


def send(client: Browserless, action: str, data: dict[str, Any], **kw: Any) -> httpx.Response:
    return client.post(action, data=data, **kw)


def preview_of(office: Browserless, path: Path) -> httpx.Response:
    page = upload_file(office, path)
    assert page.status_code == 200, error_of(page)
    return page


def plan_of(world: World, code: str = CODE) -> Plan:
    with Session(world.engine) as s:
        return s.exec(select(Plan).where(Plan.code == code)).one()


def review_block(page: httpx.Response, ref: str) -> str:
    """The text of a task's block in "Cần kiểm tra trước khi xác nhận"."""
    for block in re.findall(r'<li class="review-row[^"]*"[^>]*>(.*?)</li>\s*(?=<li class="review-row|</ol>)',
                            page.text, re.S):
        if f'name="fix" value="{ref}"' in block:
            return text_of(block)
    raise AssertionError(f"task {ref} is not in the review list")


# --- 1. review flags ------------------------------------------------------------------------


def test_every_row_dondoc_is_unsure_of_is_flagged_with_the_reasons_the_command_line_gives(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    path = plan_docx(tmp_path)
    cli = {t["ref"]: t["review"] for t in import_plan(str(path), dry_run=True).parsed.to_json()["tasks"]}
    assert {ref for ref, reasons in cli.items() if reasons} == {"2", "3", "4"}
    page = preview_of(office, path)
    assert "Cần kiểm tra trước khi xác nhận (3)" in text_of(page.text)
    assert set(re.findall(r'name="fix" value="([^"]+)"', page.text)) == {"2", "3", "4"}
    assert "thời hạn kèm ghi chú (“Đề nghị điều chỉnh thời hạn”)" in review_block(page, "2")
    assert "có tên cơ quan không có trong danh mục: “UBND xã Tân Sơn”" in review_block(page, "3")
    assert "không đọc được thời hạn" in review_block(page, "4")
    assert "Khi có chỉ đạo của UBND tỉnh" in review_block(page, "4")
    # the task table marks them too; the rows it is sure of are not
    table = page.text.split("<h2>Bảng nhiệm vụ")[1]
    assert table.count("cần kiểm tra</span>") == 3


# --- 2. corrections -------------------------------------------------------------------------


def test_corrections_made_in_the_preview_are_applied_on_confirm_and_audited_in_vietnamese(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    page = preview_of(office, plan_docx(tmp_path))
    data = fields_of(page)
    data["content:2"] = "Tổng kết chương trình năm 2020"
    data["lead:3"] = "so xay dung"  # typed without tone marks: found in the directory all the same
    data["coordinating:3"] = "Sở Tài chính; UBND xã Tân Sơn"  # a commune the directory does not know
    data["deadline:4"] = "30/06/2020"
    refused = send(office, "/plans/import/confirm", data)
    # a name not in the directory is shown on its row; nothing is written and the file stays
    assert refused.status_code == 400
    assert "Tệp “ke-hoach-77.docx” vẫn được giữ trên máy chủ" in text_of(refused.text)
    assert "Cơ quan phối hợp: không tìm thấy “UBND xã Tân Sơn” trong danh mục cơ quan" in review_block(refused, "3")
    assert 'value="so xay dung"' in refused.text and "Tổng kết chương trình năm 2020" in refused.text  # kept as typed
    assert len(staged()) == 1
    with Session(world.engine) as s:
        assert s.exec(select(Plan).where(Plan.code == CODE)).first() is None

    data = fields_of(refused)
    data["coordinating:3"] = "Sở Tài chính"
    done = send(office, "/plans/import/confirm", data, follow_redirects=False)
    assert done.status_code == 303, error_of(done)
    plan = plan_of(world)
    assert done.headers["location"] == f"/plans/{plan.id}?msg=plan_created&created=6&corrected=3"
    assert "3 nhiệm vụ được Văn phòng đính chính khi xem trước" in office.get(done.headers["location"]).text
    tasks = table_tasks(world, plan.id)  # type: ignore[arg-type]
    assert tasks["2"].content == "Tổng kết chương trình năm 2020"
    assert tasks["4"].due_date == date(2020, 6, 30) and tasks["4"].deadline_kind == "date"
    assert tasks["3"].unresolved == []
    office_page = text_of(office.get(f"/tasks/{tasks['3'].id}").text)
    assert "Sở Xây dựng" in office_page
    with Session(world.engine) as s:
        corrected = {e.entity_id: e for e in s.exec(select(AuditEvent).where(AuditEvent.action == "corrected"))}
    assert set(corrected) == {tasks["2"].id, tasks["3"].id, tasks["4"].id}
    event = corrected[tasks["3"].id]
    assert event.actor == f"office:{OFFICE[0]}"
    assert event.changes["lead"] == ["UBND xã Tân Sơn", "Sở Xây dựng"]  # the cell as written, then the agency
    assert event.changes["coordinating"] == ["Sở Xây dựng", "Sở Tài chính"]
    assert event.changes["note"].startswith("Văn phòng đính chính khi xem trước")
    assert corrected[tasks["4"].id].changes["due_date"] == [None, "2020-06-30"]
    assert "đính chính" in office.get(f"/tasks/{tasks['4'].id}").text  # the task's history says it in Vietnamese
    assert staged() == []


def test_a_plan_head_the_reader_missed_is_corrected_in_the_preview_and_the_file_is_not_lost(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    # the head gives neither number nor date nor province (as when it is a table the reader missed)
    path = plan_docx(tmp_path, head=["KẾ HOẠCH", "Rà soát xã nông thôn mới năm 2020"], name="khong-ro-dau.docx")
    before = db_state(world)
    refused = upload_file(office, path)
    assert refused.status_code == 400
    assert "Không xác định được tỉnh ban hành kế hoạch" in error_of(refused)
    assert "vẫn được giữ trên máy chủ" in text_of(refused.text) and len(staged()) == 1
    # the office goes on from the kept file: the province and the year chosen, no new upload
    page = send(office, "/plans/import/review", {"csrf_token": office.csrf(FORM), "ref": ref_of(refused),
                                                  "province": "bac-giang", "year": "2019"})
    assert page.status_code == 200, error_of(page)
    assert re.search(r'<details class="record" id="sua-dau-van-ban" open>', page.text)
    data = fields_of(page)
    data.update(head_code="Số: 15/KH-UBND", head_issued_on="05/11/2019", head_title="Kế hoạch rà soát năm 2020")
    bad = send(office, "/plans/import/confirm", {**data, "head_issued_on": "31/11/2019"})
    assert bad.status_code == 400 and "Ngày ban hành “31/11/2019” không phải là ngày hợp lệ" in bad.text
    assert db_state(world) == before and len(staged()) == 1
    done = send(office, "/plans/import/confirm", data, follow_redirects=False)
    assert done.status_code == 303, error_of(done)
    plan = plan_of(world, "15/KH-UBND")
    assert (plan.issued_on, plan.title, plan.province) == (date(2019, 11, 5), "Kế hoạch rà soát năm 2020", "bac-giang")
    with Session(world.engine) as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.entity == "plan", AuditEvent.entity_id == plan.id,
                                                  AuditEvent.action == "corrected"))
    assert event.changes["code"] == ["khong-ro-dau", "15/KH-UBND"] and event.changes["issued_on"] == [None,
                                                                                                    "2019-11-05"]


def two_column_head_docx(path: Path) -> Path:
    """The usual head of a Word plan: a borderless two-column table (issuer and number on the left,
    quốc hiệu and place and date on the right), then the title and the task table."""
    import docx

    document = docx.Document()
    head = document.add_table(rows=2, cols=2)
    for row, (left, right) in enumerate([
        ("ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"),
        ("Số: 12/KH-UBND", "Bắc Giang, ngày 15 tháng 01 năm 2026"),
    ]):
        head.cell(row, 0).text, head.cell(row, 1).text = left, right
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Chuyển đổi số năm 2026")
    table = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    for row, cells in enumerate([HEADER, *ROWS]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    document.save(str(path))
    return path


def test_a_word_head_laid_out_as_a_two_column_table_gives_the_preview_its_number_date_and_province(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    page = preview_of(office, two_column_head_docx(tmp_path / "ke-hoach-12.docx"))
    said = text_of(page.text)
    assert "Xem trước: Kế hoạch 12/KH-UBND" in said
    assert "Tỉnh Bắc Giang" in said and "Ngày ban hành 15/01/2026" in said
    # read, so the head's correction fields start closed and filled
    assert '<details class="record" id="sua-dau-van-ban">' in page.text
    assert 'name="head_code" value="12/KH-UBND"' in page.text and 'value="15/01/2026"' in page.text


# --- 3. columns -----------------------------------------------------------------------------


def test_the_office_names_the_columns_of_a_table_it_does_not_understand_and_they_are_remembered(
    office: Browserless, world: World, tmp_path: Path
) -> None:
    header = ["Số", "Việc cần làm", "Ai làm", "Ai giúp", "Hạn chót"]
    first = plan_docx(tmp_path, header=header)
    refused = upload_file(office, first)
    assert refused.status_code == 400 and "không tìm thấy bảng nhiệm vụ" in error_of(refused)
    assert "vẫn được giữ trên máy chủ" in text_of(refused.text)
    assert re.findall(r'<select name="(col_\d+)">', refused.text) == ["col_1", "col_2", "col_3", "col_4", "col_5"]
    choice = {"csrf_token": office.csrf(FORM), "ref": ref_of(refused), "col_1": "number", "col_2": "task",
              "col_3": "lead", "col_4": "coordinating", "col_5": "due"}
    twice = send(office, "/plans/import/columns", {**choice, "col_4": "lead"})
    assert twice.status_code == 400 and "“Cơ quan chủ trì” được chọn cho các cột 3, 4" in error_of(twice)
    page = send(office, "/plans/import/columns", choice)
    assert page.status_code == 200, error_of(page)
    assert "Nhiệm vụ trong bảng 6" in text_of(page.text)
    # every task read through the office's columns is flagged for review
    assert len(re.findall(r'name="fix" value="', page.text)) == 6
    assert "đọc theo cột Văn phòng chọn" in review_block(page, "1")
    assert send(office, "/plans/import/confirm", fields_of(page), follow_redirects=False).status_code == 303
    layouts = json.loads((get_settings().data_dir / "column_layouts.json").read_text(encoding="utf-8"))
    assert layouts["layouts"][0]["columns"] == {"task": 2, "lead": 3, "coordinating": 4, "due": 5, "number": 1}
    # the next plan of the same layout is read without asking
    second = upload_file(office, build_docx_plan(tmp_path / "khac.docx", head_paragraphs=[*HEAD[:2], "Số: 78/KH-UBND",
                                                                                        *HEAD[3:]],
                                                 header=header, rows=ROWS[:2]))
    assert second.status_code == 200, error_of(second)
    assert "Nhiệm vụ trong bảng 2" in text_of(second.text)


# --- 4. the first sweep ---------------------------------------------------------------------


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(7), tzinfo=local_zone())


def _sweep_messages(smtp_sink: Any, day: date) -> list[Any]:
    before = len(smtp_sink.messages())
    daily_sweep(day)
    return smtp_sink.messages()[before:]


def test_the_preview_says_what_the_first_sweep_sends_and_the_sweep_sends_that(
    office: Browserless, world: World, tmp_path: Path, smtp_sink: Any
) -> None:
    _sweep_messages(smtp_sink, TODAY)  # the sample plan's notices of the day, sent before the import
    page = preview_of(office, plan_docx(tmp_path))
    said = text_of(page.text)
    # past-due tasks start at level 1 unless the office says otherwise: task 1 (56 days late) and
    # task 5 at level 1, task 6's reminder; no report to the leadership
    found = re.search(r"Lần đôn đốc ngày 25/01/2020 sẽ gửi (\d+) thư", said)
    assert found, said
    level_one = re.search(r"Đôn đốc cấp 1: (\d+) nhiệm vụ quá hạn", said)
    assert "Nhắc việc: 1 nhiệm vụ sắp đến hạn" in said and level_one is not None
    assert "Đôn đốc cấp 2" not in said and "Đôn đốc cấp 3" not in said
    assert "Báo cáo Lãnh đạo UBND tỉnh: không" in said
    assert send(office, "/plans/import/confirm", fields_of(page), follow_redirects=False).status_code == 303
    # every task already late (tasks 1 and 5, and report duties of past periods) is at level 1
    with Session(world.engine) as s:
        late = s.exec(select(Task.id).distinct().join(Assignment, Assignment.task_id == Task.id)  # type: ignore[arg-type]
                      .where(Task.plan_id == plan_of(world).id, Assignment.role == "lead",
                             Assignment.due_date < TODAY)).all()  # type: ignore[operator]
    assert int(level_one.group(1)) == len(late) >= 2
    sent = _sweep_messages(smtp_sink, TODAY)
    assert len(sent) == int(found.group(1))
    assert not [m for m in sent if LEADERSHIP in str(m["To"])]


def test_already_known_past_due_tasks_do_not_reach_the_leadership_at_level_3_on_the_first_sweep(
    office: Browserless, world: World, tmp_path: Path, smtp_sink: Any
) -> None:
    _sweep_messages(smtp_sink, TODAY)
    page = preview_of(office, plan_docx(tmp_path))
    data = {**fields_of(page), "backlog": "known"}
    again = send(office, "/plans/import/review", data)
    said = text_of(again.text)
    assert "Báo cáo Lãnh đạo UBND tỉnh: không" in said and "Đôn đốc cấp" not in said
    assert "Nhắc việc: 1 nhiệm vụ sắp đến hạn" in said  # reminders of tasks not yet due still go out
    assert send(office, "/plans/import/confirm", fields_of(again), follow_redirects=False).status_code == 303
    sent = _sweep_messages(smtp_sink, TODAY)
    assert sent and not [m for m in sent if LEADERSHIP in str(m["To"])]
    plan = plan_of(world)
    with Session(world.engine) as s:
        held = list(s.exec(select(Notice).join(Assignment, Assignment.id == Notice.assignment_id)  # type: ignore[arg-type]
                           .join(Task, Task.id == Assignment.task_id)  # type: ignore[arg-type]
                           .where(Task.plan_id == plan.id, Notice.last_error == KNOWN)))
        tracking = s.exec(select(AuditEvent).where(AuditEvent.entity_id == plan.id,
                                                   AuditEvent.action == "tracking")).one()
    assert {n.status for n in held} == {"cancelled"} and {n.level for n in held} == {1, 3}
    assert tracking.changes["backlog"].startswith("đã biết") and tracking.changes["tracked_from"] == "2020-01-25"


def test_a_plan_imported_without_a_choice_reports_its_old_tasks_to_the_leadership(
    world: World, tmp_path: Path, smtp_sink: Any
) -> None:
    """What 'already known' prevents: the command line's import, then the first sweep."""
    _sweep_messages(smtp_sink, TODAY)
    import_plan(str(plan_docx(tmp_path)))
    sent = _sweep_messages(smtp_sink, TODAY)
    assert [m for m in sent if LEADERSHIP in str(m["To"])]


def test_a_plan_tracked_from_a_later_day_sends_nothing_before_it(
    office: Browserless, world: World, tmp_path: Path, smtp_sink: Any
) -> None:
    _sweep_messages(smtp_sink, TODAY)
    page = preview_of(office, plan_docx(tmp_path))
    late = send(office, "/plans/import/review", {**fields_of(page), "track_from": "01/03/2020"})
    assert late.status_code == 400 and "Ngày bắt đầu theo dõi 01/03/2020 quá xa" in late.text
    chosen = send(office, "/plans/import/review", {**fields_of(page), "track_from": "28/01/2020"})
    assert "Lần đôn đốc ngày 28/01/2020 sẽ gửi" in text_of(chosen.text)
    assert send(office, "/plans/import/confirm", fields_of(chosen), follow_redirects=False).status_code == 303
    plan = plan_of(world)
    ids = {t.id for t in table_tasks(world, plan.id).values()}  # type: ignore[arg-type]
    for day in (TODAY, date(2020, 1, 26), date(2020, 1, 27), date(2020, 1, 28)):
        daily_sweep(day, now=_morning(day))  # the sweep's clock on that day (the outbox waits by it)
        with Session(world.engine) as s:
            sent = s.exec(select(Notice).join(Assignment, Assignment.id == Notice.assignment_id)  # type: ignore[arg-type]
                          .where(Assignment.task_id.in_(ids), Notice.status == "sent")).all()  # type: ignore[union-attr]
        if day < date(2020, 1, 28):
            assert sent == [], day
    assert sent and {n.as_of for n in sent} == {date(2020, 1, 28)}
    # the level-1 notices of the tasks already late were queued for that day and went out on it
    assert {n.level for n in sent if n.kind == "escalation"} == {1}
