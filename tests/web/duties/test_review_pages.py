"""The review pages: duties read from the Lạng Sơn plan's text, confirmed, edited or discarded
by the office (as `dondoc review`), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from flows.importing.flow import import_plan
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.tables import CANCELLED, Agency, Assignment, AuditEvent, Plan, Task
from tasks.agencies.directory import DEFAULT_ROOT
from tests.conftest import PLANS
from tests.web.conftest import OFFICE, VIEWER, Browserless

LANG_SON = PLANS / "lang-son-176-kh-ubnd-2023.txt"
BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
CODE = "176/KH-UBND"
TODAY = date(2023, 9, 15)
FOREIGN = "T.III.10.c.1"  # Sở Ngoại vụ: "Nâng cao hiệu quả các hoạt động đối ngoại..."
LAND = "T.III.7.c"  # Sở Tài nguyên và Môi trường: "Tham mưu cho UBND tỉnh xem xét..."


@dataclass
class LangSon:
    engine: sa.Engine
    plan_id: int

    @property
    def page(self) -> str:
        return f"/plans/{self.plan_id}/review"

    def task(self, ref: str) -> Task:
        with Session(self.engine) as s:
            return s.exec(select(Task).where(Task.plan_id == self.plan_id, Task.ref == ref)).one()

    def agencies(self, ref: str, role: str) -> set[str]:
        with Session(self.engine) as s:
            return set(s.exec(select(Agency.name).join(Assignment, Assignment.agency_id == Agency.id)  # type: ignore[arg-type]
                              .where(Assignment.task_id == self.task(ref).id, Assignment.role == role)))

    def waiting(self) -> int:
        with Session(self.engine) as s:
            return len(s.exec(select(Task.id).where(Task.plan_id == self.plan_id, Task.state == "proposed")).all())

    def events(self, action: str) -> list[AuditEvent]:
        with Session(self.engine) as s:
            # in the order they were written: PostgreSQL returns rows of a heap in no promised order
            return list(s.exec(select(AuditEvent).where(AuditEvent.source == "review", AuditEvent.action == action)
                               .order_by(col(AuditEvent.id))))

    def report_duties(self) -> dict[str, set[str]]:
        with Session(self.engine) as s:
            rows = s.execute(select(Task.ref, Agency.name).join(Assignment, Assignment.task_id == Task.id)  # type: ignore[arg-type]
                             .join(Agency, Agency.id == Assignment.agency_id)
                             .where(Task.plan_id == self.plan_id, Task.source == "report")).all()
        out: dict[str, set[str]] = {}
        for ref, name in rows:
            out.setdefault(ref, set()).add(name)
        return out


@pytest.fixture
def lang_son(engine: sa.Engine) -> LangSon:
    import_plan(str(LANG_SON), province="lang-son")
    with session_scope(engine) as s:
        add_user(s, email=OFFICE[0], role="office", password=OFFICE[1], actor="test")
        add_user(s, email=VIEWER[0], role="viewer", password=VIEWER[1], actor="test")
        plan_id = s.exec(select(Plan.id).where(Plan.code == CODE)).one()
    return LangSon(engine, plan_id)  # type: ignore[arg-type]


def _client(email: str, password: str) -> Iterator[Browserless]:
    from web.app import create_app

    with Browserless(create_app(today=lambda: TODAY)) as c:
        c.login(email, password)
        yield c


@pytest.fixture
def clerk(lang_son: LangSon) -> Iterator[Browserless]:
    """Signed in with role office."""
    yield from _client(*OFFICE)


@pytest.fixture
def viewer(lang_son: LangSon) -> Iterator[Browserless]:
    yield from _client(*VIEWER)


def card(page: str, ref: str) -> str:
    """One proposal's block on the review page ('' when it is not listed)."""
    found = re.search(rf'<section class="mine" id="nv-{re.escape(ref)}">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def test_the_review_page_lists_every_proposal_with_its_agencies_deadline_and_source_paragraph(
    clerk: Browserless, lang_son: LangSon
) -> None:
    page = clerk.get(lang_son.page)
    assert page.status_code == 200
    waiting = lang_son.waiting()
    assert waiting >= 38 and f"<strong>{waiting}</strong> nhiệm vụ đang chờ rà soát" in page.text
    assert page.text.count('<section class="mine"') == waiting
    foreign = card(page.text, FOREIGN)
    assert "Nâng cao hiệu quả các hoạt động đối ngoại" in foreign and "Sở Ngoại vụ" in foreign
    assert "nhiệm vụ thường xuyên" in foreign
    task = lang_son.task(FOREIGN)
    assert " › ".join(task.section_path).split(" › ")[0] in foreign  # "III. NHIỆM VỤ, GIẢI PHÁP"
    assert task.paragraph and all(line[:120] in foreign for line in task.paragraph.splitlines())
    assert "Rà soát nhiệm vụ đề xuất – Kế hoạch 176/KH-UBND" in page.text and "chưa được theo dõi" in page.text


