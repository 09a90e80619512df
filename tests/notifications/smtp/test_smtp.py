"""SmtpTransport against a real SMTP server (aiosmtpd), no mocks."""

from __future__ import annotations

import email
import email.header
import email.policy
import time
from datetime import timedelta

import pytest

from notifications import (
    OutgoingMessage,
    PermanentError,
    RetryableError,
    SmtpTransport,
    Transport,
    make_message,
    stable_message_id,
)
from tests.notifications.messages.test_messages import AGENCY, escalation_ctx, reminder_ctx, reminder_items
from tests.smtp_server import SmtpSink, aiosmtpd_process, free_port, smtp_sink  # noqa: F401

OFFICE = "Văn phòng Điều phối nông thôn mới tỉnh"
MAIL_FROM = f"{OFFICE} <dondoc@bacgiang.example>"
DOMAIN = "dondoc.bacgiang.example"
# Throughput target; read at import because tests/conftest.py clears DONDOC_*
# variables for each test.  Lower it on a slow or busy machine.


def transport_for(sink: SmtpSink, **kwargs) -> SmtpTransport:
    kwargs.setdefault("mail_from", MAIL_FROM)
    kwargs.setdefault("timeout", 5.0)
    return SmtpTransport(sink.host, sink.port, local_hostname="client.test", **kwargs)


def plain(to: str, n: int = 0, **kwargs) -> OutgoingMessage:
    fields = {
        "to": [to],
        "cc": [],
        "subject": f"[dondoc] Thư thử nghiệm số {n}",
        "text": f"Nội dung thư số {n}\n",
        "html": None,
        "message_id": f"<test-{n}@{DOMAIN}>",
    }
    fields.update(kwargs)
    return OutgoingMessage(**fields)


def send_all(transport: SmtpTransport, messages) -> list:
    return [error for _, error in transport.send_many(messages)]


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def rfc2047_decode(record, name: str) -> str:
    """Header value decoded by the stdlib's RFC 2047 decoder (email.header)."""
    value = email.message_from_bytes(record.raw, policy=email.policy.compat32)[name]
    return str(email.header.make_header(email.header.decode_header(value)))


# -- content on the wire ---------------------------------------------------------------


def test_a_vietnamese_digest_arrives_with_its_exact_subject_and_utf8_parts(smtp_sink):
    msg = make_message(
        "reminder_digest",
        ["snn@bacgiang.example"],
        reminder_ctx(),
        message_id=stable_message_id(["n1", "n2", "n3"], DOMAIN),
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]

    [received] = smtp_sink.messages()
    assert received["Subject"] == msg.subject
    assert received["Subject"] == f"Nhắc việc: 3 nhiệm vụ sắp đến hạn – {AGENCY}"
    assert received.get_content_type() == "multipart/alternative"

    text_part = received.get_body(preferencelist=("plain",))
    html_part = received.get_body(preferencelist=("html",))
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
        body = part.get_content()
        assert "Sở Nông nghiệp và Phát triển nông thôn" in body
        assert "05/03/2025" in body and "02/03/2025" in body
        assert "Rà soát, đánh giá thực trạng các tiêu chí xã nông thôn mới nâng cao" in body
    # base64 text parts carry canonical CRLF line ends
    assert text_part.get_content() == msg.text.replace("\n", "\r\n")
    assert html_part.get_content() == msg.html.replace("\n", "\r\n")


def test_the_raw_subject_header_is_rfc2047_encoded_and_the_wire_is_ascii(smtp_sink):
    msg = make_message(
        "escalation_digest", ["snn@bacgiang.example"], escalation_ctx(3), message_id=f"<e3@{DOMAIN}>"
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]

    raw = smtp_sink.received[0].raw
    assert raw.isascii()
    headers = header_block(raw).decode("ascii")
    subject_lines = headers.split("\r\nSubject: ", 1)[1].split("\r\n")
    subject_raw = subject_lines[0] + "".join(
        line for line in subject_lines[1:] if line.startswith(" ")
    )
    assert subject_raw.startswith("=?utf-8?b?")
    assert "Đôn đốc" not in subject_raw
    assert all(len(line) <= 78 for line in headers.split("\r\n"))
    assert smtp_sink.messages()[0]["Subject"] == msg.subject


def test_a_text_only_message_is_a_single_utf8_part(smtp_sink):
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [plain("a@bacgiang.example", 7)]) == [None]
    [received] = smtp_sink.messages()
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content() == "Nội dung thư số 7\r\n"
    assert received["MIME-Version"] == "1.0"


