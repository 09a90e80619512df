"""The workbook (every assignment, one sheet per section) and the web page (same content, escaped)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.parse import parse_plan
from tasks.importing.readers import read_document
from tasks.indicators.targets import extract_indicators, progress
from tasks.reports.content import NarrativeExcerpt, ReportData, build_content
from tasks.reports.figures import AssignmentFact, compute
from tasks.reports.render.docx import render_docx
from tasks.reports.render.html import render_html
from tasks.reports.render.xlsx import render_xlsx, sheet_title
from tasks.reports.sections import NO_INDICATORS
from tests.conftest import PLANS
from tests.tasks.reports.test_report_docx import H1, report
from tests.tasks.reports.test_report_figures import AS_OF, fact

ROOT = Path(__file__).resolve().parents[3]


def workbook(data: ReportData) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(data)))


def test_the_workbook_has_one_sheet_per_section_with_a_filter_and_a_frozen_header() -> None:
    wb = workbook(report())
    assert wb.sheetnames == ["Nhiệm vụ I", "Nhiệm vụ II", "Nhiệm vụ III"]
    for ws in wb.worksheets:
        assert ws.auto_filter.ref == f"A1:K{ws.max_row}"
        assert ws.freeze_panes == "A2"
        assert ws["A1"].value == "Mã nhiệm vụ" and ws["I1"].value == "Tình trạng"


def test_every_live_assignment_is_listed_with_its_status_on_the_cut_off() -> None:
    wb = workbook(report())
    rows = [row for ws in wb.worksheets for row in ws.iter_rows(min_row=2, values_only=True)]
    listed = {(r[0], r[2], r[3]): r for r in rows}
    assert len(rows) == 8  # 7 lead + 1 coordinating; the cancelled ones are left out
    assert listed[("I.1", "Sở Tài chính", "Phối hợp")][8] == "quá hạn"
    assert listed[("I.4", "UBND huyện Tân Yên", "Chủ trì")][8:11] == ("quá hạn", 123, 2)
    assert listed[("I.2", "Sở Nông nghiệp và Phát triển nông thôn", "Chủ trì")][8] == "hoàn thành quá hạn"
    assert listed[("III.1", "UBND huyện Tân Yên", "Chủ trì")][4] is None


def test_dates_are_real_dates_shown_day_month_year() -> None:
    ws = workbook(report())["Nhiệm vụ I"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "I.2")
    due, done = row[4], row[6]
    assert isinstance(due.value, datetime) and due.value.date() == date(2020, 3, 31)
    assert done.value.date() == date(2020, 4, 15)
    assert due.number_format == done.number_format == "dd/mm/yyyy"


def test_a_completion_after_the_cut_off_is_not_shown_as_done() -> None:
    later = [fact(1, "I.4", "UBND huyện Tân Yên", date(2020, 2, 28), date(2021, 3, 1))]
    ws = workbook(
        report(facts=later, figures=compute(later, period_start=H1.start, period_end=H1.end, as_of=AS_OF))
    ).active
    values = [c.value for c in ws[2]]
    assert values[6] is None and values[8] == "quá hạn"


def test_sheet_titles_are_legal_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("Nhiệm vụ trong Quý I/2020", taken) == "Nhiệm vụ trong Quý I-2020"
    long = "Nhiệm vụ thường xuyên của các Sở, ngành và địa phương"
    first, second = sheet_title(long, taken), sheet_title(long, taken)
    assert len(first) == len(second) == 31 and first != second
    assert sheet_title(None, taken) == "Nhiệm vụ chung"


def test_user_text_with_markup_and_control_characters_survives_the_workbook() -> None:
    odd = [replace(fact(1, "I.1", 'Sở <A> & "B"', date(2020, 3, 31)), content="Nội dung <b>x</b> & y\x07 z")]
    data = report(facts=odd, figures=compute(odd, period_start=H1.start, period_end=H1.end, as_of=AS_OF))
    row = [c.value for c in workbook(data).active[2]]
    assert row[1:3] == ["Nội dung <b>x</b> & y z", 'Sở <A> & "B"']


def test_an_empty_plan_still_gives_a_workbook_with_its_header() -> None:
    empty = report(facts=[], figures=compute([], period_start=H1.start, period_end=H1.end, as_of=AS_OF))
    wb = workbook(empty)
    assert wb.sheetnames == ["Nhiệm vụ chung"]
    assert wb.active.max_row == 1 and wb.active.auto_filter.ref == "A1:K1"


# --- HTML --------------------------------------------------------------------------------------


def test_the_page_shows_the_same_sections_tables_and_charts_as_the_document() -> None:
    page = render_html(report())
    content = build_content(report())
    for text in (content.title, content.subtitle, content.place_date, *(s.title for s in content.sections)):
        assert text in page
    assert "<td>Sở Nông nghiệp và Phát triển nông thôn</td>" in page
    assert page.count("data:image/png;base64,") == 2
    assert '<html lang="vi">' in page and "Nơi nhận:" in page


def test_the_page_escapes_user_text() -> None:
    evil = "<script>alert('x')</script> & <b>đậm</b>"
    data = report(
        narratives=[NarrativeExcerpt("Sở <Tài chính>", "I.3", evil, date(2020, 6, 12))],
        missing_reports=["UBND <huyện> X"],
    )
    page = render_html(data)
    assert "<script>" not in page and "<b>đậm</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in page
    assert "Sở &lt;Tài chính&gt;" in page and "UBND &lt;huyện&gt; X" in page


def test_the_page_says_when_a_plan_has_no_indicators() -> None:
    assert NO_INDICATORS in render_html(report(indicators=[]))


# --- the real Bắc Giang plan -------------------------------------------------------------------


def test_the_bac_giang_plan_renders_in_all_three_formats() -> None:
    doc = read_document(PLANS / "bac-giang-552-kh-bcd-2020.txt")
    parsed = parse_plan(doc, AgencyDirectory.load(ROOT / "config" / "agencies"), source_name="bac-giang.txt")
    facts: list[AssignmentFact] = []
    for t in parsed.tasks:
        done = t.due_date is not None and t.due_date.month <= 3  # the first quarter's tasks were done on time
        for role, agencies in (("lead", t.lead), ("coordinating", t.coordinating)):
            for a in agencies:
                facts.append(
                    AssignmentFact(
                        assignment_id=len(facts) + 1,
                        task_ref=t.row.ref,
                        section=t.row.section,
                        content=t.row.content,
                        agency_name=a.name,
                        role=role,
                        due_date=t.due_date,
                        original_due_date=t.due_date,
                        completed_on=t.due_date if done else None,
                        status="done" if done else "open",
                        plan_code=parsed.code,
                    )
                )
    indicators = extract_indicators(doc, plan_year=parsed.year, title=parsed.meta.title)
    data = report(
        plan_code=parsed.code,
        plan_title=parsed.meta.title,
        plan_issuer=parsed.meta.issuer,
        plan_issued_on=parsed.meta.issued_on,
        facts=facts,
        figures=compute(facts, period_start=H1.start, period_end=H1.end, as_of=AS_OF),
        indicators=progress(indicators, [], as_of=AS_OF),
    )
    assert data.figures.total > 100
    wb = workbook(data)
    assert any(re.match(r"Nhiệm vụ trong Quý I", name) for name in wb.sheetnames)
    assert sum(ws.max_row - 1 for ws in wb.worksheets) == len(facts)
    page = render_html(data)
    assert "Huyện Sơn Động" in page and "Bình quân tiêu chí/xã" in page
    assert len(render_docx(data)) > 20_000
