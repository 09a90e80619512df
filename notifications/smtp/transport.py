"""E-mail transport over SMTP (optionally STARTTLS + AUTH).

One :class:`SmtpTransport` keeps ONE connection open and sends every message
of every :meth:`SmtpTransport.send_many` call over it until :meth:`close`.
If the server has dropped the connection (idle timeout, restart) the transport
reconnects once for the message at hand; if that does not work either, the
message and all the rest of the batch get a :class:`RetryableError` without
further attempts, so a dead server costs one timeout, not one per message.

Not thread-safe: use one instance per thread.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
import secrets
import smtplib
import socket
import ssl
from collections.abc import Iterable, Iterator
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from notifications.transport import OutgoingMessage, PermanentError, RetryableError, TransportError
from tasks.common.dates import local_now

__all__ = ["SmtpTransport", "clean_header_value"]

log = logging.getLogger(__name__)

# C0 and C1 control characters (CR, LF, TAB, NUL, ESC, NEL...), DEL and the
# Unicode line/paragraph separators: none may reach a header line.
_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(" {2,}")
# RFC 5322 field name: printable ASCII except ":".
_HEADER_NAME = re.compile(r"[!-9;-~]+\Z")
# Plain addr-spec as used in the envelope: no spaces, brackets or controls.
_ADDR_ATOM = r"[^\s<>()\[\],;:\\\"@\x00-\x1f\x7f]+"
_ENVELOPE_ADDRESS = re.compile(rf"{_ADDR_ATOM}@{_ADDR_ATOM}\Z")
_MIME_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*/[A-Za-z0-9][A-Za-z0-9.+-]*\Z")
# Headers the transport builds itself; extra headers may not replace them.
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "return-path",
    }
)


def clean_header_value(value: str) -> str:
    """Make ``value`` safe for one header line.

    Every control character (CR, LF, TAB, NUL, ...) becomes a space, runs of
    spaces collapse and the ends are stripped, so text copied from a plan such
    as ``"abc\\r\\nBcc: x@evil.example"`` can never start a new header.
    """
    value = _CONTROL_CHARS.sub(" ", value)
    if "  " in value:
        value = _SPACES.sub(" ", value)
    return value.strip()


def _envelope_address(address: str) -> str:
    """``"Tên <a@b.vn>"`` or ``"a@b.vn"`` -> ``"a@b.vn"``; PermanentError if unusable."""
    if _CONTROL_CHARS.search(address):
        raise PermanentError(f"invalid e-mail address {address!r}: contains control characters")
    addr = parseaddr(address)[1] if "<" in address else address.strip()
    if not _ENVELOPE_ADDRESS.match(addr) or not addr.isascii():
        raise PermanentError(f"invalid e-mail address {address!r}")
    return addr


def _describe(exc: BaseException) -> str:
    """Short human text for a socket/SMTP exception ("Connection refused")."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return f"{exc.smtp_code} {' '.join(str(text).split())}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _by_code(code: int, message: str) -> TransportError:
    """SMTP reply code -> error: 5xx permanent, anything else retryable."""
    if 500 <= code < 600:
        return PermanentError(message)
    return RetryableError(message)


# 45 bytes of UTF-8 -> 60 base64 chars -> a 72-char encoded word on each
# continuation line; the first word is shortened to fit after "Name: ".
_EW_BYTES = 45
_MAX_LINE = 78