def test_headers_carry_sender_recipients_date_in_vietnam_time_and_the_given_message_id(smtp_sink):
    message_id = stable_message_id(["notice:42"], DOMAIN)
    msg = make_message(
        "reminder_digest",
        [f"{AGENCY} <snn@bacgiang.example>"],
        reminder_ctx(),
        cc=["vpdp@bacgiang.example"],
        message_id=message_id,
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]

    [record] = smtp_sink.received
    received = record.message
    assert received["Message-ID"] == message_id
    assert received["Date"].datetime.utcoffset() == timedelta(hours=7)
    # An RFC 2047 decoder gives the display names back exactly.  (Python's
    # structured-header parser keeps the folding space between two encoded
    # words of a phrase, hence the whitespace normalisation on that side.)
    assert rfc2047_decode(record, "From") == f"{OFFICE} <dondoc@bacgiang.example>"
    assert rfc2047_decode(record, "To") == "Sở Nông nghiệp và Phát triển nông thôn <snn@bacgiang.example>"
    [sender] = received["From"].addresses
    assert " ".join(sender.display_name.split()) == OFFICE
    assert sender.addr_spec == "dondoc@bacgiang.example"
    assert received["To"].addresses[0].addr_spec == "snn@bacgiang.example"
    assert received["Cc"].addresses[0].addr_spec == "vpdp@bacgiang.example"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["X-Dondoc-Kind"] == "reminder_digest"
    assert record.mail_from == "dondoc@bacgiang.example"
    assert record.rcpt_tos == ["snn@bacgiang.example", "vpdp@bacgiang.example"]


# -- header safety -------------------------------------------------------------------------

INJECTION = "Kiểm tra\r\nBcc: attacker@evil.example"


def test_task_content_with_crlf_cannot_add_a_bcc_header_or_recipient(smtp_sink):
    items = reminder_items()
    items[0]["content"] = INJECTION
    digest = make_message(
        "reminder_digest",
        ["snn@bacgiang.example"],
        reminder_ctx(items=items, recipient_name=f"Sở {INJECTION}"),
        message_id=f"<d1@{DOMAIN}>",
    )
    direct = plain(
        "snn@bacgiang.example",
        2,
        subject=f"[dondoc] {INJECTION}",
        headers={"X-Dondoc-Task": INJECTION, "X-Other": "a\nb\rc\x00d\x1be\u2028f"},
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [digest, direct]) == [None, None]

    for record in smtp_sink.received:
        assert record.rcpt_tos == ["snn@bacgiang.example"]
        headers = header_block(record.raw)
        assert b"\r\nBcc:" not in headers and not headers.startswith(b"Bcc:")
        assert b"evil.example" not in headers  # encoded, never a bare header line
        message = record.message
        assert message["Bcc"] is None
        assert not message.defects

    digest_received, direct_received = smtp_sink.messages()
    assert "\n" not in digest_received["Subject"]
    assert direct_received["Subject"] == "[dondoc] Kiểm tra Bcc: attacker@evil.example"
    assert direct_received["X-Dondoc-Task"] == "Kiểm tra Bcc: attacker@evil.example"
    assert direct_received["X-Other"] == "a b c d e f"
    # the body keeps the text, safely inside the base64 part
    assert INJECTION in digest_received.get_body(("plain",)).get_content()


def test_an_ascii_only_injection_stays_inside_the_subject_line(smtp_sink):
    msg = plain("snn@bacgiang.example", subject="abc\r\nBcc: x@evil.example\nX-Evil: 1")
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]
    [record] = smtp_sink.received
    assert record.rcpt_tos == ["snn@bacgiang.example"]
    lines = header_block(record.raw).split(b"\r\n")
    assert b"Subject: abc Bcc: x@evil.example X-Evil: 1" in lines
    assert not any(line.startswith((b"Bcc", b"X-Evil")) for line in lines)
    assert record.message["Bcc"] is None and record.message["X-Evil"] is None


def test_an_address_with_a_line_break_is_refused_and_nothing_is_sent(smtp_sink):
    bad = plain("snn@bacgiang.example\r\nRCPT TO:<attacker@evil.example>")
    with transport_for(smtp_sink) as transport:
        [error] = send_all(transport, [bad])
    assert isinstance(error, PermanentError)
    assert smtp_sink.received == []


def test_extra_headers_cannot_replace_the_transport_headers(smtp_sink):
    msg = plain("snn@bacgiang.example", headers={"Bcc": "attacker@evil.example"})
    with transport_for(smtp_sink) as transport:
        [error] = send_all(transport, [msg, ])
    assert isinstance(error, PermanentError)
    assert smtp_sink.received == []