def test_the_plan_page_the_overview_and_the_review_list_say_how_many_proposals_wait(
    clerk: Browserless, lang_son: LangSon
) -> None:
    waiting = lang_son.waiting()
    plan = clerk.get(f"/plans/{lang_son.plan_id}").text
    assert f'<a href="{lang_son.page}">{waiting} nhiệm vụ đề xuất từ văn bản kế hoạch đang chờ rà soát</a>' in plan
    assert f'<a href="/review">{waiting} nhiệm vụ đề xuất' in clerk.get("/").text
    listing = clerk.get("/review").text
    assert f"Kế hoạch 176/KH-UBND</a> – {waiting} nhiệm vụ chờ rà soát" in listing and FOREIGN in listing
    assert '<a href="/review">Rà soát đề xuất</a>' in listing  # the navigation link
    clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/confirm-all")
    assert "đang chờ rà soát" not in clerk.get(f"/plans/{lang_son.plan_id}").text
    assert "Không có nhiệm vụ đề xuất nào chờ rà soát." in clerk.get("/review").text


def test_a_source_paragraph_is_shown_as_text_never_as_markup(clerk: Browserless, lang_son: LangSon) -> None:
    with session_scope(lang_son.engine) as s:
        row = s.get(Task, lang_son.task(FOREIGN).id)
        assert row is not None
        row.paragraph = 'Đoạn <script>alert("x")</script> & <b>đậm</b>'
    foreign = card(clerk.get(lang_son.page).text, FOREIGN)
    assert "Đoạn &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in foreign
    assert "<script>" not in foreign


def test_confirming_one_proposal_tracks_it_takes_it_off_the_page_and_gives_its_agency_a_report_duty(
    clerk: Browserless, lang_son: LangSon
) -> None:
    waiting = lang_son.waiting()
    assert lang_son.report_duties() == {}
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/confirm", {"ref": FOREIGN})
    assert r.status_code == 200 and "Đã xác nhận; nhiệm vụ bắt đầu được theo dõi" in r.text
    assert lang_son.task(FOREIGN).state == "active"
    assert card(r.text, FOREIGN) == "" and lang_son.waiting() == waiting - 1
    assert f"<strong>{waiting - 1}</strong> nhiệm vụ đang chờ rà soát" in r.text
    [event] = lang_son.events("confirmed")
    assert event.actor == f"office:{OFFICE[0]}" and event.entity_id == lang_son.task(FOREIGN).id
    duties = lang_son.report_duties()
    assert duties and all(ref.startswith("BC.") and names == {"Sở Ngoại vụ"} for ref, names in duties.items())


def test_several_chosen_proposals_are_confirmed_together(clerk: Browserless, lang_son: LangSon) -> None:
    page = clerk.get(lang_son.page).text
    assert f'name="ref" value="{LAND}" form="chosen"' in page  # the check box that joins the shared form
    r = clerk.post(f"/plans/{lang_son.plan_id}/review/confirm",
                   data={"ref": [FOREIGN, LAND], "csrf_token": clerk.csrf(lang_son.page)})
    assert r.status_code == 200 and "Đã xác nhận" in r.text
    assert (lang_son.task(FOREIGN).state, lang_son.task(LAND).state) == ("active", "active")
    assert len(lang_son.events("confirmed")) == 2
    assert all(names == {"Sở Ngoại vụ", "Sở Tài nguyên và Môi trường"} for names in lang_son.report_duties().values())


def test_discarding_a_proposal_cancels_its_assignments_and_keeps_it_untracked(
    clerk: Browserless, lang_son: LangSon
) -> None:
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/discard", {"ref": LAND})
    assert r.status_code == 200 and "Đã loại bỏ nhiệm vụ đề xuất" in r.text and card(r.text, LAND) == ""
    assert lang_son.task(LAND).state == "discarded"
    with Session(lang_son.engine) as s:
        statuses = set(s.exec(select(Assignment.status).where(Assignment.task_id == lang_son.task(LAND).id)))
    assert statuses == {CANCELLED}
    assert [e.entity_id for e in lang_son.events("discarded")] == [lang_son.task(LAND).id]
    assert lang_son.report_duties() == {}


