"""Backups: a copy taken while others write restores to the same rows; a restore
goes only into an empty database; the nightly job keeps BACKUP_KEEP copies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert

from tests.fill import assert_every_table_has_rows, checksum, fill_every_table, snapshot
from tests.scratch import dispose, make_scratch_app, scratch_database
from web.backup import BackupError, backup, restore, row_counts
from web.extensions import db
from web.models import AuditLog, OutboxEmail

pytest.importorskip("matcher", reason="the matcher library is not importable yet")


@pytest.fixture
def source(tmp_path):
    """A full database of its own (every table has rows)."""
    with scratch_database(tmp_path, "source") as url:
        app = make_scratch_app(url)
        try:
            with app.app_context():
                upgrade()
                fill_every_table()
                assert_every_table_has_rows()
                db.session.remove()
            yield app
        finally:
            dispose(app)


@pytest.fixture
def empty(tmp_path):
    with scratch_database(tmp_path, "target") as url:
        app = make_scratch_app(url)
        try:
            yield app
        finally:
            dispose(app)


class Writer(threading.Thread):
    """Writes an audit entry and an email in each transaction until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.done = 0
        self.stopped = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                while not self.stopped.is_set():
                    with db.engine.begin() as conn:
                        n = self.done
                        conn.execute(insert(AuditLog).values(action="load.write", target_id=str(n), detail={}))
                        conn.execute(insert(OutboxEmail).values(to=f"load{n}@example.org", subject="s", body="b"))
                    self.done += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def wait_for(self, count: int) -> None:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while self.done < count and datetime.now(UTC) < deadline and self.error is None:
            self.stopped.wait(0.05)
        assert self.error is None, self.error
        assert self.done >= count


def _ids(snap: dict, table: str) -> list[int]:
    index = snap[table]["columns"].index("id")
    return sorted(int(row[index]) for row in snap[table]["rows"])


def test_a_backup_taken_while_others_write_restores_to_the_same_rows(source, empty, tmp_path):
    path = tmp_path / "copy.backup"
    with source.app_context():
        with db.engine.connect() as conn:
            before = snapshot(conn)
    writer = Writer(source)
    writer.start()
    try:
        writer.wait_for(5)
        with source.app_context():
            backup(path)
        writer.wait_for(writer.done + 5)
    finally:
        writer.stopped.set()
        writer.join()
    assert writer.error is None, writer.error

    with empty.app_context():
        restore(path)
        with db.engine.connect() as conn:
            restored = snapshot(conn)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    with source.app_context():
        with db.engine.connect() as conn:
            after = snapshot(conn)
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == version

    assert sorted(restored) == sorted(after)
    written = {"audit_log", "outbox_email"}
    for table in sorted(set(after) - written):
        assert len(restored[table]["rows"]) == len(after[table]["rows"]), table
        assert checksum(restored[table]["rows"]) == checksum(after[table]["rows"]), table
    # The copy is the source as of one moment: both rows of every write, or neither.
    new_audit = len(restored["audit_log"]["rows"]) - len(before["audit_log"]["rows"])
    new_email = len(restored["outbox_email"]["rows"]) - len(before["outbox_email"]["rows"])
    assert 5 <= new_audit == new_email < writer.done
    for table in written:
        kept = _ids(restored, table)
        assert kept == [i for i in _ids(after, table) if i <= kept[-1]], f"{table}: not a prefix of the source"


def test_restore_into_a_migrated_empty_database_gives_identical_row_counts(source, empty, tmp_path):
    path = tmp_path / "copy.backup"
    with source.app_context():
        backup(path)
        counts = row_counts()
    with empty.app_context():
        upgrade()  # the schema is there, no rows
        result = empty.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert f"{counts['member']} members" in result.output
        assert row_counts() == counts


def test_restore_refuses_a_database_that_has_rows(source, tmp_path):
    path = tmp_path / "copy.backup"
    runner = source.test_cli_runner()
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    with source.app_context():
        counts = row_counts()
        with pytest.raises(BackupError, match="not empty"):
            restore(path)
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "The database is not empty" in result.output and "only into an empty database" in result.output
    with source.app_context():
        assert row_counts() == counts


def test_nightly_backup_job_keeps_the_newest_backups(app, db, tmp_path, monkeypatch):
    from jobs import scheduler as sched

    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 2)
    first = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
    for day in range(3):
        execution = sched.execute(app, "backup", first + timedelta(days=day), now=first + timedelta(days=day))
        assert execution.status == "ok", execution.error
    names = sorted(p.name for p in folder.iterdir())
    suffix = "sqlite3" if db.engine.dialect.name == "sqlite" else "dump"
    assert names == [f"bridges-20260302T203000Z.{suffix}", f"bridges-20260303T203000Z.{suffix}"]
    assert execution.result["removed"] == [f"bridges-20260301T203000Z.{suffix}"]
