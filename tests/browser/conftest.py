"""Browser tests: the real app on 127.0.0.1, driven by Debian's Chromium through Playwright.

Every test in this directory is marked ``browser`` and is skipped, with the reason, when no
Chromium is installed -- unless ``BRIDGES_REQUIRE_BROWSER=1`` (CI sets it), then it fails.
``BRIDGES_CHROMIUM=/path/to/chromium`` picks another binary. Run only these tests with
``pytest tests/browser`` or ``pytest -m browser``; leave them out with ``-m "not browser"``.
Never run ``playwright install``: we drive the system's ``/usr/bin/chromium``.

Fixtures
--------
``live_server`` (session)
    A ``LiveServer``: the app served by werkzeug on a free port in a background thread, on the
    same database as the session ``app`` fixture of ``tests/conftest.py`` (schema built by the
    migrations; SQLite file or ``TEST_DATABASE_URL``). It is its own app object because it has
    no ``SERVER_NAME`` and CSRF stays on, as in production. Because it depends on ``app``, the
    autouse ``_clean_tables`` empties every table after each test.

    - ``live_server.url``: ``"http://127.0.0.1:<port>"``; ``live_server.app``: the Flask app.
    - ``with live_server.db():`` an app context for building data with ``tests.factories``::

          with live_server.db() as db:
              coordinator = make_coordinator(db, email="coord@example.org")
              member_id = make_member(db, country="KZ").id   # read ids inside the block

      Objects are detached when the block ends: keep ids/emails, not the models.
``browser`` (session)
    One headless Chromium for the whole run.
``new_page(locale="en-US", width=1280, height=800, **context_options)``
    Opens a page in a fresh browser context (own cookies), with ``base_url`` set to the live
    server so ``page.goto("/login")`` works; contexts are closed after the test. Use it for
    several users in one test (a member and a coordinator) or another ``locale`` (``"ru-RU"``
    sends ``Accept-Language: ru-RU``) or a phone viewport (``width=360, height=740``).
``page``
    ``new_page()`` with the defaults (English, desktop size).

Helpers (``tests/browser/support.py``)
--------------------------------------
``axe_check(page)`` -- axe-core, every rule, zero violations, readable failure message.
``record_traffic(page, live_server.url)`` -> ``Traffic``: ``.assert_local()`` (no request to
another host), ``.assert_under_budget()`` (document + CSS + JS < 100 KB; returns the bytes),
``.clear()`` between page loads. ``sign_in(page, email)`` / ``sign_out(page)`` through the forms.
``assert_no_horizontal_scroll(page, 360)``. ``assert_russian(page, *msgids)``: ``lang="ru"``,
and, once ``web/translations/ru/LC_MESSAGES/messages.mo`` is compiled, the Russian translation
of each English msgid (``assert_russian(page, "Sign in")``) is on the page; ``russian(msgid)``
returns a translation for your own assertions.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home at start-up, which the closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_ENV = "BRIDGES_REQUIRE_BROWSER"
HERE = Path(__file__).resolve().parent


def find_chromium() -> str | None:
    """``BRIDGES_CHROMIUM`` (a path) if set, else ``chromium`` on PATH, else Debian's path."""
    if os.environ.get("BRIDGES_CHROMIUM"):
        candidates = (os.environ["BRIDGES_CHROMIUM"],)
    else:
        candidates = (shutil.which("chromium"), "/usr/bin/chromium")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the browser tests to run", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the server --------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request only buries failures
        pass


@dataclass
class LiveServer:
    app: object
    url: str

    @contextmanager
    def db(self):
        from web.extensions import db

        with self.app.app_context():
            try:
                yield db
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live_server(app):
    from web import create_app

    live_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": None,
        }
    )
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    logging.getLogger(__name__).info("live server on %s", url)
    try:
        yield LiveServer(app=live_app, url=url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with live_app.app_context():
            from web.extensions import db

            db.engine.dispose()  # PostgreSQL: let the session app truncate and drop freely


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found (install Debian's `chromium` package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(locale: str = "en-US", width: int = 1280, height: int = 800, **options):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