def test_editing_a_proposal_changes_its_title_due_date_and_agencies_and_is_audited(
    clerk: Browserless, lang_son: LangSon
) -> None:
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/edit", {
        "ref": LAND, "title": "Giải quyết tồn tại về đất đai ở nông thôn", "due_date": "31/12/2023",
        "lead": "Sở NN&PTNT\nSở Tài chính", "coordinating": "Sở Kế hoạch và Đầu tư\nSở Tài chính"})
    assert r.status_code == 200 and "Đã lưu chỉnh sửa; nhiệm vụ vẫn chờ xác nhận." in r.text
    task = lang_son.task(LAND)
    assert (task.state, task.title, task.due_date) == ("proposed", "Giải quyết tồn tại về đất đai ở nông thôn",
                                                       date(2023, 12, 31))
    assert lang_son.agencies(LAND, "lead") == {"Sở Nông nghiệp và Phát triển nông thôn", "Sở Tài chính"}
    assert lang_son.agencies(LAND, "coordinating") == {"Sở Kế hoạch và Đầu tư"}  # the lead is not also coordinating
    with Session(lang_son.engine) as s:
        dues = set(s.exec(select(Assignment.due_date).where(Assignment.task_id == task.id)))
    assert dues == {date(2023, 12, 31)}
    land = card(r.text, LAND)
    assert "31/12/2023" in land and "Giải quyết tồn tại về đất đai ở nông thôn" in land and "Sở Tài chính" in land
    [event] = lang_son.events("edited")
    assert event.actor == f"office:{OFFICE[0]}" and event.entity_id == task.id
    assert set(event.changes) == {"title", "due_date", "lead", "coordinating"}


def test_an_edit_with_a_broken_agency_directory_says_which_file_and_changes_nothing(
    clerk: Browserless, lang_son: LangSon, tmp_path: Path
) -> None:
    folder = tmp_path / "agencies"
    shutil.copytree(DEFAULT_ROOT, folder)
    (folder / "lang-son.yaml").write_text("slug: lang-son\nname: [Lạng Sơn\n", encoding="utf-8")
    page = clerk.csrf(lang_son.page)
    clerk.app.state.settings = clerk.app.state.settings.model_copy(update={"agencies_dir": folder})  # type: ignore[attr-defined]
    before = lang_son.task(LAND)
    r = clerk.post(f"/plans/{lang_son.plan_id}/review/edit", data={
        "ref": LAND, "title": "Tiêu đề mới", "due_date": "31/12/2023", "lead": "Sở NN&PTNT", "coordinating": "",
        "csrf_token": page})
    assert r.status_code == 500
    assert "Danh mục cơ quan (DONDOC_AGENCIES_DIR) có lỗi" in r.text and "lang-son.yaml, line " in r.text
    after = lang_son.task(LAND)
    assert (after.title, after.due_date) == (before.title, before.due_date) and not lang_son.events("edited")


def test_confirm_all_tracks_every_proposal_and_every_lead_agency_reports(clerk: Browserless, lang_son: LangSon) -> None:
    waiting = lang_son.waiting()
    page = clerk.get(lang_son.page).text
    assert f"Xác nhận tất cả ({waiting})" in page
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/confirm-all")
    assert r.status_code == 200 and "Không còn nhiệm vụ đề xuất nào chờ rà soát." in r.text
    assert lang_son.waiting() == 0 and len(lang_son.events("confirmed")) == waiting
    with Session(lang_son.engine) as s:
        leads = set(s.exec(select(Agency.name).join(Assignment, Assignment.agency_id == Agency.id)  # type: ignore[arg-type]
                           .join(Task, Task.id == Assignment.task_id)
                           .where(Task.plan_id == lang_son.plan_id, Task.source == "text", Assignment.role == "lead")))
    duties = lang_son.report_duties()
    assert duties and all(leads <= names for names in duties.values())


def test_discard_all_drops_every_proposal_of_the_plan(clerk: Browserless, lang_son: LangSon) -> None:
    waiting = lang_son.waiting()
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/discard-all")
    assert r.status_code == 200 and "Đã loại bỏ nhiệm vụ đề xuất" in r.text
    assert lang_son.waiting() == 0 and len(lang_son.events("discarded")) == waiting
    assert lang_son.report_duties() == {}


