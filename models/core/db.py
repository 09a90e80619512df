"""Engine, sessions and migrations. The same code serves SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel import Session

if TYPE_CHECKING:  # Alembic is imported only when a migration runs
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web app read while a sweep writes; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = sa.create_engine(url)
    sa.event.listen(engine, "checkout", _idle_pinger(engine.dialect))
    sa.event.listen(engine, "checkin", _note_checkin)
    return engine


# A connection back in the pool for longer than this is tested before it is handed out.
# SQLAlchemy's pool_pre_ping tests every checkout: one more round trip per web request (a tenth
# of a list page's time under load), while a connection used a moment ago is as good as tested.
IDLE_PING_SECONDS = 5.0


def _note_checkin(_dbapi_conn: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _idle_pinger(
    dialect: Dialect,
) -> Callable[[DBAPIConnection, ConnectionPoolEntry, PoolProxiedConnection], None]:
    def ping_if_idle(dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        """Pessimistic disconnect handling for idle connections (SQLAlchemy's documented recipe:
        DisconnectionError makes the pool drop this connection and try another)."""
        last = record.info.get("checked_in_at")
        if last is not None and time.monotonic() - last < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)  # the dialect's own ping (autocommit: no transaction left open)
        except Exception as exc:
            raise sa.exc.DisconnectionError(f"stale connection: {exc}") from exc

    return ping_if_idle


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the process; the default URL comes from the settings."""
    if url is None:
        from config.settings import get_settings

        url = get_settings().effective_database_url
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


def get_read_engine(url: str | None = None) -> Engine:
    """The same engine and pool with autocommit, for work that only reads: no BEGIN and COMMIT
    around it (on PostgreSQL two round trips of a page's four). Each statement then sees the data
    committed when it starts, as it already did inside a READ COMMITTED transaction. Not for
    anything that writes: there a failure half-way would keep what was written before it."""
    engine = get_engine(url)
    read = _read_engines.get(engine)
    if read is None:
        read = _read_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return read


_read_engines: dict[Engine, Engine] = {}


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _read_engines.clear()


def fetch_raw(session: Session, query: Any) -> Sequence[tuple[Any, ...]]:
    """All rows of a SELECT as the driver returns them, skipping SQLAlchemy's row processing
    (a good part of the time when tens of thousands of rows are read). Values come as the
    driver gives them: on SQLite dates and timestamps are ISO text."""
    conn = session.connection()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any = tuple(params[name] for name in compiled.positiontup or []) if compiled.positional else params
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, args)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


# The newest migration; a test checks it against Alembic's own head.
HEAD = "0019"


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def ensure_schema(engine: Engine) -> None:
    """Upgrade only when needed: loading Alembic costs a one-shot command a few hundred ms."""
    try:
        with engine.connect() as conn:
            current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        current = None
    if current != HEAD:
        upgrade(engine)
