"""Transport-neutral pieces: the outgoing message value and the error types.

A transport delivers :class:`OutgoingMessage` objects over one channel (today
only e-mail, see :mod:`notifications.smtp.transport`).  Failures are reported as
:class:`TransportError` values rather than raised, one per message, so that a
caller sending a batch can record each notice's fate:

* :class:`RetryableError` (``permanent = False``): try again later - the server
  was unreachable, timed out, dropped the connection or answered 4xx.
* :class:`PermanentError` (``permanent = True``): retrying the same message will
  not help - the recipient was refused with 5xx, login failed, the message
  itself is malformed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

__all__ = [
    "OutgoingMessage",
    "PermanentError",
    "RetryableError",
    "Transport",
    "TransportError",
]


class TransportError(Exception):
    """A message could not be delivered.

    ``permanent`` tells the caller whether retrying can help.  Use the two
    subclasses; the base class is what callers catch.
    """

    permanent: ClassVar[bool] = False


class RetryableError(TransportError):
    """Temporary failure: retry later (connection refused, timeout, 4xx)."""

    permanent: ClassVar[bool] = False


class PermanentError(TransportError):
    """Permanent failure: retrying will not help (5xx, auth failed, bad message)."""

    permanent: ClassVar[bool] = True


@dataclass(frozen=True)
class OutgoingMessage:
    """One fully rendered message, ready for a transport.

    ``to``/``cc`` hold addresses (``"a@b.vn"`` or ``"Tên <a@b.vn>"``); every
    one of them becomes an envelope recipient.  ``headers`` are extra header
    fields (e.g. ``References``, ``X-Dondoc-Kind``); transports sanitize the
    values but the names are chosen by code, never by user data.  With
    ``attachments`` the message becomes multipart/mixed: the body first, then
    one part per file.
    """

    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str | None
    message_id: str
    headers: dict[str, str] = field(default_factory=dict)
    #: files sent along, as (file name, MIME type, content); none by default
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


@runtime_checkable
class Transport(Protocol):
    """One delivery channel.  Not thread-safe: use one instance per thread."""

    def send_many(
        self, messages: Iterable[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, TransportError | None]]:
        """Deliver ``messages``; yield ``(message, None | error)`` for each, in order.

        A connection-level failure that cannot be recovered yields a
        :class:`RetryableError` for that message and for all the rest (a
        :class:`PermanentError` instead when the server refused the login).
        """
        ...

    def close(self) -> None:
        """Release the connection, if any.  The transport stays usable."""
        ...
