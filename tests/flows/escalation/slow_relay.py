"""A slow mail relay for the outbox's crash and race tests: the real SMTP server of
tests/smtp_server.py whose RCPT answer waits ``delay`` seconds per message (a relay checking
each recipient), and which can be told to stop answering RCPT once it has accepted some messages
(``hold_after``): every connection then waits before its next DATA, so a test can kill the
sender, or stop the relay, at a moment when no message is between its end of DATA and the
sender's record of the 250 (the window SMTP itself leaves, measured apart)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from tests.smtp_server import SmtpSink, _Handler


class _SlowHandler(_Handler):
    sink: SlowRelay

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        relay = self.sink
        if relay.on_rcpt is not None:
            relay.on_rcpt(address)
        if relay.delay:
            await asyncio.sleep(relay.delay)
        waited = 0.0
        while relay.hold_count is not None and len(relay.received) >= relay.hold_count and waited < 60:
            relay.holding.set()
            await asyncio.sleep(0.02)
            waited += 0.02
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


class SlowRelay(SmtpSink):
    def __init__(self, *, delay: float = 0.0, port: int | None = None) -> None:
        super().__init__(port=port)
        self.delay = delay
        self.hold_count: int | None = None
        self.holding = threading.Event()  # a connection waits at RCPT, held
        self.on_rcpt: Callable[[str], None] | None = None  # called (in the server's thread) at each RCPT

    def start(self) -> SlowRelay:
        if self._controller is not None:
            raise RuntimeError("SlowRelay already started")
        controller = Controller(_SlowHandler(self), hostname=self.host, port=self.port, server_hostname="sink.test",
                                ready_timeout=10.0)
        controller.start()
        self._controller = controller
        return self

    def hold_after(self, count: int) -> None:
        """Once ``count`` messages are accepted, every RCPT waits until ``release``."""
        self.holding.clear()
        self.hold_count = count

    def release(self) -> None:
        self.hold_count = None

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]

    def per_recipient(self) -> Counter[str]:
        return Counter(r for received in self.received for r in received.rcpt_tos)


def wait_until(condition: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextmanager
def running_relay(delay: float) -> Iterator[SlowRelay]:
    """A started relay that answers each message after ``delay`` seconds; held messages are
    released and the relay stopped on the way out, whatever the test did to it."""
    relay = SlowRelay(delay=delay).start()
    try:
        yield relay
    finally:
        relay.release()
        relay.stop()


def import_plan_through(relay: SlowRelay, monkeypatch: Any, plan: str, **settings: str) -> None:
    """Mail goes to ``relay`` (plus any DONDOC_* ``settings``), then ``plan`` is imported."""
    from config.settings import reset_settings
    from flows.importing.flow import import_plan

    monkeypatch.setenv("DONDOC_SMTP_HOST", relay.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(relay.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    for key, value in settings.items():
        monkeypatch.setenv(f"DONDOC_{key.upper()}", value)
    reset_settings()
    import_plan(plan)
