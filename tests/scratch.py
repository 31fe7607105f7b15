"""An app on a database of its own, for tests that migrate, back up or restore a
whole database and must not touch the session's shared one.

On SQLite it is a file in a temporary folder; with TEST_DATABASE_URL on
PostgreSQL it is a new database next to the test database, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from web import create_app
from web.extensions import db


def _pg_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@contextlib.contextmanager
def scratch_database(tmp_path, name: str = "scratch"):
    """Yield the URL of a new, empty database; drop it afterwards."""
    base = _pg_url()
    if base is None:
        yield f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        return
    url = make_url(base)
    database = f"{url.database}_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def make_scratch_app(url: str, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost",
            **config,
        }
    )


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
