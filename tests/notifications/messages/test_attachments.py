"""Messages with files: multipart/mixed, the body first, each file as an attachment."""

from __future__ import annotations

import email
import email.policy

import pytest

from notifications.smtp.transport import SmtpTransport
from notifications.transport import OutgoingMessage, PermanentError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT = b"PK\x03\x04" + bytes(range(256)) * 40


def _message(**kw: object) -> OutgoingMessage:
    values = {"to": ["vpdp@bacgiang.example"], "cc": [], "subject": "Báo cáo 6 tháng", "text": "Kính gửi: Văn phòng",
              "html": "<p>Kính gửi: Văn phòng</p>", "message_id": "<r1@bacgiang.example>"}
    values.update(kw)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def _parsed(transport: SmtpTransport, message: OutgoingMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(transport.build(message).as_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def test_a_message_without_files_is_unchanged() -> None:
    transport = SmtpTransport("127.0.0.1", 25, mail_from="dondoc@bacgiang.example")
    assert _message().attachments == []
    assert _parsed(transport, _message()).get_content_type() == "multipart/alternative"


def test_files_travel_as_attachments_after_the_body(smtp_sink) -> None:  # type: ignore[no-untyped-def]
    transport = SmtpTransport(smtp_sink.host, smtp_sink.port, mail_from="dondoc@bacgiang.example")
    message = _message(attachments=[("báo-cáo-552-KH-BCĐ.docx", DOCX, CONTENT),
                                    ("phu-luc.xlsx", "application/octet-stream", b"x")])
    transport.send(message)
    transport.close()
    [received] = smtp_sink.messages()
    assert received.get_content_type() == "multipart/mixed"
    assert received.get_body(("plain",)).get_content().strip() == "Kính gửi: Văn phòng"
    files = [(a.get_filename(), a.get_content_type(), a.get_content()) for a in received.iter_attachments()]
    assert files == [("báo-cáo-552-KH-BCĐ.docx", DOCX, CONTENT), ("phu-luc.xlsx", "application/octet-stream", b"x")]


def test_a_text_only_message_with_a_file_keeps_its_text() -> None:
    transport = SmtpTransport("127.0.0.1", 25, mail_from="dondoc@bacgiang.example")
    parsed = _parsed(transport, _message(html=None, attachments=[("a.txt", "text/plain", "xin chào".encode())]))
    assert parsed.get_body(("plain",)).get_content().strip() == "Kính gửi: Văn phòng"
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["a.txt"]


def test_a_bad_mime_type_is_a_permanent_error() -> None:
    transport = SmtpTransport("127.0.0.1", 25, mail_from="dondoc@bacgiang.example")
    with pytest.raises(PermanentError, match="invalid MIME type"):
        transport.build(_message(attachments=[("a.bin", "application/x\r\nBcc: x@y.example", b"x")]))
