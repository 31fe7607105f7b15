"""Backups and restores of the whole database, safe while the service runs.

SQLite: the online backup API copies the database page by page from one read
snapshot, so a copy taken while workers write is consistent (the same as
``sqlite3 db ".backup file"``). PostgreSQL: ``pg_dump --format=custom``, which
reads from one snapshot too; ``pg_restore`` puts it back in one transaction.

A restore goes only into an empty database (no rows in any table: a new one,
or one with the schema from ``flask db upgrade`` and nothing else), so it can
never overwrite live data by mistake.

Used by ``flask backup PATH``, ``flask restore PATH`` and the nightly
``backup`` job (``BACKUP_DIR``, ``BACKUP_KEEP``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, table, text

from .extensions import db

log = logging.getLogger(__name__)

NIGHTLY_NAME = re.compile(r"^bridges-\d{8}T\d{6}Z\.(sqlite3|dump)$")


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    path: str
    bytes: int
    seconds: float

    def as_dict(self) -> dict:
        return {"path": self.path, "bytes": self.bytes, "seconds": round(self.seconds, 3)}


def _dialect() -> str:
    return db.engine.dialect.name


def backup(path: str | os.PathLike) -> Outcome:
    """Write a consistent copy of the database to ``path`` (replaced only when complete)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    try:
        if _dialect() == "sqlite":
            _sqlite_backup(partial)
        elif _dialect() == "postgresql":
            _pg_dump(partial)
        else:
            raise BackupError(f"backups of {_dialect()} databases are not supported")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    outcome = Outcome(str(path), path.stat().st_size, time.perf_counter() - started)
    log.info("backup written: %s (%s bytes, %.1fs)", outcome.path, outcome.bytes, outcome.seconds)
    return outcome


def restore(path: str | os.PathLike) -> Outcome:
    """Restore the backup at ``path`` into this database, which must be empty."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    rows = row_counts()
    filled = {name: n for name, n in rows.items() if n}
    if filled:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(filled.items())[:5])
        raise BackupError(
            f"The database is not empty: {sum(filled.values())} rows in {len(filled)} tables, e.g. {listed}. "
            "A restore goes only into an empty database: create a new one (or drop this one), "
            "point DATABASE_URL at it and run `flask restore` again."
        )
    started = time.perf_counter()
    db.session.remove()
    db.engine.dispose()
    if _dialect() == "sqlite":
        _sqlite_restore(path)
    elif _dialect() == "postgresql":
        _pg_restore(path)
    else:
        raise BackupError(f"restores into {_dialect()} databases are not supported")
    db.engine.dispose()
    outcome = Outcome(str(path), path.stat().st_size, time.perf_counter() - started)
    log.info("backup restored: %s (%.1fs)", outcome.path, outcome.seconds)
    return outcome


# Kept by the schema itself, not the service's data: the migrations' version, and the
# versions that migration 0011's triggers move (a migrated empty database has its row).
NOT_DATA = ("alembic_version", "cache_version")


def row_counts() -> dict[str, int]:
    """Rows per table of this database (every table it has, ``NOT_DATA`` aside)."""
    with db.engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n not in NOT_DATA]
        return {n: conn.scalar(select(func.count()).select_from(table(n))) for n in names}


# SQLite -----------------------------------------------------------------------------------


def _sqlite_path() -> str:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return database


def _sqlite_backup(target: Path) -> None:
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    destination = sqlite3.connect(target)
    try:
        # All pages in one step: one read snapshot, so writes meanwhile are in or out whole.
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        destination.close()
        source.close()
    _sqlite_check(target)


def _sqlite_restore(path: Path) -> None:
    _sqlite_check(path)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        destination.close()
        source.close()


def _sqlite_check(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from exc
    finally:
        conn.close()
    if result != "ok" or dangling:
        raise BackupError(f"{path} failed its integrity check: {result}, {len(dangling)} broken foreign keys")


# PostgreSQL -------------------------------------------------------------------------------


def _pg_env_and_url() -> tuple[dict, str]:
    """A libpq URL without the password, which goes in the environment instead
    (never on a command line other users can read)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return env, libpq


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client of the server's version")
    return found


def _check_versions(tool: str) -> None:
    """pg_dump refuses a newer server; say so plainly before it does."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if found is None:
        raise BackupError(f"cannot tell the version of {tool}: {out.strip()!r}")
    tool_major = int(found.group(1))
    with db.engine.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    if tool_major < server_major:
        raise BackupError(
            f"{tool} is version {tool_major} but the server is {server_major}: "
            f"install the PostgreSQL {server_major} client tools"
        )


def _run(argv: list[str], env: dict) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _pg_dump(target: Path) -> None:
    tool = _tool("pg_dump")
    _check_versions(tool)
    env, url = _pg_env_and_url()
    _run([tool, "--format=custom", "--no-owner", "--no-acl", f"--file={target}", f"--dbname={url}"], env)


def _pg_restore(path: Path) -> None:
    tool = _tool("pg_restore")
    _check_versions(tool)
    env, url = _pg_env_and_url()
    # --clean --if-exists: an empty schema from `flask db upgrade` is replaced by the backup's.
    _run(
        [
            tool,
            "--no-owner",
            "--no-acl",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            str(path),
        ],
        env,
    )


# The nightly job --------------------------------------------------------------------------


def backup_dir() -> Path:
    return Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path) / "backups")


def nightly_backup(now: datetime) -> dict:
    """Back up to BACKUP_DIR under a dated name, then keep only the newest BACKUP_KEEP."""
    suffix = "sqlite3" if _dialect() == "sqlite" else "dump"
    folder = backup_dir()
    outcome = backup(folder / f"bridges-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.{suffix}")
    removed = prune(folder, int(current_app.config.get("BACKUP_KEEP") or 1))
    return {**outcome.as_dict(), "removed": removed}


def prune(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` nightly backups (by their dated names)."""
    nightly = sorted(p.name for p in folder.iterdir() if NIGHTLY_NAME.match(p.name))
    old = nightly[: max(0, len(nightly) - max(1, keep))]
    for name in old:
        (folder / name).unlink()
        log.info("old backup removed: %s", name)
    return old