def test_a_viewer_sees_the_proposals_but_is_refused_every_decision(viewer: Browserless, lang_son: LangSon) -> None:
    page = viewer.get(lang_son.page)
    assert page.status_code == 200 and card(page.text, FOREIGN)
    assert "Xác nhận, bắt đầu theo dõi" not in page.text and "Tài khoản chỉ xem" in page.text
    base = f"/plans/{lang_son.plan_id}/review"
    for action, data in ((f"{base}/confirm", {"ref": FOREIGN}), (f"{base}/confirm-all", {}),
                         (f"{base}/discard", {"ref": FOREIGN}), (f"{base}/discard-all", {}),
                         (f"{base}/edit", {"ref": FOREIGN, "title": "x", "lead": "Sở Tài chính"})):
        r = viewer.submit(lang_son.page, action, data)
        assert r.status_code == 403 and "chỉ có quyền xem" in r.text, action
    assert lang_son.task(FOREIGN).state == "proposed" and lang_son.events("confirmed") == []


def test_a_decision_without_the_form_token_is_refused(clerk: Browserless, lang_son: LangSon) -> None:
    r = clerk.post(f"/plans/{lang_son.plan_id}/review/confirm-all", data={})
    assert r.status_code == 403 and "CSRF" in r.text
    assert lang_son.waiting() >= 38


def _edit(clerk: Browserless, lang_son: LangSon, **fields: str):  # type: ignore[no-untyped-def]
    data = {"ref": LAND, "title": "Tên mới", "due_date": "", "lead": "Sở Tài nguyên và Môi trường", "coordinating": ""}
    return clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/edit", {**data, **fields})


def _unchanged(lang_son: LangSon, title: str | None) -> None:
    task = lang_son.task(LAND)
    assert (task.state, task.title, task.due_date) == ("proposed", title, None)
    assert lang_son.agencies(LAND, "lead") == {"Sở Tài nguyên và Môi trường"}
    assert lang_son.events("edited") == []


def test_an_unparseable_due_date_is_refused_with_one_message_and_changes_nothing(
    clerk: Browserless, lang_son: LangSon
) -> None:
    title = lang_son.task(LAND).title
    r = _edit(clerk, lang_son, title="Tên đã sửa", due_date="31/02/2024", lead="Sở Tài chính")
    assert r.status_code == 400
    assert r.text.count('class="flash error"') == 1
    assert "Thời hạn “31/02/2024” không phải là ngày hợp lệ; nhập theo dạng dd/mm/yyyy." in r.text
    land = card(r.text, LAND)
    assert "<details open>" in land and 'value="Tên đã sửa"' in land and 'value="31/02/2024"' in land  # kept as typed
    _unchanged(lang_son, title)


def test_an_unknown_agency_is_refused_with_one_message_and_changes_nothing(clerk: Browserless,
                                                                            lang_son: LangSon) -> None:
    title = lang_son.task(LAND).title
    r = _edit(clerk, lang_son, due_date="30/06/2024", lead="Sở Tài chính\nSở Không Có Thật")
    assert r.status_code == 400 and r.text.count('class="flash error"') == 1
    assert "Không tìm thấy cơ quan “Sở Không Có Thật” trong danh bạ cơ quan tỉnh Lạng Sơn" in r.text
    _unchanged(lang_son, title)


def test_an_empty_title_or_no_lead_agency_is_refused(clerk: Browserless, lang_son: LangSon) -> None:
    title = lang_son.task(LAND).title
    r = _edit(clerk, lang_son, title="   ")
    assert r.status_code == 400 and "Tên nhiệm vụ không được để trống." in r.text
    r = _edit(clerk, lang_son, lead=" \n ")
    assert r.status_code == 400 and "Cần ghi ít nhất một cơ quan chủ trì" in r.text
    _unchanged(lang_son, title)


def test_a_proposal_already_reviewed_cannot_be_decided_or_edited_again(clerk: Browserless, lang_son: LangSon) -> None:
    clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/discard", {"ref": LAND})
    r = clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/confirm", {"ref": LAND})
    assert r.status_code == 400
    assert f"Nhiệm vụ {LAND} đã bị loại bỏ trước đó; không thể xác nhận, loại bỏ hay sửa lại." in r.text
    assert _edit(clerk, lang_son).status_code == 400
    assert lang_son.task(LAND).state == "discarded" and lang_son.events("confirmed") == []


