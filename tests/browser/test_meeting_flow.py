"""In Chromium: a mentor in Almaty proposes a meeting from the mentorship page, her mentee in
Bishkek sees it in her own time and accepts, and both download the calendar file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.support import axe_check, sign_in
from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.models import utcnow


def test_mentor_proposes_mentee_accepts_and_both_get_the_ics(new_page, live_server):
    with live_server.db() as db:
        mentor = make_mentor(db, email="aigul@example.kz", display_name="Aigul", country="KZ", timezone="Asia/Almaty")
        mentee = make_member(db, email="nurzat@example.kg", display_name="Nurzat", country="KG", timezone="Asia/Bishkek")
        now = utcnow()
        m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=now)
        lifecycle.accept(m, mentor, now)
        lifecycle.confirm(m, mentee, now)
        db.session.commit()
        match_url = f"/matches/{m.id}"
    day = date.today() + timedelta(days=7)

    her = new_page()
    sign_in(her, "aigul@example.kz")
    her.goto(match_url)
    her.get_by_role("link", name="Meetings").click()
    her.get_by_label("Date").fill(day.isoformat())
    her.get_by_label("Time").fill("10:00")
    her.get_by_label("How long").select_option("90")
    her.get_by_label("Place or call link").fill("https://call.example.org/aigul-nurzat")
    with her.expect_navigation():
        her.get_by_role("button", name="Send the proposal").click()
    expect(her.get_by_text("Your proposal was sent.")).to_be_visible()
    expect(her.get_by_text("Waiting for Nurzat to answer.")).to_be_visible()
    axe_check(her)

    mentee_page = new_page(width=360, height=740)
    sign_in(mentee_page, "nurzat@example.kg")
    mentee_page.goto("/notifications/")
    with mentee_page.expect_navigation():
        mentee_page.get_by_role("link", name="Aigul proposes a meeting. Please accept or decline it.").click()
    card = mentee_page.locator("li.meeting")
    expect(card.locator("h2")).to_contain_text("11:00")  # 10:00 in Almaty is 11:00 in Bishkek
    expect(card).to_contain_text("For Aigul:")
    with mentee_page.expect_navigation():
        mentee_page.get_by_role("button", name="Accept").click()
    expect(mentee_page.get_by_text("Meeting accepted.")).to_be_visible()
    expect(card).to_contain_text("Accepted by both.")
    axe_check(mentee_page)
    with mentee_page.expect_download() as download:
        mentee_page.get_by_role("link", name="Add to my calendar (.ics)").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and "SUMMARY:Mentoring meeting with Aigul" in ics
    assert f"DTSTART:{day.strftime('%Y%m%d')}T050000Z" in ics

    her.reload()
    with her.expect_download() as download:
        her.get_by_role("link", name="Add to my calendar (.ics)").click()
    assert "SUMMARY:Mentoring meeting with Nurzat" in Path(download.value.path()).read_text(encoding="utf-8")
