"""E-mail notifications: rendering (messages), delivery (smtp) and their shared types.

Typical use::

    from notifications import SmtpTransport, make_message, stable_message_id

    msg = make_message("reminder_digest", ["sonnptnt@bacgiang.example"], ctx,
                       message_id=stable_message_id(notice_keys, "dondoc.bacgiang.example"))
    with SmtpTransport(host, port, mail_from="dondoc@bacgiang.example") as transport:
        for message, error in transport.send_many([msg]):
            ...  # error is None, a RetryableError or a PermanentError
"""

from tasks.common.dates import fmt_date, fmt_days, local_now, local_today

from .messages.render import KINDS, make_message, render, stable_message_id
from .smtp.transport import SmtpTransport, clean_header_value
from .transport import (
    OutgoingMessage,
    PermanentError,
    RetryableError,
    Transport,
    TransportError,
)

__all__ = [
    "KINDS",
    "OutgoingMessage",
    "PermanentError",
    "RetryableError",
    "SmtpTransport",
    "Transport",
    "TransportError",
    "clean_header_value",
    "fmt_date",
    "fmt_days",
    "local_now",
    "local_today",
    "make_message",
    "render",
    "stable_message_id",
]
