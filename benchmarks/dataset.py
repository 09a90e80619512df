"""Synthetic databases for the sweep benchmarks, loaded in bulk (not through the importer).

The schema comes from the project's migrations (models.core.db.upgrade). Rows are written with one
compiled SQLAlchemy Core INSERT executed for many rows at once (executemany on the driver's
cursor) on SQLite, and with COPY on PostgreSQL. Every value goes through the column type's
bind processor on SQLite, so the stored form is exactly what the application writes itself
(UTC timestamps, ISO dates, JSON text). Columns a generator leaves out get the model's
Python-side default (``list`` for JSON lists, ``utcnow`` for timestamps), or NULL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa

CHUNK = 50_000
CREATED = datetime(2019, 12, 1, 1, 0, tzinfo=UTC)


def _defaults(table: sa.Table, names: Sequence[str], given: Sequence[str]) -> list[tuple[str, Any]]:
    """(column, value or factory) for the columns of the INSERT that a generator does not give."""
    out: list[tuple[str, Any]] = []
    for name in names:
        if name in given:
            continue
        default = table.c[name].default
        if default is not None and (default.is_scalar or default.is_callable):
            out.append((name, default.arg))  # a callable is called per row (SQLAlchemy's wrapper takes a context)
        elif table.c[name].nullable:
            out.append((name, None))
        else:
            raise ValueError(f"{table.name}.{name} needs a value")
    return out


def load(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, Python values) in chunks; returns the count."""
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    binds = list(compiled.positiontup) if compiled.positional else list(compiled.binds)  # type: ignore[arg-type]
    extra = _defaults(table, binds, columns)
    names = [*columns, *(name for name, _ in extra)]
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, names, extra, rows)
    order = [names.index(n) for n in binds]
    processors = [table.c[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for n in names]
    memos: list[dict[Any, Any]] = [{} for _ in names]
    total = 0
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        full = [(*row, *(_value(v) for _, v in extra)) for row in chunk]
        cols = list(zip(*full, strict=True))
        for i, process in enumerate(processors):
            if process is not None:
                cols[i] = _convert(process, memos[i], cols[i])
        conn.exec_driver_sql(compiled.string, [tuple(r[i] for i in order) for r in zip(*cols, strict=True)])
        total += len(chunk)
    return total


def _value(default: Any) -> Any:
    return default(None) if callable(default) else default


def _convert(process: Any, memo: dict[Any, Any], values: Sequence[Any]) -> list[Any]:
    try:
        for v in set(values):
            if v not in memo:
                memo[v] = process(v)
        return [memo[v] for v in values]
    except TypeError:  # unhashable JSON values
        return [process(v) for v in values]


def _copy(conn: sa.Connection, table: sa.Table, names: list[str], extra: list[tuple[str, Any]],
          rows: Iterable[Sequence[Any]]) -> int:
    json_cols = {i for i, n in enumerate(names) if isinstance(table.c[n].type.dialect_impl(conn.dialect), sa.JSON)}
    raw = conn.connection.dbapi_connection
    total = 0
    copy_sql = f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            full = [*row, *(_value(v) for _, v in extra)]
            for i in json_cols:
                full[i] = json.dumps(full[i], ensure_ascii=False)
            copy.write_row(full)
            total += 1
    return total


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite(template: Path, target: Path) -> None:
    """A fresh copy of a checkpointed SQLite database (no -wal file to carry over)."""
    remove_sqlite(target)
    shutil.copyfile(template, target)


def checkpoint_sqlite(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def template_is_current(template: Path) -> bool:
    """The template exists and is at the newest migration. An older one would be upgraded by
    every timed run of a command (``ensure_schema``), which is then measuring Alembic."""
    from models.core.db import HEAD

    if not template.exists():
        return False
    engine = sa.create_engine(sqlite_url(template))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()


@contextmanager
def template_build(template: Path) -> Iterator[sa.Engine]:
    """A new migrated SQLite database beside ``template``; when the block ends without an error
    it is checkpointed and moved into place (a half-built file never passes for a template)."""
    from models.core.db import make_engine, upgrade

    template.parent.mkdir(parents=True, exist_ok=True)
    building = template.with_name(template.name + ".building")
    remove_sqlite(building)
    engine = make_engine(sqlite_url(building))
    upgrade(engine)
    yield engine
    checkpoint_sqlite(engine)
    building.replace(template)


def agency_rows(province: str, count: int, domain: str, *, office_first: bool = True) -> Iterator[tuple[Any, ...]]:
    """(province, key, name, kind, email, head_email, aliases, groups, created_at, updated_at, active)."""
    for i in range(1, count + 1):
        if office_first and i == 1:
            kind, name = "office", "Văn phòng Điều phối nông thôn mới tỉnh"
        elif i <= 60:
            kind, name = "department", f"Sở thử nghiệm số {i:03d}"
        else:
            kind, name = "district", f"UBND huyện thử nghiệm số {i:03d}"
        yield (province, f"bench-{i:03d}", name, kind, f"donvi{i:03d}@{domain}", f"thutruong{i:03d}@{domain}",
               [], [], CREATED, CREATED, True)



def start_province(session: Any, *, province: str, agencies: int, domain: str) -> tuple[int, list[Any]]:
    """What every synthetic province starts with: the shipped escalation policy stored, and
    ``agencies`` agencies loaded; returns the policy's id and the (id, name) rows in id order."""
    from config.settings import REPO_ROOT
    from models.core.tables import Agency
    from models.escalation.policies import policy_id
    from tasks.escalation.policy import load_policy

    pid = policy_id(session, policy=load_policy(REPO_ROOT / "config" / "escalation.yaml"))
    conn = session.connection()
    load(conn, Agency.__table__, AGENCY_COLUMNS, agency_rows(province, agencies, domain))
    return pid, list(conn.execute(sa.select(Agency.id, Agency.name).order_by(Agency.id)).all())

AGENCY_COLUMNS = ("province", "key", "name", "kind", "email", "head_email", "aliases", "groups",
                  "created_at", "updated_at", "active")
PLAN_COLUMNS = ("code", "province", "title", "issuer", "issued_on", "year", "source_name", "source_sha256",
                "report_schedule", "leadership_email", "created_at", "updated_at")
TASK_COLUMNS = ("plan_id", "ref", "position", "section", "section_code", "number", "content", "deadline_text",
                "deadline_kind", "due_date", "lead_text", "coordinating_text", "source", "state", "unresolved",
                "created_at", "updated_at")
ASSIGNMENT_COLUMNS = ("task_id", "agency_id", "role", "status", "percent", "due_date", "original_due_date",
                      "completed_on", "policy_id", "created_at", "updated_at")


def plan_row(code: str, province: str, year: int, leadership_email: str) -> tuple[Any, ...]:
    return (code, province, f"Kế hoạch thử nghiệm {code}", "UBND tỉnh", date(year, 1, 15), year,
            f"{code.replace('/', '-')}.xlsx", "0" * 64, [], leadership_email, CREATED, CREATED)


def task_row(plan_id: int, number: int, due: date, lead_name: str) -> tuple[Any, ...]:
    return (plan_id, f"I.{number}", number, "Nhiệm vụ thử nghiệm", "I", str(number),
            f"Nhiệm vụ số {number}: rà soát, hoàn thiện hồ sơ xây dựng nông thôn mới",
            f"Trước {due:%d/%m/%Y}", "date", due, lead_name, "", "table", "active", [], CREATED, CREATED)