def _encoded_words(value: str, first_room: int = _MAX_LINE - 1) -> str:
    """RFC 2047 base64 encoded-words for ``value``, folded one word per line.

    Chunks end after a space where possible (else between two characters,
    never inside one).  RFC 2047 decoders drop the folding whitespace between
    adjacent encoded words, so decoding gives ``value`` back exactly; a lax
    decoder that keeps it shows at most a doubled space, not a split word.
    """
    data = value.encode("utf-8")
    words = []
    i, n = 0, len(data)
    # bytes that fit in an encoded word of at most `room` characters
    budget = max(6, min(_EW_BYTES, (first_room - 12) // 4 * 3))
    while i < n:
        j = min(i + budget, n)
        if j < n:
            space = data.rfind(b" ", i + budget // 3, j)
            if space != -1:
                j = space + 1
            else:
                while 0x80 <= data[j] < 0xC0:  # never cut inside a character
                    j -= 1
        chunk = binascii.b2a_base64(data[i:j], newline=False).decode("ascii")
        words.append(f"=?utf-8?b?{chunk}?=")
        i = j
        budget = _EW_BYTES
    return "\n ".join(words)


def _mailbox(address: str) -> str:
    """One address in wire form: a non-ASCII display name is encoded by
    :func:`_encoded_words` (the policy's folder puts folding whitespace
    between encoded words of a phrase, which RFC 2047 readers discard, gluing
    words together) and the address goes on its own folded line."""
    address = clean_header_value(address)
    if "<" not in address:
        return address
    name, addr = parseaddr(address)
    if not name:
        return f"<{addr}>" if addr else address
    if name.isascii():
        return formataddr((name, addr))
    return f"{_encoded_words(name, _MAX_LINE - len('From: '))}\n <{addr}>"


def _set_text_header(msg: EmailMessage, name: str, value: str) -> None:
    """Store an unstructured header (value already cleaned of control chars)."""
    if value.isascii():
        if len(name) + len(value) + 2 <= _MAX_LINE:
            msg.set_raw(name, value)
        else:
            msg[name] = value  # let the policy fold long ASCII text at spaces
    else:
        msg.set_raw(name, _encoded_words(value, _MAX_LINE - len(name) - 2))


def _set_address_header(msg: EmailMessage, name: str, addresses: Iterable[str]) -> None:
    msg.set_raw(name, ",\n ".join(_mailbox(a) for a in addresses))


def _base64_body(text: str) -> str:
    # text/* in base64 must use canonical CRLF line ends before encoding.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return base64.encodebytes(text.encode("utf-8")).decode("ascii")


class _WireHeader(str):
    """A header value that is already in wire form (short, ASCII, no CR/LF).

    Follows the policy's header-object protocol (a ``name`` attribute and a
    ``fold()`` method): ``msg.get()`` returns it without re-parsing and the
    generator writes it as is.  Used for the MIME structure headers, which
    the generator reads several times per part.
    """

    name: str

    def __new__(cls, name: str, value: str) -> _WireHeader:
        self = super().__new__(cls, value)
        self.name = name
        return self

    def fold(self, *, policy: Any) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_MIME_VERSION = _WireHeader("MIME-Version", "1.0")
_BASE64 = _WireHeader("Content-Transfer-Encoding", "base64")
_TEXT_TYPES = {
    subtype: _WireHeader("Content-Type", f'text/{subtype}; charset="utf-8"')
    for subtype in ("plain", "html")
}


def _set_text_body(part: EmailMessage, text: str, subtype: str) -> None:
    part.set_raw("Content-Type", _TEXT_TYPES[subtype])
    part.set_raw("Content-Transfer-Encoding", _BASE64)
    part.set_payload(_base64_body(text))


def _text_part(text: str, subtype: str) -> EmailMessage:
    part = EmailMessage(policy=SMTP_POLICY)
    _set_text_body(part, text, subtype)
    return part


def _boundary(kind: str = "alt") -> str:
    # "-" and "." never occur in base64, so the boundary cannot clash with a body.
    return "dondoc-" + secrets.token_hex(8) + "." + kind  # keeps the line under 78


def _set_body(part: EmailMessage, message: OutgoingMessage) -> None:
    """The text, or text and HTML as multipart/alternative, into ``part``."""
    if message.html is None:
        _set_text_body(part, message.text, "plain")
    else:
        part.set_raw(
            "Content-Type",
            _WireHeader("Content-Type", f'multipart/alternative; boundary="{_boundary()}"'),
        )
        part.set_payload([_text_part(message.text, "plain"), _text_part(message.html, "html")])


def _attachment_part(filename: str, mimetype: str, content: bytes) -> MIMEPart:
    """One attached file, base64, with its (RFC 2231 encoded) file name."""
    if not _MIME_TYPE.match(mimetype or ""):
        raise PermanentError(f"invalid MIME type {mimetype!r} for attachment {filename!r}")
    maintype, _, subtype = mimetype.partition("/")
    name = clean_header_value(filename).replace("/", "_").replace("\\", "_") or "attachment"
    part = MIMEPart(policy=SMTP_POLICY)
    part.set_content(bytes(content), maintype=maintype, subtype=subtype, cte="base64",
                     disposition="attachment", filename=name)
    return part


class _ConnectionLost(Exception):
    """Internal: the connection broke while sending one message."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


class SmtpTransport:
    """Send :class:`~notifications.transport.OutgoingMessage` objects by SMTP.

    Built from plain values (the settings object maps DONDOC_SMTP_HOST,
    DONDOC_SMTP_PORT, DONDOC_SMTP_USER, DONDOC_SMTP_PASSWORD,
    DONDOC_SMTP_STARTTLS and DONDOC_MAIL_FROM onto these arguments).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        mail_from: str,
        timeout: float = 10.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not host:
            raise ValueError("SMTP host must not be empty")
        if not (user or "").isascii() or not (password or "").isascii():
            # smtplib encodes AUTH exchanges as ASCII; fail now, not per batch.
            raise ValueError("SMTP user name and password must be ASCII")
        self.host = host
        self.port = int(port)
        self.user = user or None
        self.password = password
        self.starttls = bool(starttls)
        self.timeout = float(timeout)
        self.local_hostname = local_hostname
        self._ssl_context = ssl_context
        # Validated once; the From header keeps a display name if one is given.
        try:
            self._envelope_from = _envelope_address(mail_from)
        except PermanentError as exc:
            raise ValueError(f"mail_from: {exc}") from None
        self.mail_from = clean_header_value(mail_from)
        # Encoded and folded once; reused verbatim for every message.
        self._from_value = _mailbox(self.mail_from)
        self._conn: smtplib.SMTP | None = None
        #: SMTP connections opened for sending so far (for logs and metrics).
        self.connections_opened = 0
        #: why the last :meth:`send_many` gave up on the server (it could not connect, or the
        #: connection broke twice), else None: a caller sending over several connections stops
        #: feeding this one and leaves the rest to the others (notifications/smtp/pool.py)
        self.broken: TransportError | None = None

    # -- public API ---------------------------------------------------------

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def check(self) -> None:
        """Connect (STARTTLS/login as configured), send NOOP, disconnect.

        Raises :class:`RetryableError` ("cannot reach mail server
        127.0.0.1:2525: Connection refused") when the server cannot be reached
        and :class:`PermanentError` when it refuses the login.
        """
        conn = self._connect()
        try:
            code, reply = conn.noop()
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(
                f"mail server {self.address} dropped the connection: {_describe(exc)}"
            ) from exc
        finally:
            _quit(conn)
        if code != 250:
            raise _by_code(
                code, f"mail server {self.address} answered NOOP with {_describe_reply(code, reply)}"
            )

    def send(self, message: OutgoingMessage) -> None:
        """Send one message; raise its :class:`TransportError` on failure."""
        for _, error in self.send_many([message]):
            if error is not None:
                raise error

    def send_many(
        self, messages: Iterable[OutgoingMessage]
    ) -> Iterator[tuple[OutgoingMessage, TransportError | None]]:
        """Deliver ``messages`` over one reused connection.

        Yields ``(message, None)`` on success and ``(message, error)`` on
        failure, one pair per message, in order.  Lazy: nothing is sent until
        the iterator is consumed.
        """
        fatal: TransportError | None = None
        self.broken = None
        for message in messages:
            if fatal is not None:
                yield message, type(fatal)(str(fatal))
                continue
            try:
                envelope_to, payload = self._prepare(message)
            except TransportError as exc:
                yield message, exc
                continue
            except Exception as exc:  # malformed data must not stop the batch
                yield message, PermanentError(f"cannot build message {message.message_id!r}: {exc}")
                continue

            error: TransportError | None = None
            for attempt in (1, 2):
                try:
                    conn = self._connection()
                except TransportError as exc:
                    fatal = error = self.broken = exc
                    break
                try:
                    error = self._send_one(conn, envelope_to, payload, message)
                    break
                except _ConnectionLost as lost:
                    self._drop()
                    if attempt == 1:
                        log.info(
                            "mail server %s dropped the connection (%s); reconnecting",
                            self.address,
                            _describe(lost.cause),
                        )
                        continue
                    fatal = error = self.broken = RetryableError(
                        f"mail server {self.address} dropped the connection: {_describe(lost.cause)}"
                    )
            yield message, error

    def close(self) -> None:
        """QUIT and close the connection if open (the transport stays usable)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            _quit(conn)

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SmtpTransport({self.address}, starttls={self.starttls}, user={self.user!r})"

    # -- message building ---------------------------------------------------

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message for ``message`` (exposed for tests and previews).

        Header values are cleaned of control characters, then stored already
        encoded (RFC 2047) and folded, so the generator emits them verbatim;
        going through the policy's header parser and folder for every header
        costs several milliseconds per message, which matters for batches of
        thousands of digests.
        """
        msg = EmailMessage(policy=SMTP_POLICY)
        msg.set_raw("From", self._from_value)
        if message.to:
            _set_address_header(msg, "To", message.to)
        if message.cc:
            _set_address_header(msg, "Cc", message.cc)
        _set_text_header(msg, "Subject", clean_header_value(message.subject))
        msg.set_raw("Date", format_datetime(local_now()))
        _set_text_header(msg, "Message-ID", clean_header_value(message.message_id))
        if "auto-submitted" not in {name.lower() for name in message.headers}:
            msg.set_raw("Auto-Submitted", "auto-generated")
        for name, value in message.headers.items():
            if not _HEADER_NAME.match(name):
                raise PermanentError(f"invalid header name {name!r}")
            if name.lower() in _RESERVED_HEADERS:
                raise PermanentError(f"header {name!r} is set by the transport")
            _set_text_header(msg, name, clean_header_value(value))
        msg.set_raw("MIME-Version", _MIME_VERSION)
        if not message.attachments:
            _set_body(msg, message)
            return msg
        # files: multipart/mixed, the body (text or alternative) first, then one part per file
        body = EmailMessage(policy=SMTP_POLICY)
        _set_body(body, message)
        parts = [_attachment_part(*attachment) for attachment in message.attachments]
        msg.set_raw("Content-Type", _WireHeader("Content-Type", f'multipart/mixed; boundary="{_boundary("mix")}"'))
        msg.set_payload([body, *parts])
        return msg

    def _prepare(self, message: OutgoingMessage) -> tuple[list[str], bytes]:
        envelope_to = list(dict.fromkeys(_envelope_address(a) for a in (*message.to, *message.cc)))
        if not envelope_to:
            raise PermanentError(f"message {message.message_id} has no recipients")
        if not clean_header_value(message.message_id or ""):
            raise PermanentError("message has no Message-ID")
        if not message.message_id.isascii():
            raise PermanentError(f"Message-ID must be ASCII: {message.message_id!r}")
        return envelope_to, self.build(message).as_bytes()

    # -- connection handling ------------------------------------------------

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._connect()
            self.connections_opened += 1
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        _close_quietly(conn)

    def _connect(self) -> smtplib.SMTP:
        """Open, greet, STARTTLS and log in; raise TransportError on failure."""
        where = self.address
        conn: smtplib.SMTP | None = None
        try:
            conn = smtplib.SMTP(timeout=self.timeout, local_hostname=self.local_hostname)
            conn.connect(self.host, self.port)
            conn.ehlo_or_helo_if_needed()
            if self.starttls:
                context = self._ssl_context or ssl.create_default_context()
                conn.starttls(context=context)
                conn.ehlo()
            if self.user:
                conn.login(self.user, self.password or "")
            return conn
        except smtplib.SMTPAuthenticationError as exc:
            _close_quietly(conn)
            raise PermanentError(
                f"mail server {where} refused the login for {self.user!r}: {_describe(exc)}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            _close_quietly(conn)
            raise PermanentError(f"mail server {where}: {exc}") from exc
        except smtplib.SMTPResponseException as exc:  # SMTPConnectError, SMTPHeloError, ...
            _close_quietly(conn)
            raise _by_code(exc.smtp_code, f"mail server {where} answered {_describe(exc)}") from exc
        except ssl.SSLCertVerificationError as exc:
            _close_quietly(conn)
            raise PermanentError(
                f"mail server {where}: TLS certificate rejected: {exc.verify_message or exc}"
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            _close_quietly(conn)
            raise RetryableError(f"mail server {where} closed the connection: {_describe(exc)}") from exc
        except smtplib.SMTPException as exc:  # e.g. "No suitable authentication method found."
            # (SMTPException is an OSError subclass, so this must come first.)
            _close_quietly(conn)
            raise PermanentError(f"mail server {where}: {exc}") from exc
        except OSError as exc:  # refused, unreachable, DNS, timeout, TLS handshake
            _close_quietly(conn)
            raise RetryableError(f"cannot reach mail server {where}: {_describe(exc)}") from exc

    def _send_one(
        self,
        conn: smtplib.SMTP,
        envelope_to: list[str],
        payload: bytes,
        message: OutgoingMessage,
    ) -> TransportError | None:
        """Send one message; return its error, raise _ConnectionLost if the link broke."""
        where = self.address
        try:
            refused = conn.sendmail(self._envelope_from, envelope_to, payload)
        except smtplib.SMTPRecipientsRefused as exc:
            details = "; ".join(
                f"{addr} ({_describe_reply(*reply)})" for addr, reply in exc.recipients.items()
            )
            codes = [code for code, _ in exc.recipients.values()]
            text = f"mail server {where} refused all recipients: {details}"
            if codes and all(500 <= code < 600 for code in codes):
                return PermanentError(text)
            return RetryableError(text)
        except smtplib.SMTPSenderRefused as exc:
            return _by_code(
                exc.smtp_code,
                f"mail server {where} refused sender {self._envelope_from}: {_describe(exc)}",
            )
        except smtplib.SMTPDataError as exc:
            return _by_code(
                exc.smtp_code,
                f"mail server {where} rejected message {message.message_id}: {_describe(exc)}",
            )
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # server is closing the connection
                self._drop()
            return _by_code(exc.smtp_code, f"mail server {where}: {_describe(exc)}")
        except smtplib.SMTPNotSupportedError as exc:
            return PermanentError(f"mail server {where}: {exc}")
        except smtplib.SMTPServerDisconnected as exc:
            raise _ConnectionLost(exc) from exc
        except smtplib.SMTPException as exc:  # an OSError subclass: before OSError
            return RetryableError(f"mail server {where}: {exc}")
        except OSError as exc:  # reset, broken pipe, timeout
            raise _ConnectionLost(exc) from exc
        if refused:
            # Accepted for some recipients: delivered; resending would duplicate it.
            log.warning(
                "mail server %s refused some recipients of %s: %s",
                where,
                message.message_id,
                "; ".join(f"{addr} ({_describe_reply(*reply)})" for addr, reply in refused.items()),
            )
        return None


def _describe_reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


def _close_quietly(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        _close_quietly(conn)
