"""Claims as leases: every row a sender claims is owned by a running sender, and a stopped
sender's claims are taken back at once by the next one, without repeating what the mail server
already accepted.

A sender (one sweep, one report job, one page sending what it queued) registers a row in
``outbox_sender`` before claiming anything and renews its ``heartbeat_at`` every HEARTBEAT from
a thread of its own while it sends. Another sender judges it stopped when

* its heartbeat is older than LEASE (a machine that died, a process frozen), or
* it ran on this host and its process is gone (kill -9, a crash: told at once by the process's
  pid and start time, so a reused pid is not mistaken for it), or
* on PostgreSQL, it ran on another host and the session-level advisory lock it holds on its
  heartbeat connection is free: the database ends a dead client's session, and its locks with
  it, as soon as the connection closes.

The rows a stopped sender had claimed go back to pending, except those whose message the
Message-ID ledger (``outbox_send``) says the mail server accepted: those are marked sent with
that Message-ID and are not sent again (``recover_stopped``).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlmodel import Session, col, select

from models.core.tables import PENDING, SENDING, SENT, OutboxSend, OutboxSender
from models.core.types import utcnow

if TYPE_CHECKING:
    from models.outbox.queue import OutboxRow

__all__ = ["HEARTBEAT", "LEASE", "Recovered", "SenderLease", "recover_stopped", "this_process"]

# a sender whose heartbeat is older than this is taken to have stopped (whatever its host)
LEASE = timedelta(seconds=60)
# how often a running sender renews its heartbeat: four renewals per lease, so a slow commit or
# a busy database does not lapse a lease that is being renewed
HEARTBEAT = timedelta(seconds=15)


@dataclass
class Recovered:
    """Rows of stopped senders taken back: ``delivered`` were accepted by the mail server (the
    ledger says so) and are now marked sent; ``released`` went back to pending and are sent again."""

    delivered: int = 0
    released: int = 0

    @property
    def rows(self) -> int:
        return self.delivered + self.released

    def __iadd__(self, other: Recovered) -> Recovered:
        self.delivered += other.delivered
        self.released += other.released
        return self


@cache
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:  # not Linux: the pid alone (and the lease) tell
        return ""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), '' where
    /proc is missing and the process exists, None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        stat = ""
    if stat:
        # the command name (field 2) is in parentheses and may hold spaces: count from its end
        return stat.rsplit(")", 1)[-1].split()[19]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


def this_process() -> tuple[str, str]:
    """(host, process) as a sender row records them."""
    pid = os.getpid()
    return socket.gethostname()[:255], f"{_boot_id()}:{pid}:{_start_time(pid) or ''}"[:120]


def _process_gone(host: str, process: str) -> bool:
    """True when the process (recorded on ``host``) is certainly not running: on this host, a
    different boot, or no process with that pid and start time. On another host: unknown (False)."""
    my_host, _ = this_process()
    if host != my_host:
        return False
    boot, _, rest = process.partition(":")
    pid_text, _, started = rest.partition(":")
    if boot != _boot_id():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    now_started = _start_time(pid)
    return now_started is None or (bool(started) and bool(now_started) and now_started != started)


def _lock_key(sender_id: str) -> int:
    """The sender's PostgreSQL advisory lock key: 64 bits of its id, signed."""
    return int(uuid.UUID(sender_id).hex[:16], 16) - 2**63


