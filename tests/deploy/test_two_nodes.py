"""Two web nodes on one PostgreSQL and one Redis, each with its own scheduler, as
docs/deployment.md describes: two real gunicorn instances (deploy/gunicorn.conf.py, the
production configuration, ``wsgi:app``) on two ports and two ``flask jobs run`` processes.

- a member signs in on one node and carries on on the other; signing out on one ends the
  session on both;
- failed sign-ins on both nodes add up to one lock, which both nodes enforce;
- the matching job, due every minute here, runs once per slot although both schedulers fire.

Runs only when TEST_DATABASE_URL points at PostgreSQL (it creates and drops its own scratch
database on that server) and Redis answers on 127.0.0.1:6379 (it uses db 12 and flushes only
that one). Bounded: every wait has a deadline; the longest waits for the next minute's slot.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 12
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return None
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def _redis_ok() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(_postgres_url() is None, reason="two nodes need PostgreSQL: set TEST_DATABASE_URL=postgresql://..."),
    pytest.mark.skipif(not _redis_ok(), reason="two nodes need Redis on 127.0.0.1:6379"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One member's browser: one cookie jar for both nodes (cookies ignore the port). The
    session cookie is Secure as in production; this jar sends it over loopback HTTP, as a
    browser would over nginx's HTTPS."""

    def __init__(self):
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        self.jar = http.cookiejar.CookieJar(policy=policy)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"Accept-Language": "en"})  # noqa: S310
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode()
            exc.close()
            return exc.code, text, dict(exc.headers)

    def token(self, url: str) -> str:
        status, text, _ = self.request(url)
        match = CSRF.search(text)
        assert match, f"no CSRF token on {url} ({status})"
        return match.group(1)

    def sign_in(self, node: str, email: str, password: str = PASSWORD) -> int:
        token = self.token(node + "/login")
        status, _, _ = self.request(node + "/login", {"email": email, "password": password, "csrf_token": token})
        return status


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from sqlalchemy import create_engine, text

    base = _postgres_url()
    name = f"bridges_two_nodes_{os.getpid()}"
    admin = create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = base.rsplit("/", 1)[0] + "/" + name
    tmp = tmp_path_factory.mktemp("two-nodes")
    env = {
        **os.environ,
        "BRIDGES_CONFIG": "production",
        "FLASK_APP": "wsgi:app",
        "DATABASE_URL": url,
        "SECRET_KEY": "two-nodes-test-secret-0123456789abcdef-0123456789",
        "BASE_URL": "https://bridges.example.org",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "MATCHING_CRON": "* * * * *",
        "MATCHING_TIMEZONE": "UTC",
        "BACKUP_DIR": str(tmp / "backups"),
        "GUNICORN_WORKERS": "2",
    }
    env.pop("TEST_DATABASE_URL", None)
    import redis

    store = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    store.flushdb()
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        _seed(url)
        nodes, logs = [], []
        for i in (1, 2):
            port = _free_port()
            node_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics{i}")}
            log = tmp / f"node{i}.log"
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
            processes.append(_start(gunicorn, node_env, log))
            jobs_log = tmp / f"jobs{i}.log"
            processes.append(_start([sys.executable, "-m", "flask", "jobs", "run"], node_env, jobs_log))
            nodes.append(f"http://127.0.0.1:{port}")
            logs.append(jobs_log)
        for node, proc in zip(nodes, processes[::2], strict=True):
            _wait_healthy(node, proc)
        yield {"nodes": nodes, "url": url, "job_logs": logs}
    finally:
        for proc in processes:
            _stop(proc)
        store.flushdb()
        store.close()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _seed(url: str) -> None:
    from tests.factories import make_member, make_mentor
    from web import create_app
    from web.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        make_member(db, email="aigul@example.org", display_name="Aigul Tokayeva", country="KZ")
        make_member(db, email="saule@example.org", display_name="Saule", country="KZ")
        make_mentor(db, email="zarina@example.org", display_name="Zarina", country="UZ", years_of_service=15)
        make_member(db, email="nigora@example.org", display_name="Nigora", country="TJ")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_healthy(node: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited at start"
        try:
            with urllib.request.urlopen(node + "/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{node} did not answer within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_sign_in_on_one_node_and_carry_on_on_the_other(cluster):
    one, two = cluster["nodes"]
    browser = Browser()
    assert browser.sign_in(one, "aigul@example.org") == 302
    status, page, _ = browser.request(two + "/profile/")
    assert status == 200
    assert "Aigul Tokayeva" in page
    # A form read on node two is accepted by node one (same session, same CSRF secret).
    token = browser.token(two + "/profile/")
    status, _, headers = browser.request(one + "/logout", {"csrf_token": token})
    assert status == 302
    # Signed out on one: the other no longer knows her either.
    status, _, headers = browser.request(two + "/profile/")
    assert status == 302 and "/login" in headers["Location"]


def test_failed_sign_ins_on_both_nodes_make_one_lock(cluster):
    one, two = cluster["nodes"]
    browser = Browser()
    for attempt in range(5):  # LOGIN_MAX_FAILURES_ACCOUNT: alternate the nodes
        node = (one, two)[attempt % 2]
        assert browser.sign_in(node, "saule@example.org", "not her password") == 401
    # Even the right password is now refused, on either node.
    assert browser.sign_in(two, "saule@example.org") == 429
    assert browser.sign_in(one, "saule@example.org") == 429


def test_the_matching_job_runs_once_per_slot_with_two_schedulers(cluster):
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster["url"])
    deadline = time.monotonic() + 100  # the next whole minute, plus the run
    try:
        while True:
            with engine.connect() as conn:
                runs = conn.execute(
                    text("SELECT scheduled_for, status FROM job_execution WHERE job = 'matching' ORDER BY scheduled_for")
                ).all()
            logs = [path.read_text() for path in cluster["job_logs"]]
            contended = any("already claimed elsewhere" in log and "job matching" in log for log in logs)
            finished = runs and all(status not in ("running", "claimed") for _slot, status in runs)
            if finished and contended:
                break
            assert time.monotonic() < deadline, f"no contended matching slot within 100 s: {runs}"
            time.sleep(1)
        # One snapshot for both counts: the schedulers go on claiming a slot each minute meanwhile.
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            per_slot = conn.execute(
                text("SELECT scheduled_for, count(*) FROM job_execution WHERE job = 'matching' GROUP BY scheduled_for")
            ).all()
            done = conn.execute(text("SELECT count(*) FROM job_execution WHERE job = 'matching' AND status = 'ok'")).scalar()
            match_runs = conn.execute(text("SELECT count(*) FROM match_run")).scalar()
        logs = [path.read_text() for path in cluster["job_logs"]]
    finally:
        engine.dispose()
    assert all(count == 1 for _slot, count in per_slot)
    # One matching run per executed slot, although each slot was fired by both schedulers (a
    # slot claimed in the last instant may not have written its run yet).
    assert done >= 1
    assert done <= match_runs <= len(per_slot)
    started = sum(len(re.findall(r"job matching \(execution \d+\) started", log)) for log in logs)
    assert done <= started <= len(per_slot) + 1