def test_a_ref_of_another_plan_is_refused_and_the_whole_choice_is_left_undone(
    clerk: Browserless, lang_son: LangSon
) -> None:
    import_plan(str(BAC_GIANG), province="bac-giang")  # its text duties include T.III.3.1, due 28/02/2020
    listing = clerk.get("/review").text
    # Bắc Giang's proposals are not for Lạng Sơn's office to review (issue 13: accounts belong to a province)
    assert "Kế hoạch 176/KH-UBND</a>" in listing and "552/KH-BCĐ" not in listing
    r = clerk.post(f"/plans/{lang_son.plan_id}/review/confirm",
                   data={"ref": [FOREIGN, "T.III.3.1"], "csrf_token": clerk.csrf(lang_son.page)})
    assert r.status_code == 400 and r.text.count('class="flash error"') == 1
    assert "Kế hoạch 176/KH-UBND không có nhiệm vụ đề xuất nào mang số hiệu “T.III.3.1”." in r.text
    assert lang_son.task(FOREIGN).state == "proposed"  # confirmed first, then rolled back with the rest
    with Session(lang_son.engine) as s:
        other = s.exec(select(Task.state).join(Plan, Plan.id == Task.plan_id)  # type: ignore[arg-type]
                       .where(Plan.code == "552/KH-BCĐ", Task.ref == "T.III.3.1")).one()
    assert other == "proposed" and lang_son.events("confirmed") == [] and lang_son.report_duties() == {}


def test_a_plan_number_shared_by_two_provinces_is_reviewed_one_plan_at_a_time(
    clerk: Browserless, lang_son: LangSon
) -> None:
    import_plan(str(LANG_SON), province="kien-giang")  # the same number, "176/KH-UBND", in another province
    with Session(lang_son.engine) as s:
        other = s.exec(select(Plan.id).where(Plan.code == CODE, Plan.id != lang_son.plan_id)).one()
        theirs = len(s.exec(select(Task.id).where(Task.plan_id == other, Task.state == "proposed")).all())
    assert theirs > 0
    clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/confirm", {"ref": FOREIGN})
    clerk.submit(lang_son.page, f"/plans/{lang_son.plan_id}/review/discard-all")
    assert lang_son.waiting() == 0 and lang_son.task(FOREIGN).state == "active"
    with Session(lang_son.engine) as s:
        left = s.exec(select(Task.ref, Task.state).where(Task.plan_id == other, Task.source == "text")).all()
    assert len(left) == theirs and all(state == "proposed" for _ref, state in left)


def test_dondoc_review_asks_for_the_province_of_a_plan_number_two_provinces_share(lang_son: LangSon, run_cli) -> None:  # type: ignore[no-untyped-def]
    import_plan(str(LANG_SON), province="kien-giang")
    r = run_cli("review", "--plan", CODE, "--confirm", FOREIGN)
    assert r.code != 0 and "exists in several provinces (kien-giang, lang-son); add --province" in r.err
    assert lang_son.task(FOREIGN).state == "proposed"
    r = run_cli("review", "--plan", CODE, "--province", "lang-son", "--confirm", FOREIGN)
    assert r.code == 0, r.err
    assert lang_son.task(FOREIGN).state == "active"
    with Session(lang_son.engine) as s:  # the other province's plan of the same number is untouched
        states = s.exec(select(Task.state).join(Plan, Plan.id == Task.plan_id)
                        .where(Plan.province == "kien-giang", Task.source == "text")).all()
    assert states and set(states) == {"proposed"}


def test_a_dated_proposal_can_be_made_a_standing_duty_again(clerk: Browserless, lang_son: LangSon) -> None:
    _edit(clerk, lang_son, due_date="31/12/2023")
    assert lang_son.task(LAND).due_date == date(2023, 12, 31)
    r = _edit(clerk, lang_son, standing="1")
    assert r.status_code == 200 and "Đã lưu chỉnh sửa" in r.text
    task = lang_son.task(LAND)
    assert (task.due_date, task.deadline_kind) == (None, "standing")
    with Session(lang_son.engine) as s:
        assert set(s.exec(select(Assignment.due_date).where(Assignment.task_id == task.id))) == {None}
    assert lang_son.events("edited")[-1].changes["due_date"] == ["2023-12-31", None]
    assert "nhiệm vụ thường xuyên" in card(r.text, LAND).lower()


def test_a_standing_duty_with_a_due_date_is_refused(clerk: Browserless, lang_son: LangSon) -> None:
    title = lang_son.task(LAND).title
    r = _edit(clerk, lang_son, due_date="31/12/2023", standing="1")
    assert r.status_code == 400 and "Nhiệm vụ thường xuyên không có thời hạn" in r.text
    _unchanged(lang_son, title)


def test_dondoc_review_edit_standing_and_due_exclude_each_other(lang_son: LangSon, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("review", "--plan", CODE, "--edit", LAND, "--standing", "--due", "2023-12-31")
    assert r.code != 0 and "--standing and --due exclude each other" in r.err
    assert lang_son.task(LAND).due_date is None and lang_son.events("edited") == []
