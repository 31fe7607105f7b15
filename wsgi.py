"""WSGI entry point (``gunicorn wsgi:app``) and the ``flask`` commands' app (``FLASK_APP=wsgi:app``):
the one place where the app and the job scheduler's commands meet (web never imports jobs)."""

from jobs.cli import register as register_jobs
from web import create_app

app = create_app()
register_jobs(app)
