"""iCalendar (RFC 5545) text for an agency's due dates, written by hand.

CRLF line ends, TEXT values escaped (backslash, semicolon, comma, newline), and content lines
folded at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1, §3.3.11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.core.types import utcnow
from tasks.common.dates import local_zone


@dataclass(frozen=True)
class DueEvent:
    uid: str
    due: date
    summary: str
    description: str
    url: str | None = None


def escape_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str, limit: int = 75) -> str:
    """Split a content line into lines of at most ``limit`` octets, continuations start with a space."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        budget = limit if not out else limit - 1  # a continuation line starts with one space
        if size + n > budget:
            out.append(current)
            current, size = "", 0
        current += ch
        size += n
    out.append(current)
    return "\r\n ".join(out)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, events: list[DueEvent], *, now: datetime | None = None) -> str:
    stamp = _stamp(now or utcnow())
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dondoc//theo doi don doc//VI", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}", f"X-WR-TIMEZONE:{local_zone().key}",
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{e.due:%Y%m%d}", f"DTEND;VALUE=DATE:{e.due + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(e.summary)}", f"DESCRIPTION:{escape_text(e.description)}",
            "TRANSP:TRANSPARENT",
        ]
        if e.url:
            lines.append(f"URL:{e.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
