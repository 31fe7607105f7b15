"""End to end in Chromium: a policewoman from Bishkek registers in Russian, a coordinator
admits her, and she finds herself and a colleague from Kazakhstan in the directory."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.support import assert_russian, sign_in, sign_out
from tests.factories import make_coordinator, make_member
from web.models import Member, MemberStatus

EMAIL = "aizada.t@mvd.example.kg"
PASSWORD = "Bishkek spring 2024 rain"  # noqa: S105 - a test account
NAME = "Айзада Т."


def tick_topic(page, name: str, slug: str) -> None:
    """Topics sit in collapsed groups: open the group by its heading, then tick the box."""
    box = page.locator(f"input[name={name}][value={slug}]")
    group = page.locator("details.group", has=box)
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    box.check()


def fill_registration(page) -> None:
    """Fill the form the way she would: typing, picking, ticking; ids, not labels, find the
    fields so the test reads the same in either language."""
    page.locator("#email").click()
    page.keyboard.type(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    page.locator("#display_name").fill(NAME)
    page.locator("#country").select_option("KG")
    page.locator("#agency_kind").select_option("police")
    page.locator("#agency_name").fill("МВД Кыргызской Республики")
    page.locator("#rank").fill("Капитан милиции")
    page.locator("#years_of_service").fill("9")
    for code in ("ru", "ky"):
        page.locator(f"input[name=languages][value={code}]").check()
    page.locator("input[name=role][value=mentee]").check()
    for slug in ("community_policing", "domestic_violence_response"):
        tick_topic(page, "skills", slug)
    for slug in ("leadership", "cybercrime"):
        tick_topic(page, "goals", slug)
    page.locator("#goals_text").fill("Хочу научиться руководить отделом.")
    page.locator("#bio").fill("Инспектор по делам несовершеннолетних, Бишкек.")
    page.locator("#consent").check()


def test_policewoman_registers_in_russian_is_approved_and_finds_colleagues(new_page, live_server):
    with live_server.db() as db:
        make_coordinator(db, email="coordinator@example.org", display_name="Coordinator", country="KZ")
        make_member(db, email="gulnara@example.kz", display_name="Гульнара Б.", country="KZ", agency_kind="border_service")
        make_member(db, email="other@example.tj", display_name="Someone Else", country="TJ")

    # She arrives with an English browser and switches the interface to Russian.
    her = new_page(locale="en-US")
    her.goto("/register")
    assert her.locator("html").get_attribute("lang") == "en"
    her.locator("details.lang summary").click()  # the language menu
    with her.expect_navigation():
        her.get_by_role("button", name="Русский").click()
    assert re.search(r"/register$", her.url)
    assert_russian(her, "Join", "Sign in", "Apply to join the network")
    assert her.locator("#locale").input_value() == "ru"

    fill_registration(her)
    with her.expect_navigation():
        her.locator("main form [type=submit]").click()

    # The answer does not say whether the email had an account (issue 11): she signs in next.
    assert her.url.endswith("/login"), her.locator("main").inner_text()
    sign_in(her, EMAIL, PASSWORD)
    her.goto("/pending")
    assert her.url.endswith("/pending"), her.locator("main").inner_text()
    assert_russian(her, "Your application is under review")
    assert NAME in her.locator("main").inner_text()
    with live_server.db() as db:
        member = db.session.scalar(select(Member).where(Member.email == EMAIL))
        assert member.status == MemberStatus.PENDING
        assert member.country == "KG" and member.locale == "ru"
        assert sorted(lang.code for lang in member.languages) == ["ky", "ru"]
    # While pending the directory is closed to her.
    her.goto("/directory/")
    assert her.url.endswith("/pending")
    sign_out(her)

    # The coordinator approves her from the applications queue.
    coordinator = new_page(locale="en-US")
    sign_in(coordinator, "coordinator@example.org")
    coordinator.goto("/coordinator/applications")
    card = coordinator.locator("li.card", has_text=EMAIL)
    card.get_by_text("Approve", exact=True).first.click()  # opens the <details>
    card.locator("textarea[name=note]").first.fill("Добро пожаловать!")
    with coordinator.expect_navigation():
        card.locator("form[action$='/approve'] button[type=submit]").click()
    assert coordinator.locator(".alert.success").is_visible()
    assert coordinator.locator("li.card", has_text=EMAIL).count() == 0
    with live_server.db() as db:
        member = db.session.scalar(select(Member).where(Member.email == EMAIL))
        assert member.status == MemberStatus.ACTIVE

    # She signs in again, still in Russian, and finds colleagues by country.
    sign_in(her, EMAIL, PASSWORD)
    assert not her.url.endswith("/pending")
    assert_russian(her, "Directory", "My profile", "Sign out")
    her.goto("/directory/")
    her.locator("#country").select_option("KG")
    with her.expect_navigation():
        her.locator("form.filters [type=submit]").click()
    assert "country=KG" in her.url
    names = her.locator("ul.cards li.card h2").all_inner_texts()
    assert names == [NAME]

    her.locator("#country").select_option("KZ")
    with her.expect_navigation():
        her.locator("form.filters [type=submit]").click()
    names = her.locator("ul.cards li.card h2").all_inner_texts()
    assert "Гульнара Б." in names
    assert "Someone Else" not in names and NAME not in names
    with her.expect_navigation():
        her.get_by_role("link", name="Гульнара Б.").click()
    assert re.search(r"/profile/\d+$", her.url), her.url
    assert "Гульнара Б." in her.locator("h1").inner_text()
