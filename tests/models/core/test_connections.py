"""PostgreSQL connections from the pool: an idle one is tested before use, a busy one is not."""

from __future__ import annotations

import sqlalchemy as sa

import models.core.db as db
from tests.conftest import PG_SERVER


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_dropped_while_idle_is_replaced_without_an_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every connection counts as idle
    engine = db.make_engine(PG_SERVER)
    admin = sa.create_engine(PG_SERVER)
    try:
        first = _backend_pid(engine)
        with admin.connect() as conn:  # the server restarts, or an administrator kills the session
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        second = _backend_pid(engine)  # no OperationalError: the ping found it dead, the pool reconnected
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_used_a_moment_ago_goes_out_without_a_ping(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)
    engine = db.make_engine(PG_SERVER)
    pings: list[object] = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real(c))
    try:
        _backend_pid(engine)  # a new connection is tested once
        for _ in range(5):
            _backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()
