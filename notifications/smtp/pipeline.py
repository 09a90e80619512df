"""Send in a worker thread while the caller renders the next message and records the last result.

A sweep renders a digest (Jinja2, ~3 ms of CPU), sends it (the client waits for each SMTP
reply while the server works) and writes the result back (one commit). Done one after the
other, the waits add up; with the network part in its own thread the caller's CPU work runs
while the thread waits on the socket (it holds no GIL then). Results come back in order, one
per message, exactly as ``Transport.send_many`` yields them, and the caller stays the only
one touching the database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from notifications.transport import OutgoingMessage, TransportError

__all__ = ["send_pipelined"]

Result = tuple[OutgoingMessage, TransportError | None]
SendMany = Callable[[Iterable[OutgoingMessage]], Iterator[Result]]

_END = object()


def _until_end(inbox: queue.Queue[object], stop: threading.Event) -> Iterator[OutgoingMessage]:
    while (item := inbox.get()) is not _END and not stop.is_set():
        yield item  # type: ignore[misc]


def send_pipelined(send_many: SendMany, messages: Iterable[OutgoingMessage]) -> Iterator[Result]:
    """``send_many(messages)``, with the sending in a worker thread (see the module docstring).

    ``messages`` is consumed in the caller's thread (lazily rendered messages are rendered
    there); every result already available is yielded after each message handed over. An
    exception raised by the sender is raised here. Closing the iterator early stops the worker
    after the message in flight."""
    inbox: queue.Queue[object] = queue.Queue()
    outbox: queue.Queue[object] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for result in send_many(_until_end(inbox, stop)):
                outbox.put(result)
        except BaseException as exc:  # handed to the caller's thread, raised there
            outbox.put(exc)
        finally:
            outbox.put(_END)

    worker = threading.Thread(target=work, name="dondoc-send", daemon=True)
    worker.start()
    ended = False

    def take(item: object) -> Result:
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[return-value]

    try:
        for message in messages:
            inbox.put(message)
            while True:
                try:
                    item = outbox.get_nowait()
                except queue.Empty:
                    break
                if item is _END:
                    ended = True
                    break
                yield take(item)
        inbox.put(_END)
        while not ended and (item := outbox.get()) is not _END:
            yield take(item)
        ended = True
    finally:
        if not ended:
            # the caller gave up (an error while rendering or recording): send nothing more
            # whose result could not be written back; the message in flight still goes
            stop.set()
            inbox.put(_END)
        worker.join()
