"""Send a batch of messages over several SMTP connections at once, one thread per connection.

A sender's time goes mostly to waiting on the mail server's replies; one connection sends one
message at a time, so several connections (a limit per relay, DONDOC_SMTP_CONNECTIONS) send
several at once. Each thread owns one transport (not thread-safe) and keeps its connection
from one batch to the next. The messages are made in the caller's thread, a few ahead of the
connections, while their threads wait on the server. The results go to one recording thread
as soon as they are known, in groups of what is ready, so a whole group is recorded in one
commit and no record waits for the making of the next message.

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

    def send(self, jobs: Sequence[Job], *, record: Callable[[list[SendResult]], None] | None = None,
             stop: threading.Event | None = None) -> list[SendResult]:
        """Send ``jobs`` and return one result per job. ``record`` is called with each group of
        results as they come (whatever is ready, at least one), from a thread of its own, so
        that the record of a 250 waits neither for the making of the next message nor for the
        other connections. With ``stop`` set, no further message is started.

        The messages are made in the caller's thread (the making of a message, a công văn
        included, need not be thread-safe), a few ahead of the connections."""
        self.broken = None
        if not jobs:
            return []
        stop = stop or threading.Event()
        n = min(self.connections, len(jobs))
        transports = [self._transport(i) for i in range(n)]
        ahead: queue.Queue[Made | None] = queue.Queue()  # messages made, then one None (end) per thread
        done: queue.Queue[object] = queue.Queue()
        slots = threading.Semaphore(2 * n)  # messages made and not yet answered, at most
        gave_up: list[TransportError] = []
        results: list[SendResult] = []
        failure: list[BaseException] = []
        finished = threading.Event()  # every connection's thread has ended

        def work(transport: Transport) -> None:
            current: dict[int, Job] = {}  # id(message) -> its job, for the results send_many yields

            def take() -> Iterator[OutgoingMessage]:
                while not stop.is_set() and not failure and getattr(transport, "broken", None) is None:
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

        def recorder() -> None:
            running = n
            while running:
                group: list[SendResult] = []
                item = done.get()
                while True:
                    if item is _DONE:
                        running -= 1
                    elif isinstance(item, BaseException):
                        failure.append(item)
                    else:
                        group.append(item)  # type: ignore[arg-type]
                        slots.release()
                    try:
                        item = done.get_nowait()
                    except queue.Empty:
                        break
                if group:
                    results.extend(group)
                    if record is not None and not failure:
                        try:
                            record(group)
                        except BaseException as exc:  # raised in the caller's thread; nothing more is sent
                            failure.append(exc)
            finished.set()
            slots.release()  # a caller waiting for room wakes up and sees the end

        threads = [threading.Thread(target=work, args=(t,), name=f"dondoc-smtp-{i}", daemon=True)
                   for i, t in enumerate(transports)]
        threads.append(threading.Thread(target=recorder, name="dondoc-smtp-record", daemon=True))
        for thread in threads:
            thread.start()
        made_failed: list[SendResult] = []
        todo = list(reversed(jobs))
        try:
            while todo and not stop.is_set() and not failure:
                slots.acquire()
                if finished.is_set() or failure:  # every connection gave up
                    break
                job = todo.pop()
                try:
                    message = job.render()
                except Exception as exc:  # a message that cannot be made must not stop the batch
                    slots.release()
                    made_failed.append(SendResult(job, RetryableError(f"cannot make message {job.message_id}: {exc}"),
                                                  utcnow()))
                    continue
                if message.message_id != job.message_id:
                    message = replace(message, message_id=job.message_id)
                ahead.put((job, message))
        finally:
            for _ in range(n):
                ahead.put(None)
            for thread in threads:
                thread.join()
        if failure:
            raise failure[0]
        if gave_up and len(gave_up) == n:
            self.broken = gave_up[-1]
        error = gave_up[-1] if gave_up else RetryableError("not sent: the sender stopped")
        unsent = [SendResult(job, type(error)(str(error)), utcnow(), attempted=False)
                  for job in _drain(ahead) + list(reversed(todo))]
        return results + made_failed + unsent

    def close(self) -> None:
        for transport in self._transports:
            transport.close()
        self._transports.clear()
