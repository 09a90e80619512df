"""send_pipelined: the SMTP transport sends in a worker thread while the caller renders."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from notifications.smtp.pipeline import send_pipelined
from notifications.transport import OutgoingMessage
from tests.notifications.smtp.test_smtp import plain, transport_for
from tests.smtp_server import SmtpSink, smtp_sink  # noqa: F401


def test_every_message_reaches_the_server_and_results_come_back_in_order(smtp_sink: SmtpSink) -> None:
    transport = transport_for(smtp_sink)
    rendered_in: set[str] = set()

    def render() -> Iterator[OutgoingMessage]:
        for n in range(30):
            rendered_in.add(threading.current_thread().name)
            yield plain(f"so{n}@bacgiang.example", n)

    try:
        results = list(send_pipelined(transport.send_many, render()))
    finally:
        transport.close()
    assert [m.message_id for m, _ in results] == [plain("x", n).message_id for n in range(30)]
    assert all(error is None for _, error in results)
    got = smtp_sink.wait_for(30)
    assert sorted(r.rcpt_tos[0] for r in got) == sorted(f"so{n}@bacgiang.example" for n in range(30))
    assert rendered_in == {threading.current_thread().name}  # rendering stays in the caller's thread


def test_a_refused_recipient_is_reported_for_that_message_only(smtp_sink: SmtpSink) -> None:
    transport = transport_for(smtp_sink)
    messages = [plain("a@bacgiang.example", 1), plain("khong hop le", 2), plain("b@bacgiang.example", 3)]
    try:
        errors = [error for _, error in send_pipelined(transport.send_many, messages)]
    finally:
        transport.close()
    assert errors[0] is None and errors[2] is None
    assert errors[1] is not None and errors[1].permanent


def test_an_error_of_the_sender_is_raised_in_the_callers_thread() -> None:
    def broken(messages):  # type: ignore[no-untyped-def]
        for m in messages:
            yield m, None
            raise RuntimeError("máy chủ thư hỏng")

    with pytest.raises(RuntimeError, match="máy chủ thư hỏng"):
        list(send_pipelined(broken, [plain("a@bacgiang.example", n) for n in range(3)]))


def test_when_the_caller_stops_nothing_more_is_sent(smtp_sink: SmtpSink) -> None:
    transport = transport_for(smtp_sink)

    def render() -> Iterator[OutgoingMessage]:
        yield plain("a@bacgiang.example", 1)
        raise ValueError("mẫu thư lỗi")

    try:
        with pytest.raises(ValueError, match="mẫu thư lỗi"):
            list(send_pipelined(transport.send_many, render()))
    finally:
        transport.close()
    assert len(smtp_sink.received) <= 1


def test_closing_the_results_early_stops_the_messages_still_queued(smtp_sink: SmtpSink) -> None:
    transport = transport_for(smtp_sink)
    results = send_pipelined(transport.send_many, [plain(f"so{n}@bacgiang.example", n) for n in range(50)])
    try:
        _first, error = next(results)
        results.close()  # e.g. writing the first result back failed
    finally:
        transport.close()
    assert error is None
    assert 1 <= len(smtp_sink.received) < 50
