"""Render notification e-mails from Jinja2 templates.

Every message kind has three templates in ``templates/<kind>/``:

* ``subject.txt`` - rendered, then collapsed to a single line;
* ``body.txt``    - the text/plain part (not autoescaped);
* ``body.html``   - the text/html part (autoescaped), extends ``base.html``.

The environment uses ``StrictUndefined``: a context key missing from ``ctx`` is
a programming error and raises :class:`jinja2.UndefinedError`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2

from notifications.transport import OutgoingMessage
from tasks.common.dates import fmt_date, fmt_days

__all__ = [
    "DEFAULT_OFFICE_NAME",
    "KINDS",
    "make_message",
    "render",
    "stable_message_id",
]

TEMPLATES_DIR = Path(__file__).with_name("templates")

#: Message kinds that have templates.
KINDS: tuple[str, ...] = ("reminder_digest", "escalation_digest", "escalation_report", "extension_request",
                          "extension_decision", "report_ready", "agency_link")

#: Signature used by kinds whose context carries no ``office_name``.
DEFAULT_OFFICE_NAME = "Văn phòng Điều phối nông thôn mới tỉnh"

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\Z")


def _abs_url(link: str, base_url: str) -> str:
    """Make ``link`` absolute against ``base_url`` (absolute links pass through)."""
    return urljoin(base_url.rstrip("/") + "/", link) if base_url else link


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _strict(fn: Callable[..., str]) -> Callable[..., str]:
    """Make a filter fail on an undefined value (filters receive Undefined
    objects instead of raising, even with StrictUndefined)."""

    @functools.wraps(fn)
    def filter_(value: Any, *args: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return fn(value, *args)

    return filter_


def _make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        # one-shot commands (a sweep) would parse and compile every template again: ~40 ms
        # of each process; the cache (a private directory under the system's temp dir) is keyed
        # by the template source's checksum, so an edited template is compiled afresh
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    env.filters["fmt_date"] = _strict(fmt_date)
    env.filters["fmt_days"] = _strict(fmt_days)
    env.filters["abs_url"] = _strict(_abs_url)
    env.filters["one_line"] = _strict(_one_line)
    env.filters["rstrip"] = _strict(lambda text: str(text).rstrip())  # a macro's trailing blank lines
    env.globals["default_office_name"] = DEFAULT_OFFICE_NAME
    return env


_env = _make_env()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; expected one of {', '.join(KINDS)}")


def render(kind: str, ctx: dict[str, Any]) -> tuple[str, str, str]:
    """Render ``kind`` with ``ctx``; return ``(subject, text, html)``."""
    _check_kind(kind)
    subject = _one_line(_env.get_template(f"{kind}/subject.txt").render(ctx))
    text = _env.get_template(f"{kind}/body.txt").render(ctx).strip() + "\n"
    html = _env.get_template(f"{kind}/body.html").render({**ctx, "subject": subject})
    return subject, text, html


def make_message(
    kind: str,
    to: Sequence[str],
    ctx: dict[str, Any],
    *,
    cc: Sequence[str] = (),
    message_id: str,
    headers: dict[str, str] | None = None,
) -> OutgoingMessage:
    """Render message ``kind`` for ``to`` (and ``cc``) into an OutgoingMessage.

    ``message_id`` is usually :func:`stable_message_id` of the notice keys so a
    resent digest keeps its Message-ID.  ``X-Dondoc-Kind`` is added so replies
    and bounces can be told apart.  An ``attachments`` key in ``ctx`` (a list of
    ``(file name, MIME type, content)``) travels as files; the templates see it
    too, to mention them.
    """
    subject, text, html = render(kind, ctx)
    return OutgoingMessage(
        to=list(to),
        cc=list(cc),
        subject=subject,
        text=text,
        html=html,
        message_id=message_id,
        headers={"X-Dondoc-Kind": kind, **(headers or {})},
        attachments=list(ctx.get("attachments") or ()),
    )


def stable_message_id(parts: Iterable[str], domain: str) -> str:
    """``"<sha256-prefix@domain>"`` derived from the (sorted, de-duplicated) notice keys.

    The same set of keys, in any order, always gives the same Message-ID;
    different sets give different ones.
    """
    keys = sorted(set(parts))
    if not keys:
        raise ValueError("stable_message_id needs at least one notice key")
    if not _DOMAIN.match(domain or ""):
        raise ValueError(f"invalid Message-ID domain {domain!r}")
    digest = hashlib.sha256()
    for key in keys:
        raw = key.encode("utf-8")
        # Length-prefixed so ("ab", "c") and ("a", "bc") cannot collide.
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return f"<{digest.hexdigest()[:32]}@{domain}>"
