"""Group outbox notices into one digest per recipient (pure: no database, no mail)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# recipients who oversee the lead agency rather than do the work: they get a report naming the
# late agency (escalation_report), not a demand addressed to them as if the task were theirs
OVERSIGHT_ROLES = frozenset({"office", "leadership"})
# notices about an extension request: to the office when asked, to the agency when decided;
# each is a message of its own kind (the notice kind doubles as the message kind)
EXTENSION_REQUEST, EXTENSION_DECISION = "extension_request", "extension_decision"
EXTENSION_KINDS = (EXTENSION_REQUEST, EXTENSION_DECISION)


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
    recipient: str
    recipient_name: str
    kind: str  # message kind: reminder_digest | escalation_digest | escalation_report
    notices: list[NoticeView] = field(default_factory=list)

    @property
    def notice_ids(self) -> list[int]:
        return [n.notice_id for n in self.notices]

    @property
    def level(self) -> int:
        return max(n.level for n in self.notices)

    def keys(self) -> list[str]:
        """Stable notice keys: the digest's Message-ID is derived from them."""
        return [f"{n.notice_id}" for n in self.notices]

    def context(self, *, as_of: date, office_name: str, base_url: str, link: Any) -> dict[str, Any]:
        items = []
        # a report is read agency by agency; a digest by what falls due first
        order = ((lambda n: (n.agency_name, n.due_date, n.plan_code, n.ref)) if self.kind == "escalation_report"
                 else (lambda n: (n.due_date, n.plan_code, n.ref)))
        for n in sorted(self.notices, key=order):
            item = {
                "plan_code": n.plan_code, "ref": n.ref, "content": n.content, "due_date": n.due_date,
                "role": n.role, "lead_names": list(n.lead_names), "agency_name": n.agency_name,
                "link": link(n), "days_left": (n.due_date - as_of).days,
                "days_overdue": (as_of - n.due_date).days, "level": n.level,
            }
            if n.extension is not None:
                item["extension"] = n.extension
            items.append(item)
        ctx = {"recipient_name": self.recipient_name, "office_name": office_name, "as_of": as_of,
               "items": items, "base_url": base_url}
        if self.kind in ("escalation_digest", "escalation_report"):
            ctx["level"] = self.level
        if self.kind == "escalation_report":
            by_agency: dict[str, list[dict[str, Any]]] = {}
            for item in items:
                by_agency.setdefault(item["agency_name"], []).append(item)
            ctx["agencies"] = [{"name": name, "tasks": rows} for name, rows in by_agency.items()]
            roles = {n.recipient_role for n in self.notices}
            ctx["audience"] = "leadership" if "leadership" in roles else "office"
        return ctx


def message_kind(n: NoticeView) -> str:
    if n.kind in EXTENSION_KINDS:
        return n.kind
    if n.kind != "escalation":
        return "reminder_digest"
    return "escalation_report" if n.recipient_role in OVERSIGHT_ROLES else "escalation_digest"


def group_digests(notices: list[NoticeView]) -> list[Digest]:
    """One message of each kind at most per recipient address: a reminder digest, an escalation
    digest (tasks the recipient's agency leads or supports) and an escalation report (other
    agencies' overdue tasks, for the office and the leadership)."""
    groups: dict[tuple[str, str], Digest] = {}
    for n in notices:
        kind = message_kind(n)
        key = (n.recipient.lower(), kind)
        if key not in groups:
            groups[key] = Digest(recipient=n.recipient, recipient_name=n.recipient_name, kind=kind)
        groups[key].notices.append(n)
    return sorted(groups.values(), key=lambda d: (d.recipient, d.kind))


def count_by_kind(notices: list[NoticeView]) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = defaultdict(int)
    for n in notices:
        out[(n.kind, n.level)] += 1
    return dict(out)
