"""The task list in Excel: ``GET /tasks.xlsx`` with the list's filters and ``dondoc tasks --xlsx``,
on the real Bắc Giang plan (SQLite and PostgreSQL), read back with openpyxl."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.core.tables import Plan
from tests.web.conftest import VIEWER, Browserless, World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD = ["STT", "Kế hoạch", "Mã", "Nội dung nhiệm vụ", None, "Vai trò", "Cơ quan phối hợp", "Hạn hoàn thành",
        "Hạn ban đầu", "Trạng thái", "Số ngày quá hạn", "% hoàn thành", "Ngày hoàn thành", "Mã nhiệm vụ",
        "Ghi chú thời hạn"]
NN = "Sở Nông nghiệp và Phát triển nông thôn"


def sheet(content: bytes) -> tuple[str, list[dict[str, Any]]]:
    """(title line, rows as {header: value}) of a downloaded workbook."""
    ws = load_workbook(io.BytesIO(content)).active
    title, head, *rows = ws.iter_rows(values_only=True)
    assert [h if i != 4 else None for i, h in enumerate(head)] == HEAD
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:O{len(rows) + 2}"
    return title[0], [dict(zip(head, r, strict=True)) for r in rows]


def total(html: str) -> int:
    found = re.search(r"(\d+) dòng", html)
    assert found, "no total on the page"
    return int(found.group(1))


def download(c: Browserless, query: str) -> tuple[str, list[dict[str, Any]]]:
    r = c.get(f"/tasks.xlsx?{query}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    return sheet(r.content)


def test_the_exported_workbook_holds_every_row_of_the_filtered_list(office: Browserless, world: World) -> None:
    with Session(world.engine) as s:
        plan_id = s.exec(select(Plan.id)).one()
    for query in ("role=", f"plan={plan_id}", f"plan={plan_id}&quarter=2020-Q2&role=coordinating", "q=phan+bo+von"):
        listed = total(office.get(f"/tasks?{query}").text)
        _title, rows = download(office, query)
        assert len(rows) == listed, query
    _title, every = download(office, "role=")
    assert len(every) > 50  # more than one page of the list
    assert [r["STT"] for r in every] == list(range(1, len(every) + 1))


def test_a_known_task_is_exported_with_its_ref_content_due_date_and_status_word(office: Browserless,
                                                                                world: World) -> None:
    nn = world.agency_id("snnptnt")
    title, rows = download(office, f"agency={nn}")
    assert title == f"Danh sách nhiệm vụ - Cơ quan: {NN}; Vai trò: chủ trì (tính đến ngày 25/01/2020)"
    i1 = next(r for r in rows if r["Mã"] == "I.1")
    assert i1["Kế hoạch"] == "552/KH-BCĐ" and i1["Cơ quan chủ trì"] == NN and i1["Vai trò"] == "Chủ trì"
    assert i1["Nội dung nhiệm vụ"].startswith("Phân bổ nguồn vốn thực hiện Chương trình MTQG")
    assert i1["Hạn hoàn thành"] == datetime(2020, 1, 31)  # noqa: DTZ001 - a spreadsheet's date-time is naive
    assert i1["Trạng thái"] == "chưa đến hạn" and i1["Số ngày quá hạn"] is None and i1["% hoàn thành"] == 0
    assert "Sở Tài chính" in i1["Cơ quan phối hợp"]
    _title, later = download(office, f"agency={nn}&as_of=2020-02-05")
    i1 = next(r for r in later if r["Mã"] == "I.1")
    assert i1["Trạng thái"] == "quá hạn" and i1["Số ngày quá hạn"] == 5


def test_an_overdue_filter_exports_only_overdue_rows(office: Browserless, world: World) -> None:
    query = "status=qua_han&as_of=2020-05-15&role="
    title, rows = download(office, query)
    assert "Tình trạng: quá hạn" in title and title.endswith("(tính đến ngày 15/05/2020)")
    assert rows and len(rows) == total(office.get(f"/tasks?{query}").text)
    assert {r["Trạng thái"] for r in rows} == {"quá hạn"}
    as_of = datetime(2020, 5, 15)  # noqa: DTZ001 - naive, as the spreadsheet's due dates it is compared with
    assert all(r["Số ngày quá hạn"] == (as_of - r["Hạn hoàn thành"]).days > 0 for r in rows)
    _title, everything = download(office, "as_of=2020-05-15&role=")
    assert len(everything) > len(rows) and {r["Trạng thái"] for r in everything} > {"quá hạn"}


def test_the_file_is_named_after_the_day_in_utf_8_and_ascii(office: Browserless, world: World) -> None:
    r = office.get("/tasks.xlsx")
    assert r.headers["content-disposition"] == \
        "attachment; filename=\"nhiem-vu-2020-01-25.xlsx\"; filename*=UTF-8''nhiem-vu-2020-01-25.xlsx"
    r = office.get(f"/tasks.xlsx?agency={world.agency_id('snnptnt')}&as_of=05/02/2020")
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"nhiem-vu-So Nong nghiep va Phat trien nong thon-2020-02-05.xlsx\"; "
        f"filename*=UTF-8''{quote(f'nhiem-vu-{NN}-2020-02-05.xlsx', safe='')}")


def test_a_viewer_may_export_too(client: Browserless) -> None:
    client.login(*VIEWER)
    r = client.get("/tasks.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX


def test_a_signed_out_request_is_sent_to_the_sign_in_page(anonymous: Browserless) -> None:
    r = anonymous.get("/tasks.xlsx?role=", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/tasks.xlsx%3Frole%3D"
    assert not r.content.startswith(b"PK")


def test_an_agency_link_cannot_export(client: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    token = world.token("snnptnt")
    assert client.get(f"/a/{token}").status_code == 200  # the link itself works
    for r in (client.get(f"/tasks.xlsx?agency={nn}&token={token}", follow_redirects=False),
              client.get(f"/tasks.xlsx?agency={nn}", headers={"Authorization": f"Bearer {token}"},
                         follow_redirects=False)):
        assert r.status_code in (303, 401, 403) and r.headers.get("content-type") != XLSX
        assert not r.content.startswith(b"PK")


def test_a_bad_filter_gets_the_list_s_message(office: Browserless) -> None:
    r = office.get("/tasks.xlsx?quarter=2020-Q7")
    assert r.status_code == 400 and "Quý" in r.text and "2020-Q2" in r.text
    assert r.text.split("<main", 1)[-1].count("2020-Q7") == office.get("/tasks?quarter=2020-Q7").text.split(
        "<main", 1)[-1].count("2020-Q7")
    assert office.get("/tasks.xlsx?status=gi-do").status_code == 400
    assert office.get("/tasks.xlsx?as_of=31/02/2020").status_code == 400


def test_a_list_longer_than_the_limit_is_refused_with_a_message(office: Browserless,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.listing.MAX_ROWS", 5)
    r = office.get("/tasks.xlsx?role=")
    assert r.status_code == 400 and "quá giới hạn 5 dòng" in r.text and "hãy lọc thêm" in r.text
    assert office.get("/tasks.xlsx?q=phan+bo+nguon+von").status_code == 200  # a short list still goes


def test_the_task_list_links_to_the_export_with_its_filters(office: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    page = office.get(f"/tasks?agency={nn}&role=&status=chua_den_han&page=2&per_page=5").text
    [href] = re.findall(r'href="([^"]*)"[^>]*>Tải Excel', page)
    href = href.replace("&amp;", "&")
    assert href == f"/tasks.xlsx?agency={nn}&role=&status=chua_den_han"
    listed = total(page)
    _title, rows = download(office, href.split("?", 1)[1])
    assert len(rows) == listed and {r["Cơ quan, đơn vị"] for r in rows} == {NN}
    assert {r["Vai trò"] for r in rows} == {"Chủ trì", "Phối hợp"}


def test_the_agency_page_links_to_the_export_of_its_tasks_in_both_roles(office: Browserless, world: World) -> None:
    nn = world.agency_id("snnptnt")
    page = office.get(f"/agencies/{nn}?as_of=2020-02-05").text
    [href] = re.findall(r'href="([^"]*)"[^>]*>Tải Excel', page)
    href = href.replace("&amp;", "&")
    assert href == f"/tasks.xlsx?as_of=2020-02-05&agency={nn}&role="
    title, rows = download(office, href.split("?", 1)[1])
    assert len(rows) == total(page) and {r["Vai trò"] for r in rows} == {"Chủ trì", "Phối hợp"}
    assert NN in title and "(tính đến ngày 05/02/2020)" in title
    lead_only = office.get(f"/agencies/{nn}?role=lead&status=qua_han").text
    [href] = re.findall(r'href="([^"]*)"[^>]*>Tải Excel', lead_only)
    assert href.replace("&amp;", "&") == f"/tasks.xlsx?role=lead&status=qua_han&agency={nn}"
