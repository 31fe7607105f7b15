import pytest


@pytest.fixture(autouse=True, scope="session")
def _jobs_commands(app):
    """``flask jobs`` as ``wsgi.py`` registers it (the app factory does not: web never imports jobs)."""
    from jobs.cli import register

    register(app)


@pytest.fixture(autouse=True, scope="module")
def _close_pooled_connections(app):
    """Scheduler threads and lock connections leave pooled connections behind;
    close them after each module so none is garbage-collected while open."""
    yield
    from web.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
