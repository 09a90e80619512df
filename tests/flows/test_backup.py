"""`dondoc backup` and `dondoc restore` on SQLite and PostgreSQL: a backup taken while audit events
are written restores every row committed before it, the counts of its manifest and the data files
byte for byte; a damaged archive, one of the other backend or of a newer schema is refused in one
line with nothing changed; a database holding data is replaced only with --force."""

from __future__ import annotations

import io
import json
import os
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from config.settings import reset_settings
from flows.cli import app
from models.core.audit import record
from models.core.backup import create_backup
from models.core.db import MIGRATIONS_DIR, alembic_config, dispose_engines, make_engine, session_scope, upgrade
from tests.conftest import PG_SERVER, PLANS, CliResult

BAC_GIANG = PLANS / "bac-giang-552-kh-bcd-2020.txt"
HEAD = str(ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head())


class AuditWriter:
    """Writes audit events one transaction at a time, as fast as it can, in a thread of its own;
    ``committed`` holds the id of every event whose transaction has committed, in order."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                with session_scope(self.engine) as session:
                    event = record(session, actor="load", source="test", entity="load", entity_id=n,
                                   action="written", changes={"n": [None, n]})
                    session.flush()
                    event_id = event.id
                assert event_id is not None
                self.committed.append(event_id)
        except BaseException as exc:
            self.error = exc

    def __enter__(self) -> AuditWriter:
        self.thread.start()
        return self

    def wait_for(self, count: int) -> None:
        while len(self.committed) < count:
            assert self.thread.is_alive(), self.error
            self.stop.wait(0.01)

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.engine.dispose()
        assert self.error is None, self.error


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}
    finally:
        engine.dispose()


def _schema(url: str) -> str:
    return str(make_url(url).query["options"]).split("=", 1)[1]


def _fresh_database(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[str, Path]:
    """An empty database and data directory, set as DONDOC_*: on SQLite a new file; on PostgreSQL
    the test's schema dropped and created again, empty (the database lost, the server kept)."""
    dispose_engines()
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / name / 'dondoc.sqlite3'}"
    else:
        url = db_url
        _recreate_schema(_schema(db_url))
    data_dir = tmp_path / name / "data"
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(data_dir))
    reset_settings()
    return url, data_dir


def _recreate_schema(schema: str) -> None:
    admin = make_engine(PG_SERVER)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()


def _seed_files(data_dir: Path) -> dict[str, bytes]:
    """Files where the application keeps them: evidence, a compiled report, a signed report received."""
    files = {
        "evidence/" + "ab" * 16: os.urandom(300_000),
        "reports/bac-giang-552/2020-H1/000001/bao-cao.docx": os.urandom(50_000),
        "reports/bac-giang-552/2020-H1/000001/bao-cao.html": "Báo cáo kết quả".encode(),
        "reports-in/" + "cd" * 16: os.urandom(1000),
    }
    for relative, content in files.items():
        (data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / relative).write_bytes(content)
    return files


def _data_files(data_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(data_dir).as_posix(): p.read_bytes()
            for p in sorted(data_dir.rglob("*")) if p.is_file() and p.name != "dondoc.sqlite3"}


def _manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        stream = tar.extractfile("manifest.json")
        assert stream is not None
        manifest: dict[str, Any] = json.loads(stream.read())
        return manifest