def test_task_content_is_html_escaped_on_the_wire(smtp_sink):
    items = reminder_items()
    items[0]["content"] = "<script>alert(1)</script>"
    msg = make_message(
        "reminder_digest", ["snn@bacgiang.example"], reminder_ctx(items=items), message_id=f"<x@{DOMAIN}>"
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]
    [received] = smtp_sink.messages()
    html = received.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script>" in received.get_body(("plain",)).get_content()


def test_the_same_digest_keeps_its_message_id_when_sent_again(smtp_sink):
    keys = ["552/KH-BCĐ:I.1:2025-03-05:remind", "552/KH-BCĐ:II.3:2025-03-02:remind"]
    first = make_message(
        "reminder_digest", ["snn@bacgiang.example"], reminder_ctx(),
        message_id=stable_message_id(keys, DOMAIN),
    )
    again = make_message(
        "reminder_digest", ["snn@bacgiang.example"], reminder_ctx(),
        message_id=stable_message_id(reversed(keys), DOMAIN),
    )
    other = make_message(
        "reminder_digest", ["snn@bacgiang.example"], reminder_ctx(),
        message_id=stable_message_id(keys[:1], DOMAIN),
    )
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [first, again, other]) == [None, None, None]
    ids = [m["Message-ID"] for m in smtp_sink.messages()]
    assert ids[0] == ids[1] != ids[2]


# -- connection reuse ---------------------------------------------------------------------


def test_many_messages_are_sent_over_one_connection(smtp_sink):
    messages = [plain(f"agency{n}@bacgiang.example", n) for n in range(50)]
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, messages[:25]) == [None] * 25
        assert send_all(transport, messages[25:]) == [None] * 25  # later batch, same connection
    assert smtp_sink.connection_count == 1
    assert transport.connections_opened == 1
    received = smtp_sink.received
    assert len(received) == 50
    assert {r.connection for r in received} == {1}
    assert [r.rcpt_tos for r in received] == [[f"agency{n}@bacgiang.example"] for n in range(50)]


def test_the_transport_reconnects_once_when_the_server_dropped_the_connection(smtp_sink):
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [plain("a@bacgiang.example", 1)]) == [None]
        smtp_sink.drop_connections()  # e.g. the server's idle timeout
        time.sleep(0.05)
        assert send_all(transport, [plain("a@bacgiang.example", n) for n in (2, 3)]) == [None, None]
    assert [r.connection for r in smtp_sink.received] == [1, 2, 2]
    assert smtp_sink.connection_count == 2


def test_close_then_send_opens_a_new_connection(smtp_sink):
    transport = transport_for(smtp_sink)
    assert send_all(transport, [plain("a@bacgiang.example", 1)]) == [None]
    transport.close()
    transport.close()  # idempotent
    assert send_all(transport, [plain("a@bacgiang.example", 2)]) == [None]
    transport.close()
    assert smtp_sink.connection_count == 2


def test_a_batch_of_digests_goes_out_over_one_connection_to_a_server_in_another_process():
    # the speed of this path is measured by benchmarks/bench_smtp.py, not asserted here
    messages = [
        make_message(
            "reminder_digest",
            [f"agency{n}@bacgiang.example"],
            reminder_ctx(),
            message_id=stable_message_id([f"notice:{n}"], DOMAIN),
        )
        for n in range(200)
    ]
    with (
        aiosmtpd_process() as (host, port),
        SmtpTransport(host, port, mail_from=MAIL_FROM, local_hostname="client.test") as transport,
    ):
        errors = send_all(transport, messages)
    assert errors == [None] * 200
    assert transport.connections_opened == 1


# -- failures ---------------------------------------------------------------------------


def test_a_server_that_is_down_gives_a_retryable_error_for_every_message():
    port = free_port()  # nothing listens here
    transport = SmtpTransport("127.0.0.1", port, mail_from=MAIL_FROM, timeout=2.0)
    errors = send_all(transport, [plain("a@bacgiang.example", n) for n in range(3)])
    assert len(errors) == 3
    assert all(isinstance(e, RetryableError) and not e.permanent for e in errors)
    assert str(errors[0]) == f"cannot reach mail server 127.0.0.1:{port}: Connection refused"


def test_check_explains_that_the_server_cannot_be_reached():
    port = free_port()
    transport = SmtpTransport("127.0.0.1", port, mail_from=MAIL_FROM, timeout=2.0)
    with pytest.raises(RetryableError) as excinfo:
        transport.check()
    assert str(excinfo.value) == f"cannot reach mail server 127.0.0.1:{port}: Connection refused"


def test_check_passes_against_a_running_server_and_sends_nothing(smtp_sink):
    transport_for(smtp_sink).check()
    assert smtp_sink.received == []


