"""Helpers for the browser tests: axe-core checks, traffic recording, sign-in, layout checks.

Import them in a test module: ``from tests.browser.support import axe_check, record_traffic``.
The fixtures that start the server and the browser are in ``conftest.py`` next to this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.factories import PASSWORD

PAGE_BUDGET_BYTES = 100 * 1024
# Kinds of response that count towards a page's weight (Playwright's resource types).
WEIGHED_TYPES = frozenset({"document", "stylesheet", "script"})
RU_CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/ru/LC_MESSAGES/messages.mo"


# --- accessibility -----------------------------------------------------------------------------


def axe_check(page, context: str | None = None) -> None:
    """Run axe-core on the page as it is now; fail listing every violation readably.

    All of axe's rules run (WCAG 2.x A/AA and best practices); none is switched off.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    violations = results.response["violations"]
    assert not violations, f"axe-core on {page.url}:\n" + format_violations(violations)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  <{v.get('helpUrl', '')}>")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend("      " + s for s in summary.splitlines())
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more elements")
    return "\n".join(lines)


# --- traffic -----------------------------------------------------------------------------------


@dataclass
class Traffic:
    """Every request a page made since ``record_traffic(page)``, with response sizes."""

    origin: str
    requests: list = field(default_factory=list)

    def clear(self) -> None:
        self.requests.clear()

    def foreign(self) -> list[str]:
        """URLs of requests that left this site (``data:`` URLs never leave the page)."""
        out = []
        for request in self.requests:
            parts = urlsplit(request.url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                out.append(request.url)
        return out

    def weighed(self) -> list[tuple[str, str, int]]:
        """(resource type, url, bytes transferred: headers + body) of the document, CSS and JS."""
        out = []
        for request in self.requests:
            if request.resource_type not in WEIGHED_TYPES:
                continue
            response = request.response()
            if response is None:
                continue
            sizes = request.sizes()
            body = sizes["responseBodySize"]
            if body <= 0:  # not reported (e.g. still streaming): count the decoded body
                body = len(response.body())
            out.append((request.resource_type, request.url, sizes["responseHeadersSize"] + body))
        return out

    def total_bytes(self) -> int:
        return sum(size for _kind, _url, size in self.weighed())

    def assert_local(self) -> None:
        foreign = self.foreign()
        assert not foreign, f"requests to another host: {foreign}"

    def assert_under_budget(self, budget: int = PAGE_BUDGET_BYTES) -> int:
        total = self.total_bytes()
        detail = "\n".join(f"  {kind:10} {size:7d}  {url}" for kind, url, size in self.weighed())
        assert total < budget, f"page weighs {total} bytes (budget {budget}):\n{detail}"
        return total


def record_traffic(page, origin: str) -> Traffic:
    """Record every request ``page`` makes from now on.

    Routing every request through Playwright switches the HTTP cache off, so each page load
    fetches its CSS and JS again and the weight measured is what a first visit costs.
    """
    traffic = Traffic(origin=origin.rstrip("/"))
    page.on("request", lambda request: traffic.requests.append(request))
    page.route("**/*", lambda route: route.continue_())
    return traffic


# --- acting as a user --------------------------------------------------------------------------


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.locator("main #email").fill(email)
    page.locator("main #password").fill(password)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "/login" not in page.url, f"sign-in failed for {email}: still on {page.url}"


def sign_out(page) -> None:
    """Press the header's sign-out button (opening the header's menu first on a phone)."""
    summary = page.locator("header.top nav summary")
    if summary.count() and summary.is_visible():
        summary.click()
    with page.expect_navigation():
        page.locator("header form[action$='/logout'] button").click()
    assert page.url.endswith("/login")


# --- layout and language -----------------------------------------------------------------------


def assert_no_horizontal_scroll(page, width: int = 360) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px: {scroll_width}px wide"


def russian_catalogue_compiled() -> bool:
    return RU_CATALOGUE.exists()


def russian(msgid: str) -> str:
    """The Russian translation of an English interface string, read from the compiled catalogue."""
    import gettext

    with RU_CATALOGUE.open("rb") as fh:
        return gettext.GNUTranslations(fh).gettext(msgid)


def assert_russian(page, *msgids: str) -> None:
    """The page is in Russian: ``lang="ru"`` always; and, once the Russian catalogue is compiled,
    the translation of each English ``msgid`` (e.g. ``"Sign in"``) is on the page.
    Until then the interface falls back to the English text and only ``lang`` is checked."""
    assert page.locator("html").get_attribute("lang") == "ru", f"{page.url} is not lang=ru"
    if not russian_catalogue_compiled():
        return
    text = page.locator("body").inner_text()
    for msgid in msgids:
        translated = russian(msgid)
        assert translated != msgid, f"{msgid!r} has no Russian translation"
        assert translated in text, f"{translated!r} ({msgid!r}) not on {page.url}"
