"""The office keeps its agency directory in the browser (/agencies), on SQLite and PostgreSQL:
the list in Vietnamese order with open and overdue tasks counted as the overview counts them,
tone-insensitive search, former agencies on request; add, edit and deactivate with form errors
in Vietnamese that write nothing; groups a plan's wording expands to; every change audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.setup import configured_directory, set_up_province
from models.core.db import session_scope
from models.core.tables import Agency, AuditEvent
from models.overview.dashboard import agency_counts
from tasks.common.text import vi_sort_key
from tests.web.conftest import OFFICE, TODAY, VIEWER, Browserless, World


def _rows(html: str) -> list[str]:
    """The agency names of the directory table, in the order shown (none without a table)."""
    if 'id="danh-muc"' not in html:
        return []
    table = html.split('id="danh-muc"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr id="co-quan-\d+"[^>]*>\s*<td><a href="/agencies/\d+">([^<]+)</a>', table)


def _audit(world: World, agency_id: int) -> list[AuditEvent]:
    with Session(world.engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.entity == "agency", AuditEvent.entity_id == agency_id)
                           .order_by(col(AuditEvent.id))).all())


def _agency(world: World, agency_id: int) -> Agency:
    with Session(world.engine) as s:
        agency = s.get(Agency, agency_id)
        assert agency is not None
        return agency


def _count(world: World) -> int:
    with Session(world.engine) as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Agency)).scalar_one())


def test_the_directory_lists_every_agency_in_vietnamese_order_with_counts_as_the_overview(
        office: Browserless, world: World) -> None:
    page = office.get("/agencies")
    assert page.status_code == 200
    names = _rows(page.text)
    with Session(world.engine) as s:
        expected = s.exec(select(Agency.name).where(Agency.province == "bac-giang")).all()
        counts = agency_counts(s, as_of=TODAY, near_days=3)
    assert sorted(names) == sorted(expected) and names == sorted(names, key=vi_sort_key)
    # Đ after every D, Ư/Ủ among the U's: "Đài Phát thanh" never before "Dân tộc"
    folded = [n.casefold() for n in names]
    firsts = [n[0] for n in folded]
    if "đ" in firsts and "d" in firsts:
        assert max(i for i, c in enumerate(firsts) if c == "d") < min(i for i, c in enumerate(firsts) if c == "đ")
    snn = world.agency_id("snnptnt")
    row = page.text.split(f'id="co-quan-{snn}"', 1)[1].split("</tr>", 1)[0]
    progress = counts[snn]
    open_ = progress.total - progress.done
    assert open_ > 0
    assert f'href="/agencies/{snn}?role=lead">{open_}</a>' in row
    assert f"/agencies/{snn}/edit" in row and "Sở NN&amp;PTNT" in row  # an alias shown


def test_search_ignores_tones_and_case(office: Browserless, world: World) -> None:
    page = office.get("/agencies", params={"q": "so nong nghiep"})
    assert _rows(page.text) == ["Sở Nông nghiệp và Phát triển nông thôn"]
    page = office.get("/agencies", params={"q": "SỞ NÔNG NGHIỆP"})
    assert _rows(page.text) == ["Sở Nông nghiệp và Phát triển nông thôn"]
    page = office.get("/agencies", params={"q": "khong co co quan nao"})
    assert "Không có cơ quan nào khớp" in page.text


def test_the_office_adds_an_agency_and_it_is_audited(office: Browserless, world: World) -> None:
    r = office.submit("/agencies/new", "/agencies/new", {
        "province": "bac-giang", "name": "Ban Quản lý các khu công nghiệp", "kind": "body",
        "email": "bqlkcn@bacgiang.example", "head_email": "", "aliases": "BQL các KCN\nBan QL KCN"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    with Session(world.engine) as s:
        agency = s.exec(select(Agency).where(Agency.name == "Ban Quản lý các khu công nghiệp")).one()
    assert (agency.province, agency.kind, agency.email, agency.head_email) == \
        ("bac-giang", "body", "bqlkcn@bacgiang.example", "")
    assert agency.aliases == ["BQL các KCN", "Ban QL KCN"]
    events = _audit(world, agency.id or 0)
    assert [(e.action, e.source, e.actor) for e in events] == [("created", "web", "office:vp@bacgiang.example")]
    page = office.get(r.headers["location"])
    assert "Đã thêm cơ quan" in page.text and "Ban Quản lý các khu công nghiệp" in _rows(page.text)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "khong-phai-thu", "không phải địa chỉ thư điện tử hợp lệ"),
    ("email", "vp@bacgiang.gov.vn", "chỉ nhận địa chỉ thử nghiệm"),
    ("name", "Sở Nông nghiệp và Phát triển nông thôn", "đã có trong danh mục"),
    ("name", "SỞ NN & PTNT", "đã có trong danh mục"),
    ("name", "", "Cần nhập tên cơ quan"),
    ("kind", "ministry", "Cần chọn loại cơ quan"),
])
def test_a_bad_form_is_refused_in_vietnamese_and_writes_nothing(
        office: Browserless, world: World, field: str, value: str, message: str) -> None:
    before = _count(world)
    data = {"province": "bac-giang", "name": "Trung tâm Khuyến nông", "kind": "body", "email": "", "head_email": "",
            "aliases": ""}
    data[field] = value
    r = office.submit("/agencies/new", "/agencies/new", data)
    assert r.status_code == 400
    assert message in r.text and "Chưa lưu được" in r.text
    assert f'value="{value}"' in r.text or field != "email"  # what was typed is kept
    assert _count(world) == before


def test_the_office_edits_an_agency_and_each_change_is_audited(office: Browserless, world: World) -> None:
    stc = world.agency_id("stc")
    form = office.get(f"/agencies/{stc}/edit")
    assert form.status_code == 200 and "Sở Tài chính" in form.text
    r = office.submit(f"/agencies/{stc}/edit", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "taichinh@bacgiang.example",
        "head_email": "giamdoc.taichinh@bacgiang.example", "aliases": "STC\nSở TC"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=agency_edited")
    agency = _agency(world, stc)
    assert (agency.email, agency.head_email, agency.aliases) == \
        ("taichinh@bacgiang.example", "giamdoc.taichinh@bacgiang.example", ["STC", "Sở TC"])
    event = _audit(world, stc)[-1]
    assert event.action == "edited" and event.changes["email"][1] == "taichinh@bacgiang.example"
    page = office.get(r.headers["location"])
    assert "Đã lưu thông tin cơ quan" in page.text and "Lịch sử thay đổi" in page.text
    assert "thư điện tử:" in page.text and "taichinh@bacgiang.example" in page.text
    assert "<td>sửa thông tin</td>" in page.text  # the audit, in the office's words
    # the same form again changes nothing and writes no audit row
    again = office.submit(f"/agencies/{stc}/edit", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "taichinh@bacgiang.example",
        "head_email": "giamdoc.taichinh@bacgiang.example", "aliases": "STC\nSở TC"}, follow_redirects=False)
    assert again.headers["location"].endswith("msg=agency_unchanged") and len(_audit(world, stc)) == 1


def test_an_edit_may_not_take_another_agencys_name_or_alias(office: Browserless, world: World) -> None:
    stc = world.agency_id("stc")
    r = office.submit(f"/agencies/{stc}/edit", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "", "head_email": "",
        "aliases": "Sở Nông nghiệp và Phát triển nông thôn"})
    assert r.status_code == 400 and "đã là tên của Sở Nông nghiệp và Phát triển nông thôn" in r.text
    assert _audit(world, stc) == []


def test_an_edit_the_office_made_survives_a_reimport_of_the_sample_directory(office: Browserless,
                                                                           world: World) -> None:
    from flows.importing.flow import import_plan
    from tests.web.conftest import BAC_GIANG

    stc = world.agency_id("stc")
    office.submit(f"/agencies/{stc}/edit", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "taichinh@bacgiang.example", "head_email": "",
        "aliases": ""})
    import_plan(str(BAC_GIANG))
    assert _agency(world, stc).email == "taichinh@bacgiang.example"


def test_deactivating_keeps_the_agency_and_its_open_assignments(office: Browserless, world: World) -> None:
    snn = world.agency_id("snnptnt")
    form = office.get(f"/agencies/{snn}/edit")
    kept = re.search(r"<strong>(\d+) lượt giao nhiệm vụ đang mở</strong>", form.text)
    assert kept is not None and int(kept.group(1)) > 0
    r = office.submit(f"/agencies/{snn}/edit", f"/agencies/{snn}/deactivate", follow_redirects=False)
    assert r.status_code == 303
    agency = _agency(world, snn)
    assert agency.valid_to == TODAY - timedelta(days=1) and agency.active
    event = _audit(world, snn)[-1]
    assert event.action == "deactivated" and event.changes["open_assignments"] == int(kept.group(1))
    page = office.get(r.headers["location"])
    assert "Đã ngừng hoạt động cơ quan" in page.text and f"{kept.group(1)} lượt giao nhiệm vụ đang mở" in page.text
    # gone from today's list, back with the former ones; its tasks are still there
    assert "Sở Nông nghiệp và Phát triển nông thôn" not in _rows(office.get("/agencies").text)
    former = office.get("/agencies", params={"former": "1"})
    assert "Sở Nông nghiệp và Phát triển nông thôn" in _rows(former.text) and "đã ngừng từ 24/01/2020" in former.text
    assert office.get(f"/agencies/{snn}").status_code == 200
    again = office.submit(f"/agencies/{snn}/edit", f"/agencies/{snn}/deactivate")
    assert again.status_code == 400 and "đã ngừng hoạt động" in again.text


def test_the_coordination_office_cannot_be_deactivated(office: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        vp = s.exec(select(Agency.id).where(Agency.province == "bac-giang", Agency.kind == "office")).one()
    r = office.submit(f"/agencies/{vp}/edit", f"/agencies/{vp}/deactivate")
    assert r.status_code == 400 and "Không ngừng hoạt động được Văn phòng điều phối" in r.text
    assert _agency(world, vp or 0).valid_to is None


def test_viewers_read_the_directory_but_change_nothing(client: Browserless, world: World) -> None:
    client.login(*VIEWER)
    page = client.get("/agencies")
    assert page.status_code == 200 and "Thêm cơ quan" not in page.text
    stc = world.agency_id("stc")
    assert client.get(f"/agencies/{stc}/edit").status_code == 403
    r = client.submit("/agencies", f"/agencies/{stc}/deactivate")
    assert r.status_code == 403 and _agency(world, stc).valid_to is None


def test_a_form_without_its_csrf_token_is_refused(office: Browserless, world: World) -> None:
    stc = world.agency_id("stc")
    r = office.post(f"/agencies/{stc}/deactivate")
    assert r.status_code == 403 and "CSRF" in r.text and _agency(world, stc).valid_to is None


def test_signed_out_visitors_go_to_the_sign_in_page(anonymous: Browserless) -> None:
    r = anonymous.get("/agencies", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ---- a set-up province: dated agencies, communes and groups ------------------------------------------

NOW = date(2026, 3, 1)  # after the reform: Bắc Ninh's directory of today is in force


@pytest.fixture
def bac_ninh(world: World) -> World:
    with session_scope(world.engine) as s:
        set_up_province(s, slug="bac-ninh", actor="test")
    return world


@pytest.fixture
def office_now(bac_ninh: World) -> Iterator[Browserless]:
    """The office signed in, its clock in 2026."""
    from web.app import create_app

    with Browserless(create_app(today=lambda: NOW)) as c:
        c.login(*OFFICE)
        yield c


def test_a_set_up_province_lists_its_communes_and_its_groups_are_edited_for_the_importer(
        office_now: Browserless, bac_ninh: World) -> None:
    office = office_now
    page = office.get("/agencies", params={"province": "bac-ninh", "q": "phuong kinh bac"})
    assert _rows(page.text) == ["UBND phường Kinh Bắc"]
    groups = office.get("/agencies/groups", params={"province": "bac-ninh"})
    assert "Sở, ngành" in groups.text and "UBND các xã, phường" in groups.text
    with Session(bac_ninh.engine) as s:
        departments = s.exec(select(Agency).where(Agency.province == "bac-ninh")).all()
        members = [a for a in departments if "so_nganh" in a.groups and a.valid_to is None]
        dropped = next(a for a in members if a.key == "sngv") if any(a.key == "sngv" for a in members) else members[-1]
    keep = [str(a.id) for a in members if a.id != dropped.id]
    form = office.get("/agencies/groups/so_nganh", params={"province": "bac-ninh"})
    assert form.status_code == 200 and f'value="{dropped.id}" checked' in form.text
    r = office.submit("/agencies/groups/so_nganh?province=bac-ninh", "/agencies/groups/so_nganh",
                      {"province": "bac-ninh", "member": keep}, follow_redirects=False)  # type: ignore[dict-item]
    assert r.status_code == 303
    event = _audit(bac_ninh, dropped.id or 0)[-1]
    assert event.action == "groups_edited" and "so_nganh" not in event.changes["groups"][1]
    # the importer's resolution reads the group from the database
    directory = configured_directory(bac_ninh.engine).province("bac-ninh", date(2026, 3, 1))
    resolved = {a.key for a in directory.resolve_cell("Các sở, ban, ngành").agencies}
    assert dropped.key not in resolved and {a.key for a in members} - {dropped.key} == resolved


def test_the_directory_of_today_shows_the_set_up_province_and_the_former_one_on_request(
        office_now: Browserless, bac_ninh: World) -> None:
    page = office_now.get("/agencies")
    assert "Danh mục cơ quan, đơn vị – Bắc Ninh" in page.text
    names = _rows(page.text)
    assert "UBND phường Kinh Bắc" in names and "Sở Nông nghiệp và Môi trường" in names
    assert "Sở Nông nghiệp và Phát triển nông thôn" not in names  # ended on 28/02/2025 or before
    assert names == sorted(names, key=vi_sort_key)
    # Đ after every D
    firsts = [n[len("UBND xã ")] for n in names if n.startswith("UBND xã ")]
    assert "Đ" in firsts and firsts.index("Đ") > max(i for i, c in enumerate(firsts) if c == "D")
    sample = office_now.get("/agencies", params={"province": "bac-giang"})
    assert _rows(sample.text) == [] and "Không có cơ quan nào" in sample.text  # Bắc Giang's ended on 30/06/2025
    former = office_now.get("/agencies", params={"province": "bac-giang", "former": "1"})
    assert "Sở Nông nghiệp và Phát triển nông thôn" in _rows(former.text) and "đã ngừng từ" in former.text


def test_a_sample_provinces_groups_are_not_edited_here(office: Browserless, world: World) -> None:
    page = office.get("/agencies/groups", params={"province": "bac-giang"})
    assert page.status_code == 200 and "danh mục mẫu" in page.text
    assert office.get("/agencies/groups/so_nganh", params={"province": "bac-giang"}).status_code == 404


def test_an_unknown_province_is_a_page_not_found(office: Browserless, world: World) -> None:
    r = office.get("/agencies", params={"province": "khong-co"})
    assert r.status_code == 404 and "Không có tỉnh này" in r.text


def test_the_overview_says_how_many_agencies_have_no_address_and_links_to_them(office: Browserless,
                                                                            world: World) -> None:
    assert "chưa có địa chỉ thư điện tử" not in office.get("/").text  # every sample agency has one
    stc = world.agency_id("stc")
    r = office.submit(f"/agencies/{stc}/edit", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "", "head_email": "", "aliases": ""},
        follow_redirects=False)
    assert r.status_code == 303 and _agency(world, stc).email == ""
    overview = office.get("/")
    found = re.search(r'<a href="(/agencies\?province=bac-giang&amp;no_email=1)">1 cơ quan chưa có địa chỉ thư điện tử',
                      overview.text)
    assert found is not None
    listed = office.get(found.group(1).replace("&amp;", "&"))
    assert _rows(listed.text) == ["Sở Tài chính"] and "chưa có" in listed.text


def test_the_agency_page_links_to_its_edit_form_and_the_directory(office: Browserless, world: World) -> None:
    stc = world.agency_id("stc")
    page = office.get(f"/agencies/{stc}")
    assert f'href="/agencies/{stc}/edit"' in page.text
    assert f'href="/agencies?province=bac-giang#co-quan-{stc}"' in page.text
    assert 'id="danh-muc"' in office.get("/agencies?province=bac-giang").text


def test_another_provinces_account_neither_sees_nor_changes_this_directory(client: Browserless,
                                                                          world: World) -> None:
    from models.auth.users import add_user

    with session_scope(world.engine) as s:
        add_user(s, email="vp@hanoi.example", role="office", password="mat-khau-ha-noi", actor="test",
                 province="ha-noi")
    client.login("vp@hanoi.example", "mat-khau-ha-noi")
    page = client.get("/agencies")
    assert page.status_code == 200 and "Hà Nội" in page.text and _rows(page.text) == []
    assert client.get("/agencies", params={"province": "bac-giang"}).status_code == 404
    assert client.get("/agencies/contacts.xlsx", params={"province": "bac-giang"}).status_code == 404
    stc = world.agency_id("stc")
    assert client.get(f"/agencies/{stc}/edit").status_code == 404
    r = client.submit("/agencies", f"/agencies/{stc}/edit", {
        "name": "Sở Tài chính", "kind": "department", "email": "x@hanoi.example", "head_email": "", "aliases": ""})
    assert r.status_code == 404
    r = client.submit("/agencies", f"/agencies/{stc}/deactivate")
    assert r.status_code == 404
    r = client.submit("/agencies", "/agencies/contacts/confirm",
                      {"province": "bac-giang", "rows": '[[2, "Sở Tài chính", "x@hanoi.example", ""]]'})
    assert r.status_code == 404
    r = client.submit("/agencies", "/agencies/new", {"province": "bac-giang", "name": "Sở Lạ", "kind": "body",
                                                     "email": "", "head_email": "", "aliases": ""})
    assert r.status_code == 404
    agency = _agency(world, stc)
    assert agency.email != "x@hanoi.example" and agency.valid_to is None and _audit(world, stc) == []
    with Session(world.engine) as s:
        assert s.exec(select(Agency).where(Agency.name == "Sở Lạ")).first() is None


def test_a_national_account_reads_every_provinces_directory_and_changes_nothing(client: Browserless,
                                                                               bac_ninh: World) -> None:
    from models.auth.users import add_user

    with session_scope(bac_ninh.engine) as s:
        add_user(s, email="quocgia@bo.example", role="national", password="mat-khau-quoc-gia", actor="test")
    client.login("quocgia@bo.example", "mat-khau-quoc-gia")
    page = client.get("/agencies", params={"province": "bac-giang"})
    assert page.status_code == 200 and "Sở Tài chính" in _rows(page.text) and "Thêm cơ quan" in page.text
    assert '<option value="bac-ninh"' in page.text  # a choice of every province
    stc = bac_ninh.agency_id("stc")
    before = (_agency(bac_ninh, stc).valid_to, len(_audit(bac_ninh, stc)))
    assert client.get(f"/agencies/{stc}/edit").status_code == 403
    assert client.submit("/agencies", f"/agencies/{stc}/deactivate").status_code == 403
    assert (_agency(bac_ninh, stc).valid_to, len(_audit(bac_ninh, stc))) == before


def test_bringing_the_province_up_to_date_keeps_what_the_office_changed(office_now: Browserless,
                                                                       bac_ninh: World) -> None:
    with Session(bac_ninh.engine) as s:
        commune = s.exec(select(Agency).where(Agency.province == "bac-ninh",
                                              Agency.name == "UBND phường Kinh Bắc")).one()
        department = s.exec(select(Agency).where(Agency.province == "bac-ninh", Agency.kind == "department")
                            .order_by(col(Agency.id))).first()
    assert department is not None and commune.id is not None and department.id is not None
    r = office_now.submit(f"/agencies/{commune.id}/edit", f"/agencies/{commune.id}/deactivate", follow_redirects=False)
    assert r.status_code == 303
    r = office_now.submit(f"/agencies/{department.id}/edit", f"/agencies/{department.id}/edit", {
        "name": department.name + " tỉnh", "kind": "department", "email": "", "head_email": "",
        "aliases": "Tên riêng của tỉnh"}, follow_redirects=False)
    assert r.status_code == 303
    with session_scope(bac_ninh.engine) as s:
        set_up_province(s, slug="bac-ninh", actor="test")
    kept_commune, kept_department = _agency(bac_ninh, commune.id), _agency(bac_ninh, department.id)
    assert kept_commune.valid_to == NOW - timedelta(days=1)
    assert kept_department.name == department.name + " tỉnh" and kept_department.aliases == ["Tên riêng của tỉnh"]
    assert kept_department.email == ""
