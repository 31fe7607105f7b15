"""Where one request's milliseconds go: each page of the load benchmark, in this process,
against the database that bench/load_bench.py seeded (no server, no network).

    python bench/load_profile.py                      # figures per page (wall, CPU, queries)
    python bench/load_profile.py --profile conversation --top 40   # and a cProfile of one page
    python bench/load_profile.py --pyinstrument directory          # a call tree (if installed)

Each page is requested ``--warm`` times first (templates compiled, caches filled, as in a
worker that has served a few requests), then ``--repeat`` times measured. The app is built
as production builds it (bench/load_bench.py's ``bench_wsgi``), with the member's signed
session cookie of an active member who signed in earlier.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load_bench  # noqa: E402

SHOW_SQL = []
PAGES = {
    "directory": "/directory/?country=KZ",
    "directory skill": "/directory/?skill=leadership",
    "directory mentor": "/directory/?role=mentor&country=KG",
    "conversation": "/messages/{conversation}",
    "poll": "/messages/{conversation}/poll?after=999999999",
    "messages list": "/messages/",
    "proposals": "/matches/",
    "proposal": "/matches/{conversation}",
    "login form": "/login",
    "unread": "/messages/unread",
}


def build(database: str):
    os.environ.update(load_bench.app_env(database))
    app = load_bench.bench_wsgi()
    return app


def count_queries(app):
    from sqlalchemy import event

    from web.extensions import db

    counter = [0]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args, **_kwargs):
        counter[0] += 1
        if SHOW_SQL:
            print("   SQL:", " ".join(statement.split())[:200])

    return counter


def client_for(app, member_id: int):
    client = app.test_client()
    client.set_cookie(load_bench.SESSION_COOKIE, load_bench.session_cookie(member_id), domain="localhost")
    return client


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bridges_bench")
    parser.add_argument("--member", type=int, default=7)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--profile", default="", help="a page to run under cProfile")
    parser.add_argument("--pyinstrument", default="", help="a page to run under pyinstrument")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print the statements of each page's last request")
    args = parser.parse_args(argv)
    app = build(args.database)
    queries = count_queries(app)
    client = client_for(app, args.member)
    conversation = (args.member + 1) // 2
    print(f"In-process, one request at a time, database {args.database}; {load_bench.loadavg()}")
    # Python function calls per request: a measure of the work that the load of other jobs on
    # the machine does not change (times do).
    print(f"{'page':<18}{'status':>7}{'wall ms':>9}{'cpu ms':>8}{'queries':>8}{'bytes':>8}{'calls':>8}")
    for name in [p for p in args.pages.split(",") if p]:
        url = PAGES[name].format(conversation=conversation)
        for _ in range(args.warm):
            client.get(url)
        walls, cpus = [], []
        for n in range(args.repeat):
            queries[0] = 0
            if args.sql and n == args.repeat - 1:
                SHOW_SQL.append(True)
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        SHOW_SQL.clear()
        statements = queries[0]
        counting = cProfile.Profile()
        counting.runcall(client.get, url)
        calls = pstats.Stats(counting).total_calls
        print(
            f"{name:<18}{response.status_code:>7}{statistics.median(walls):>9.1f}{statistics.median(cpus):>8.1f}"
            f"{statements:>8}{len(response.data):>8}{calls:>8}"
        )
    if args.profile:
        url = PAGES[args.profile].format(conversation=conversation)
        profiler = cProfile.Profile(time.process_time)  # CPU time: other jobs share the cores
        profiler.enable()
        for _ in range(args.repeat):
            client.get(url)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    if args.pyinstrument:
        from pyinstrument import Profiler

        url = PAGES[args.pyinstrument].format(conversation=conversation)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.repeat):
            client.get(url)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"Done; {load_bench.loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
