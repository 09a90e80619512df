"""A real SMTP server for tests (aiosmtpd in a background thread).

Use the ``smtp_sink`` fixture in any test module; to share it, import it into
a ``conftest.py``::

    from tests.smtp_server import smtp_sink  # noqa: F401  (pytest fixture)

    def test_something(smtp_sink):
        transport = SmtpTransport(smtp_sink.host, smtp_sink.port, mail_from="a@b.vn")
        ...
        [msg] = smtp_sink.messages()            # parsed EmailMessage objects
        assert smtp_sink.received[0].rcpt_tos == ["x@y.vn"]

Failures can be simulated::

    smtp_sink.reject_rcpt("550 5.1.1 No such user", "nobody@example.org")
    smtp_sink.reject_rcpt("451 4.3.0 Try again later")      # every recipient
    smtp_sink.reject_data("554 5.6.0 Message rejected")
    smtp_sink.drop_connections()                           # server-side hang-up
    smtp_sink.accept_all()                                 # back to normal

``SmtpSink(auth=("user", "secret"))`` offers AUTH LOGIN/PLAIN (without TLS) and
refuses other credentials.  ``connection_count`` counts SMTP sessions (EHLO/HELO)
and each ``Received`` record says which session carried it.

For throughput measurements use ``aiosmtpd_process()``: aiosmtpd in its own
process, so the server does not share the test's GIL.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# a free port and aiosmtpd in its own process (for throughput) serve the benchmarks too, which
# must not import pytest; they live there and the tests use them from there
from benchmarks.common import aiosmtpd_process, free_port

__all__ = ["Received", "SmtpSink", "aiosmtpd_process", "free_port", "smtp_sink"]


@dataclass(frozen=True)
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes  # the DATA payload, exactly as sent (CRLF line endings)
    connection: int  # 1-based number of the SMTP session that carried it
    peer: Any

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


class _Handler:
    """aiosmtpd handler; every hook runs on the server's event-loop thread."""

    def __init__(self, sink: SmtpSink):
        self.sink = sink

    def _session_no(self, server: Any, session: Any) -> int:
        number = getattr(session, "dondoc_connection", None)
        if number is None:
            with self.sink._lock:
                self.sink._connections += 1
                number = self.sink._connections
                session.dondoc_connection = number
                self.sink._open_servers.append(server)
        return number

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self._session_no(server, session)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self._session_no(server, session)
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.sink._lock:
            response = self.sink._rcpt_rejects.get(address.lower(), self.sink._rcpt_reject_all)
        if response is not None:
            return response
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink._lock:
            response = self.sink._data_reject
        if response is not None:
            return response
        record = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(envelope.original_content or envelope.content),
            connection=self._session_no(server, session),
            peer=session.peer,
        )
        with self.sink._cond:
            self.sink._received.append(record)
            self.sink._cond.notify_all()
        return "250 OK: queued"


class SmtpSink:
    """Real SMTP server on 127.0.0.1:<free port> that records what it receives."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.auth = auth
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._received: list[Received] = []
        self._open_servers: list[Any] = []  # aiosmtpd SMTP protocol objects
        self._connections = 0
        self._rcpt_rejects: dict[str, str] = {}
        self._rcpt_reject_all: str | None = None
        self._data_reject: str | None = None
        self._controller: Controller | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> SmtpSink:
        if self._controller is not None:
            raise RuntimeError("SmtpSink already started")
        kwargs: dict[str, Any] = {}
        if self.auth is not None:
            # Credentials are checked when presented; not demanding AUTH keeps
            # aiosmtpd from warning about AUTH without TLS on every connection.
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="sink.test",  # avoids a getfqdn() per connection
            ready_timeout=10.0,
            **kwargs,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.auth is not None
            and auth_data.login.decode() == self.auth[0]
            and auth_data.password.decode() == self.auth[1]
        )
        # handled=False: let aiosmtpd answer "535 5.7.8 Authentication credentials invalid"
        return AuthResult(success=ok, handled=False)

    # -- what was received ------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Snapshot of every accepted message, in arrival order."""
        with self._lock:
            return list(self._received)

    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed with ``email.policy.default``."""
        return [r.message for r in self.received]

    @property
    def connection_count(self) -> int:
        """How many SMTP sessions greeted the server (EHLO/HELO) so far."""
        with self._lock:
            return self._connections

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until at least ``count`` messages arrived (for async senders)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"got {len(self._received)} of {count} messages")
                self._cond.wait(remaining)
            return list(self._received)

    def clear(self) -> None:
        """Forget received messages (rejection settings stay)."""
        with self._lock:
            self._received.clear()

    # -- simulated failures -----------------------------------------------------

    def reject_rcpt(self, response: str, *addresses: str) -> None:
        """Answer RCPT TO with ``response`` (e.g. "550 5.1.1 No such user").

        Only for ``addresses`` if given, otherwise for every recipient.
        """
        with self._lock:
            if addresses:
                for address in addresses:
                    self._rcpt_rejects[address.lower()] = response
            else:
                self._rcpt_reject_all = response

    def reject_data(self, response: str) -> None:
        """Answer the end of DATA with ``response`` (e.g. "554 5.6.0 Rejected")."""
        with self._lock:
            self._data_reject = response

    def accept_all(self) -> None:
        """Undo every reject_* setting."""
        with self._lock:
            self._rcpt_rejects.clear()
            self._rcpt_reject_all = None
            self._data_reject = None

    def drop_connections(self) -> None:
        """Close every open client connection from the server side, like an
        idle timeout or a restart would."""
        controller = self._controller
        if controller is None:
            return
        with self._lock:
            servers, self._open_servers = self._open_servers, []
        done = threading.Event()

        def close_all() -> None:
            for server in servers:
                transport = getattr(server, "transport", None)
                if transport is not None:
                    transport.close()
            done.set()

        controller.loop.call_soon_threadsafe(close_all)
        done.wait(5.0)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running :class:`SmtpSink`, stopped after the test."""
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
