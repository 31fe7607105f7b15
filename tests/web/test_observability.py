"""Request ids, structured logs, /metrics, compression and hashed static files."""

from __future__ import annotations

import gzip
import logging
import re
from datetime import timedelta

from tests.factories import make_member
from web.models import JobExecution, OutboxEmail, utcnow
from web.observability import KeyValueFormatter, request_id

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def _metric(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


# --- request id --------------------------------------------------------------


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/login").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_proxys_request_id_is_kept(client):
    response = client.get("/login", headers={"X-Request-ID": "nginx-5f2c9a0e7b"})
    assert response.headers["X-Request-ID"] == "nginx-5f2c9a0e7b"


def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/login", headers={"X-Request-ID": "x injected=1 <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_request_id_outside_a_request_is_a_dash(app):
    with app.app_context():
        assert request_id() == "-"


def test_access_log_line_has_request_id_status_and_no_query_string(client, db, auth, caplog):
    member = make_member(db, email="aigul@example.org")
    auth.login("aigul@example.org")
    with caplog.at_level(logging.INFO, logger="bridges.access"):
        response = client.get("/directory/?q=secret-search-words&country=KZ")
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "bridges.access"]
    assert len(records) == 1
    line = KeyValueFormatter().format(records[0])
    rid = response.headers["X-Request-ID"]
    assert f"request_id={rid}" in line
    assert "status=200" in line
    assert "path=/directory/" in line
    assert "endpoint=directory.index" in line
    assert f"member={member.id}" in line
    assert "secret-search-words" not in line


def test_application_logs_inside_a_request_carry_its_id(app, caplog):
    with caplog.at_level(logging.INFO, logger="web.test"):
        with app.test_request_context("/", environ_base={"bridges.request_id": "req-0123456789"}):
            logging.getLogger("web.test").info("member %s did something", 7)
        logging.getLogger("web.test").info("outside a request")
    inside, outside = (r for r in caplog.records if r.name == "web.test")
    assert inside.request_id == "req-0123456789"
    assert outside.request_id == "-"
    assert "request_id=req-0123456789" in KeyValueFormatter().format(inside)


def test_key_value_formatter_quotes_values_with_spaces():
    record = logging.LogRecord("web.auth", logging.WARNING, __file__, 1, 'sign-in failed for "%s"', ("x y",), None)
    record.request_id = "abc12345"
    line = KeyValueFormatter().format(record)
    assert "level=WARNING logger=web.auth request_id=abc12345" in line
    assert 'msg="sign-in failed for \\"x y\\""' in line


# --- /metrics ------------------------------------------------------------------


def test_metrics_counts_requests_by_endpoint_and_status(client):
    before = client.get("/metrics", environ_base=LOCAL).get_data(as_text=True)
    seen = _metric(before, "bridges_http_requests_total", endpoint="auth.login", method="GET", status="200") or 0
    client.get("/login")
    client.get("/login")
    client.get("/no-such-page")
    response = client.get("/metrics", environ_base=LOCAL)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _metric(text, "bridges_http_requests_total", endpoint="auth.login", method="GET", status="200") == seen + 2
    assert _metric(text, "bridges_http_requests_total", endpoint="unmatched", status="404") >= 1
    assert _metric(text, "bridges_http_request_duration_seconds_count", endpoint="auth.login") >= 2
    assert "# TYPE bridges_http_request_duration_seconds histogram" in text


def test_metrics_reports_job_runs_and_the_mail_queue(client, db):
    now = utcnow()
    db.session.add_all(
        [
            JobExecution(job="matching", scheduled_for=now - timedelta(days=7), status="succeeded", finished_at=now),
            JobExecution(job="matching", scheduled_for=now, status="failed", finished_at=now),
            JobExecution(job="expiry", scheduled_for=now, status="succeeded", finished_at=now),
            OutboxEmail(to="a@example.org", subject="s", body="b", created_at=now - timedelta(minutes=10)),
            OutboxEmail(to="b@example.org", subject="s", body="b", error="SMTPServerDisconnected: gone"),
            OutboxEmail(to="c@example.org", subject="s", body="b", sent_at=now),
        ]
    )
    db.session.commit()
    text = client.get("/metrics", environ_base=LOCAL).get_data(as_text=True)
    assert _metric(text, "bridges_job_executions", job="matching", status="succeeded") == 1
    assert _metric(text, "bridges_job_executions", job="matching", status="failed") == 1
    assert _metric(text, "bridges_job_executions", job="expiry", status="succeeded") == 1
    assert _metric(text, "bridges_outbox_queued") == 1
    assert _metric(text, "bridges_outbox_failing") == 1
    assert _metric(text, "bridges_outbox_oldest_unsent_age_seconds") >= 590


def test_metrics_refused_to_other_machines(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 404
    assert b"bridges_" not in response.data


def test_metrics_refused_when_the_proxy_forwarded_an_outside_client(client):
    for headers in (
        {"X-Forwarded-For": "203.0.113.7"},
        {"X-Forwarded-For": "127.0.0.1, 198.51.100.2"},
        {"X-Real-IP": "198.51.100.2"},
        {"Forwarded": "for=198.51.100.2;proto=https"},
        {"X-Forwarded-For": "not-an-address"},
    ):
        response = client.get("/metrics", environ_base=LOCAL, headers=headers)
        assert response.status_code == 404, headers


def test_metrics_allowed_on_ipv6_loopback_and_through_a_local_proxy(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base=LOCAL, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_metrics_behind_proxyfix_still_refuses_outside_clients(app):
    from web import create_app
    from web.extensions import db

    proxied = create_app({**app.config, "TESTING": True, "PROXY_COUNT": 1})
    client = proxied.test_client()
    try:
        assert client.get("/metrics", environ_base=LOCAL, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        assert client.get("/metrics", environ_base=LOCAL).status_code == 200
    finally:
        with proxied.app_context():
            db.engine.dispose()  # its own pool: closed now, not by the garbage collector in a later test


# --- compression and static files ------------------------------------------------


def test_pages_are_gzipped_when_the_browser_accepts_it(client):
    plain = client.get("/login")
    zipped = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)


def test_stylesheet_link_has_a_content_hash_and_is_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'href="(/static/style\.([0-9a-f]{12})\.css)"', page)
    assert match, "the stylesheet link has no content hash"
    with client.get(match.group(1)) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache
        body = response.get_data()
    with client.get("/static/style.css") as plain:
        assert body == plain.get_data()


def test_a_stale_hash_gets_the_current_file_without_the_long_cache(client):
    with client.get("/static/style.000000000000.css") as response:
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_missing_static_file_is_404(client):
    assert client.get("/static/nothing.abcdefabcdef.css").status_code == 404
