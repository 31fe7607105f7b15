"""Bytes a first visit to each main page transfers (document + CSS + JS), on the demo data.

    .venv/bin/python bench/page_weight.py [--chromium /usr/bin/chromium] [--members 60]

Builds a throw-away SQLite database with the migrations and ``seed-demo``, serves the app on
127.0.0.1, and loads each page in Debian's headless Chromium with the HTTP cache off, as the
demo coordinator (who is also an active member). The budget is 100 KB per page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import CHROMIUM_ARGS, find_chromium  # noqa: E402
from tests.browser.support import PAGE_BUDGET_BYTES, record_traffic  # noqa: E402

ANONYMOUS = ["/login", "/register", "/privacy", "/password/forgot"]
SIGNED_IN = [
    "/",
    "/directory/",
    "/directory/?country=KZ",
    "/profile/",
    "/profile/edit",
    "/password",
    "/coordinator/applications",
    "/coordinator/members",
    "/coordinator/outbox",
]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=find_chromium())
    parser.add_argument("--members", type=int, default=60)
    args = parser.parse_args()
    if not args.chromium:
        print("no Chromium found; install Debian's chromium package", file=sys.stderr)
        return 2

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from web import create_app
    from web.demo import seed

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SERVER_NAME": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            upgrade()
            email, password = seed(members=args.members)
            from web.extensions import db

            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        url = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        rows = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_context(base_url=url, locale="ru-RU").new_page()
                traffic = record_traffic(page, url)
                for path in ANONYMOUS:
                    rows.append(_measure(page, traffic, path))
                page.goto("/login")
                page.fill("#email", email)
                page.fill("#password", password)
                with page.expect_navigation():
                    page.click("main form [type=submit]")
                for path in SIGNED_IN:
                    rows.append(_measure(page, traffic, path))
                browser.close()
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()
    print(f"{'page':32} {'status':>6} {'KB':>7} {'foreign':>7}")
    for path, status, size, foreign in rows:
        flag = " OVER BUDGET" if size >= PAGE_BUDGET_BYTES else ""
        print(f"{path:32} {status:>6} {size / 1024:7.1f} {foreign:>7}{flag}")
    worst = max(rows, key=lambda r: r[2])
    print(f"heaviest: {worst[0]} {worst[2] / 1024:.1f} KB (budget {PAGE_BUDGET_BYTES // 1024} KB)")
    return 1 if any(r[2] >= PAGE_BUDGET_BYTES or r[3] for r in rows) else 0


def _measure(page, traffic, path):
    traffic.clear()
    response = page.goto(path)
    return path, response.status if response else 0, traffic.total_bytes(), len(traffic.foreign())


if __name__ == "__main__":
    sys.exit(main())
