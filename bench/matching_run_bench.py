"""Time a full database-to-proposals matching run on seeded demo members.

    python bench/matching_run_bench.py --sizes 1000,10000
    python bench/matching_run_bench.py --sizes 1000,10000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bridges_bench

Each size gets an empty database built by the migrations, ``web.demo.seed``
members, then one ``run_matching(..., auto_publish=True)``: reading the pool,
the matcher, storing the run and its pairs, and publishing every proposal with
its notification, in one transaction. The PostgreSQL database is emptied
(downgraded to base) first: give it a database of its own.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bench_one(url: str, size: int) -> dict:
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select

    from web import create_app
    from web.demo import seed
    from web.extensions import db
    from web.models import Mentorship, utcnow
    from web.runs.running import run_matching

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "http://localhost", "MAIL_SUPPRESS_SEND": True}
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            downgrade(revision="base")
        upgrade()
        mark = time.perf_counter()
        seed(size)
        db.session.commit()
        seeded = time.perf_counter() - mark
        mark = time.perf_counter()
        run = run_matching(db.session, now=utcnow(), started_by="bench", auto_publish=True)
        wall = time.perf_counter() - mark
        if run.status != "published":
            raise SystemExit(f"run failed: {run.error}\n{run.traceback}")
        proposals = db.session.scalar(select(func.count(Mentorship.id)).where(Mentorship.run_id == run.id))
        pool = run.summary["pool"]
        result = {
            "backend": db.engine.dialect.name,
            "size": size,
            "seed_s": seeded,
            "wall_s": wall,
            "pool": pool["members"],
            "mentees": pool["mentees"],
            "pairs": pool["pairs"],
            "proposals": proposals,
            "dropped": len(run.dropped or []),
            **{f"{k}_s": v for k, v in run.timings.items()},
        }
        db.session.remove()
        db.engine.dispose()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated member counts")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (it is emptied first)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    # The machine may be shared: the load says how far to trust the figures.
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            if not args.no_sqlite:
                rows.append(bench_one(f"sqlite:///{tmp}/bench-{size}.sqlite3", size))
                _print(rows[-1])
            if args.postgres:
                rows.append(bench_one(args.postgres, size))
                _print(rows[-1])
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    return 0


def _print(r: dict) -> None:
    print(
        f"{r['backend']:<10} members={r['size']:>6}  pool={r['pool']:>6} "
        f"mentees={r['mentees']:>5} "
        f"pairs={r['pairs']:>5} proposals={r['proposals']:>5} dropped={r['dropped']}  "
        f"run {r['wall_s']:7.2f}s = collect {r.get('collect_s', 0):.2f} + match "
        f"{r.get('match_s', 0):.2f} + store {r.get('store_s', 0):.2f} + publish "
        f"{r.get('publish_s', 0):.2f}   (seeding {r['seed_s']:.1f}s, not timed)",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