class SenderLease:
    """A running sender's registration and heartbeat. Use as a context manager: entering
    registers the sender (committed before it claims anything) and starts the heartbeat thread;
    leaving stops it and removes the registration, the sender's own unfinished claims first
    given back (``recover_stopped`` on itself: accepted ones marked sent, the rest pending).

    ``lost`` is set when the heartbeat finds the registration gone (another sender judged this
    one stopped, for instance after the process was frozen for longer than LEASE): the sender
    must then send nothing more, its rows being someone else's."""

    def __init__(self, engine: Engine, *, table: type[OutboxRow], heartbeat: timedelta = HEARTBEAT) -> None:
        self.engine = engine
        self.table: type[Any] = table
        self.outbox: str = table.__tablename__  # type: ignore[assignment]  # a str on every table class
        self.id = uuid.uuid4().hex
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._heartbeat = heartbeat
        self._conn: Connection | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # the heartbeat connection is used by one thread at a time

    def __enter__(self) -> SenderLease:
        host, process = this_process()
        now = utcnow()
        self._conn = conn = self.engine.connect()
        try:
            if conn.dialect.name == "postgresql":
                # held by this connection's session until it ends: free once this process is gone
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _lock_key(self.id)})
            conn.execute(sa.insert(OutboxSender), [{"id": self.id, "outbox": self.outbox, "host": host,
                                                    "process": process, "started_at": now, "heartbeat_at": now}])
            conn.commit()
        except BaseException:
            conn.close()
            self._conn = None
            raise
        self._thread = threading.Thread(target=self._beat, name=f"dondoc-lease-{self.id[:8]}", daemon=True)
        self._thread.start()
        return self

    def renew(self) -> bool:
        """Renew the heartbeat now; False (and ``lost`` set) when the registration is gone."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return False
            try:
                result = conn.execute(
                    sa.update(OutboxSender).where(col(OutboxSender.id) == self.id).values(heartbeat_at=utcnow())
                )
                conn.commit()
            except sa.exc.DBAPIError:
                # the connection (and on PostgreSQL the advisory lock) may be gone: another sender
                # may take this one's rows from now on, so it must stop sending
                self.lost.set()
                return False
        if result.rowcount == 0:
            self.lost.set()
            return False
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat.total_seconds()):
            if not self.renew():
                return

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not self.lost.is_set():
                with Session(self.engine) as session:  # the sender's own unfinished rows, if any
                    _recover_one(session, table=self.table, sender_id=self.id, now=utcnow())
                    session.execute(sa.delete(OutboxSend).where(col(OutboxSend.sender_id) == self.id))
                    session.execute(sa.delete(OutboxSender).where(col(OutboxSender.id) == self.id))
                    session.commit()
        finally:
            try:
                if conn.dialect.name == "postgresql" and not conn.invalidated:
                    # the connection goes back to the pool, its session (and lock) living on
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(self.id)})
                    conn.commit()
            except sa.exc.DBAPIError:
                conn.invalidate()  # a broken session is closed, not pooled: its lock ends with it
            finally:
                conn.close()


def _stopped(session: Session, sender: OutboxSender, *, now: datetime) -> bool:
    if sender.heartbeat_at < now - LEASE or _process_gone(sender.host, sender.process):
        return True
    if session.get_bind().dialect.name != "postgresql" or sender.host == this_process()[0]:
        return False  # on this host the process said it runs; SQLite lives on one host
    key = _lock_key(sender.id)
    if session.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
        session.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return True
    return False


def _recover_one(session: Session, *, table: type[OutboxRow], sender_id: str, now: datetime) -> Recovered:
    """Give back the rows ``sender_id`` still holds: those whose message the ledger says was
    accepted are marked sent (at its acceptance time), the rest go back to pending."""
    accepted = (
        select(col(OutboxSend.message_id))
        .where(col(OutboxSend.sender_id) == sender_id, col(OutboxSend.outbox) == table.__tablename__,
               col(OutboxSend.accepted_at).is_not(None))
    )
    accepted_at = (
        select(sa.func.max(OutboxSend.accepted_at))
        .where(col(OutboxSend.sender_id) == sender_id, col(OutboxSend.message_id) == col(table.message_id))
        .scalar_subquery()
    )
    held = (col(table.status) == SENDING, col(table.claimed_by) == sender_id)
    delivered = cast(CursorResult[Any], session.execute(
        sa.update(table).where(*held, col(table.message_id).in_(accepted))
        .values(status=SENT, sent_at=sa.func.coalesce(accepted_at, now), claimed_by=None)
        .execution_options(synchronize_session=False)
    )).rowcount or 0
    released = cast(CursorResult[Any], session.execute(
        sa.update(table).where(*held).values(status=PENDING, claimed_by=None, message_id=None)
        .execution_options(synchronize_session=False)
    )).rowcount or 0
    return Recovered(delivered=delivered, released=released)


def recover_stopped(session: Session, *, table: type[OutboxRow], me: str | None, now: datetime | None = None
                    ) -> Recovered:
    """Take back the claims of every stopped sender of ``table``'s outbox (module docstring) and
    remove their registrations and ledger rows; the caller commits. ``now`` is the real clock
    (leases are judged by it, never by a sweep's moved clock)."""
    now = now or utcnow()
    senders = list(session.exec(
        select(OutboxSender).where(col(OutboxSender.outbox) == table.__tablename__, col(OutboxSender.id) != (me or ""))
    ))
    out = Recovered()
    for sender in senders:
        if not _stopped(session, sender, now=now):
            continue
        out += _recover_one(session, table=table, sender_id=sender.id, now=now)
        session.execute(sa.delete(OutboxSend).where(col(OutboxSend.sender_id) == sender.id))
        session.execute(sa.delete(OutboxSender).where(col(OutboxSender.id) == sender.id))
    return out
