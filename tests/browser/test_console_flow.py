"""End to end in Chromium: a regional coordinator previews a draft matching run, reads its
pairing report (figures, flows, charts, unmatched mentees) and publishes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.browser.support import assert_no_horizontal_scroll, axe_check, sign_in
from tests.factories import make_coordinator, make_member, make_mentor
from web.models import MatchRun, Mentorship

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


def test_coordinator_previews_reads_the_report_and_publishes(new_page, live_server):
    from web.runs.running import run_matching

    with live_server.db() as db:
        make_coordinator(db, email="coordinator@example.org", display_name="Regional Coordinator")
        make_mentor(db, country="KZ", display_name="Aigerim Mentor", capacity=1, skills=("leadership",))
        make_member(db, country="KG", display_name="Aizada Mentee", goals=("leadership",), years_of_service=3)
        make_member(db, country="TM", display_name="Ogulbibi Mentee", languages=("tk",), years_of_service=3)
        run = run_matching(db.session, now=NOW, started_by="test")
        run_id, status = run.id, run.status
    assert status == "draft"

    page = new_page()
    sign_in(page, "coordinator@example.org")

    # Preview the draft from the list of runs.
    page.goto("/coordinator/runs/")
    with page.expect_navigation():
        page.locator(f"a[href$='/coordinator/runs/{run_id}']").first.click()
    assert "Aizada Mentee" in page.content()

    # Open its pairing report from the console.
    with page.expect_navigation():
        page.get_by_role("link", name="Programme health").click()
    with page.expect_navigation():
        page.get_by_role("link", name=f"Report of run {run_id}").click()
    assert page.locator("[data-figure=mentees_eligible]").inner_text() == "2"
    assert page.locator("[data-figure=mentees_matched]").inner_text() == "1"
    assert page.locator("svg[role=img]").count() == 3
    assert page.get_by_text("A mentor outside Turkmenistan who speaks Turkmen").is_visible()
    axe_check(page)

    # Sort the pairs by mentor, without JavaScript needed: it is a link.
    with page.expect_navigation():
        page.get_by_role("link", name="Mentor", exact=True).click()
    assert "sort=-mentor" in page.url

    with page.expect_navigation():
        page.get_by_role("button", name="Publish: send 1 proposal", exact=True).click()
    assert f"/coordinator/runs/{run_id}" in page.url
    with live_server.db() as db:
        assert db.session.get(MatchRun, run_id).status == "published"
        proposals = db.session.scalars(select(Mentorship)).all()
        assert [(m.mentee.display_name, m.state) for m in proposals] == [("Aizada Mentee", "proposed")]

    phone = new_page(width=360, height=740)
    sign_in(phone, "coordinator@example.org")
    phone.goto(f"/coordinator/console/runs/{run_id}")
    assert_no_horizontal_scroll(phone, 360)
