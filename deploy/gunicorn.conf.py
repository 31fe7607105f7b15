"""gunicorn settings for Bridges: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment (``GUNICORN_WORKERS=3`` ...), which is how
the systemd unit, compose.yaml and the two-node test set them. See docs/deployment.md.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

_env = os.environ.get

# Listen on loopback only: nginx is the one door from outside.
bind = _env("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers: each answers one request at a time and the pages are short database work.
# Two per core plus one is the usual rule for that; cap it so PostgreSQL's connections
# (workers x SQLAlchemy pool) stay well under max_connections when two nodes share it.
workers = int(_env("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
# A worker stuck longer than this (a runaway query) is killed and replaced; publishing a
# large matching run is the slowest page (a few seconds), far below it.
timeout = int(_env("GUNICORN_TIMEOUT", "60"))
# On SIGTERM or SIGHUP a worker finishes the request it is answering before it exits.
graceful_timeout = int(_env("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps connections to us alive for a few seconds.
keepalive = int(_env("GUNICORN_KEEPALIVE", "5"))
# Replace each worker after this many requests (with jitter, so not all at once): bounds
# the effect of any slow leak without a restart of the service.
max_requests = int(_env("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(_env("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Headers and request line limits; nginx refuses larger bodies before they reach us.
limit_request_line = 8190
limit_request_field_size = 8190
# X-Forwarded-* are read by the app itself (PROXY_COUNT, werkzeug's ProxyFix), not by gunicorn.
# gunicorn trusts X-Forwarded-Proto only from these (compose sets the proxy's network).
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Workers' heartbeat files in memory, not on a disk that may stall.
_shm = "/dev/shm"  # noqa: S108 -- gunicorn's own advice for the heartbeat files
worker_tmp_dir = _env("GUNICORN_WORKER_TMP_DIR", _shm if os.path.isdir(_shm) else None)

# Logs: to standard error, which systemd's journal (or docker) collects. The app writes its
# own structured access line per request (bridges.access, with request id, endpoint and
# member); gunicorn's access log is off unless GUNICORN_ACCESS_LOG names a file or "-".
# Its format carries the path without the query string (%(U)s, never %(r)s or %(q)s):
# search terms and reset tokens must not end up in logs.
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")
accesslog = _env("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    'ts=%(t)s remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s '
    'duration_ms=%(M)s request_id=%({x-request-id}o)s agent="%(a)s"'
)
proc_name = "bridges-web"

# Prometheus counters shared by the workers (web/observability.py): each worker writes its
# values to files in this folder and /metrics adds them up. It must be set before a worker
# imports prometheus_client, which this file does by being read in the master first.
_metrics_dir = _env("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="bridges-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    """A fresh start begins with empty counters (files of dead workers would add up)."""
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def child_exit(server, worker):
    """A worker that exits leaves its counters (they are totals) but not its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """gunicorn's own access line (when GUNICORN_ACCESS_LOG is set) carries the path, and a
    reset link's path carries its token: scrub it as the app scrubs its own log lines."""
    from web.security import RedactFilter

    worker.log.access_log.addFilter(RedactFilter())
