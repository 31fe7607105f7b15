"""Every migration can be walked down to the first and up again without losing a row.

A full database (every table has rows: seed data, a run, mentorships in every
state, messages, notifications, bans, reset tokens, throttles, job executions)
is downgraded one revision at a time to the first revision and upgraded again
to the head. After every step, each table that exists on both sides of the step
must keep its row count and the checksum of its columns that exist on both
sides. The only rows a downgrade may drop are those of a table the undone
revision itself created (it cannot exist before that revision); and a column a
revision added goes with it. At the head again, every table that was never
dropped has the same rows as before the walk.

It runs on the database TEST_DATABASE_URL names (SQLite by default) in a
database of its own.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.fill import assert_every_table_has_rows, checksum, fill_every_table, project, snapshot
from tests.scratch import dispose, make_scratch_app, scratch_database
from web.extensions import db

pytest.importorskip("matcher", reason="the matcher library is not importable yet")

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
CREATE_TABLE = re.compile(r"op\.create_table\(\s*['\"](\w+)['\"]")


def _revisions(directory: Path) -> list:
    """The revisions from the head down to the first, in order."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(directory / "alembic.ini"))
    config.set_main_option("script_location", str(directory))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, f"the migrations have several heads: {script.get_heads()}"
    return list(script.walk_revisions())


def _created_tables(revision) -> set[str]:
    return set(CREATE_TABLE.findall(Path(revision.path).read_text(encoding="utf-8")))


def _compare(before: dict, after: dict, step: str, dropped: set[str], allowed_drops: set[str]) -> list[str]:
    """Problems of one step: rows lost or changed in a table present on both sides, in
    the columns present on both sides."""
    problems = []
    for table in sorted(set(before) - set(after)):
        if table not in allowed_drops:
            problems.append(f"{step}: table {table} was dropped but this revision did not create it")
        dropped.add(table)
    for table in sorted(set(before) & set(after)):
        common = sorted(set(before[table]["columns"]) & set(after[table]["columns"]))
        want = project(before[table], common)
        got = project(after[table], common)
        if len(got) != len(want):
            problems.append(f"{step}: {table} has {len(got)} rows, had {len(want)}")
        elif checksum(got) != checksum(want):
            problems.append(f"{step}: {table} rows changed in columns {common}")
    return problems


def walk_down_and_up(app, directory: Path) -> tuple[list[str], set[str]]:
    """Downgrade one revision at a time to the first, upgrade again; the problems found.

    A column that a revision adds goes with its downgrade (its values cannot come back);
    the final comparison with the start is over the columns every step kept."""
    revisions = _revisions(directory)
    problems: list[str] = []
    dropped: set[str] = set()
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            head = snapshot(conn)
        kept_columns = {table: set(s["columns"]) for table, s in head.items()}
        previous = head
        steps = [(r, "down") for r in revisions[:-1]] + [(r, "up") for r in reversed(revisions[:-1])]
        for revision, way in steps:
            if way == "down":
                downgrade(directory=str(directory), revision=revision.down_revision)
                step = f"downgrade {revision.revision} -> {revision.down_revision}"
                allowed = _created_tables(revision)
            else:
                upgrade(directory=str(directory), revision=revision.revision)
                step, allowed = f"upgrade to {revision.revision}", set()
            with db.engine.connect() as conn:
                current = snapshot(conn)
            problems += _compare(previous, current, step, dropped, allowed)
            for table in set(kept_columns) & set(current):
                kept_columns[table] &= set(current[table]["columns"])
            previous = current
        for table in sorted(set(head) - dropped):
            if table not in previous:
                problems.append(f"head again: table {table} is missing")
                continue
            columns = sorted(kept_columns[table])
            if checksum(project(previous[table], columns)) != checksum(project(head[table], columns)):
                problems.append(f"head again: {table} differs from before the walk in columns {columns}")
        with db.engine.connect() as conn:
            assert sorted(inspect(conn).get_table_names()) == sorted([*head, "alembic_version"])
    return problems, dropped


@pytest.fixture
def full_database(tmp_path):
    with scratch_database(tmp_path, "roundtrip") as url:
        app = make_scratch_app(url)
        try:
            with app.app_context():
                upgrade(directory=str(MIGRATIONS))
                fill_every_table()
                assert_every_table_has_rows()
                db.session.remove()
            yield app
        finally:
            dispose(app)


def test_walking_every_migration_down_and_up_keeps_every_row(full_database):
    problems, dropped = walk_down_and_up(full_database, MIGRATIONS)
    assert problems == []
    # The first revision's tables (members, mentorships, runs, ...) went through every step.
    assert {"member", "mentorship", "match_run", "audit_log", "job_execution"}.isdisjoint(dropped)


def test_sqlite_foreign_keys_are_on_again_after_migrating(full_database):
    with full_database.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        downgrade(directory=str(MIGRATIONS), revision="0002")
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


LOSSY = '''
"""A bad migration: its downgrade loses a notification."""
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    op.execute("DELETE FROM notification WHERE id = (SELECT min(id) FROM notification)")
'''


def test_the_walk_reports_a_migration_that_loses_rows(full_database, tmp_path):
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    head = _revisions(MIGRATIONS)[0].revision
    (directory / "versions" / "9999_lossy.py").write_text(textwrap.dedent(LOSSY).format(head=head))
    with full_database.app_context():
        upgrade(directory=str(directory))
    problems, _dropped = walk_down_and_up(full_database, directory)
    assert any("notification has" in p and "downgrade 9999" in p for p in problems), problems


def test_a_migration_that_breaks_a_foreign_key_on_sqlite_is_rolled_back(full_database, tmp_path, capsys):
    """The foreign key check runs before commit: a dangling reference fails the
    migration and leaves the database at its previous revision."""
    with full_database.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite checks foreign keys itself only when they are on; PostgreSQL always does")
        directory = tmp_path / "migrations"
        shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
        head = _revisions(MIGRATIONS)[0].revision
        bad = LOSSY.replace("def upgrade():\n    pass", 'def upgrade():\n    op.execute("DELETE FROM member")')
        (directory / "versions" / "9999_dangling.py").write_text(textwrap.dedent(bad).format(head=head))
        with pytest.raises(SystemExit):  # flask-migrate logs the error and exits
            upgrade(directory=str(directory))
        assert "broken foreign keys" in capsys.readouterr().err
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
            assert conn.exec_driver_sql("SELECT count(*) FROM member").scalar() > 0
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
