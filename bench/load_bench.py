"""Load benchmark: simulated members against gunicorn + PostgreSQL, and a side-by-side
comparison with a plain Flask + SQLAlchemy app (bench/plain_app.py).

    python bench/load_bench.py                       # everything (seed, levels, comparison)
    python bench/load_bench.py --levels 100,500 --duration 45 --skip-compare
    python bench/load_bench.py --reuse               # keep the seeded database of an earlier run

Generator: locust (kept, maintained), run in this process as a library with FastHttpUser
(geventhttpclient), so one core drives hundreds of members. Everything stays on 127.0.0.1
and every loop is bounded by --duration and a deadline per phase.

What a simulated member does: she comes with the session she signed in with earlier (a
signed session cookie made with the server's key; --sign-in makes every member sign in
through the form first instead, a sign-in storm), then, with a think time of --think
seconds on average between actions: reads the directory with
filters (country, language, skill, role, a later page), opens her conversation (200
messages, the newest page), polls it as the page's script does, writes a message now and
then, lists her conversations, opens her proposals. Figures per kind of page: requests per
second, p50/p95/p99 (ms) and errors, measured once every member is active. Sign-in is
measured apart (20 in a row through the form): argon2id costs what it should.

Slowest queries: pg_stat_statements when the server preloads it, otherwise the server log
(log_min_duration_statement is set on the bench database only) is read for the run's lines.

The database ``bridges_bench`` (or --database) on 127.0.0.1:5432 is dropped and created
unless --reuse; Redis db 13 on 127.0.0.1:6379 holds the throttles (flushed at start).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
REDIS_DB = 13
BRIDGES_PORT, PLAIN_PORT = 18100, 18200
KINDS = ("login", "directory", "conversation", "poll", "send message", "messages list", "proposals", "proposal")
PG_LOG = Path("/var/log/postgresql/postgresql-15-main.log")


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def bench_wsgi():
    """The app as production builds it (and checks it), then with cookies without the Secure
    flag: the bench talks plain HTTP on loopback, where nginx would do TLS in production."""
    sys.path.insert(0, str(ROOT))
    from web import create_app

    app = create_app("production")
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    return app


# --- database ------------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def app_env(database: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=PG + database,
        SECRET_KEY=SECRET,
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        BRIDGES_CONFIG="production",
        BASE_URL="https://bridges.example.org",
        FLASK_APP="wsgi:app",
        LOG_FORMAT="kv",
        PYTHONPATH=f"{ROOT}:{BENCH}",
        MAIL_SUPPRESS_SEND="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prepare_database(database: str, args) -> None:
    print(
        f"Database {database}: create, migrate, seed ({args.members:,} members, {args.conversations:,} conversations "
        f"of {args.per_conversation})",
        flush=True,
    )
    psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(f"CREATE DATABASE {database}")
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=app_env(database), check=True, capture_output=True
    )
    sys.path.insert(0, str(ROOT))
    from load_seed import seed

    seed(PG + database, args.members, args.conversations, args.per_conversation, args.proposals)


def reset_messages(database: str, args) -> None:
    """Remove what an earlier run wrote, so every run reads the same conversations."""
    last = args.conversations * args.per_conversation
    psql(
        f"DELETE FROM message WHERE id > {last}; DELETE FROM notification; DELETE FROM message_rate_counter; "
        "DELETE FROM login_throttle; UPDATE member SET last_login_at = NULL WHERE last_login_at IS NOT NULL; "
        f"UPDATE conversation_participant SET last_read_message_id = (conversation_id - 1) * {args.per_conversation} "
        f"+ {args.per_conversation - 2} WHERE last_read_message_id <> (conversation_id - 1) * {args.per_conversation} "
        f"+ {args.per_conversation - 2}",
        database,
    )
    # Rows rewritten by the last run would otherwise make the next one slower than the first.
    psql("VACUUM ANALYZE member, message, conversation_participant, conversation, notification", database)


def flush_redis() -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.flushdb()
    client.close()


# --- servers -------------------------------------------------------------------


def start_gunicorn(target: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), GUNICORN_MAX_REQUESTS="0")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), target],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited; see {log}") from None
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"gunicorn {target} did not answer on {port}; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the simulated members ----------------------------------------------------------


CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
LAST_ID = re.compile(r'data-last-id="(\d+)"')


SECRET = "bench-secret-not-for-production-0123456789abcdef"  # noqa: S105 -- the bench server's own key
SESSION_COOKIE = "__Host-bridges_session"  # ProductionConfig.SESSION_COOKIE_NAME


def session_cookie(member_id: int) -> str:
    """The signed session cookie of a member who signed in earlier (the seed's session token),
    as the browser of an active member holds it. Not fresh and without an identifier, so
    Flask-Login's basic session protection leaves it unchanged."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("bench")
    app.secret_key = SECRET
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    now = int(time.time())
    return serializer.dumps(
        {
            "_user_id": f"{member_id}:{member_id:08x}" + "0" * 24,
            "_fresh": False,
            "_permanent": True,
            "_auth_at": now,  # web.security.AUTH_AT, SEEN_AT: the session's clock
            "_seen_at": now,
        }
    )


def _set_cookie(jar, host: str, name: str, value: str) -> None:
    import http.cookiejar

    jar.set_cookie(
        http.cookiejar.Cookie(0, name, value, None, False, host, False, False, "/", True, False, None, True, None, None, {})
    )


def member_classes(think: float, conversations: int, proposals: int, password: str, sign_in: bool = False):
    """Locust user classes, built here so that locust (and gevent) load only in the driver.
    Members start with the session they signed in with earlier (``sign_in=False``), or sign in
    through the form first (``sign_in=True``: every member's argon2id check at the start)."""
    import random

    from locust import FastHttpUser, between, task

    class Member(FastHttpUser):
        abstract = True
        wait_time = between(think * 0.5, think * 1.5)
        network_timeout = 30.0
        connection_timeout = 10.0
        next_id = [0]
        signed_in = [0]
        failed = [0]

        def on_start(self):
            Member.next_id[0] += 1
            self.member_id = Member.next_id[0]
            self.conversation_id = (self.member_id + 1) // 2
            self.proposal_id = self.conversation_id if self.conversation_id <= proposals else None
            self.last_id = 0
            self.token = ""
            if not sign_in:
                _set_cookie(self.client.cookiejar, "127.0.0.1", SESSION_COOKIE, session_cookie(self.member_id))
                Member.signed_in[0] += 1
                self.open_conversation()
                return
            page = self.client.get("/login", name="login")
            token = CSRF.search(page.text or "")
            with self.client.post(
                "/login",
                data={
                    "email": f"member{self.member_id}@bench.invalid",
                    "password": password,
                    "csrf_token": token and token.group(1),
                },
                name="login",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code not in (302, 303):
                    response.failure(f"sign-in answered {response.status_code}")
                    Member.failed[0] += 1
                    self.stop()
                    return
            Member.signed_in[0] += 1
            self.open_conversation()

        def open_conversation(self):
            with self.client.get(f"/messages/{self.conversation_id}", name="conversation", catch_response=True) as response:
                text = response.text or ""
                found = LAST_ID.search(text)
                token = CSRF.search(text)
                if response.status_code != 200 or not found:
                    response.failure(f"conversation: {response.status_code}")
                    return
                self.last_id = int(found.group(1))
                self.token = token.group(1) if token else ""

    class Reader(Member):
        @task(3)
        def directory(self):
            params = random.choice(
                (
                    {"country": random.choice(("KZ", "KG", "TJ", "TM", "UZ"))},
                    {"country": random.choice(("KZ", "UZ")), "language": "ru"},
                    {"skill": random.choice(("leadership", "crisis_communication", "inclusive_teams"))},
                    {"role": "mentor", "country": random.choice(("KG", "TJ"))},
                    {"country": "KZ", "page": random.randint(2, 50)},
                )
            )
            query = "&".join(f"{k}={v}" for k, v in params.items())
            self.client.get(f"/directory/?{query}", name="directory")

        @task(3)
        def conversation(self):
            self.open_conversation()

        @task(4)
        def poll(self):
            with self.client.get(
                f"/messages/{self.conversation_id}/poll?after={self.last_id}", name="poll", catch_response=True
            ) as response:
                if response.status_code == 200:
                    items = (response.json() or {}).get("messages") or []
                    if items:
                        self.last_id = items[-1]["id"]

        @task(1)
        def send_message(self):
            if not self.token:
                return
            with self.client.post(
                f"/messages/{self.conversation_id}/send",
                data={"body": f"Benchmark note from member {self.member_id}", "csrf_token": self.token},
                name="send message",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code not in (302, 303):
                    response.failure(f"send answered {response.status_code}")

        @task(1)
        def messages_list(self):
            self.client.get("/messages/", name="messages list")

        @task(1)
        def proposals(self):
            self.client.get("/matches/", name="proposals")
            if self.proposal_id:
                self.client.get(f"/matches/{self.proposal_id}", name="proposal")

    return Member, Reader


def percentile(entry, fraction: float) -> float:
    return entry.get_response_time_percentile(fraction) if entry.num_requests else 0.0


def report(stats, seconds: float, kinds=KINDS, prefix: str = "") -> dict:
    rows = {}
    errors = defaultdict(list)
    for error in stats.errors.values():
        errors[error.name].append(f"{error.occurrences}x {str(error.error)[:60]}")
    print(f"{prefix}{'page':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}")
    for name in kinds:
        entry = stats.entries.get((name, "GET")) or stats.entries.get((name, "POST"))
        merged = [e for (n, _m), e in stats.entries.items() if n == name]
        if not merged:
            continue
        entry = merged[0]
        if len(merged) > 1:
            from locust.stats import StatsEntry

            entry = StatsEntry(stats, name, "ALL", use_response_times_cache=False)
            for part in merged:
                entry.extend(part)
        rps = entry.num_requests / seconds if seconds else 0
        row = {
            "requests": entry.num_requests,
            "rps": rps,
            "p50": percentile(entry, 0.5),
            "p95": percentile(entry, 0.95),
            "p99": percentile(entry, 0.99),
            "errors": entry.num_failures,
        }
        rows[name] = row
        print(
            f"{prefix}{name:<16}{row['requests']:>9}{rps:>8.1f}{row['p50']:>8.0f}{row['p95']:>8.0f}{row['p99']:>8.0f}"
            f"{row['errors']:>8}"
        )
        for line in errors.get(name, [])[:3]:
            print(f"{prefix}    error: {line}")
    return rows


def measure_sign_in(host: str, password: str, count: int = 20) -> None:
    """Sign-ins one after the other through the form: what one costs on this server."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    durations, failures = [], 0
    for n in range(count):
        jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http")))

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        with opener.open(host + "/login", timeout=60) as page:
            token = CSRF.search(page.read().decode()).group(1)
        body = urllib.parse.urlencode(
            {"email": f"member{40_000 + n}@bench.invalid", "password": password, "csrf_token": token}
        ).encode()
        start = time.perf_counter()
        try:
            opener.open(urllib.request.Request(host + "/login", data=body), timeout=60).close()  # noqa: S310
            failures += 1  # a 200 is the form again
        except urllib.error.HTTPError as exc:
            failures += exc.code not in (302, 303)
            exc.close()
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    print(
        f"\n== Sign-in through the form, {count} one after the other (argon2id as configured): "
        f"p50 {durations[len(durations) // 2]:.0f} ms, max {durations[-1]:.0f} ms, {failures} failed; {loadavg()}",
        flush=True,
    )


def run_level(users: int, args, host: str) -> dict:
    import gevent
    from locust.env import Environment

    Member, Reader = member_classes(args.think, args.conversations, args.proposals, args.password, args.sign_in)
    Member.next_id[0] = Member.signed_in[0] = Member.failed[0] = 0
    env = Environment(user_classes=[Reader], host=host)
    runner = env.create_local_runner()
    print(
        f"\n== {users} simulated members, think time {args.think:g} s, {args.duration:g} s measured; {loadavg()}", flush=True
    )
    started = time.monotonic()
    runner.start(users, spawn_rate=args.spawn_rate)
    deadline = started + args.ramp_limit
    while Member.signed_in[0] + Member.failed[0] < users and time.monotonic() < deadline:
        gevent.sleep(1)
    ramp = time.monotonic() - started
    print(f"   {Member.signed_in[0]} of {users} signed in after {ramp:.0f} s ({Member.failed[0]} refused)", flush=True)
    report(env.stats, ramp, kinds=("login",), prefix="   ramp: ")
    env.stats.reset_all()
    measured_from = time.monotonic()
    gevent.sleep(args.duration)
    seconds = time.monotonic() - measured_from
    rows = report(env.stats, seconds, prefix="   ")
    total = env.stats.total
    print(
        f"   all pages: {total.num_requests / seconds:.1f} req/s, p95 {percentile(total, 0.95):.0f} ms, "
        f"{total.num_failures} errors; {loadavg()}",
        flush=True,
    )
    runner.quit()
    return rows


# --- side by side with the plain app ------------------------------------------------


def compare_classes(page: str, args):
    """One closed-loop user class per app, both asking for the same page."""
    from locust import FastHttpUser, constant, task

    counter, signed_in = [0], [0]
    users = args.compare_users
    countries = ("KZ", "UZ", "KG")

    class BridgesUser(FastHttpUser):
        host = f"http://127.0.0.1:{BRIDGES_PORT}"
        wait_time = constant(0)
        fixed_count = users

        def on_start(self):
            counter[0] += 1
            self.n = counter[0]
            _set_cookie(self.client.cookiejar, "127.0.0.1", SESSION_COOKIE, session_cookie(self.n))
            signed_in[0] += 1

        @task
        def page(self):
            if page == "conversation":
                self.client.get(f"/messages/{(self.n + 1) // 2}", name="bridges " + page)
            else:
                self.client.get(f"/directory/?country={countries[self.n % 3]}", name="bridges " + page)

    class PlainUser(FastHttpUser):
        host = f"http://127.0.0.1:{PLAIN_PORT}"
        wait_time = constant(0)
        fixed_count = users

        def on_start(self):
            self.n = 1 + (counter[0] % users)
            counter[0] += 1

        @task
        def page(self):
            if page == "conversation":
                self.client.get(f"/conversation/{(self.n + 1) // 2}", name="plain " + page)
            else:
                self.client.get(f"/directory?country={countries[self.n % 3]}", name="plain " + page)

    return [BridgesUser, PlainUser], signed_in


def compare(args, database: str) -> None:
    import gevent
    from locust.env import Environment

    print(
        f"\n== Side by side: Bridges and the plain app, {args.compare_workers} gunicorn workers each, "
        f"{args.compare_users} connections each at the same time, no think time; {loadavg()}",
        flush=True,
    )
    logs = Path(args.logs)
    bridges = start_gunicorn(
        "load_bench:bench_wsgi()", BRIDGES_PORT, args.compare_workers, app_env(database), logs / "compare-bridges.log"
    )
    plain = start_gunicorn(
        "plain_app:create_app()", PLAIN_PORT, args.compare_workers, app_env(database), logs / "compare-plain.log"
    )
    try:
        for page in ("conversation", "directory by country"):
            classes, signed_in = compare_classes(page, args)
            env = Environment(user_classes=classes)
            runner = env.create_local_runner()
            runner.start(2 * args.compare_users, spawn_rate=10)
            deadline = time.monotonic() + 180
            while signed_in[0] < args.compare_users and time.monotonic() < deadline:
                gevent.sleep(1)
            gevent.sleep(5)  # every connection signed in, then warm
            env.stats.reset_all()
            start = time.monotonic()
            gevent.sleep(args.compare_duration)
            seconds = time.monotonic() - start
            print(f"\n-- {page} ({seconds:.0f} s)")
            rows = report(env.stats, seconds, kinds=("bridges " + page, "plain " + page), prefix="   ")
            runner.quit()
            b, p = rows.get("bridges " + page), rows.get("plain " + page)
            if b and p and p["rps"]:
                print(
                    f"   Bridges/plain: {b['rps'] / p['rps']:.2f} times the requests per second, "
                    f"p95 {b['p95'] / max(p['p95'], 1):.2f} times; target: at least 1.00 times; {loadavg()}",
                    flush=True,
                )
            reset_messages(database, args)
    finally:
        stop(bridges)
        stop(plain)


# --- slow queries -------------------------------------------------------------------


def slow_queries_start(database: str) -> tuple[str, int]:
    preload = psql("SHOW shared_preload_libraries")
    if "pg_stat_statements" in preload:
        psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database)
        psql("SELECT pg_stat_statements_reset()", database)
        return "pg_stat_statements", 0
    psql(f"ALTER DATABASE {database} SET log_min_duration_statement = {int(os.environ.get('BENCH_SLOW_MS', '20'))}")
    return "log", PG_LOG.stat().st_size if PG_LOG.exists() else 0


_NUMBER = re.compile(r"\b\d+\b")
_STRING = re.compile(r"'(?:[^']|'')*'")
_PARAM = re.compile(r"\$\d+")


def slow_queries_report(database: str, how: tuple[str, int], top: int = 8) -> None:
    kind, offset = how
    print(f"\n== Slowest queries ({'pg_stat_statements' if kind != 'log' else 'server log, log_min_duration_statement'})")
    if kind != "log":
        rows = psql(
            "SELECT round(total_exec_time)::int, calls, round(mean_exec_time::numeric, 1), left(regexp_replace(query, "
            "'\\s+', ' ', 'g'), 160) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT " + str(top),
            database,
        )
        print(rows)
        return
    if not PG_LOG.exists():
        print("   (server log not readable here)")
        return
    with PG_LOG.open("rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", "replace")
    totals: dict[str, list[float]] = defaultdict(list)
    current = None
    for line in text.splitlines():
        match = re.search(
            r"@" + re.escape(database) + r" LOG:\s+duration: ([\d.]+) ms\s+(?:statement|execute [^:]*): (.*)$", line
        )
        if match:
            current = [float(match.group(1)), match.group(2)]
            key = None
            totals.setdefault("__pending__", [])
            totals["__pending__"] = current
            continue
        if current is not None and line.startswith(("\t", " ")) and " LOG: " not in line and "DETAIL:" not in line:
            current[1] += " " + line.strip()
            continue
        if current is not None:
            key = _PARAM.sub("?", _NUMBER.sub("N", _STRING.sub("'?'", current[1])))
            totals[re.sub(r"\s+", " ", key)[:220]].append(current[0])
            current = None
    if current is not None:
        key = _PARAM.sub("?", _NUMBER.sub("N", _STRING.sub("'?'", current[1])))
        totals[re.sub(r"\s+", " ", key)[:220]].append(current[0])
    totals.pop("__pending__", None)
    ranked = sorted(totals.items(), key=lambda item: -sum(item[1]))[:top]
    if not ranked:
        print("   none over the threshold")
    for query, durations in ranked:
        print(f"   {sum(durations):8.0f} ms total {len(durations):6d} calls  max {max(durations):6.0f} ms  {query}")
    psql(f"ALTER DATABASE {database} RESET log_min_duration_statement")


# --- main -------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bridges_bench")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database of an earlier run")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--conversations", type=int, default=5_000)
    parser.add_argument("--per-conversation", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=2_500)
    parser.add_argument("--levels", default="100,500,2000")
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured per level")
    parser.add_argument("--spawn-rate", type=float, default=25.0, help="members starting per second")
    parser.add_argument("--ramp-limit", type=float, default=240.0, help="longest wait for every member to sign in")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: deploy/gunicorn.conf.py's choice)")
    parser.add_argument(
        "--sign-in", action="store_true", help="every simulated member signs in through the form first (a sign-in storm)"
    )
    parser.add_argument("--skip-levels", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--compare-workers", type=int, default=2)
    parser.add_argument("--compare-users", type=int, default=50)
    parser.add_argument("--compare-duration", type=float, default=30.0)
    parser.add_argument("--logs", default=os.path.join(tempfile.gettempdir(), "bridges-load-bench"))
    args = parser.parse_args(argv)
    from load_seed import PASSWORD

    args.password = PASSWORD
    Path(args.logs).mkdir(parents=True, exist_ok=True)
    database = args.database
    print(f"Bridges load benchmark; {loadavg()}", flush=True)
    if not args.reuse:
        prepare_database(database, args)
    reset_messages(database, args)
    flush_redis()
    import gevent.monkey  # locust's own import does this too; say it before anything else opens sockets

    gevent.monkey.patch_all()
    slow = slow_queries_start(database)
    try:
        if not args.skip_levels:
            import multiprocessing

            workers = args.workers or min(2 * multiprocessing.cpu_count() + 1, 9)
            print(f"\nBridges: gunicorn with deploy/gunicorn.conf.py, {workers} sync workers", flush=True)
            server = start_gunicorn(
                "load_bench:bench_wsgi()", BRIDGES_PORT, workers, app_env(database), Path(args.logs) / "levels.log"
            )
            try:
                measure_sign_in(f"http://127.0.0.1:{BRIDGES_PORT}", args.password)
                for users in [int(n) for n in args.levels.split(",") if n]:
                    run_level(users, args, f"http://127.0.0.1:{BRIDGES_PORT}")
                    reset_messages(database, args)
                    flush_redis()
            finally:
                stop(server)
        if not args.skip_compare:
            compare(args, database)
    finally:
        slow_queries_report(database, slow)
    print(f"\nDone; {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
