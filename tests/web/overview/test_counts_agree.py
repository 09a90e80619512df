"""One definition of each count: every card and every linked number on the overview, a plan page,
an agency page and an agency's own page opens a list with exactly that many rows.

The plan's tasks and the agencies' period-report duties are counted apart everywhere: the
overview's "quá hạn" card once opened a list that also held the overdue report duties (25 on
the card, 190 rows), the task list opened on report duties, and a plan page showed "0/0 (0%)"
for the report duties four agencies had sent. Two provinces' plans, sent and unsent reports,
done and late tasks, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from datetime import date

import pytest
from sqlmodel import Session, select

from flows.importing.flow import import_plan
from models.auth.users import add_user
from models.core.db import session_scope
from models.core.report_tables import REPORT_SOURCE
from models.core.tables import CANCELLED, LEAD, Assignment, Plan, Task
from models.progress.updates import record_progress
from models.reports.submissions import submit_period_report
from tasks.escalation.status import Status, classify
from tests.conftest import PLANS
from tests.web.conftest import Browserless, World

AS_OF = date(2020, 7, 20)  # the 2020-H1 reports were due on 15/06: some sent on time, one late, most overdue
DAY = AS_OF.isoformat()
SENT_ON_TIME = ("snnptnt", "stc", "ubnd-huyen-luc-ngan", "ubnd-huyen-viet-yen")
SENT_LATE = ("sxd",)

CARD = re.compile(r'<li class="card [a-z-]+">\s*<a href="([^"]+)">\s*<span class="num">(\d+)</span>', re.S)
ROW = re.compile(r'<tr class="(?:not-due|due-soon|overdue|done|done-late|no-deadline)">')


@pytest.fixture
def data(world: World) -> World:
    """Bắc Giang's plan and Bến Tre's (report duties every half year), reports sent and tasks done."""
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    with session_scope(world.engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == "552/KH-BCĐ")).one()
        for key, on in [*((k, date(2020, 6, 10)) for k in SENT_ON_TIME), *((k, date(2020, 7, 1)) for k in SENT_LATE)]:
            submit_period_report(s, plan=plan, period="2020-H1", agency=world.agency_id(key), summary="Đã thực hiện.",
                                 actor="test", source="test", on=on)
        for ref, key, on in (("I.1", "snnptnt", date(2020, 1, 30)), ("I.2", "ubnd-huyen-hiep-hoa", date(2020, 3, 3))):
            a = s.get(Assignment, world.assignment(ref, key).id)
            record_progress(s, assignment=a, status="done", percent=100, note="xong", on=on,  # type: ignore[arg-type]
                            actor="test", source="test")
    return world


@pytest.fixture
def national(client: Browserless, data: World) -> Browserless:
    """A national account: it reads both provinces (an office account reads its own province's
    rows, its cards and lists alike: tests/web/overview/test_province_figures.py)."""
    with session_scope(data.engine) as s:
        add_user(s, email="quocgia@bo.example", role="national", password="mat-khau-quoc-gia", actor="test")
    client.login("quocgia@bo.example", "mat-khau-quoc-gia")
    return client


def _get(c: Browserless, url: str) -> str:
    r = c.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.text


def _rows(c: Browserless, href: str) -> int:
    """The rows of the list ``href`` opens, page after page, checked against the total the page states."""
    shown, stated, page_no = 0, None, 1
    while True:
        page = _get(c, f"{href}&per_page=200&page={page_no}")
        table = page.split('<table class="grid tasks">', 1)[1].split("</table>", 1)[0]
        found = len(ROW.findall(table))
        total = re.search(r"(\d+) dòng", page)
        assert total is not None and stated in (None, int(total.group(1))), href
        stated, shown = int(total.group(1)), shown + found
        if not found or shown >= stated:
            break
        page_no += 1
    assert shown == stated, href
    return shown


def _cards(page: str) -> list[tuple[str, int]]:
    return [(htmllib.unescape(href), int(n)) for href, n in CARD.findall(page)]


def _check(c: Browserless, links: list[tuple[str, int]]) -> None:
    assert links
    wrong = {href: (n, got) for href, n in links if (got := _rows(c, href)) != n}
    assert not wrong, f"card number != rows of its list: {wrong}"


def _expected(world: World, *, duties: bool, plan: str | None = None, agency: int | None = None) -> Counter[Status]:
    """Lead assignments by status as tasks.escalation.status.classify puts them, row by row in Python."""
    with Session(world.engine) as s:
        q = select(Assignment, Task.source).join(Task, Task.id == Assignment.task_id).join(  # type: ignore[arg-type]
            Plan, Plan.id == Task.plan_id).where(Assignment.role == LEAD, Assignment.status != CANCELLED,  # type: ignore[arg-type]
                                                  Task.state == "active")
        if plan is not None:
            q = q.where(Plan.code == plan)
        if agency is not None:
            q = q.where(Assignment.agency_id == agency)
        rows = [a for a, source in s.exec(q).all() if (source == REPORT_SOURCE) == duties]
    return Counter(classify(due_date=a.due_date, completed_on=a.completed_on, as_of=AS_OF, done=a.status == "done")
                   for a in rows)


def test_every_card_of_the_overview_opens_a_list_of_exactly_its_number_of_rows(
    national: Browserless, data: World
) -> None:
    page = _get(national, f"/?as_of={DAY}")
    cards = _cards(page)
    _tasks, duties = page.split('id="bao-cao-dinh-ky"', 1)
    want = _expected(data, duties=True)
    assert dict(zip([href.split("status=")[1].split("&")[0] for href, _ in _cards(duties)],
                    [n for _, n in _cards(duties)], strict=True)) == \
        {s.value: want[s] for s in (Status.OVERDUE, Status.DUE_SOON, Status.NOT_DUE, Status.DONE_ON_TIME,
                                    Status.DONE_LATE)}
    assert want[Status.OVERDUE] > 0 and want[Status.DONE_ON_TIME] == 4 and want[Status.DONE_LATE] == 1
    # the late agencies' pills ("5 quá hạn") open their overdue tasks
    pills = [(htmllib.unescape(h), int(n)) for h, n in re.findall(
        r'<a href="(/agencies/\d+\?[^"]+)">[^<]+</a>\s*<span class="pill overdue">(\d+) quá hạn</span>', page)]
    assert pills
    _check(national, cards + pills)


def test_the_overview_counts_the_plans_tasks_as_classify_does_and_report_duties_apart(
    national: Browserless, data: World
) -> None:
    page = _get(national, f"/?as_of={DAY}")
    tasks, duties = page.split('id="bao-cao-dinh-ky"', 1)
    by_status = {href.split("status=")[1].split("&")[0]: n for href, n in _cards(tasks)}
    want = _expected(data, duties=False)
    assert by_status == {s.value: want[s] for s in Status}
    assert "quá hạn, chưa gửi" in duties and "đã gửi đúng hạn" in duties


def test_every_number_of_a_plan_page_opens_a_list_of_exactly_that_many_rows(office: Browserless, data: World) -> None:
    with Session(data.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "552/KH-BCĐ")).one()
    page = _get(office, f"/plans/{plan_id}?as_of={DAY}")
    links = _cards(page)
    # the sections' overdue numbers, and each period's sent and overdue reports
    links += [(htmllib.unescape(h), int(n))
              for h, n in re.findall(r'<a class="overdue-age" href="([^"]+)">(\d+)</a>', page)]
    periods = [(htmllib.unescape(h), int(n), int(total)) for h, n, total in
               re.findall(r'<a href="(/tasks\?task=[^"]+)">(\d+)/(\d+)</a>', page)]
    assert len(periods) == 2  # 2020-H1 and 2020
    links += [(href, total) for href, _sent, total in periods]
    _check(office, links)
    want = _expected(data, duties=False, plan="552/KH-BCĐ")
    assert sorted(n for _, n in _cards(page)) == sorted(want[s] for s in Status)


def test_a_plan_page_counts_the_report_duties_sent_per_period_not_zero_of_zero(
    office: Browserless, data: World
) -> None:
    with Session(data.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "552/KH-BCĐ")).one()
        owing = len(s.exec(select(Assignment.id).join(Task, Task.id == Assignment.task_id).where(  # type: ignore[arg-type]
            Task.plan_id == plan_id, Task.ref == "BC.2020-H1", Assignment.status != CANCELLED)).all())
    page = _get(office, f"/plans/{plan_id}?as_of={DAY}")
    sections, duties = page.split('id="bao-cao-dinh-ky"', 1)
    assert "Báo cáo định kỳ" not in sections.split("<tbody>", 1)[1]  # not a section of plan tasks showing 0/0
    h1 = duties.split("6 tháng đầu năm 2020", 1)[1].split("</tr>", 1)[0]
    assert f">5/{owing}</a>" in h1  # four on time, one late
    assert f">{owing - 5}</a>" in h1  # the others overdue
    task = re.search(r"task=(\d+)", h1).group(1)  # type: ignore[union-attr]
    sent = _get(office, f"/tasks?task={task}&kind=report&role=lead&as_of={DAY}&per_page=200")
    assert sent.count('class="badge done"') == 4 and sent.count('class="badge done-late"') == 1


def test_every_card_of_an_agency_page_and_of_its_own_link_page_opens_exactly_its_rows(
    office: Browserless, data: World
) -> None:
    nn = data.agency_id("snnptnt")
    page = _get(office, f"/agencies/{nn}?as_of={DAY}")
    links = _cards(page)
    duty_links = [(htmllib.unescape(h), int(n)) for h, n in re.findall(
        r'<a (?:class="overdue-age" )?href="(/agencies/\d+\?kind=report[^"]*)">(\d+)[^<]*</a>', page)]
    assert len(duty_links) == 1  # its reports to send (none overdue: it sent the first on time)
    assert duty_links[0][1] == sum(_expected(data, duties=True, agency=nn).values())
    links += duty_links
    token = data.token("ubnd-huyen-hiep-hoa")
    own = _get(office, f"/a/{token}?as_of={DAY}")
    links += _cards(own)
    assert len(links) == 6 + 1 + 6
    _check(office, links)
    late = data.agency_id("ubnd-huyen-hiep-hoa")
    late_page = _get(office, f"/agencies/{late}?as_of={DAY}")
    overdue = [(htmllib.unescape(h), int(n)) for h, n in re.findall(
        r'<a class="overdue-age" href="(/agencies/\d+\?kind=report[^"]*)">(\d+)', late_page)]
    assert overdue == [(f"/agencies/{late}?kind=report&role=lead&status=qua_han&as_of={DAY}", 1)]
    _check(office, overdue)


def test_the_task_list_opens_on_the_plans_tasks_and_lists_report_duties_apart(
    national: Browserless, data: World
) -> None:
    plain = _get(national, f"/tasks?as_of={DAY}&per_page=200")
    assert "BC.2020" not in plain
    total = int(re.search(r"(\d+) dòng", plain).group(1))  # type: ignore[union-attr]
    assert total == sum(_expected(data, duties=False).values())
    duties = _get(national, f"/tasks?kind=report&as_of={DAY}&per_page=200")
    assert "BC.2020-H1" in duties and int(re.search(r"(\d+) dòng", duties).group(1)) == sum(  # type: ignore[union-attr]
        _expected(data, duties=True).values())
    both = _get(national, f"/tasks?kind=&as_of={DAY}")
    assert int(re.search(r"(\d+) dòng", both).group(1)) == total + sum(_expected(data, duties=True).values())  # type: ignore[union-attr]
    assert national.get("/tasks?kind=other").status_code == 400


def test_every_overdue_number_of_the_ranking_opens_a_list_of_exactly_that_many_rows(
    office: Browserless, data: World
) -> None:
    with Session(data.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "552/KH-BCĐ")).one()
    overview = _get(office, f"/?as_of={DAY}")
    pills = {int(aid): int(n) for aid, n in re.findall(
        r'<a href="/agencies/(\d+)\?[^"]+">[^<]+</a>\s*<span class="pill overdue">(\d+) quá hạn</span>', overview)}
    for query in (f"/ranking?as_of={DAY}", f"/ranking?as_of={DAY}&plan={plan_id}"):
        page = _get(office, query)
        table = page.split('id="xep-hang"', 1)[1].split("</table>", 1)[0]
        found = re.findall(r'<a class="overdue-age" href="([^"]+)">(\d+)</a>', table)
        links = [(htmllib.unescape(h), int(n)) for h, n in found]
        assert links
        _check(office, links)
        if "plan=" not in query:  # the whole ranking: the overview's pills, agency by agency
            ranked = {int(re.search(r"agency=(\d+)", h).group(1)): n for h, n in links}  # type: ignore[union-attr]
            assert ranked == pills
    want = _expected(data, duties=False, plan="552/KH-BCĐ")
    plan_page = _get(office, f"/ranking?as_of={DAY}&plan={plan_id}").split('id="xep-hang"', 1)[1]
    shown = sum(int(n) for n in re.findall(r'<a class="overdue-age" href="[^"]+">(\d+)</a>', plan_page))
    assert shown == want[Status.OVERDUE]


def _pills(page: str) -> list[tuple[str, int]]:
    return [(htmllib.unescape(h), int(n)) for h, n in re.findall(
        r'<a href="(/agencies/\d+\?[^"]+)">[^<]+</a>\s*<span class="pill overdue">(\d+) quá hạn</span>', page)]


def test_the_overview_of_one_plan_counts_its_tasks_and_every_card_opens_exactly_its_rows(
    office: Browserless, data: World
) -> None:
    with Session(data.engine) as s:
        plan_id = s.exec(select(Plan.id).where(Plan.code == "552/KH-BCĐ")).one()
    page = _get(office, f"/?as_of={DAY}&plan={plan_id}")
    assert f'<option value="{plan_id}" selected>552/KH-BCĐ (Bắc Giang)</option>' in page
    tasks, _duties = page.split('id="bao-cao-dinh-ky"', 1)
    want = _expected(data, duties=False, plan="552/KH-BCĐ")
    shown = {href.split("status=")[1].split("&")[0]: n for href, n in _cards(tasks)}
    assert shown == {s.value: want[s] for s in Status}
    cards, pills = _cards(page), _pills(page)
    assert pills and all(f"plan={plan_id}" in href for href, _n in cards + pills)
    _check(office, cards + pills)
    assert f'href="/ranking?plan={plan_id}&amp;as_of={DAY}"' in page  # the ranking of the same plan


def test_a_national_account_chooses_a_province_and_every_card_opens_exactly_its_rows(data: World) -> None:
    from models.auth.users import add_user
    from web.app import create_app

    with session_scope(data.engine) as s:
        add_user(s, email="quocgia@bo.example.vn", role="national", password="mat-khau-quoc-gia", actor="test")
    with Browserless(create_app(today=lambda: AS_OF)) as c:
        c.login("quocgia@bo.example.vn", "mat-khau-quoc-gia")
        country = _get(c, f"/?as_of={DAY}")
        assert re.search(r'<option value="ben-tre" *>Bến Tre</option>', country)
        page = _get(c, f"/?as_of={DAY}&province=ben-tre")
        tasks, _duties = page.split('id="bao-cao-dinh-ky"', 1)
        want = _expected(data, duties=False, plan="1185/KH-UBND")  # Bến Tre's one plan
        assert {href.split("status=")[1].split("&")[0]: n for href, n in _cards(tasks)} == \
            {s.value: want[s] for s in Status}
        cards = _cards(page) + _pills(page)
        assert all("province=ben-tre" in href for href, _n in cards)
        _check(c, cards)
        assert c.get(f"/?as_of={DAY}&province=khong-co").status_code == 400
