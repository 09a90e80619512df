"""Group outbox notices into one digest per recipient (pure: no database, no mail)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from tasks.escalation.situation import AgencySituation, OversightSituation, SituationItem, item_context
from tasks.escalation.wording import counts_phrase, join_names

# recipients who oversee the lead agency rather than do the work: they get a report naming the
# late agency (escalation_report), not a demand addressed to them as if the task were theirs
OVERSIGHT_ROLES = frozenset({"office", "leadership"})
# notices about an extension request: to the office when asked, to the agency when decided;
# each is a message of its own kind (the notice kind doubles as the message kind)
EXTENSION_REQUEST, EXTENSION_DECISION = "extension_request", "extension_decision"
EXTENSION_KINDS = (EXTENSION_REQUEST, EXTENSION_DECISION)
ESCALATION, MANUAL = "escalation", "manual_reminder"
AGENCY_LETTER = "agency"  # the family of an agency's (or its head's) one letter of the day


@dataclass(frozen=True)
class ExtensionView:
    """The extension request an ``extension_request``/``extension_decision`` notice is about."""

    current_due_date: date | None
    requested_due_date: date
    reason: str
    state: str  # pending | approved | rejected
    decision_note: str | None


@dataclass(frozen=True)
class NoticeView:
    """An outbox row joined with what the e-mail shows about its task."""

    notice_id: int
    kind: str
    level: int
    seq: int
    due_date: date
    recipient: str
    recipient_name: str
    recipient_role: str  # lead, lead_head, leadership, office, coordinating
    plan_code: str
    ref: str
    content: str
    task_id: int
    agency_id: int
    agency_name: str
    role: str
    lead_names: tuple[str, ...]
    extension: ExtensionView | None = None  # extension notices only


@dataclass
class Digest:
    """One message: a recipient's notices of a kind, and what the message says about them.

    The notices decide who gets a message and at which level; with ``situation`` set
    (models/escalation/situation.py fills it) the message states the recipient agency's whole
    situation, or for a report every overdue task of the plans the recipient follows, not only
    the tasks whose stage fell that day."""

    recipient: str
    recipient_name: str
    kind: str  # message kind: reminder_digest | escalation_digest | escalation_report | extension_*
    notices: list[NoticeView] = field(default_factory=list)
    situation: AgencySituation | OversightSituation | None = None
    office_name: str | None = None  # the signing office, when the notices name its province
    # files sent along (the công văn đôn đốc from level 2 on), made when the message is rendered
    attachments: Callable[[], list[tuple[str, str, bytes]]] | None = None

    @property
    def notice_ids(self) -> list[int]:
        return [n.notice_id for n in self.notices]

    @property
    def level(self) -> int:
        """The highest escalation level among the notices (0 for reminders only)."""
        return max((n.level for n in self.notices if escalates(n)), default=0)

    def keys(self) -> list[str]:
        """Stable notice keys: the digest's Message-ID is derived from them."""
        return [f"{n.notice_id}" for n in self.notices]

    def context(self, *, as_of: date, office_name: str, base_url: str, link: Any) -> dict[str, Any]:
        if self.office_name:
            office_name = self.office_name
        ctx: dict[str, Any] = {"recipient_name": self.recipient_name, "office_name": office_name, "as_of": as_of,
                               "base_url": base_url}
        if isinstance(self.situation, AgencySituation):
            ctx.update(self._agency_parts(self.situation, as_of=as_of, link=link))
        elif isinstance(self.situation, OversightSituation):
            ctx.update(self._oversight_parts(self.situation, as_of=as_of, link=link))
        else:
            ctx.update(self._notice_parts(as_of=as_of, link=link))
        if self.kind in ("escalation_digest", "escalation_report"):
            ctx["level"] = self.level
        if self.kind == "escalation_report":
            roles = {n.recipient_role for n in self.notices}
            ctx["audience"] = "leadership" if "leadership" in roles else "office"
        if self.attachments is not None:
            ctx["attachments"] = self.attachments()
        return ctx

    def _link_for(self, link: Any, task_id: int, agency_id: int) -> Any:
        """The link of a task the day's notices may not be about: the same kind of link as the
        recipient's notices get (the agency's signed link, or the office's page)."""
        model = self.notices[0]
        return link(replace(model, task_id=task_id, agency_id=agency_id))

    def _agency_parts(self, s: AgencySituation, *, as_of: date, link: Any) -> dict[str, Any]:
        def ctx(item: SituationItem) -> dict[str, Any]:
            return item_context(item, as_of=as_of, link=self._link_for(link, item.task_id, item.agency_id))

        overdue, soon, later = [ctx(i) for i in s.overdue], [ctx(i) for i in s.due_soon], [ctx(i) for i in s.later]
        return _parts(overdue, soon, later)

    def _oversight_parts(self, s: OversightSituation, *, as_of: date, link: Any) -> dict[str, Any]:
        agencies = [{"name": name, "tasks": [item_context(i, as_of=as_of,
                                                           link=self._link_for(link, i.task_id, i.agency_id))
                                             for i in rows]}
                    for name, rows in s.agencies]
        return {"agencies": agencies, "items": [t for a in agencies for t in a["tasks"]]}

    def _notice_parts(self, *, as_of: date, link: Any) -> dict[str, Any]:
        """The message built from the notices alone (extension notices; a digest without a situation)."""
        items = []
        # a report is read agency by agency; a digest by what falls due first
        order = ((lambda n: (n.agency_name, n.due_date, n.plan_code, n.ref)) if self.kind == "escalation_report"
                 else (lambda n: (n.due_date, n.plan_code, n.ref)))
        for n in sorted(self.notices, key=order):
            item = {
                "plan_code": n.plan_code, "ref": n.ref, "content": n.content, "due_date": n.due_date,
                "role": n.role, "lead_names": list(n.lead_names), "agency_name": n.agency_name,
                "link": link(n), "days_left": (n.due_date - as_of).days,
                "days_overdue": (as_of - n.due_date).days, "level": n.level if escalates(n) else 0,
                "no_deadline": False, "report_duty": False, "leads": join_names(n.lead_names), "coordinating": "",
                "report": "", "report_note": "", "reported": False,
            }
            if n.extension is not None:
                item["extension"] = n.extension
            items.append(item)
        parts: dict[str, Any] = {"items": items}
        if self.kind == "escalation_report":
            by_agency: dict[str, list[dict[str, Any]]] = {}
            for item in items:
                by_agency.setdefault(item["agency_name"], []).append(item)
            parts["agencies"] = [{"name": name, "tasks": rows} for name, rows in by_agency.items()]
        elif self.kind in ("reminder_digest", "escalation_digest"):
            late = [i for i in items if i["days_left"] < 0]
            parts.update(_parts(late, [i for i in items if i["days_left"] >= 0], []))
        return parts


