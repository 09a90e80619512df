"""The contact list as an Excel workbook (SQLite and PostgreSQL): downloaded with every agency in
force, uploaded to a preview of what it changes (new and changed addresses, names matched only
with tones ignored, invalid addresses, rows that name no agency) that writes nothing, applied on
confirmation in one transaction with each agency audited; a bad workbook is one clear message."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from models.core.tables import Agency, AuditEvent
from tasks.agencies.contacts import read_contact_workbook
from tasks.common.xlsx_writer import Sheet, write_xlsx
from tests.web.conftest import VIEWER, Browserless, World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(rows: list[list[str]], header: tuple[str, ...] = ("Tên cơ quan", "Thư điện tử",
                                                                 "Thư điện tử của thủ trưởng")) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, [Sheet(title="Danh bạ", columns=[(h, 30.0) for h in header], rows=rows)])
    return out.getvalue()


def _upload(office: Browserless, body: bytes, name: str = "danh-ba.xlsx"):  # type: ignore[no-untyped-def]
    return office.post("/agencies/contacts", data={"csrf_token": office.csrf("/agencies"), "province": "bac-giang"},
                       files={"file": (name, body, XLSX)})


def _emails(world: World) -> dict[str, tuple[str, str]]:
    with Session(world.engine) as s:
        return {a.key: (a.email, a.head_email) for a in s.exec(select(Agency).where(Agency.province == "bac-giang"))}


def _contact_events(world: World) -> list[AuditEvent]:
    with Session(world.engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == "contacts_imported")
                           .order_by(col(AuditEvent.id))).all())


def _no_address(world: World, key: str) -> None:
    with Session(world.engine) as s:
        agency = s.exec(select(Agency).where(Agency.province == "bac-giang", Agency.key == key)).one()
        agency.email = ""
        s.add(agency)
        s.commit()


def test_the_contact_list_downloads_every_agency_with_its_addresses(office: Browserless, world: World,
                                                                    tmp_path: Path) -> None:
    r = office.get("/agencies/contacts.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "danh-ba-co-quan-bac-giang.xlsx" in r.headers["content-disposition"]
    path = tmp_path / "danh-ba.xlsx"
    path.write_bytes(r.content)
    rows = read_contact_workbook(path)
    emails = _emails(world)
    with Session(world.engine) as s:
        names = {a.name: a.key for a in s.exec(select(Agency).where(Agency.province == "bac-giang"))}
    assert {r.name for r in rows} == set(names)
    assert all((r.email, r.head_email) == emails[names[r.name]] for r in rows)


def test_an_uploaded_list_is_previewed_then_applied_on_confirmation_and_audited(
        office: Browserless, world: World) -> None:
    _no_address(world, "stc")
    before = _emails(world)
    body = _workbook([
        ["Sở Tài chính", "taichinh@bacgiang.example", ""],  # a new address
        ["SỞ NỘI VỤ", "noivu.moi@bacgiang.example", "giamdoc.noivu@bacgiang.example"],  # case only: loose
        ["so nong nghiep va phat trien nong thon", "nongnghiep@bacgiang.example", ""],  # without tones
        ["Sở Y tế", "khong phai thu", ""],  # invalid
        ["Sở Công Thương", "congthuong@bacgiang.gov.vn", ""],  # a real domain outside production
        ["Sở Không Có", "a@bacgiang.example", ""],  # no such agency
        ["Sở Tài chính", "taichinh2@bacgiang.example", ""],  # named twice
        [before_name := "Sở Tư pháp", before["stp"][0], before["stp"][1]],  # the same addresses
    ])
    preview = _upload(office, body)
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "Đã đọc 8 dòng" in text and "<strong>3</strong> cơ quan sẽ được cập nhật" in text
    assert "1 có địa chỉ mới" in text and "2 đổi địa chỉ" in text and "1 giữ nguyên" in text
    assert "khớp khi bỏ dấu: “so nong nghiep va phat trien nong thon”" in text
    assert "không phải địa chỉ thư điện tử hợp lệ" in text and "chỉ nhận địa chỉ thử nghiệm" in text
    assert "Không có cơ quan nào tên như vậy" in text and "Sở Tài chính đã có ở dòng 2" in text
    assert before_name not in text.split('id="thay-doi"', 1)[1].split("</section>", 1)[0]
    assert _emails(world) == before and _contact_events(world) == []  # a preview writes nothing
    rows = re.search(r'name="rows" value="([^"]*)"', text)
    assert rows is not None
    import html

    done = office.submit("/agencies", "/agencies/contacts/confirm",
                         {"province": "bac-giang", "rows": html.unescape(rows.group(1))}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("msg=contacts_applied")
    after = _emails(world)
    assert after["stc"] == ("taichinh@bacgiang.example", before["stc"][1])
    assert after["snv"] == ("noivu.moi@bacgiang.example", "giamdoc.noivu@bacgiang.example")
    assert after["snnptnt"][0] == "nongnghiep@bacgiang.example"
    assert after["syt"] == before["syt"] and after["sct"] == before["sct"] and after["stp"] == before["stp"]
    events = _contact_events(world)
    assert len(events) == 3 and all(e.source == "web" and e.actor == "office:vp@bacgiang.example" for e in events)
    assert {e.changes["row"] for e in events} == {2, 3, 4}
    assert "Đã cập nhật địa chỉ thư điện tử" in office.get(done.headers["location"]).text


@pytest.mark.parametrize(("name", "body", "message"), [
    ("danh-ba.xlsx", b"day khong phai tep excel", "tệp hỏng hoặc không phải tệp .xlsx"),
    ("danh-ba.csv", b"Ten,Email\n", "Danh bạ phải là tệp Excel .xlsx"),
    ("danh-ba.xlsx", None, "Không tìm thấy dòng tiêu đề"),
])
def test_a_bad_workbook_is_one_clear_message_and_changes_nothing(
        office: Browserless, world: World, name: str, body: bytes | None, message: str) -> None:
    before = _emails(world)
    content = body if body is not None else _workbook([["Sở Tài chính", "x@bacgiang.example"]],
                                                      header=("Đơn vị", "Số điện thoại"))
    r = _upload(office, content, name)
    assert r.status_code == 400 and message in r.text
    assert r.text.count('class="flash error"') == 1
    assert _emails(world) == before


def test_a_zip_bomb_is_refused_unread(office: Browserless, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_IMPORT_MAX_PART_MB", "1")  # read by the reading process
    good = _workbook([["Sở Tài chính", "taichinh@bacgiang.example", ""]])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):  # 3 MB of blanks inside the sheet, a few KB zipped
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (3 << 20), 1)
            out.writestr(item.filename, data)
    assert len(bomb.getvalue()) < 100_000
    r = _upload(office, bomb.getvalue())
    assert r.status_code == 400 and "tệp bung ra quá lớn" in r.text
    assert _emails(world)["stc"] != ("taichinh@bacgiang.example", "")


def test_confirming_rows_that_cannot_be_read_writes_nothing(office: Browserless, world: World) -> None:
    r = office.submit("/agencies", "/agencies/contacts/confirm", {"province": "bac-giang", "rows": "[[1, 2]"})
    assert r.status_code == 400 and "tải tệp danh bạ lên lại" in r.text and _contact_events(world) == []


def test_viewers_download_but_do_not_upload(client: Browserless, world: World) -> None:
    client.login(*VIEWER)
    assert client.get("/agencies/contacts.xlsx").status_code == 200
    r = client.post("/agencies/contacts", data={"csrf_token": client.csrf("/agencies"), "province": "bac-giang"},
                    files={"file": ("danh-ba.xlsx", _workbook([["Sở Tài chính", "a@bacgiang.example", ""]]), XLSX)})
    assert r.status_code == 403 and _contact_events(world) == []
