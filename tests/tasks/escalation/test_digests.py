"""One letter per agency and day, stating its whole situation (pure: no database, no mail)."""

from __future__ import annotations

from datetime import date, timedelta

from tasks.escalation.digests import Digest, NoticeView, group_digests
from tasks.escalation.situation import LatestReport, SituationItem, agency_situation, oversight_situation

AS_OF = date(2020, 3, 7)
NN, STC = "Sở Nông nghiệp và Phát triển nông thôn", "Sở Tài chính"


def notice(n: int, *, kind: str = "escalation", level: int = 1, role: str = "lead", recipient: str = "nn@x.example",
           recipient_role: str = "lead", due: date = date(2020, 2, 1), agency_id: int = 1,
           agency_name: str = NN) -> NoticeView:
    return NoticeView(notice_id=n, kind=kind, level=level, seq=0, due_date=due, recipient=recipient,
                      recipient_name=agency_name if recipient_role == "lead" else "Lãnh đạo UBND tỉnh",
                      recipient_role=recipient_role, plan_code="552/KH-BCĐ", ref=f"I.{n}", content=f"Việc {n}",
                      task_id=n, agency_id=agency_id, agency_name=agency_name, role=role, lead_names=())


def item(n: int, *, due: date | None, role: str = "lead", agency_id: int = 1, agency_name: str = NN,
         level: int = 0, report: LatestReport | None = None) -> SituationItem:
    return SituationItem(assignment_id=100 + n, task_id=n, agency_id=agency_id, agency_name=agency_name, role=role,
                         plan_code="552/KH-BCĐ", ref=f"I.{n}", content=f"Việc {n}", due_date=due, level=level,
                         report=report, coordinating_names=("Sở Tài chính,", "VPĐP", ""))


def link(n: NoticeView) -> str:
    if n.recipient_role in ("office", "leadership"):
        return f"/tasks/{n.task_id}"
    return f"/a/t{n.agency_id}/tasks/{n.task_id}"


def test_an_agencys_reminder_and_escalation_of_one_day_make_one_letter_at_the_escalation_level() -> None:
    notices = [notice(1, kind="reminder", level=7, due=AS_OF + timedelta(days=7)), notice(2, level=2),
               notice(3, kind="coordination_reminder", level=7, role="coordinating")]
    [letter] = group_digests(notices)
    assert letter.kind == "escalation_digest" and letter.level == 2 and letter.notice_ids == [1, 2, 3]


def test_reminders_alone_make_a_reminder_letter_and_the_reports_stay_apart() -> None:
    notices = [notice(1, kind="reminder", level=7), notice(2, level=3, recipient="ld@x.example",
                                                           recipient_role="leadership")]
    kinds = {d.recipient: (d.kind, d.level) for d in group_digests(notices)}
    assert kinds == {"nn@x.example": ("reminder_digest", 0), "ld@x.example": ("escalation_report", 3)}


def test_a_reminder_sent_by_hand_for_an_overdue_task_makes_an_escalation_letter_at_its_level() -> None:
    [letter] = group_digests([notice(1, kind="manual_reminder", level=3)])
    assert (letter.kind, letter.level) == ("escalation_digest", 3)
    [early] = group_digests([notice(1, kind="manual_reminder", level=0, due=AS_OF + timedelta(days=30))])
    assert (early.kind, early.level) == ("reminder_digest", 0)


def test_the_letter_counts_every_overdue_task_of_the_agency_not_only_the_noticed_ones() -> None:
    reported = LatestReport(reported_on=date(2020, 3, 1), status="in_progress", percent=60, note="Đang trình")
    items = [item(n, due=date(2020, 2, n), level=3 if n < 3 else 2, report=reported if n == 4 else None)
             for n in range(1, 6)]
    items.append(item(6, due=AS_OF + timedelta(days=3)))
    situation = agency_situation(items, as_of=AS_OF, in_window=lambda i: True)
    letter = Digest(recipient="nn@x.example", recipient_name=NN, kind="escalation_digest",
                    notices=[notice(2, level=3)], situation=situation)
    ctx = letter.context(as_of=AS_OF, office_name="Văn phòng", base_url="http://x", link=link)
    assert ctx["summary"] == "5 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn"
    assert [i["ref"] for i in ctx["overdue"]] == ["I.1", "I.2", "I.3", "I.4", "I.5"]  # oldest first
    fourth = ctx["overdue"][3]
    assert fourth["report"] == "đã báo cáo 60% ngày 01/03/2020" and fourth["report_note"] == "Đang trình"
    assert ctx["overdue"][0]["report"] == "chưa báo cáo kết quả"
    assert fourth["coordinating"] == "Sở Tài chính, VPĐP" and fourth["link"] == "/a/t1/tasks/4"
    assert ctx["level"] == 3 and [i["ref"] for i in ctx["due_soon"]] == ["I.6"]


def test_a_task_due_later_is_listed_only_when_a_notice_is_about_it_and_one_without_a_due_date_says_so() -> None:
    items = [item(1, due=AS_OF + timedelta(days=40)), item(2, due=AS_OF + timedelta(days=50)), item(3, due=None),
             item(4, due=AS_OF + timedelta(days=2))]
    s = agency_situation(items, as_of=AS_OF, in_window=lambda i: (i.days_left(AS_OF) or 0) <= 7, noticed=[101, 103])
    assert [i.ref for i in s.later] == ["I.1", "I.3"] and [i.ref for i in s.due_soon] == ["I.4"] and not s.overdue
    letter = Digest(recipient="nn@x.example", recipient_name=NN, kind="reminder_digest",
                    notices=[notice(1, kind="manual_reminder", level=0)], situation=s)
    ctx = letter.context(as_of=AS_OF, office_name="Văn phòng", base_url="http://x", link=link)
    assert ctx["summary"] == "1 nhiệm vụ sắp đến hạn, 1 nhiệm vụ chưa đến hạn, 1 nhiệm vụ không có thời hạn"
    assert [i["no_deadline"] for i in ctx["later"]] == [False, True]


def test_the_report_lists_every_overdue_lead_task_by_agency_worst_first_with_the_office_link() -> None:
    items = [item(1, due=date(2020, 2, 1)), item(2, due=date(2020, 2, 2), agency_id=2, agency_name=STC),
             item(3, due=date(2020, 2, 3), agency_id=2, agency_name=STC),
             item(4, due=date(2020, 2, 4), role="coordinating"), item(5, due=AS_OF)]
    s = oversight_situation(items, as_of=AS_OF)
    assert [(name, [i.ref for i in rows]) for name, rows in s.agencies] == [(STC, ["I.2", "I.3"]), (NN, ["I.1"])]
    report = Digest(recipient="ld@x.example", recipient_name="Lãnh đạo UBND tỉnh", kind="escalation_report",
                    notices=[notice(1, level=3, recipient="ld@x.example", recipient_role="leadership")], situation=s)
    ctx = report.context(as_of=AS_OF, office_name="Văn phòng", base_url="http://x", link=link)
    assert len(ctx["items"]) == 3 and ctx["audience"] == "leadership" and ctx["items"][0]["link"] == "/tasks/2"
