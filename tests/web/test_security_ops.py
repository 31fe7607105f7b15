"""Mail without a server, logs without secrets, incident ids, outage answers and the
production settings check."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from tests.factories import make_member
from web import ConfigurationError, create_app
from web.auth import services
from web.config import TEST_SECRET_KEY
from web.models import Member
from web.security import RedactFilter, redact

STRONG = "k" * 64


@pytest.fixture
def production_env(monkeypatch):
    for key in ("MAIL_SERVER", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("BASE_URL", "https://bridges.example.org")
    return monkeypatch


def _production(**overrides):
    return create_app({"CONFIG_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})


def test_production_without_a_mail_server_warns_loudly_at_start(production_env, caplog):
    with caplog.at_level(logging.WARNING):
        _production()
    assert "MAIL_SERVER IS NOT SET: NO EMAIL WILL BE SENT" in caplog.text


def test_mail_without_a_server_is_logged_without_its_link_or_token(app, db, caplog):
    make_member(db, email="a@example.org")
    app.config["MAIL_SUPPRESS_SEND"] = False
    try:
        with caplog.at_level(logging.INFO), app.test_request_context():
            token = services.request_password_reset("a@example.org")
            db.session.commit()
            from web.mail import deliver

            deliver()
    finally:
        app.config["MAIL_SUPPRESS_SEND"] = True
    assert "NOT SENT (no MAIL_SERVER)" in caplog.text
    assert token not in caplog.text and "/password/reset/" not in caplog.text


def test_reset_links_and_secret_fields_are_redacted_from_any_log_line():
    line = 'GET /password/reset/AbC-123_xyz?x=1 HTTP/1.1" password=hunter2&csrf_token=tok $argon2id$v=19$m=65536$salt$hash'
    cleaned = redact(line)
    for secret in ("AbC-123_xyz", "hunter2", "tok ", "$argon2id$v=19"):
        assert secret not in cleaned
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", (line,), None)
    RedactFilter().filter(record)
    assert "AbC-123_xyz" not in record.getMessage()


def test_every_log_handler_redacts():
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    handlers = [h for h in logging.getLogger().handlers if type(h).__name__ != "LogCaptureHandler"]  # pytest's own
    assert handlers and all(any(isinstance(f, RedactFilter) for f in h.filters) for h in handlers)


def test_sql_errors_carry_no_values(app, db):
    assert db.engine.hide_parameters is True
    make_member(db, email="dup@example.org")
    row = {
        "email": "dup@example.org",
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$SECRETSALT$SECRETHASH",
        "display_name": "Secret Name",
        "country": "KZ",
        "agency_kind": "police",
    }
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(insert(Member).values(**row))
    db.session.rollback()
    text = str(caught.value)
    assert "SECRETHASH" not in text and "Secret Name" not in text


def test_a_500_page_shows_the_incident_id_that_is_in_the_log_with_the_stack(monkeypatch, caplog):
    from web import security

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PROPAGATE_EXCEPTIONS": False})

    def boom():
        raise RuntimeError("kaboom")

    app.add_url_rule("/boom", "boom", boom)
    monkeypatch.setattr(security, "PUBLIC_ENDPOINTS", security.PUBLIC_ENDPOINTS | {"boom"})
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    incident = re.search(r'<code class="incident">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    [record] = [r for r in caplog.records if incident in r.getMessage()]
    assert record.exc_info and "kaboom" in str(record.exc_info[1])


@pytest.fixture
def database_down(app, db, monkeypatch):
    """Every new connection fails, as when the database server is stopped."""
    error = db.engine.dialect.loaded_dbapi.OperationalError

    def refuse(*args, **kwargs):
        raise error("connection refused (test)")

    db.session.remove()
    db.engine.dispose()
    monkeypatch.setattr(db.engine.pool, "_creator", refuse)
    yield
    monkeypatch.undo()
    db.engine.dispose()


def test_a_signed_in_member_gets_a_503_page_when_the_database_is_down(app, client, auth, db, request):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    request.getfixturevalue("database_down")
    response = client.get("/directory/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Bridges is unavailable for a moment" in html and '<code class="incident">' in html
    russian = client.get("/directory/", headers={"Accept-Language": "ru"})
    assert russian.status_code == 503 and '<html lang="ru">' in russian.get_data(as_text=True)


def test_healthz_reports_the_database_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] is False


def test_healthz_is_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] is True


@pytest.mark.parametrize("secret", ["x", "short-but-not-32-bytes", TEST_SECRET_KEY])
def test_production_refuses_a_weak_or_known_secret(production_env, secret):
    production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        _production()


def test_production_refuses_to_start_without_base_url(production_env):
    production_env.delenv("BASE_URL")
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        _production()


def test_production_with_safe_settings_starts_and_sends_coop(production_env):
    app = _production()
    response = app.test_client().get("/login", base_url="https://bridges.example.org")
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_check_config_prints_what_is_unsafe(app, production_env):
    production_env.setenv("SECRET_KEY", "x")
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "REFUSED: SECRET_KEY is 1 bytes" in result.output
    assert "WARNING: MAIL_SERVER is not set" in result.output
    production_env.setenv("SECRET_KEY", STRONG)
    ok = app.test_cli_runner().invoke(args=["check-config"])
    assert ok.exit_code == 0 and "REFUSED" not in ok.output
