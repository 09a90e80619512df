"""Group outbox notices into one digest per recipient (pure: no database, no mail)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
    plan_code: str
    ref: str
    content: str
    task_id: int
    agency_id: int
    agency_name: str
    role: str
    lead_names: tuple[str, ...]


@dataclass
class Digest:
    recipient: str
    recipient_name: str
    kind: str  # message kind: reminder_digest | escalation_digest
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
        for n in sorted(self.notices, key=lambda n: (n.due_date, n.plan_code, n.ref)):
            item = {
                "plan_code": n.plan_code, "ref": n.ref, "content": n.content, "due_date": n.due_date,
                "role": n.role, "lead_names": list(n.lead_names), "agency_name": n.agency_name,
                "link": link(n), "days_left": (n.due_date - as_of).days,
                "days_overdue": (as_of - n.due_date).days, "level": n.level,
            }
            items.append(item)
        ctx = {"recipient_name": self.recipient_name, "office_name": office_name, "as_of": as_of,
               "items": items, "base_url": base_url}
        if self.kind == "escalation_digest":
            ctx["level"] = self.level
        return ctx


def group_digests(notices: list[NoticeView]) -> list[Digest]:
    """One reminder digest and one escalation digest at most per recipient address."""
    groups: dict[tuple[str, str], Digest] = {}
    for n in notices:
        kind = "escalation_digest" if n.kind == "escalation" else "reminder_digest"
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
