"""End to end in Chromium: a mentor in Almaty accepts a proposal, the mentee in Dushanbe
confirms, they write to each other, and the unread badge follows without reloading."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.support import sign_in
from tests.factories import make_member, make_mentor
from web.matches import proposals
from web.models import utcnow


def test_mentor_accepts_mentee_confirms_and_they_exchange_messages(new_page, live_server):
    with live_server.db() as db:
        mentor = make_mentor(
            db, email="aigul@example.kz", display_name="Aigul", country="KZ", languages=("ru", "kk"), years_of_service=18
        )
        mentee = make_member(
            db,
            email="malika@example.tj",
            display_name="Malika",
            country="TJ",
            languages=("ru", "tg"),
            years_of_service=4,
            goals=("crisis_communication",),
        )
        m = proposals.propose(
            mentor,
            mentee,
            run=None,
            score=0.8,
            reasons=[
                {"kind": "shared_language", "code": "ru"},
                {"kind": "goal_covered", "slug": "crisis_communication"},
                {"kind": "cross_border", "mentor_country": "KZ", "mentee_country": "TJ"},
            ],
            actor=None,
            now=utcnow(),
        )
        db.session.commit()
        match_url = f"/matches/{m.id}"

    her = new_page()  # the mentor
    sign_in(her, "aigul@example.kz")
    her.goto(match_url)
    expect(her.get_by_text("covers her goal: Crisis communication")).to_be_visible()
    expect(her.get_by_text("Tajikistan ↔ Kazakhstan")).to_be_visible()
    with her.expect_navigation():
        her.get_by_role("button", name="Accept").click()
    expect(her.get_by_text("You accepted the proposal.")).to_be_visible()

    mentee_page = new_page()
    sign_in(mentee_page, "malika@example.tj")
    mentee_page.goto("/matches/")
    expect(mentee_page.get_by_text("A mentor accepted to mentor you.")).to_be_visible()
    mentee_page.goto(match_url)
    with mentee_page.expect_navigation():
        mentee_page.get_by_role("button", name="Confirm and start").click()
    expect(mentee_page.get_by_text("Your mentorship has started.")).to_be_visible()
    with mentee_page.expect_navigation():
        mentee_page.get_by_role("link", name="Open the conversation").click()
    conversation_url = mentee_page.url

    her.goto("/")
    messages_link = her.locator('header a[data-nav="messages"]')
    expect(messages_link.locator(".badge")).to_have_count(0)

    mentee_page.locator("#body").fill("Hello Aigul! <b>Thank you</b> — see https://osce.org")
    with mentee_page.expect_navigation():
        mentee_page.get_by_role("button", name="Send").click()
    expect(mentee_page.locator("#messages a[href='https://osce.org']")).to_be_visible()

    # The mentor's badge appears without a reload (the page polls).
    expect(messages_link.locator(".badge")).to_have_text(re.compile(r"^1"), timeout=20_000)
    with her.expect_navigation():
        messages_link.click()
    with her.expect_navigation():
        her.get_by_role("link", name="Malika").click()
    expect(her.get_by_text("<b>Thank you</b>", exact=False)).to_be_visible()
    expect(her.locator('header a[data-nav="messages"] .badge')).to_have_count(0)

    # Her reply reaches the mentee's open conversation without a reload.
    assert mentee_page.url.startswith(conversation_url)
    her.locator("#body").fill("Welcome, Malika. Let us set our first goals.")
    with her.expect_navigation():
        her.get_by_role("button", name="Send").click()
    expect(mentee_page.get_by_text("Let us set our first goals.")).to_be_visible(timeout=15_000)
