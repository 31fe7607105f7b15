"""Every coordinator page in Chromium, on a 360 px phone in Russian and on a desktop in English:
no page is wider than the screen, the wide tables become cards, and axe-core finds nothing.
A tour collects every problem before failing, so one run names them all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.support import assert_no_horizontal_scroll, axe_check, sign_in
from tests.factories import make_coordinator, make_member, make_mentor
from web.audit import record
from web.models import ForbiddenPair, MemberStatus

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PAGES = [
    "/coordinator/",
    "/coordinator/applications",
    "/coordinator/members",
    "/coordinator/members?status=pending",
    "/coordinator/runs/",
    "/coordinator/runs/{run}",
    "/coordinator/console/runs/{run}",
    "/coordinator/console/runs/{run}/print",
    "/coordinator/runs/what-if",
    "/coordinator/console/actions",
    "/coordinator/console/actions?find=pair&q=Айгуль",
    "/coordinator/console/audit",
    "/coordinator/console/coordinators",
    "/coordinator/mentorships",
    "/coordinator/reports",
]
# Tables that must be cards on a phone: the page and the table's CSS selector.
CARDS = {
    "/coordinator/console/runs/{run}": "table.pairs",
    "/coordinator/members": "main table",
    "/coordinator/console/audit": "table.audit",
}


@pytest.fixture
def world(live_server):
    """A regional coordinator, a run with pairs across four countries (long names), a pending
    applicant, a ban and audit entries of several kinds."""
    from web.runs.running import run_matching

    with live_server.db() as db:
        coordinator = make_coordinator(db, email="coordinator@example.org", display_name="Регина Координатор")
        mentors = [
            make_mentor(db, country=c, display_name=f"Гульнара Бекмухамбетова-{c}", skills=("leadership",))
            for c in ("KZ", "KG", "TJ", "UZ")
        ]
        mentees = [
            make_member(
                db,
                country=c,
                display_name=f"Айгуль Токтогулова-Исмаилова-{c}",
                goals=("leadership",),
                years_of_service=3,
            )
            for c in ("KG", "KZ", "UZ", "TJ", "TM")
        ]
        make_member(db, country="KG", display_name="Айгуль Т.", status=MemberStatus.PENDING, email="p@example.kg")
        db.session.add(
            ForbiddenPair(
                mentor_id=mentors[0].id, mentee_id=mentees[1].id, reason="coordinator", note="Коллеги", created_at=NOW
            )
        )
        record(
            coordinator,
            "pair.override",
            mentees[0],
            mentor=mentors[0].id,
            mentee=mentees[0].id,
            broken=["same_country", "gap_too_small"],
            reason="Оба попросили",
        )
        record(coordinator, "export.run_print", None, scope="all")
        db.session.commit()
        run = run_matching(db.session, now=NOW, started_by="test")
        assert run.status == "draft", run.error
        return {"run": run.id}


def _tour(new_page, live_server, world, viewport, locale):
    page = new_page(locale=locale, **viewport)
    sign_in(page, "coordinator@example.org")
    problems = []
    for template in PAGES:
        path = template.format(**world)
        response = page.goto(path)
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response and response.status}")
            continue
        # Folded parts (forms in <details>) are checked open too.
        for summary in page.locator("main details > summary").all():
            if summary.is_visible():
                summary.click()
        try:
            axe_check(page)
        except AssertionError as exc:
            problems.append(f"{path}: {exc}")
        if viewport is PHONE:
            try:
                assert_no_horizontal_scroll(page, PHONE["width"])
            except AssertionError as exc:
                problems.append(str(exc))
            if template in CARDS:
                display = page.eval_on_selector(CARDS[template] + " tbody tr", "tr => getComputedStyle(tr).display")
                if display != "block":
                    problems.append(f"{path}: table rows are not cards on a phone ({display})")
    assert not problems, "\n".join(problems)
    return page


def test_coordinator_pages_on_a_phone_in_russian(new_page, live_server, world):
    page = _tour(new_page, live_server, world, PHONE, "ru-RU")
    # The report's pairs: cards of modest height (the "why" list no longer squeezes a column).
    page.goto(f"/coordinator/console/runs/{world['run']}")
    heights = page.eval_on_selector_all("table.pairs tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert heights and max(heights) < 600, heights
    # The heat-map gives way to the ranked list of flows; every label there is legible.
    assert not page.locator("figure.heatmap").is_visible()
    assert page.locator("ol.flow-list li").count() >= 1
    size = page.eval_on_selector("ol.flow-list li", "li => parseFloat(getComputedStyle(li).fontSize)")
    assert size >= 12


def test_coordinator_pages_on_a_desktop(new_page, live_server, world):
    page = _tour(new_page, live_server, world, DESKTOP, "en-US")
    page.goto(f"/coordinator/console/runs/{world['run']}")
    # The heat-map is drawn at its own size: 12 px labels, none rotated.
    assert page.locator("figure.heatmap svg").is_visible()
    assert page.locator("figure.heatmap svg [transform*=rotate]").count() == 0
    label = page.locator("figure.heatmap svg text").first.bounding_box()
    assert label["height"] >= 12
    page.goto("/coordinator/console/audit")
    text = page.locator("table.audit").inner_text()
    assert "pair.override" not in text and "same_country" not in text
    assert "although a rule is broken" in text