def test_a_server_gone_mid_batch_fails_the_rest_as_retryable_without_waiting(smtp_sink):
    transport = transport_for(smtp_sink, timeout=2.0)
    assert send_all(transport, [plain("a@bacgiang.example", 0)]) == [None]
    smtp_sink.drop_connections()
    smtp_sink.stop()
    started = time.perf_counter()
    errors = send_all(transport, [plain("a@bacgiang.example", n) for n in range(1, 20)])
    assert time.perf_counter() - started < 10.0  # 19 messages waiting out a 2 s timeout each would take 38 s
    assert all(isinstance(e, RetryableError) for e in errors)
    assert "cannot reach mail server" in str(errors[0])


def test_a_recipient_refused_with_550_is_a_permanent_error_and_the_batch_goes_on(smtp_sink):
    smtp_sink.reject_rcpt("550 5.1.1 No such user", "nobody@bacgiang.example")
    with transport_for(smtp_sink) as transport:
        errors = send_all(
            transport,
            [
                plain("a@bacgiang.example", 1),
                plain("nobody@bacgiang.example", 2),
                plain("b@bacgiang.example", 3),
            ],
        )
    assert errors[0] is None and errors[2] is None
    assert isinstance(errors[1], PermanentError) and errors[1].permanent
    assert "nobody@bacgiang.example (550 5.1.1 No such user)" in str(errors[1])
    assert [r.rcpt_tos for r in smtp_sink.received] == [["a@bacgiang.example"], ["b@bacgiang.example"]]
    assert smtp_sink.connection_count == 1


def test_a_recipient_refused_with_451_is_retryable(smtp_sink):
    smtp_sink.reject_rcpt("451 4.3.0 Try again later")
    with transport_for(smtp_sink) as transport:
        [error] = send_all(transport, [plain("a@bacgiang.example")])
    assert isinstance(error, RetryableError) and not error.permanent
    assert "451 4.3.0 Try again later" in str(error)
    assert smtp_sink.received == []


def test_a_message_refused_after_data_maps_5xx_to_permanent_and_4xx_to_retryable(smtp_sink):
    with transport_for(smtp_sink) as transport:
        smtp_sink.reject_data("554 5.6.0 Message rejected")
        [permanent] = send_all(transport, [plain("a@bacgiang.example", 1)])
        smtp_sink.reject_data("452 4.3.1 Insufficient system storage")
        [retryable] = send_all(transport, [plain("a@bacgiang.example", 2)])
        smtp_sink.accept_all()
        [ok] = send_all(transport, [plain("a@bacgiang.example", 3)])
    assert isinstance(permanent, PermanentError)
    assert isinstance(retryable, RetryableError)
    assert ok is None
    assert len(smtp_sink.received) == 1
    assert smtp_sink.connection_count == 1


def test_one_refused_cc_does_not_fail_a_message_the_others_received(smtp_sink):
    smtp_sink.reject_rcpt("550 5.1.1 No such user", "gone@bacgiang.example")
    msg = plain("a@bacgiang.example", cc=["gone@bacgiang.example"])
    with transport_for(smtp_sink) as transport:
        assert send_all(transport, [msg]) == [None]
    assert smtp_sink.received[0].rcpt_tos == ["a@bacgiang.example"]


def test_login_with_the_right_password_delivers():
    with SmtpSink(auth=("dondoc", "s3cret-pass")) as sink:
        transport = transport_for(sink, user="dondoc", password="s3cret-pass")
        transport.check()
        with transport:
            assert send_all(transport, [plain("a@bacgiang.example")]) == [None]
        assert len(sink.received) == 1


def test_a_refused_login_is_a_permanent_error_for_every_message():
    with SmtpSink(auth=("dondoc", "secret")) as sink:
        transport = transport_for(sink, user="dondoc", password="wrong")
        errors = send_all(transport, [plain("a@bacgiang.example", n) for n in range(3)])
        assert all(isinstance(e, PermanentError) for e in errors)
        assert "refused the login for 'dondoc'" in str(errors[0])
        with pytest.raises(PermanentError):
            transport.check()
        assert sink.received == []


def test_an_invalid_sender_is_refused_when_the_transport_is_built():
    with pytest.raises(ValueError, match=r"^mail_from: "):
        SmtpTransport("127.0.0.1", 25, mail_from="not an address")


def test_a_non_ascii_password_is_refused_when_the_transport_is_built():
    # smtplib can only send ASCII credentials; better to fail at start-up
    with pytest.raises(ValueError, match="ASCII"):
        SmtpTransport("127.0.0.1", 25, mail_from=MAIL_FROM, user="dondoc", password="mật-khẩu")


def test_smtp_transport_satisfies_the_transport_protocol():
    assert isinstance(SmtpTransport("127.0.0.1", 25, mail_from=MAIL_FROM), Transport)
