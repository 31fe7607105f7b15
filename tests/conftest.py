"""Shared fixtures: one app per session on a database built by the migrations,
emptied after each test. TEST_DATABASE_URL switches from SQLite to PostgreSQL."""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient

from web import create_app
from web.extensions import db as _db


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server does. Otherwise a request
    would reuse the app context a test holds open, and with it ``g`` (the signed-in
    member, the locale) and the database session of an earlier request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read English unless they ask for another language (the default is Russian).
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if _db.engine.dialect.name == "postgresql":
            downgrade(revision="base")  # a reused database starts empty too
        upgrade()
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _db.engine.dispose()


def pytest_sessionfinish(session, exitstatus):
    """Close pooled connections of every engine (apps made inside tests too), so PostgreSQL
    connections are not left for the garbage collector to complain about."""
    import gc

    from sqlalchemy.engine import Engine

    for obj in gc.get_objects():
        if isinstance(obj, Engine):
            obj.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            # DELETE beats TRUNCATE on PostgreSQL for a handful of rows in many tables.
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms, CSRF token read from the page."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_token(self.client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = "correct horse battery", **kw):
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": self.token()}, **kw)

    def logout(self):
        token = csrf_token(self.client.get("/profile/").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict, token_from: str | None = None, **kw):
        token = csrf_token(self.client.get(token_from or path).get_data(as_text=True))
        return self.client.post(path, data={**data, "csrf_token": token}, **kw)


@pytest.fixture
def auth(client):
    return AuthActions(client)
