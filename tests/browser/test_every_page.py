"""Every member-facing page of every role (visitor, applicant, member, mentor) on a 360 px phone,
in Russian: no page is wider than the screen, and axe-core finds nothing. A tour collects every
problem before failing, so one run names them all. Coordinator pages have their own tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from tests.browser.support import assert_no_horizontal_scroll, axe_check, sign_in
from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.meetings import services as meetings
from web.messages import services as messages
from web.models import MemberStatus
from web.notifications.services import notify

PHONE = {"width": 360, "height": 740}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

VISITOR = ["/", "/login", "/register", "/privacy", "/password/forgot"]
APPLICANT = ["/pending", "/profile/", "/profile/edit", "/password", "/privacy"]
SHARED = ["/", "/directory/", "/directory/?q=АЙГУЛЬ", "/profile/", "/profile/edit", "/matches/", "/messages/"]
SHARED += ["/notifications/", "/password", "/privacy", "/account/data"]
MEMBER = SHARED + [
    "/matches/{mentorship}",
    "/matches/{mentorship}/meetings/",
    "/messages/{conversation}",
    "/messages/{conversation}/report",
    "/profile/{mentor}",
    "/profile/{colleague}",
    "/messages/new/{colleague}",
]
MENTOR = SHARED + ["/matches/{mentorship}", "/matches/{mentorship}/meetings/", "/messages/{conversation}"]
MENTOR += ["/profile/{mentee}"]


@pytest.fixture
def world(live_server):
    """An applicant, a mentee in an active mentorship with her mentor (they have written to each
    other and each has notifications), and a colleague with long words in her profile."""
    with live_server.db() as db:
        make_member(db, email="pending@example.kg", display_name="Айгуль Т.", country="KG", status=MemberStatus.PENDING)
        mentee = make_member(
            db,
            email="mentee@example.kg",
            display_name="Айгуль Токтогулова-Исмаилова",
            country="KG",
            locale="ru",
            goals=("cybercrime", "public_speaking"),
            goals_text="Научиться вести переговоры в пограничных конфликтах и выступать публично.",
        )
        mentor = make_mentor(
            db,
            email="mentor@example.kz",
            display_name="Гульнара Б.",
            country="KZ",
            locale="ru",
            capacity=2,
            skills=("cybercrime", "public_speaking", "leadership"),
            bio="Пограничная служба, 15 лет. " * 8,
        )
        colleague = make_member(
            db,
            email="colleague@example.uz",
            display_name="Oʻzbekova Dilnoza Abdurakhmonovna",
            country="UZ",
            agency_name="Davlat bojxona qoʻmitasi (State Customs Committee of the Republic of Uzbekistan)",
            bio="Specialist-in-international-co-operation-and-mutual-legal-assistance " * 3,
        )
        m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
        lifecycle.accept(m, mentor, NOW)
        lifecycle.confirm(m, mentee, NOW)
        conv = messages.mentorship_conversation(m)
        messages.send_message(conv, mentee, "Здравствуйте! " * 20, NOW)
        messages.send_message(conv, mentor, "Добрый день, давайте начнём.", NOW)
        notify(mentee, "checkin_due", mentorship=m, now=NOW)
        link = "https://call.example.org/" + "x" * 80  # a long link must wrap, not widen the page
        meetings.propose(m, mentor, on=date(2099, 3, 10), at=time(10, 0), minutes=60, place=link, now=NOW)
        accepted = meetings.propose(m, mentee, on=date(2099, 3, 11), at=time(9), minutes=30, place="Бишкек, " * 10, now=NOW)
        meetings.accept(accepted, mentor, NOW)
        db.session.commit()
        return {
            "mentorship": m.id,
            "conversation": conv.id,
            "mentor": mentor.id,
            "mentee": mentee.id,
            "colleague": colleague.id,
        }


def tour(new_page, paths, email=None) -> None:
    page = new_page(locale="ru-RU", **PHONE)
    if email:
        sign_in(page, email)
    problems = []
    for path in paths:
        response = page.goto(path)
        if response is None or response.status != 200:
            problems.append(f"{path}: status {response and response.status}")
            continue
        for check in (lambda: assert_no_horizontal_scroll(page, PHONE["width"]), lambda: axe_check(page)):
            try:
                check()
            except AssertionError as exc:
                problems.append(f"{path}: {exc}")
    assert not problems, "\n".join(problems)


def test_every_visitor_page_fits_a_phone_and_passes_axe(new_page, live_server):
    tour(new_page, VISITOR)


def test_every_applicant_page_fits_a_phone_and_passes_axe(new_page, live_server, world):
    tour(new_page, APPLICANT, "pending@example.kg")


def test_every_member_page_fits_a_phone_and_passes_axe(new_page, live_server, world):
    tour(new_page, [p.format(**world) for p in MEMBER], "mentee@example.kg")


def test_every_mentor_page_fits_a_phone_and_passes_axe(new_page, live_server, world):
    tour(new_page, [p.format(**world) for p in MENTOR], "mentor@example.kz")


def test_the_header_is_one_row_on_a_phone(new_page, live_server, world):
    page = new_page(locale="ru-RU", **PHONE)
    sign_in(page, "mentor@example.kz")
    page.goto("/")
    height = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
    assert height < 60, f"header is {height} px tall"
