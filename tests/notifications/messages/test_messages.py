"""Rendering of notification messages (no network)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jinja2
import pytest

from notifications import KINDS, OutgoingMessage, make_message, render, stable_message_id
from tasks.common.dates import fmt_date, fmt_days, local_now, local_today
from tasks.escalation.digests import ExtensionView

AGENCY = "Sở Nông nghiệp và Phát triển nông thôn"
OFFICE = "Văn phòng Điều phối nông thôn mới tỉnh"
BASE_URL = "https://dondoc.bacgiang.example"
TEMPLATES = Path(__file__).resolve().parents[3] / "notifications" / "messages" / "templates"


def _item(**values) -> dict:
    """One task as the letters get it (tasks.escalation.situation.item_context)."""
    item = {"role": "lead", "leads": "", "coordinating": "", "level": 0, "no_deadline": False, "report_duty": False,
            "report": "chưa báo cáo kết quả", "report_note": "", "reported": False, "agency_name": AGENCY}
    item.update(values)
    if "days_left" in item:
        item.setdefault("days_overdue", -item["days_left"])
    return item


def reminder_items() -> list[dict]:
    return [
        _item(plan_code="552/KH-BCĐ", ref="I.1",
              content="Rà soát, đánh giá thực trạng các tiêu chí xã nông thôn mới nâng cao",
              due_date=date(2025, 3, 5), days_left=3, role="lead", lead_names=[AGENCY],
              coordinating="Sở Tài chính, Văn phòng Điều phối nông thôn mới tỉnh", link="/tasks/101"),
        _item(plan_code="552/KH-BCĐ", ref="II.3", content="Xây dựng phương án hỗ trợ phát triển sản phẩm OCOP",
              due_date=date(2025, 3, 2), days_left=0, role="coordinating", lead_names=["Sở Tài chính"],
              leads="Sở Tài chính", link="/tasks/102"),
        _item(plan_code="87/KH-UBND", ref="III.2.a",
              content="Tổng hợp kết quả thực hiện Chương trình mục tiêu quốc gia", due_date=date(2025, 3, 12),
              days_left=10, role="coordinating", lead_names=["Sở Kế hoạch và Đầu tư", "Sở Tài chính"],
              leads="Sở Kế hoạch và Đầu tư, Sở Tài chính", link=f"{BASE_URL}/tasks/103"),
    ]


def overdue_items(level: int = 2) -> list[dict]:
    first, second = (dict(i) for i in reminder_items()[:2])
    first.update(days_left=-4, days_overdue=4, level=level, reported=True, report="đã báo cáo 60% ngày 20/02/2025",
                 report_note="Đã trình UBND tỉnh phương án phân bổ")
    second.update(days_left=-8, days_overdue=8, level=1)
    return [first, second]


def _base(**values) -> dict:
    ctx = {"recipient_name": AGENCY, "office_name": OFFICE, "as_of": date(2025, 3, 2), "base_url": BASE_URL}
    ctx.update(values)
    return ctx


def reminder_ctx(items: list[dict] | None = None, **overrides) -> dict:
    """An agency letter with tasks due soon only (``items``), unless ``overrides`` give other parts."""
    items = reminder_items() if items is None else items
    ctx = _base(overdue=[], due_soon=items, later=[], overdue_reports=0, summary=f"{len(items)} nhiệm vụ sắp đến hạn")
    ctx.update(overrides)
    return ctx


def escalation_ctx(level: int = 2, **overrides) -> dict:
    ctx = reminder_ctx(overdue=overdue_items(level), due_soon=[], summary="2 nhiệm vụ quá hạn", level=level)
    ctx.update(overrides)
    return ctx


def escalation_report_ctx(audience: str = "leadership", **overrides) -> dict:
    items = []
    for n, (item, agency) in enumerate(zip(reminder_items(), [AGENCY, "Sở Tài chính", AGENCY], strict=True), start=1):
        item = dict(item, agency_name=agency, days_left=-5 * n, days_overdue=5 * n, level=3 if n == 1 else 2,
                    role="lead")
        items.append(item)
    agencies = [{"name": AGENCY, "tasks": [items[0], items[2]]}, {"name": "Sở Tài chính", "tasks": [items[1]]}]
    ctx = _base(items=items, level=3, agencies=agencies, audience=audience,
                recipient_name="Lãnh đạo UBND tỉnh" if audience == "leadership" else OFFICE)
    ctx.update(overrides)
    return ctx


def extension(state: str, *, note: str | None = None) -> ExtensionView:
    return ExtensionView(current_due_date=date(2025, 3, 5), requested_due_date=date(2025, 4, 30),
                         reason="Chờ ý kiến của Bộ Nông nghiệp\nvề hướng dẫn tiêu chí", state=state, decision_note=note)


def extension_request_ctx(**overrides) -> dict:
    item = dict(reminder_items()[0], agency_name=AGENCY, extension=extension("pending"))
    ctx = _base(items=[item], recipient_name=OFFICE)
    ctx.update(overrides)
    return ctx


def extension_decision_ctx(**overrides) -> dict:
    approved = dict(reminder_items()[0], agency_name=AGENCY, extension=extension("approved"))
    rejected = dict(reminder_items()[1], agency_name=AGENCY,
                    extension=extension("rejected", note="Đề nghị hoàn thành đúng hạn để kịp tổng hợp."))
    ctx = _base(items=[approved, rejected])
    ctx.update(overrides)
    return ctx


def report_ctx(**overrides) -> dict:
    ctx = {
        "plan_code": "552/KH-BCĐ",
        "period_label": "quý I/2025",
        "files": ["bao-cao-quy-I-2025.docx", "phu-luc-tien-do.xlsx"],
        "recipient_name": "Chánh Văn phòng Điều phối nông thôn mới tỉnh",
    }
    ctx.update(overrides)
    return ctx


def agency_link_ctx():
    """An agency's link mail (flows/agencies/links.py): asked for from the link page, after a
    revocation, or sent again by the office."""
    return {
        "recipient_name": "Sở Tài chính",
        "office_name": "Văn phòng Điều phối nông thôn mới tỉnh",
        "link": f"{BASE_URL}/a/tok123",
        "calendar_link": f"{BASE_URL}/agencies/7/calendar.ics?token=tok123",
        "valid_until": date(2025, 5, 1),
        "reason": "revoked",
        "base_url": BASE_URL,
    }


DOCUMENTED_CONTEXTS = {
    "reminder_digest": reminder_ctx,
    "escalation_digest": escalation_ctx,
    "escalation_report": escalation_report_ctx,
    "extension_request": extension_request_ctx,
    "extension_decision": extension_decision_ctx,
    "report_ready": report_ctx,
    "agency_link": agency_link_ctx,
}


# -- formatting ------------------------------------------------------------------


def test_fmt_date_writes_day_month_year_with_slashes():
    assert fmt_date(date(2025, 3, 5)) == "05/03/2025"
    assert fmt_date(date(2024, 12, 31)) == "31/12/2024"


def test_fmt_date_shows_an_aware_datetime_as_the_vietnamese_calendar_day():
    late_utc_evening = datetime(2025, 3, 4, 20, 0, tzinfo=UTC)  # 03:00 on the 5th in VN
    assert fmt_date(late_utc_evening) == "05/03/2025"


@pytest.mark.parametrize(
    ("days", "phrase"),
    [(3, "còn 3 ngày"), (1, "còn 1 ngày"), (0, "đến hạn hôm nay"), (-5, "quá hạn 5 ngày")],
)
def test_fmt_days_speaks_vietnamese(days, phrase):
    assert fmt_days(days) == phrase


def test_local_now_is_in_ho_chi_minh_time():
    now = local_now()
    assert now.utcoffset() == timedelta(hours=7)
    assert str(now.tzinfo) == "Asia/Ho_Chi_Minh"
    assert local_today() == now.date() or local_today() == now.date() + timedelta(days=1)


# -- templates ---------------------------------------------------------------------


def test_every_kind_has_its_three_templates_and_nothing_else_is_a_kind():
    kind_dirs = {p.name for p in TEMPLATES.iterdir() if p.is_dir()}
    assert kind_dirs == set(KINDS) == set(DOCUMENTED_CONTEXTS)
    for kind in KINDS:
        assert sorted(p.name for p in (TEMPLATES / kind).iterdir()) == [
            "body.html",
            "body.txt",
            "subject.txt",
        ]
    assert (TEMPLATES / "base.html").is_file()
    assert all(p.name.startswith("_") for p in TEMPLATES.glob("*.html") if p.name != "base.html")


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_kind_renders_with_strict_undefined_given_its_documented_context(kind):
    subject, text, html = render(kind, DOCUMENTED_CONTEXTS[kind]())
    # the subject speaks to a person: no software's tag in front
    assert "dondoc" not in subject and not subject.startswith("[")
    assert "\n" not in subject
    assert text.strip() and text.endswith("\n")
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert f"<title>{subject}</title>" in html


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_context_key_is_an_error_not_an_empty_string(kind):
    ctx = DOCUMENTED_CONTEXTS[kind]()
    for key in list(ctx):
        partial = {k: v for k, v in ctx.items() if k != key}
        with pytest.raises(jinja2.UndefinedError):
            render(kind, partial)


def test_an_unknown_kind_is_refused_before_touching_the_file_system():
    with pytest.raises(ValueError, match="unknown message kind"):
        render("../base", {})


def test_make_message_returns_an_outgoing_message_with_the_given_recipients_and_id():
    msg = make_message(
        "reminder_digest",
        ["snn@bacgiang.example"],
        reminder_ctx(),
        cc=["vpdp@bacgiang.example"],
        message_id="<abc@dondoc.example>",
    )
    assert isinstance(msg, OutgoingMessage)
    assert msg.to == ["snn@bacgiang.example"]
    assert msg.cc == ["vpdp@bacgiang.example"]
    assert msg.message_id == "<abc@dondoc.example>"
    assert msg.html is not None
    assert msg.headers["X-Dondoc-Kind"] == "reminder_digest"


# -- reminder digest ------------------------------------------------------------------


def test_the_reminder_subject_counts_the_tasks_and_names_the_agency():
    subject, _, _ = render("reminder_digest", reminder_ctx())
    assert subject == f"Nhắc việc: 3 nhiệm vụ sắp đến hạn – {AGENCY}"


@pytest.mark.parametrize("part", ["text", "html"])
def test_each_reminder_item_shows_plan_ref_content_due_date_days_left_and_link(part):
    _, text, html = render("reminder_digest", reminder_ctx())
    body = text if part == "text" else html
    assert body.count("Kế hoạch số 552/KH-BCĐ") == 2
    assert "Kế hoạch số 87/KH-UBND" in body
    for ref in ("I.1", "II.3", "III.2.a"):
        assert f"nhiệm vụ {ref}" in body
    assert "Rà soát, đánh giá thực trạng các tiêu chí xã nông thôn mới nâng cao" in body
    assert "05/03/2025" in body and "02/03/2025" in body and "12/03/2025" in body
    assert "còn 3 ngày" in body and "đến hạn hôm nay" in body and "còn 10 ngày" in body
    # relative links are made absolute, absolute ones kept
    assert f"{BASE_URL}/tasks/101" in body and f"{BASE_URL}/tasks/103" in body
    assert AGENCY in body and OFFICE in body


def test_coordinating_items_name_the_lead_agencies():
    _, text, html = render("reminder_digest", reminder_ctx())
    for body in (text, html):
        assert "phối hợp với Sở Tài chính" in body
        assert "phối hợp với Sở Kế hoạch và Đầu tư, Sở Tài chính" in body
        assert "chủ trì thực hiện" in body


def test_the_reminder_addresses_the_agency_as_an_official_notice():
    _, text, _ = render("reminder_digest", reminder_ctx())
    assert text.startswith(f"Kính gửi: {AGENCY}\n")
    assert "tính đến ngày 02/03/2025" in text
    assert text.rstrip().splitlines()[-1] == "Vui lòng không trả lời thư này."


# -- escalation digest ----------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_escalation_subject_states_the_level(level):
    subject, _, _ = render("escalation_digest", escalation_ctx(level))
    assert subject == f"Đôn đốc (cấp {level}): 2 nhiệm vụ quá hạn – {AGENCY}"


@pytest.mark.parametrize(
    ("level", "audience"),
    [
        (1, "được gửi đến cơ quan chủ trì"),
        (2, "báo cáo Thủ trưởng cơ quan"),
        (3, "báo cáo lãnh đạo UBND tỉnh"),
    ],
)
def test_the_escalation_body_says_who_is_informed_at_each_level(level, audience):
    _, text, html = render("escalation_digest", escalation_ctx(level))
    for body in (text, html):
        assert audience in body
        others = {"được gửi đến cơ quan chủ trì", "báo cáo Thủ trưởng cơ quan", "báo cáo lãnh đạo UBND tỉnh"}
        for other in others - {audience}:
            assert other not in body
    assert f"ĐÔN ĐỐC THỰC HIỆN NHIỆM VỤ QUÁ HẠN (CẤP {level})" in text
    assert (
        f"{OFFICE} đề nghị quý cơ quan khẩn trương hoàn thành và báo cáo kết quả thực hiện" in text
    )
    assert "khẩn trương hoàn thành và báo cáo kết quả" in html


@pytest.mark.parametrize("part", ["text", "html"])
def test_each_escalation_item_shows_days_overdue_and_its_level(part):
    _, text, html = render("escalation_digest", escalation_ctx(2))
    body = text if part == "text" else html
    assert "quá hạn 4 ngày" in body and "quá hạn 8 ngày" in body
    assert "05/03/2025" in body and "02/03/2025" in body
    assert re.search(r"[đĐ]ôn đốc cấp 2", body) and re.search(r"[đĐ]ôn đốc cấp 1", body)
    assert f"{BASE_URL}/tasks/101" in body


@pytest.mark.parametrize("part", ["text", "html"])
def test_an_overdue_task_shows_what_the_agency_last_reported_and_one_without_a_report_says_so(part):
    _, text, html = render("escalation_digest", escalation_ctx(2))
    body = text if part == "text" else html
    first, second = body.index("nhiệm vụ I.1"), body.index("nhiệm vụ II.3")
    assert "đã báo cáo 60% ngày 20/02/2025" in body[first:second]
    assert "Đã trình UBND tỉnh phương án phân bổ" in body[first:second]
    assert "chưa báo cáo kết quả" in body[second:] and "chưa báo cáo kết quả" not in body[first:second]
    # the opening no longer calls every overdue task unreported
    assert "nhưng chưa báo cáo kết quả thực hiện" not in body


@pytest.mark.parametrize("part", ["text", "html"])
def test_one_letter_lists_overdue_and_due_soon_tasks_each_under_its_heading(part):
    soon = reminder_items()[2:]
    ctx = escalation_ctx(3, due_soon=soon, summary="2 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn")
    subject, text, html = render("escalation_digest", ctx)
    assert subject == f"Đôn đốc (cấp 3): 2 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn – {AGENCY}"
    body = text if part == "text" else html
    late, near = body.upper().index("NHIỆM VỤ ĐÃ QUÁ THỜI HẠN (2)"), body.upper().index("NHIỆM VỤ SẮP ĐẾN HẠN (1)")
    assert late < body.index("nhiệm vụ I.1") < body.index("nhiệm vụ II.3") < near < body.index("nhiệm vụ III.2.a")
    assert "còn 10 ngày" in body[near:]


def test_a_reminder_letter_also_states_the_agencys_overdue_tasks():
    ctx = reminder_ctx(overdue=overdue_items(1), summary="2 nhiệm vụ quá hạn, 3 nhiệm vụ sắp đến hạn")
    subject, text, _ = render("reminder_digest", ctx)
    assert subject == f"Nhắc việc: 2 nhiệm vụ quá hạn, 3 nhiệm vụ sắp đến hạn – {AGENCY}"
    assert "I. NHIỆM VỤ ĐÃ QUÁ THỜI HẠN (2)" in text and "II. NHIỆM VỤ SẮP ĐẾN HẠN (3)" in text
    assert "khẩn trương hoàn thành các nhiệm vụ đã quá thời hạn" in text


@pytest.mark.parametrize("part", ["text", "html"])
def test_a_task_without_a_due_date_says_so(part):
    later = [dict(reminder_items()[0], due_date=None, days_left=0, no_deadline=True)]
    _, text, html = render("reminder_digest", reminder_ctx(due_soon=[], later=later,
                                                           summary="1 nhiệm vụ không có thời hạn"))
    body = text if part == "text" else html
    assert "không có thời hạn" in body.lower() and "đến hạn hôm nay" not in body and "quá hạn" not in body


def test_a_lead_task_names_its_coordinating_agencies_as_a_clean_list():
    _, text, html = render("reminder_digest", reminder_ctx())
    for body in (text, html):
        assert "chủ trì thực hiện; phối hợp: Sở Tài chính, Văn phòng Điều phối nông thôn mới tỉnh" in body


def test_files_in_the_context_travel_with_the_message_and_the_letter_mentions_them():
    files = [("cong-van-don-doc.docx", "application/octet-stream", b"PK")]
    msg = make_message("escalation_digest", ["snn@bacgiang.example"], escalation_ctx(2, attachments=files),
                       message_id="<f@dondoc.example>")
    assert msg.attachments == files
    assert "Kèm theo thư này là công văn đôn đốc (cong-van-don-doc.docx)" in msg.text
    assert "cong-van-don-doc.docx" in (msg.html or "")
    assert make_message("escalation_digest", ["snn@bacgiang.example"], escalation_ctx(2),
                        message_id="<g@dondoc.example>").attachments == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_message_names_the_software_instead_of_the_office(kind):
    subject, text, html = render(kind, DOCUMENTED_CONTEXTS[kind]())
    for part in (subject, text, html):
        assert "dondoc" not in part.replace(BASE_URL, "")


# -- escalation report (the office and the leadership) ---------------------------------


@pytest.mark.parametrize(("audience", "word"), [("leadership", "Báo cáo"), ("office", "Theo dõi")])
def test_the_escalation_report_subject_counts_tasks_and_agencies(audience, word):
    subject, _, _ = render("escalation_report", escalation_report_ctx(audience))
    recipient = "Lãnh đạo UBND tỉnh" if audience == "leadership" else OFFICE
    assert subject == f"{word} nhiệm vụ quá hạn (đôn đốc cấp 3): 3 nhiệm vụ của 2 cơ quan – {recipient}"


@pytest.mark.parametrize("part", ["text", "html"])
def test_the_escalation_report_names_each_late_agency_with_its_tasks(part):
    _, text, html = render("escalation_report", escalation_report_ctx("leadership"))
    body = text if part == "text" else html
    assert body.count(AGENCY) == 1 and body.count("Sở Tài chính") == 1  # one heading per agency
    first, second = body.index(AGENCY), body.index("Sở Tài chính")
    assert first < body.index("nhiệm vụ I.1") < body.index("nhiệm vụ III.2.a") < second < body.index("nhiệm vụ II.3")
    assert "quá hạn 5 ngày" in body and "quá hạn 15 ngày" in body and "quá hạn 10 ngày" in body
    # the leadership is informed and asked to direct, never told that it owes the tasks itself
    assert "quý cơ quan còn" not in body and "đề nghị lãnh đạo UBND tỉnh xem xét, chỉ đạo" in body


def test_the_office_copy_of_the_report_asks_it_to_keep_chasing():
    _, text, html = render("escalation_report", escalation_report_ctx("office"))
    for body in (text, html):
        assert "bản theo dõi" in body and "đề nghị lãnh đạo UBND tỉnh" not in body


# -- extensions ---------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["text", "html"])
def test_the_office_is_told_who_asks_for_which_new_date_and_why(part):
    subject, text, html = render("extension_request", extension_request_ctx())
    assert subject == f"Đề nghị gia hạn chờ xem xét: 1 nhiệm vụ – {OFFICE}"
    body = text if part == "text" else html
    assert AGENCY in body and "nhiệm vụ I.1" in body and "05/03/2025" in body and "30/04/2025" in body
    assert "Chờ ý kiến của Bộ Nông nghiệp" in body and f"{BASE_URL}/extensions" in body


@pytest.mark.parametrize("part", ["text", "html"])
def test_the_agency_is_told_each_decision_with_the_date_that_now_holds(part):
    subject, text, html = render("extension_decision", extension_decision_ctx())
    assert subject == f"Kết quả xem xét đề nghị gia hạn: 2 nhiệm vụ – {AGENCY}"
    body = text if part == "text" else html
    approved, rejected = body.index("nhiệm vụ I.1"), body.index("nhiệm vụ II.3")
    assert re.search(r"(?i)đồng ý gia hạn", body[approved:rejected]) and "30/04/2025" in body[approved:rejected]
    assert re.search(r"(?i)không đồng ý gia hạn", body[rejected:]) and "05/03/2025" in body[rejected:]
    assert "30/04/2025" not in body[rejected:]
    assert "Đề nghị hoàn thành đúng hạn để kịp tổng hợp." in body[rejected:]


# -- report ready -----------------------------------------------------------------------


def test_report_ready_lists_the_files():
    subject, text, html = render("report_ready", report_ctx())
    assert subject == "Báo cáo quý I/2025 – Kế hoạch số 552/KH-BCĐ đã sẵn sàng"
    for body in (text, html):
        assert "bao-cao-quy-I-2025.docx" in body and "phu-luc-tien-do.xlsx" in body
        assert OFFICE in body


# -- escaping and one-line subjects -----------------------------------------------------


def test_task_content_is_html_escaped_in_html_and_verbatim_in_text():
    items = reminder_items()
    items[0]["content"] = "<script>alert(1)</script> & \"trích dẫn\""
    _, text, html = render("reminder_digest", reminder_ctx(items=items))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;trích dẫn&#34;" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script> & \"trích dẫn\"" in text


def test_a_link_is_attribute_escaped_in_html():
    items = reminder_items()
    items[0]["link"] = '/tasks/1?a=1&b="x"'
    _, _, html = render("reminder_digest", reminder_ctx(items=items))
    assert 'href="https://dondoc.bacgiang.example/tasks/1?a=1&amp;b=&#34;x&#34;"' in html


def test_the_subject_is_collapsed_to_one_line():
    subject, _, _ = render(
        "reminder_digest", reminder_ctx(recipient_name="Sở Nông nghiệp\r\nBcc: attacker@evil.example")
    )
    assert subject == (
        "Nhắc việc: 3 nhiệm vụ sắp đến hạn – Sở Nông nghiệp Bcc: attacker@evil.example"
    )


# -- Message-ID --------------------------------------------------------------------------


def test_stable_message_id_is_the_same_for_the_same_notice_keys_in_any_order():
    a = stable_message_id(["notice:1", "notice:2", "notice:3"], "dondoc.bacgiang.example")
    b = stable_message_id(("notice:3", "notice:1", "notice:2"), "dondoc.bacgiang.example")
    assert a == b
    assert re.fullmatch(r"<[0-9a-f]{32}@dondoc\.bacgiang\.example>", a)


def test_stable_message_id_differs_for_different_notice_keys():
    base = stable_message_id(["notice:1", "notice:2"], "dondoc.bacgiang.example")
    assert stable_message_id(["notice:1"], "dondoc.bacgiang.example") != base
    assert stable_message_id(["notice:1", "notice:3"], "dondoc.bacgiang.example") != base
    # no ambiguity from joining keys
    assert stable_message_id(["ab", "c"], "x.example") != stable_message_id(["a", "bc"], "x.example")
    assert stable_message_id(["notice:1", "notice:2"], "other.example") != base


def test_stable_message_id_rejects_an_empty_key_set_and_a_bad_domain():
    with pytest.raises(ValueError, match="needs at least one notice key"):
        stable_message_id([], "dondoc.example")
    with pytest.raises(ValueError, match="invalid Message-ID domain"):
        stable_message_id(["k"], "evil>\r\nBcc: x@y")
