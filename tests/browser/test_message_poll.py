"""The unread poll costs nothing while she is away: it backs off while nothing changes, stops
after fifteen minutes without her touching the page, and starts again when she comes back.
Playwright's clock drives the page's timers, so minutes pass in milliseconds."""

from __future__ import annotations

from tests.browser.support import sign_in
from tests.factories import make_member


def _advance(page, ms: int, step: int = 10_000) -> None:
    """Move the page's clock on, letting each poll's answer arrive (in real time) between steps."""
    for _ in range(ms // step):
        page.clock.run_for(step)
        page.wait_for_timeout(25)


def test_unread_poll_backs_off_stops_when_idle_and_wakes_on_a_key(new_page, live_server):
    with live_server.db() as db:
        make_member(db, email="dilnoza@example.uz", display_name="Dilnoza", country="UZ")
        db.session.commit()

    page = new_page()
    sign_in(page, "dilnoza@example.uz")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/messages/unread" in r.url else None)
    page.clock.install()
    page.goto("/profile/")
    page.wait_for_load_state("load")

    _advance(page, 15 * 60 * 1000)
    first_quarter = len(polls)
    # A fixed 10-second poll would have asked 90 times; backing off to a minute asks far fewer.
    assert 5 <= first_quarter <= 25, first_quarter

    _advance(page, 10 * 60 * 1000)
    assert len(polls) == first_quarter, "the poll goes on although nobody touched the page"

    page.keyboard.press("Tab")
    _advance(page, 20 * 1000)
    assert len(polls) > first_quarter, "a key press did not start the poll again"
