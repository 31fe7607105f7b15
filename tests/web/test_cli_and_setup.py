from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, text

from tests.factories import make_member
from web import ConfigurationError, create_app
from web.models import Member, MemberStatus


def test_create_coordinator_command_makes_a_new_coordinator(runner, db):
    result = runner.invoke(
        args=["create-coordinator", "focal@osce.example", "--scope", "tj", "--password", "a long coordinator passphrase"]
    )
    assert result.exit_code == 0, result.output
    member = db.session.scalar(db.select(Member).where(Member.email == "focal@osce.example"))
    assert member.is_coordinator and member.coordinator_scope == "TJ"
    assert member.status == MemberStatus.ACTIVE


def test_create_coordinator_promotes_an_existing_member(runner, db):
    member = make_member(db, email="existing@example.org")
    result = runner.invoke(args=["create-coordinator", "EXISTING@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Member, member.id).is_coordinator


def test_seed_demo_fills_an_empty_database_once(runner, db):
    result = runner.invoke(args=["seed-demo", "--members", "40"])
    assert result.exit_code == 0, result.output
    assert "Demo coordinator: coordinator@bridges.example  password: " in result.output
    members = db.session.scalars(db.select(Member)).all()
    assert len(members) == 41
    assert {m.country for m in members} >= {"KZ", "KG", "TJ", "UZ"}
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in m.bio) for m in members)  # Russian bios
    assert any(m.bio.isascii() and m.bio for m in members)  # English bios
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")


def test_development_keeps_a_generated_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"CONFIG_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from web.config import development_secret

    assert first.config["SECRET_KEY"] == development_secret(first.instance_path)
    second = create_app({"CONFIG_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, auth, db):
    make_member(db, email="a@example.org")
    response = auth.login("a@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_hsts_is_sent(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://bridges.example.org")
    app = create_app({"CONFIG_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_models_and_migrations_agree(app, db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_several_processes_write_sqlite_at_once_without_lock_errors(tmp_path):
    """Four worker processes register members at the same moment on one SQLite file."""
    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    script = f"""
import sys
from flask_migrate import upgrade
from web import create_app
from web.extensions import db
app = create_app({{"TESTING": True, "SQLALCHEMY_DATABASE_URI": {url!r}}})
with app.app_context():
    if sys.argv[1] == "init":
        upgrade()
        sys.exit(0)
    from tests.factories import make_member
    for i in range(25):
        make_member(db, email=f"w{{sys.argv[1]}}-{{i}}@example.org")
"""
    init = subprocess.run([sys.executable, "-c", script, "init"], capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    workers = [subprocess.Popen([sys.executable, "-c", script, str(n)], stderr=subprocess.PIPE, text=True) for n in range(4)]
    errors = [w.communicate()[1] for w in workers]
    assert all(w.returncode == 0 for w in workers), errors
    assert not any("database is locked" in e for e in errors)
    count = sqlite3.connect(tmp_path / "workers.sqlite3").execute("SELECT count(*) FROM member").fetchone()[0]
    assert count == 100


def test_healthz_says_when_the_database_does_not_answer(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503  # a monitor or load balancer must see it (issue 11)
    assert response.get_json()["database"] is False


def test_flask_db_upgrade_builds_the_schema_from_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env = {"DATABASE_URL": url, "FLASK_APP": "wsgi:app", "BRIDGES_CONFIG": "testing", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert {"member", "mentorship", "match_run", "alembic_version"} <= tables


def test_threads_do_not_share_throttle_rows_wrongly(app, db):
    """Concurrent failed logins on one account all count."""
    from web.auth import throttle

    make_member(db, email="t@example.org")

    def fail():
        with app.test_request_context():
            throttle.record_failure("t@example.org", "192.0.2.1")
            db.session.remove()

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.test_request_context():
        assert throttle.is_locked("t@example.org", "192.0.2.2") is False  # 4 < 5
        throttle.record_failure("t@example.org", "192.0.2.1")
        assert throttle.is_locked("t@example.org", "192.0.2.2") is True
