"""Backup and restore: one archive file holding the database, the data files and a manifest.

The archive is a tar file (gzip-compressed when its name ends in ``.gz`` or ``.tgz``) with

- ``database/dondoc.sqlite3``: a copy made with SQLite's online backup API, or
  ``database/dondoc.pgdump``: ``pg_dump --format=custom`` of the database's schema;
- ``files/evidence/...``, ``files/reports/...``, ``files/reports-in/...``: the data files under
  ``DONDOC_DATA_DIR`` (evidence uploads, compiled reports, agencies' signed reports); the staged
  plan uploads (``imports/``) wait for a confirmation that a restored server cannot give, and
  are left out;
- ``manifest.json``, written last: dondoc's version, the Alembic revision, the backend, the time,
  the row count of every table and the size and SHA-256 of every other member.

A backup is consistent while the application writes: SQLite's backup API copies the database in
one step, inside one read transaction; on PostgreSQL the row counts and ``pg_dump`` read one
exported snapshot. The database is read before the data files, and every file is written
before the row naming it is committed, so every file a backed-up row names is in the archive.

A restore checks everything before it changes anything: the archive (every member against the
manifest's checksum), the backend, the schema revision (not newer than the code's) and, without
``force``, that the database holds no row and the data folders no file. The database is then
replaced in one transaction, the data folders after it, and the schema upgraded to the code's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

FORMAT = "dondoc-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# the data folders under DONDOC_DATA_DIR (models/progress/evidence.py, models/reports/runs.py ARCHIVE,
# models/reports/submissions.py INBOX)
DATA_FOLDERS = ("evidence", "reports", "reports-in")
DUMP_NAMES = {"sqlite": "dondoc.sqlite3", "postgresql": "dondoc.pgdump"}
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the user."""


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in DUMP_NAMES:
        raise BackupError(f"backup and restore support SQLite and PostgreSQL, not {name}")
    return name


# ---------------------------------------------------------------------------------------- backup


def create_backup(path: Path, *, url: str, data_dir: Path) -> dict[str, Any]:
    """Write the archive at ``path`` (never over an existing file) and return its manifest."""
    backend = backend_of(url)
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} already exists: choose another name for the backup")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    compressed = path.name.endswith((".gz", ".tgz"))
    # the work folder sits beside the archive, so the finished file is renamed into place, never copied
    with tempfile.TemporaryDirectory(prefix=".dondoc-backup-", dir=path.parent) as work:
        dump = Path(work) / DUMP_NAMES[backend]
        created_at = datetime.now(UTC)
        facts = _dump_sqlite(url, dump) if backend == "sqlite" else _dump_postgres(url, dump)
        partial = Path(work) / "archive.partial"
        with tarfile.open(partial, "w:gz") if compressed else tarfile.open(partial, "w") as tar:
            database = _add_file(tar, dump, f"database/{dump.name}")
            files = []
            for source, relative in _data_files(data_dir):
                entry = _add_file(tar, source, f"files/{relative}", missing_ok=True)
                if entry is not None:
                    files.append({**entry, "path": relative})
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "dondoc_version": _dondoc_version(),
                "created_at": created_at.isoformat(timespec="seconds"),
                "backend": backend,
                "revision": facts["revision"],
                "schema": facts.get("schema"),
                "tables": facts["tables"],
                "database": database,
                "files": files,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        os.replace(partial, path)
    return manifest


def _dump_sqlite(url: str, target: Path) -> dict[str, Any]:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}: nothing to back up")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, inside one read transaction, so the copy is one
        # moment of it; in WAL mode the writers go on meanwhile (a step-by-step copy restarts each
        # time another connection writes, and under steady writes would never end)
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return {"revision": _sqlite_revision(copy), "tables": _sqlite_counts(copy)}
    finally:
        source.close()
        copy.close()


def _sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        raise BackupError("the database has no dondoc schema (run dondoc init first)")
    return str(row[0])


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f"SELECT count(*) FROM {_quote_ident(name)}").fetchone()[0] for name in names}


