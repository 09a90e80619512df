"""Send a batch of messages over several SMTP connections at once, one thread per connection.

A sender's time goes mostly to waiting on the mail server's replies; one connection sends one
message at a time, so several connections (a limit per relay, DONDOC_SMTP_CONNECTIONS) send
several at once. Each thread owns one transport (not thread-safe) and keeps its connection
from one batch to the next; it renders each message it takes (Jinja2: the rendering of one
thread runs while the others wait on their sockets) and hands every result back to the caller's
thread, which alone touches the database. Results come back as soon as they are known, in
groups of what is ready, so the caller can record a whole group in one commit.

A connection that gives up (the server cannot be reached, or dropped the connection twice)
stops taking messages and leaves them to the others; when every connection has given up, the
messages left are reported with its error, unsent.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from notifications.transport import OutgoingMessage, RetryableError, Transport, TransportError

__all__ = ["Job", "SendResult", "SmtpPool"]


@dataclass(frozen=True)
class Job:
    """One message to send: ``key`` is the caller's, ``render`` makes the message when a
    connection takes it, ``message_id`` is the one it must carry (the caller wrote it down)."""

    key: Any
    message_id: str
    render: Callable[[], OutgoingMessage]


@dataclass(frozen=True)
class SendResult:
    job: Job
    error: TransportError | None  # None: the server answered 250
    at: datetime  # when the answer came (or the attempt was given up)
    attempted: bool = True  # False: no connection took the message (every one had given up)


_DONE = object()


def utcnow() -> datetime:
    return datetime.now(UTC)


Made = tuple[Job, OutgoingMessage]


def _drain(q: queue.Queue[Made | None]) -> list[Job]:
    """The jobs whose messages wait in ``q`` (the end marks, None, dropped)."""
    out: list[Job] = []
    while True:
        try:
            item = q.get_nowait()
        except queue.Empty:
            return out
        if item is not None:
            out.append(item[0])


class SmtpPool:
    """Up to ``connections`` transports made by ``connect``, each used by one thread at a time."""

    def __init__(self, connect: Callable[[], Transport], connections: int) -> None:
        if connections < 1:
            raise ValueError("at least one connection")
        self._connect = connect
        self.connections = connections
        self._transports: list[Transport] = []
        #: the error of the last batch's connections when every one of them gave up, else None
        self.broken: TransportError | None = None

    def _transport(self, n: int) -> Transport:
        while len(self._transports) <= n:
            self._transports.append(self._connect())
        return self._transports[n]

    def send(self, jobs: Sequence[Job], *, stop: threading.Event | None = None) -> Iterator[list[SendResult]]:
        """Send ``jobs``; yield their results in groups (whatever is ready, at least one). Every
        job gets exactly one result. With ``stop`` set, no further message is started.

        The messages are made here, in the caller's thread, a few ahead of the connections (the
        making of a message, a công văn included, need not be thread-safe), while the
        connections' threads wait on the server."""
        self.broken = None
        if not jobs:
            return
        stop = stop or threading.Event()
        n = min(self.connections, len(jobs))
        transports = [self._transport(i) for i in range(n)]
        ahead: queue.Queue[Made | None] = queue.Queue()  # messages made, then one None (end) per thread
        done: queue.Queue[object] = queue.Queue()
        gave_up: list[TransportError] = []

        def work(transport: Transport) -> None:
            current: dict[int, Job] = {}  # id(message) -> its job, for the results send_many yields

            def take() -> Iterator[OutgoingMessage]:
                while not stop.is_set() and getattr(transport, "broken", None) is None:
                    item = ahead.get()
                    if item is None:
                        return
                    current[id(item[1])] = item[0]
                    yield item[1]

            try:
                for message, error in transport.send_many(take()):
                    done.put(SendResult(current.pop(id(message)), error, utcnow()))
                broken = getattr(transport, "broken", None)
                if broken is not None:
                    gave_up.append(broken)
            except BaseException as exc:  # handed to the caller's thread, raised there
                done.put(exc)
            finally:
                done.put(_DONE)

        threads = [threading.Thread(target=work, args=(t,), name=f"dondoc-smtp-{i}", daemon=True)
                   for i, t in enumerate(transports)]
        for thread in threads:
            thread.start()
        running = len(threads)
        todo = list(reversed(jobs))
        made = 0  # messages handed to the threads and not yet answered
        ended = False
        try:
            while running:
                group: list[SendResult] = []
                while not ended and made < 2 * n:  # keep the connections fed
                    if not todo or stop.is_set():
                        for _ in threads:
                            ahead.put(None)
                        ended = True
                        break
                    job = todo.pop()
                    try:
                        message = job.render()
                    except Exception as exc:  # a message that cannot be made must not stop the batch
                        group.append(SendResult(job, RetryableError(f"cannot make message {job.message_id}: {exc}"),
                                                utcnow()))
                        continue
                    if message.message_id != job.message_id:
                        message = replace(message, message_id=job.message_id)
                    ahead.put((job, message))
                    made += 1
                if group:
                    yield group
                    continue
                item = done.get()
                while True:
                    if item is _DONE:
                        running -= 1
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        group.append(item)  # type: ignore[arg-type]
                        made -= 1
                    try:
                        item = done.get_nowait()
                    except queue.Empty:
                        break
                if group:
                    yield group
        finally:
            # messages made and not taken: none is started once the loop is over (every
            # connection gave up, or the caller did, an error while recording its results)
            unsent = _drain(ahead)
            if not ended:
                for _ in threads:
                    ahead.put(None)
            for thread in threads:
                thread.join()
        left: list[SendResult] = []
        for job in unsent + list(reversed(todo)):
            error = gave_up[-1] if gave_up else RetryableError("not sent: the sender stopped")
            left.append(SendResult(job, type(error)(str(error)), utcnow(), attempted=False))
        if gave_up and len(gave_up) == len(threads):
            self.broken = gave_up[-1]
        if left:
            yield left

    def close(self) -> None:
        for transport in self._transports:
            transport.close()
        self._transports.clear()