def _parts(overdue: list[dict[str, Any]], soon: list[dict[str, Any]], later: list[dict[str, Any]]) -> dict[str, Any]:
    """An agency letter's three lists, all its items and the counts its subject and opening state."""
    undated = sum(1 for i in later if i["no_deadline"])
    return {"overdue": overdue, "due_soon": soon, "later": later, "items": [*overdue, *soon, *later],
            "overdue_reports": sum(1 for i in overdue if i["report_duty"]),
            "summary": counts_phrase(overdue=len(overdue), due_soon=len(soon), later=len(later) - undated,
                                     undated=undated)}


def escalates(n: NoticeView) -> bool:
    """An escalation notice, or a reminder sent by hand for an overdue task (its level is the
    policy's for the task's days overdue)."""
    return n.kind == ESCALATION or (n.kind == MANUAL and n.level > 0)


def message_kind(n: NoticeView) -> str:
    """The kind of message a notice alone would make (group_digests merges an agency's reminders
    and escalations into one letter: see there)."""
    if n.kind in EXTENSION_KINDS:
        return n.kind
    if n.recipient_role in OVERSIGHT_ROLES:
        return "escalation_report"
    return "escalation_digest" if escalates(n) else "reminder_digest"


def _family(n: NoticeView) -> str:
    if n.kind in EXTENSION_KINDS:
        return n.kind
    return "escalation_report" if n.recipient_role in OVERSIGHT_ROLES else AGENCY_LETTER


def group_digests(notices: list[NoticeView]) -> list[Digest]:
    """One message per recipient address and family: one letter for an agency (or its head) that
    states its whole situation, an escalation digest when any of its notices escalates, else a
    reminder digest, never the two side by side; a report for the office and the leadership
    (other agencies' overdue tasks); the extension notices, each kind its own message."""
    groups: dict[tuple[str, str], Digest] = {}
    for n in notices:
        family = _family(n)
        key = (n.recipient.lower(), family)
        if key not in groups:
            groups[key] = Digest(recipient=n.recipient, recipient_name=n.recipient_name,
                                 kind=family if family != AGENCY_LETTER else "reminder_digest")
        digest = groups[key]
        digest.notices.append(n)
        if family == AGENCY_LETTER and escalates(n):
            digest.kind = "escalation_digest"
    return sorted(groups.values(), key=lambda d: (d.recipient, d.kind))


def count_by_kind(notices: list[NoticeView]) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = defaultdict(int)
    for n in notices:
        out[(n.kind, n.level)] += 1
    return dict(out)
