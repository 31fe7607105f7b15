"""Request ids, structured logs and Prometheus metrics.

Every request gets an id: the proxy's ``X-Request-ID`` when it looks like one, otherwise a
new one. It is sent back in the ``X-Request-ID`` response header, written on every log line
of the request (``request_id=...``) and shown on error pages as the incident id
(:func:`request_id`).

``/metrics`` is answered by a small WSGI wrapper around the whole app, outside Flask's
sign-in gate, and only to the server itself: the socket peer must be a loopback address and
no proxy header may name another client, so a request that came through nginx from outside
is refused even when nginx itself connects from 127.0.0.1.

Counters work with several gunicorn workers through prometheus_client's multiprocess mode:
``deploy/gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers import this
module, each worker writes its own memory-mapped file and a scrape adds them up. Job runs and
the outgoing mail queue are read from the database at scrape time, so they are the same on
every node.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, g, has_request_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)
access_log = logging.getLogger("bridges.access")

ENVIRON_ID = "bridges.request_id"
ENVIRON_START = "bridges.request_start"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# One registry of our own: in multiprocess mode the values live in files anyway, and in a
# single process (tests, flask run) this keeps the default registry's collectors out.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "bridges_http_requests_total",
    "HTTP requests answered, by endpoint, method and status code.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "bridges_http_request_duration_seconds",
    "Time from the start of the request to the response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def request_id() -> str:
    """The current request's id (the incident id on error pages); ``"-"`` outside a request."""
    if not has_request_context():
        return "-"
    rid = request.environ.get(ENVIRON_ID)
    if rid is None:  # a request built without the middleware (test_request_context)
        rid = request.environ[ENVIRON_ID] = _new_id()
    return rid


def _new_id() -> str:
    return uuid.uuid4().hex


def _incoming_id(environ) -> str:
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _VALID_ID.match(given) else _new_id()


# --- logging -----------------------------------------------------------------


def _kv_value(value) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=INFO logger=web.auth request_id=... msg="..."`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
        }
        fields.update(getattr(record, "fields", {}))
        line = " ".join(f"{key}={_kv_value(value)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


KeyValueFormatter.converter = time.gmtime
JsonFormatter.converter = time.gmtime


def _install_record_factory() -> None:
    """Every record gets ``request_id`` when it is created, whichever handler writes it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "bridges_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = request_id()
        return record

    factory.bridges_request_id = True
    logging.setLogRecordFactory(factory)


def configure_logging(app: Flask) -> None:
    """Structured lines on the process's own log handlers (LOG_FORMAT: kv, json or plain).
    Handlers that others installed (pytest's capture, for one) keep their format."""
    _install_record_factory()
    kind = app.config.get("LOG_FORMAT", "kv")
    formatter = {"kv": KeyValueFormatter, "json": JsonFormatter}.get(kind)
    for handler in logging.getLogger().handlers:
        if formatter is not None and type(handler) in (logging.StreamHandler, logging.FileHandler):
            handler.setFormatter(formatter())


# --- the WSGI wrapper: request id, start time, /metrics -------------------------


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_request(environ) -> bool:
    """True only for a request from this machine that no proxy forwarded for someone else."""
    if not _is_loopback(environ.get("REMOTE_ADDR", "")):
        return False
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
        value = environ.get(header)
        if value is None:
            continue
        if header == "HTTP_FORWARDED":  # for=1.2.3.4;proto=https, for=...
            addresses = [p.split("=", 1)[1].strip('"') for p in re.split(r"[;,]", value) if p.strip().startswith("for=")]
        else:
            addresses = value.split(",")
        if not addresses or not all(_is_loopback(a) for a in addresses):
            return False
    return True


class ObservabilityMiddleware:
    """Outermost WSGI layer: it sees the socket peer before ProxyFix rewrites it."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        environ[ENVIRON_START] = time.perf_counter()
        environ[ENVIRON_ID] = _incoming_id(environ)
        if environ.get("PATH_INFO") == "/metrics":
            return self._metrics(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _metrics(self, environ, start_response) -> Iterable[bytes]:
        if not is_local_request(environ):
            log.warning("metrics refused for %s", environ.get("REMOTE_ADDR"))
            start_response("404 NOT FOUND", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not Found\n"]
        with self.app.app_context():
            body = render_metrics()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store")])
        return [body]


# --- metrics -----------------------------------------------------------------


class DatabaseCollector:
    """Job runs and the outgoing mail queue, read from the database when scraped."""

    def collect(self):
        from sqlalchemy import func, select

        from .extensions import db
        from .models import JobExecution, OutboxEmail

        runs = GaugeMetricFamily(
            "bridges_job_executions", "Recorded executions of scheduled jobs, by job and status.", labels=["job", "status"]
        )
        for job, status, count in db.session.execute(
            select(JobExecution.job, JobExecution.status, func.count()).group_by(JobExecution.job, JobExecution.status)
        ):
            runs.add_metric([job, status], count)
        yield runs
        last = GaugeMetricFamily(
            "bridges_job_last_finished_timestamp_seconds",
            "When each job last finished (Unix time), whatever its status.",
            labels=["job"],
        )
        for job, finished in db.session.execute(
            select(JobExecution.job, func.max(JobExecution.finished_at)).group_by(JobExecution.job)
        ):
            if finished is not None:
                last.add_metric([job], finished.timestamp())
        yield last
        unsent = OutboxEmail.sent_at.is_(None)
        queued = db.session.scalar(select(func.count()).where(unsent, OutboxEmail.error == "")) or 0
        failing = db.session.scalar(select(func.count()).where(unsent, OutboxEmail.error != "")) or 0
        oldest = db.session.scalar(select(func.min(OutboxEmail.created_at)).where(unsent))
        yield GaugeMetricFamily("bridges_outbox_queued", "Emails waiting for their first delivery attempt.", value=queued)
        yield GaugeMetricFamily("bridges_outbox_failing", "Unsent emails whose last delivery attempt failed.", value=failing)
        yield GaugeMetricFamily(
            "bridges_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent email (0 when none waits).",
            value=max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0,
        )


def render_metrics() -> bytes:
    """The Prometheus text exposition: this node's request metrics plus the database's."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    try:
        db_text = generate_latest(database)
    except Exception:  # a broken database must not hide the request metrics
        log.exception("metrics: database figures unavailable")
        db_text = b""
    return generate_latest(process_registry) + db_text


# --- Flask hooks ---------------------------------------------------------------


def _endpoint_label() -> str:
    # Unknown URLs share one label, so scanners cannot grow the series without bound.
    return request.endpoint or "unmatched"


def _after_request(response):
    rid = request_id()
    response.headers["X-Request-ID"] = rid
    start = request.environ.get(ENVIRON_START)
    duration = time.perf_counter() - start if start is not None else 0.0
    endpoint = _endpoint_label()
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(duration)
    if endpoint != "static" or response.status_code >= 400:
        member = getattr(g, "_login_user", None)
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,  # never the query string: it can carry search terms and tokens
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "endpoint": endpoint,
                    "member": getattr(member, "id", "-") or "-",
                }
            },
        )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("LOG_FORMAT", "kv")
    configure_logging(app)
    app.after_request(_after_request)
    app.wsgi_app = ObservabilityMiddleware(app, app.wsgi_app)
    app.jinja_env.globals["request_id"] = request_id