def _rewrite_manifest(archive: Path, out: Path, **changes: object) -> None:
    """The same archive with some manifest fields changed (what another dondoc would have written)."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as target:
        for member in source.getmembers():
            stream = source.extractfile(member)
            assert stream is not None
            data = stream.read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))


def _audit(url: str, entity_id: int) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        record(session, actor="office", source="test", entity="plan", entity_id=entity_id, action="created")
    engine.dispose()


def _drop_schema(schema: str) -> None:
    admin = make_engine(PG_SERVER)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dondoc: error: "), err
    return lines[0]


def test_a_backup_taken_under_load_restores_every_row_committed_before_it(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("import", str(BAC_GIANG)).code == 0
    files = _seed_files(tmp_path / "data")
    archive = tmp_path / "backup.tar"
    with AuditWriter(db_url) as writer:
        writer.wait_for(200)
        # the command runs in this process, so that the backup starts right after this list is
        # taken: the rows a plain copy of a SQLite file loses are the last ones committed
        before = list(writer.committed)
        result = CliRunner().invoke(app, ["backup", str(archive)])
        after = len(writer.committed)
    assert result.exit_code == 0, result.output
    assert "backup written to" in result.output
    manifest = _manifest(archive)
    assert manifest["backend"] == make_url(db_url).get_backend_name()
    assert manifest["revision"] == HEAD
    assert manifest["dondoc_version"] and manifest["created_at"]
    # the copy is one moment taken while the writer went on: later than the backup's start, earlier than its end
    events_in_backup = manifest["tables"]["audit_event"]
    imported_events = _rows(db_url, "SELECT count(*) FROM audit_event WHERE actor <> 'load'")[0][0]
    assert imported_events > 0
    assert len(before) <= events_in_backup - imported_events < after
    source_counts = {name: count for name, count in _counts(db_url).items() if name != "audit_event"}

    url, data_dir = _fresh_database(db_url, tmp_path, monkeypatch, "restored")
    restored = run_cli("restore", str(archive))
    assert restored.code == 0, restored.err
    assert f"revision {HEAD}" in restored.out
    counts = _counts(url)
    assert counts == manifest["tables"]
    assert {name: count for name, count in counts.items() if name != "audit_event"} == source_counts
    load_ids = [r[0] for r in _rows(url, "SELECT id FROM audit_event WHERE actor = 'load' ORDER BY id")]
    assert set(before) <= set(load_ids)
    # one writer, one transaction after the other: the backup holds exactly the first N it committed
    assert load_ids == sorted(writer.committed[:len(load_ids)])
    assert _rows(url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert _data_files(data_dir) == files
    assert sorted(f["path"] for f in manifest["files"]) == sorted(files)


@pytest.mark.parametrize("damage", ["truncated", "one byte changed", "not an archive", "no manifest"])
def test_a_damaged_archive_is_refused_in_one_line_and_nothing_changes(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path, damage: str) -> None:
    files = _seed_files(tmp_path / "data")
    _audit(db_url, 1)
    archive = tmp_path / "backup.tar"
    assert run_cli("backup", str(archive)).code == 0
    data = bytearray(archive.read_bytes())
    bad = tmp_path / "bad.tar"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "one byte changed":
        with tarfile.open(archive) as tar:
            offset = tar.getmember(_manifest(archive)["database"]["path"]).offset_data
        data[offset + 2000] ^= 0xFF
        bad.write_bytes(data)
    elif damage == "not an archive":
        bad.write_text("dondoc backup\n")
    else:
        with tarfile.open(archive) as source, tarfile.open(bad, "w") as target:
            for member in source.getmembers():
                if member.name != "manifest.json":
                    target.addfile(member, source.extractfile(member))
    before = (_counts(db_url), sorted(os.listdir(tmp_path / "data")), _data_files(tmp_path / "data"))

    result = run_cli("restore", str(bad), "--force")
    assert result.code == 2
    assert "damaged or not a dondoc backup" in _one_line(result.err)
    assert (_counts(db_url), sorted(os.listdir(tmp_path / "data")), _data_files(tmp_path / "data")) == before
    assert _data_files(tmp_path / "data") == files


def test_an_archive_of_the_other_backend_is_refused(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    archive = tmp_path / "other.tar"
    if db_url.startswith("sqlite"):
        schema = "t_other_" + os.urandom(4).hex()
        _recreate_schema(schema)
        other = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    else:
        schema, other = "", f"sqlite:///{tmp_path / 'other.sqlite3'}"
    try:
        engine = make_engine(other)
        upgrade(engine)
        engine.dispose()
        create_backup(archive, url=other, data_dir=tmp_path / "other-data")
    finally:
        dispose_engines()
        if schema:
            _drop_schema(schema)
    before = _counts(db_url)

    result = run_cli("restore", str(archive), "--force")
    assert result.code == 2
    line = _one_line(result.err)
    assert ("a PostgreSQL backup" in line) if db_url.startswith("sqlite") else ("a SQLite backup" in line)
    assert _counts(db_url) == before


def test_an_archive_of_a_newer_schema_is_refused(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    archive, newer = tmp_path / "backup.tar", tmp_path / "newer.tar"
    assert run_cli("backup", str(archive)).code == 0
    _rewrite_manifest(archive, newer, revision="9999", dondoc_version="9.0.0")
    before = _counts(db_url)

    result = run_cli("restore", str(newer))
    assert result.code == 2
    line = _one_line(result.err)
    assert "revision 9999" in line and "newer" in line and f"({HEAD})" in line
    assert _counts(db_url) == before
    assert _rows(db_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_restoring_over_a_database_that_holds_data_takes_force(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    files = _seed_files(data_dir)
    _audit(db_url, 1)
    archive = tmp_path / "backup.tar"
    assert run_cli("backup", str(archive)).code == 0
    _audit(db_url, 2)  # after the backup: another event, another evidence file
    (data_dir / "evidence" / ("ef" * 16)).write_bytes(b"later")
    before = _counts(db_url)

    refused = run_cli("restore", str(archive))
    assert refused.code == 2
    assert "--force" in _one_line(refused.err)
    assert _counts(db_url) == before and before["audit_event"] == 2
    assert (data_dir / "evidence" / ("ef" * 16)).exists()

    forced = run_cli("restore", str(archive), "--force")
    assert forced.code == 0, forced.err
    assert _counts(db_url) == _manifest(archive)["tables"]
    assert _rows(db_url, "SELECT entity_id FROM audit_event") == [(1,)]
    assert _data_files(data_dir) == files
    assert not any(p.name.startswith(".dondoc-restore-") for p in data_dir.iterdir())


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = _fresh_database(db_url, tmp_path, monkeypatch, "old")
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_event (at, actor, source, entity, action, changes) "
                             "VALUES (CURRENT_TIMESTAMP, 'office', 'test', 'plan', 'created', '{}')"))
    engine.dispose()
    archive = tmp_path / "old.tar"
    assert run_cli("backup", str(archive)).code == 0
    assert _manifest(archive)["revision"] == "0009"

    url, _ = _fresh_database(db_url, tmp_path, monkeypatch, "new")
    result = run_cli("restore", str(archive))
    assert result.code == 0, result.err
    assert f"database now at revision {HEAD}" in result.out
    assert _rows(url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert _rows(url, "SELECT actor FROM audit_event") == [("office",)]


@pytest.fixture
def postgres_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL schemas only")
    return db_url


def test_on_postgresql_it_restores_into_a_schema_of_another_name_once_the_backups_is_free(
        postgres_url: str, run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _audit(postgres_url, 7)
    archive = tmp_path / "backup.tar"
    assert run_cli("backup", str(archive)).code == 0
    source, target = _schema(postgres_url), "t_other_" + os.urandom(4).hex()
    _recreate_schema(target)
    other = f"{PG_SERVER}?options=-csearch_path%3D{target}"
    monkeypatch.setenv("DONDOC_DATABASE_URL", other)
    try:
        taken = run_cli("restore", str(archive))
        assert taken.code == 2
        assert f"schema {source}" in _one_line(taken.err)
        assert _rows(other, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]

        dispose_engines()
        _drop_schema(source)  # the database the backup came from is gone
        restored = run_cli("restore", str(archive))
        assert restored.code == 0, restored.err
        assert _rows(other, "SELECT entity_id FROM audit_event") == [(7,)]
        assert _rows(other, f"SELECT count(*) FROM pg_namespace WHERE nspname = '{source}'") == [(0,)]
    finally:
        dispose_engines()
        _drop_schema(target)
        _recreate_schema(source)  # empty, for the fixture to drop
