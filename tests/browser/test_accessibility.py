"""The main pages as each role: axe-core finds no violation, a page with its CSS and JS stays
under 100 KB and asks no other host for anything, nothing scrolls sideways on a 360 px phone,
the browser reports no error (a CSP refusal shows up there), and the forms work by keyboard.

Members here read the interface in Russian (their stored choice), the coordinator in English,
visitors in English on a desktop and in Russian on a phone, so both languages' longer and
shorter texts go through the layout checks. axe-core runs on the desktop pass; the phone pass
checks the layout (the 360 px styles change only spacing and columns)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.support import (
    assert_no_horizontal_scroll,
    axe_check,
    format_violations,
    record_traffic,
    sign_in,
)
from tests.factories import make_coordinator, make_member, make_mentor
from web.mail import queue_email
from web.models import MemberStatus

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

ANONYMOUS_PAGES = ["/login", "/register", "/privacy", "/password/forgot"]
PENDING_PAGES = ["/pending", "/profile/", "/profile/edit"]
MEMBER_PAGES = ["/", "/directory/?country=KZ", "/profile/{colleague}", "/profile/", "/profile/edit", "/password"]
COORDINATOR_PAGES = ["/coordinator/applications", "/coordinator/members", "/coordinator/"]  # the outbox: development only


@pytest.fixture
def people(live_server):
    """A pending applicant, an active member, a colleague from Kazakhstan, a coordinator."""
    with live_server.db() as db:
        make_member(
            db,
            email="pending@example.kg",
            display_name="Айгуль Пендинг",
            country="KG",
            status=MemberStatus.PENDING,
            locale="ru",
        )
        make_member(
            db,
            email="member@example.kg",
            display_name="Member Active",
            country="KG",
            bio="Инспектор пограничной службы.",
            show_bio=True,
            locale="ru",
        )
        colleague = make_mentor(
            db,
            email="colleague@example.kz",
            display_name="Гульнара Б.",
            country="KZ",
            languages=("ru", "kk", "en"),
            skills=("border_management", "leadership", "negotiation"),
            bio="Border officer, 15 years. Пограничник.",
            show_bio=True,
            show_rank=True,
            show_agency_name=True,
            show_email=True,
        )
        make_coordinator(db, email="coordinator@example.org", display_name="Coordinator")
        queue_email(
            "member@example.kg",
            "Your application is approved",
            "Welcome to Bridges.\nSign in at http://127.0.0.1/login " + "x" * 300,
        )
        db.session.commit()
        return {"colleague": colleague.id}


def tour(new_page, live_server, paths, *, email=None, viewport=DESKTOP, locale="en-US"):
    """Visit each page as one user and collect every problem found, so one run reports all."""
    phone = viewport["width"] <= 360
    page = new_page(locale=locale, **viewport)
    if email:
        sign_in(page, email)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    traffic = record_traffic(page, live_server.url)
    problems, weights = [], {}
    for path in paths:
        traffic.clear()
        errors.clear()
        response = page.goto(path)
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response and response.status}")
            continue
        if not phone:
            try:
                axe_check(page)
            except AssertionError as exc:
                problems.append(str(exc))
        if traffic.foreign():
            problems.append(f"{path}: requests to another host {traffic.foreign()}")
        weights[path] = traffic.total_bytes()
        if weights[path] >= 100 * 1024:
            problems.append(f"{path}: {weights[path]} bytes, over 100 KB")
        if errors:
            problems.append(f"{path}: browser errors {errors}")
        if phone:
            try:
                assert_no_horizontal_scroll(page, viewport["width"])
            except AssertionError as exc:
                problems.append(str(exc))
    print(f"page weights ({viewport['width']}px):", ", ".join(f"{p} {w / 1024:.1f} KB" for p, w in weights.items()))
    assert not problems, "\n".join(problems)
    return page


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "en-US"), (PHONE, "ru-RU")], ids=["desktop-en", "phone-ru"])
def test_anonymous_pages_pass(new_page, live_server, viewport, locale):
    page = tour(new_page, live_server, ANONYMOUS_PAGES, viewport=viewport, locale=locale)
    assert page.locator("html").get_attribute("lang") == locale[:2]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pending_member_pages_pass(new_page, live_server, people, viewport):
    page = tour(new_page, live_server, PENDING_PAGES, email="pending@example.kg", viewport=viewport)
    assert page.locator("html").get_attribute("lang") == "ru"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_active_member_pages_pass(new_page, live_server, people, viewport):
    paths = [p.format(**people) for p in MEMBER_PAGES]
    page = tour(new_page, live_server, paths, email="member@example.kg", viewport=viewport)
    page.goto("/directory/?country=KZ")
    assert page.locator("ul.cards li.card").count() >= 1  # the directory was checked with results


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_coordinator_pages_pass(new_page, live_server, people, viewport):
    page = tour(new_page, live_server, COORDINATOR_PAGES, email="coordinator@example.org", viewport=viewport)
    page.goto("/coordinator/applications")
    assert page.locator("li.card", has_text="pending@example.kg").count() == 1
    # The approve/reject forms are folded in <details>: check them open too.
    for summary in page.locator("li.card summary").all():
        summary.click()
    axe_check(page)


def test_rejected_forms_show_accessible_errors(page):
    for path in ("/register", "/login", "/password/forgot"):
        page.goto(path)
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        assert page.locator("main .alert.error, main .error").count() >= 1, path
        axe_check(page)


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_registration_form_works_by_keyboard_alone(page, live_server):
    page.goto("/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # skip link comes first
    page.keyboard.press("Enter")

    tab_to(page, "#email")
    page.keyboard.type("keyboard.user@example.uz")
    tab_to(page, "#password")
    page.keyboard.type("a long walk by the river")
    tab_to(page, "#password_confirm")
    page.keyboard.type("a long walk by the river")
    tab_to(page, "#display_name")
    page.keyboard.type("Dilnoza K.")
    tab_to(page, "#country")
    page.keyboard.type("Uzbekistan")
    tab_to(page, "#agency_kind")
    page.keyboard.type("Customs")
    tab_to(page, "#agency_name")
    page.keyboard.type("State Customs Committee")
    tab_to(page, "#years_of_service")
    page.keyboard.type("4")
    tab_to(page, "input[name=languages][value=uz]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=role]")  # a radio group is one Tab stop
    page.keyboard.press("Space")
    for name, slug in (("skills", "customs_control"), ("goals", "leadership")):
        tab_to(page, f"details.group:has(input[name={name}][value={slug}]) > summary")
        page.keyboard.press("Enter")  # topics sit in collapsed groups
        tab_to(page, f"input[name={name}][value={slug}]")
        page.keyboard.press("Space")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "main form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The answer never tells whether the address had an account: she is sent to sign in.
    assert urlsplit(page.url).path == "/login", page.locator("main").inner_text()
    with live_server.db() as db:
        from sqlalchemy import select

        from web.models import Member

        member = db.session.scalar(select(Member).where(Member.email == "keyboard.user@example.uz"))
        assert (member.country, member.agency_kind, member.years_of_service) == ("UZ", "customs", 4)
        assert member.is_mentee and {t.slug for t in member.topics} == {"customs_control", "leadership"}


def test_violations_are_reported_readably():
    report = format_violations(
        [
            {
                "id": "label",
                "impact": "critical",
                "help": "Form elements must have labels",
                "helpUrl": "https://dequeuniversity.com/rules/axe/4.8/label",
                "nodes": [
                    {"target": ["#x"], "html": '<input id="x">', "failureSummary": "Fix any of the following:\n  no label"}
                ],
            }
        ]
    )
    assert "label (critical): Form elements must have labels" in report
    assert '#x: <input id="x">' in report and "no label" in report
