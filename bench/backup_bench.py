"""How long a backup and a restore take (web/backup.py, `flask backup` / `flask restore`).

    python bench/backup_bench.py                      # SQLite, 10,000 demo members
    python bench/backup_bench.py --members 2000 --postgres postgresql://postgres@127.0.0.1:5432/postgres

Seeds demo members (`flask seed-demo`) into a scratch database, backs it up, restores
the copy into a second, empty database and checks the row counts are identical. With
--postgres (a server URL; its databases bridges_bench_backup_src/_dst are dropped and
created) the same runs on PostgreSQL with pg_dump/pg_restore. Prints the figures quoted
in docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(source_url: str, target_url: str, path: Path, members: int) -> None:
    from flask_migrate import upgrade

    from web import create_app
    from web.backup import backup, restore, row_counts
    from web.demo import seed
    from web.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": source_url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(members)
        db.session.commit()
        counts = row_counts()
        print(f"  seeded {counts['member']} members, {sum(counts.values())} rows in {time.perf_counter() - started:.1f} s")
        made = backup(path)
        print(f"  backup:  {made.seconds:6.2f} s  {made.bytes / 1e6:7.1f} MB")
        db.engine.dispose()
    target = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url})
    with target.app_context():
        back = restore(path)
        print(f"  restore: {back.seconds:6.2f} s  (into an empty database)")
        assert row_counts() == counts, "restored row counts differ"
        print("  row counts identical")
        db.engine.dispose()


def _postgres(server: str, members: int, folder: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = ("bridges_bench_backup_src", "bridges_bench_backup_dst")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        src, dst = (url.set(database=n).render_as_string(hide_password=False) for n in names)
        measure(src, dst, folder / "bench.dump", members)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; adds PostgreSQL to the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"SQLite, {args.members} demo members")
        measure(
            f"sqlite:///{folder / 'src.sqlite3'}",
            f"sqlite:///{folder / 'dst.sqlite3'}",
            folder / "bench.sqlite3",
            args.members,
        )
        if args.postgres:
            print(f"PostgreSQL, {args.members} demo members")
            _postgres(args.postgres, args.members, folder)


if __name__ == "__main__":
    main()