def _dump_postgres(url: str, target: Path) -> dict[str, Any]:
    from models.core.db import get_engine

    _require_tools("pg_dump")
    conninfo, env = _libpq(url)
    with get_engine(url).connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump reads the snapshot this transaction exports, which the counts below read too:
            # the manifest's counts are those of the dump, however many rows are written meanwhile
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            schema = _current_schema(conn)
            names = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                                 {"s": schema}).scalars().all()
            if "alembic_version" not in names:
                raise BackupError(f"schema {schema} has no dondoc tables (run dondoc init first)")
            revision = conn.execute(sa.text(f"SELECT version_num FROM {_quote_ident(schema)}.alembic_version"))
            facts = {"revision": str(revision.scalar_one()), "schema": schema, "tables": {
                name: conn.execute(sa.text(f"SELECT count(*) FROM {_quote_ident(schema)}.{_quote_ident(name)}"))
                .scalar_one() for name in names}}
            # --schema takes a pattern: a double-quoted name matches itself only
            _run(["pg_dump", "--format=custom", f"--schema={_quote_ident(schema)}", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={conninfo}"], env)
    return facts


def _data_files(data_dir: Path) -> Iterator[tuple[Path, str]]:
    for folder in DATA_FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(data_dir).as_posix()


class _HashingReader:
    """Reads a file for tarfile, hashing what it hands over."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, source: Path, name: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
    try:
        stream = source.open("rb")
    except FileNotFoundError:
        if missing_ok:  # removed since the folder was listed
            return None
        raise
    with stream:
        stat = os.fstat(stream.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        reader = _HashingReader(stream)
        tar.addfile(info, reader)  # tarfile only calls read()
    return {"path": name, "size": info.size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))


def _dondoc_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dondoc")
    except PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------- restore


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the archive at ``path``; a damaged or foreign file raises BackupError."""
    with _open_archive(path) as tar:
        return _manifest(tar, path)


def restore_backup(path: Path, *, url: str, data_dir: Path, force: bool = False) -> dict[str, Any]:
    """Replace the database and the data folders with the archive's, then upgrade the schema.

    Returns the manifest with ``"upgraded_to"``, the revision the database is at afterwards."""
    from models.core.db import get_engine, upgrade

    backend = backend_of(url)
    with _open_archive(path) as tar:
        manifest = _manifest(tar, path)
        _check_compatible(manifest, path, backend)
        target_schema = _check_target(manifest, url, path) if backend == "postgresql" else None
        if not force:
            _check_empty(url, backend, data_dir)
        staging_parent = data_dir if data_dir.is_dir() else None  # same file system: the folders are renamed
        with tempfile.TemporaryDirectory(prefix=".dondoc-restore-", dir=staging_parent) as work:
            staging = Path(work)
            _extract_verified(tar, manifest, path, staging)
            dump = staging / manifest["database"]["path"]
            if backend == "sqlite":
                _restore_sqlite(dump, url, manifest, path)
            else:
                assert target_schema is not None
                _restore_postgres(dump, url, manifest, target_schema, staging)
            _place_files(staging, data_dir)
    engine = get_engine(url)
    engine.dispose()  # connections opened before the restore may hold the replaced schema's plans
    upgrade(engine)
    with engine.connect() as conn:
        manifest["upgraded_to"] = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    return manifest


def _damaged(path: Path, reason: str) -> BackupError:
    reason = " ".join(reason.split())  # one line, whatever the library's message
    return BackupError(f"{path} is damaged or not a dondoc backup ({reason}); nothing was restored")


def _open_archive(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        return tarfile.open(path, "r:*")
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise _damaged(path, "not a readable tar archive") from exc


def _manifest(tar: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        stream = tar.extractfile(tar.getmember(MANIFEST))
        if stream is None:
            raise _damaged(path, "the manifest is not a file")
        manifest = json.loads(stream.read())
    except KeyError:
        raise _damaged(path, "no manifest.json") from None
    except (tarfile.TarError, EOFError, zlib.error, ValueError) as exc:
        raise _damaged(path, f"unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(path, "the manifest is not a dondoc manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise _damaged(path, "the manifest has no format version")
    if version > FORMAT_VERSION:
        raise BackupError(f"{path} was written by a newer dondoc ({manifest.get('dondoc_version')}, "
                          f"archive format {version}): upgrade dondoc first; nothing was restored")
    backend, database, files = manifest.get("backend"), manifest.get("database"), manifest.get("files")
    if (backend not in DUMP_NAMES or not isinstance(manifest.get("revision"), str)
            or not isinstance(manifest.get("tables"), dict) or not isinstance(database, dict)
            or not isinstance(files, list) or not all(isinstance(f, dict) for f in files)):
        raise _damaged(path, "the manifest lacks its backend, revision, tables, database or files")
    if database.get("path") != f"database/{DUMP_NAMES[backend]}":
        raise _damaged(path, "the manifest names an unexpected database file")
    for entry in [database, *files]:
        if not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
            raise _damaged(path, "the manifest lacks a size or checksum")
    for entry in files:
        if not _safe_data_path(entry.get("path")):
            raise _damaged(path, f"the manifest names a file outside the data folders: {entry.get('path')!r}")
    return manifest


_PART = re.compile(r"[^/\\\x00]+")


def _safe_data_path(value: Any) -> bool:
    """A relative path inside one of the data folders, without '..' or empty parts."""
    if not isinstance(value, str):
        return False
    parts = value.split("/")
    return (len(parts) >= 2 and parts[0] in DATA_FOLDERS
            and all(_PART.fullmatch(p) and p not in (".", "..") for p in parts))


def _check_compatible(manifest: dict[str, Any], path: Path, backend: str) -> None:
    if manifest["backend"] != backend:
        raise BackupError(f"{path} is a {_label(manifest['backend'])} backup and this database "
                          f"(DONDOC_DATABASE_URL) is {_label(backend)}; nothing was restored")
    from alembic.script import ScriptDirectory

    from models.core.db import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    known = {rev.revision for rev in script.walk_revisions()}
    if manifest["revision"] not in known:
        raise BackupError(f"{path} is of schema revision {manifest['revision']}, newer than this dondoc's "
                          f"({script.get_current_head()}): upgrade dondoc first; nothing was restored")


def _label(backend: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


def _check_target(manifest: dict[str, Any], url: str, path: Path) -> str:
    """The PostgreSQL schema to restore into (the connection's current schema). The dump creates
    its objects under the schema it was taken from, renamed afterwards when the target's name
    differs; that name must then be free in the target database."""
    from models.core.db import get_engine

    _require_tools("pg_restore", "psql")
    source = manifest.get("schema")
    if not isinstance(source, str) or not source:
        raise _damaged(path, "the manifest names no schema")
    with get_engine(url).connect() as conn:
        target = _current_schema(conn)
        taken = conn.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": source}).first()
    if source != target and taken is not None:
        raise BackupError(f"the backup holds schema {source}, which exists in this database beside the target "
                          f"schema {target}: restore with search_path {source}, or drop it first; "
                          "nothing was restored")
    return target


def _current_schema(conn: sa.Connection) -> str:
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
    if schema is None:
        raise BackupError("the database URL's search_path names no existing schema")
    return str(schema)


def _check_empty(url: str, backend: str, data_dir: Path) -> None:
    from models.core.db import get_engine

    for folder in DATA_FOLDERS:
        if (data_dir / folder).is_dir() and any(p.is_file() for p in (data_dir / folder).rglob("*")):
            raise BackupError(f"{data_dir / folder} holds files: restore replaces them, add --force to do so; "
                              "nothing was restored")
    if backend == "sqlite" and not _sqlite_path(url).exists():
        return
    with get_engine(url).connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name != "alembic_version" and conn.execute(
                    sa.text(f"SELECT 1 FROM {_quote_ident(name)} LIMIT 1")).first() is not None:
                raise BackupError(f"the database already holds data (table {name}): restore replaces it, "
                                  "add --force to do so; nothing was restored")


def _extract_verified(tar: tarfile.TarFile, manifest: dict[str, Any], path: Path, staging: Path) -> None:
    """Every member the manifest lists, and nothing else, into ``staging``, checked against its checksum."""
    expected = {manifest["database"]["path"]: manifest["database"]}
    expected |= {f"files/{entry['path']}": entry for entry in manifest["files"]}
    seen: set[str] = set()
    try:
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            entry = expected.get(member.name)
            if entry is None or not member.isfile() or member.name in seen:
                raise _damaged(path, f"unexpected member {member.name}")
            seen.add(member.name)
            target = staging / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            stream = tar.extractfile(member)
            assert stream is not None  # a regular file
            digest, size = hashlib.sha256(), 0
            with target.open("xb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise _damaged(path, f"{member.name} does not match its checksum")
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise _damaged(path, f"unreadable: {exc}") from None
    missing = sorted(expected.keys() - seen)
    if missing:
        raise _damaged(path, f"{missing[0]} is missing")


def _restore_sqlite(copy: Path, url: str, manifest: dict[str, Any], path: Path) -> None:
    from models.core.db import get_engine

    source = sqlite3.connect(copy)
    try:
        if _sqlite_revision(source) != manifest["revision"]:
            raise _damaged(path, "the database's revision differs from the manifest's")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        get_engine(url).dispose()
        target = sqlite3.connect(target_path, timeout=30)
        try:
            # one step: the destination is rewritten in one transaction, all or nothing
            source.backup(target, pages=-1)
        finally:
            target.close()
    finally:
        source.close()


def _restore_postgres(dump: Path, url: str, manifest: dict[str, Any], target: str, staging: Path) -> None:
    from models.core.db import get_engine

    conninfo, env = _libpq(url)
    source = manifest["schema"]
    script = staging / "restore.sql"
    _run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(dump)], env)
    before, after = staging / "before.sql", staging / "after.sql"
    # the old schema goes, the dump's comes, renamed when the target's name differs: one transaction
    before.write_text(f"SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS {_quote_ident(target)} CASCADE;\n")
    after.write_text(f"ALTER SCHEMA {_quote_ident(source)} RENAME TO {_quote_ident(target)};\n"
                     if source != target else "")
    get_engine(url).dispose()  # our own idle connections hold nothing, but need not linger
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(before), "-f", str(script),
          "-f", str(after), f"--dbname={conninfo}"], env)


def _place_files(staging: Path, data_dir: Path) -> None:
    """Swap each data folder for the archive's (renames when the staging folder is inside data_dir)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    replaced = staging / "replaced"
    replaced.mkdir()
    for folder in DATA_FOLDERS:
        current, restored = data_dir / folder, staging / "files" / folder
        if current.exists():
            shutil.move(current, replaced / folder)
        if restored.exists():
            shutil.move(restored, current)


# -------------------------------------------------------------------------------------- helpers


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _libpq(url: str) -> tuple[str, dict[str, str] | None]:
    """The libpq connection string of a SQLAlchemy URL for pg_dump, pg_restore and psql, and the
    environment to run them in: the password goes in PGPASSWORD, not on a command line others can read."""
    parsed = make_url(url)
    params: dict[str, Any] = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database,
                              "user": parsed.username}
    for key, value in parsed.query.items():  # psycopg's query parameters are libpq's (sslmode, options, ...)
        params[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(f"{key}={_conninfo_value(str(value))}" for key, value in params.items()
                        if value not in (None, ""))
    env = None
    if parsed.password is not None:
        # a copy of this process's environment (PATH, PGSSLROOTCERT, ...) plus the password
        env = {**os.environ, "PGPASSWORD": str(parsed.password)}
    return conninfo, env


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _require_tools(*names: str) -> None:
    for name in names:
        if shutil.which(name) is None:
            raise BackupError(f"{name} is not installed (PostgreSQL's client programs, version 15 or newer)")


def _run(command: list[str], env: dict[str, str] | None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
        detail = (errors or lines or [f"exit status {result.returncode}"])[0]
        raise BackupError(f"{command[0]} failed: {detail}")
