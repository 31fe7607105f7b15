"""The header on a 360 px phone (issue 14): one compact row, and every link in it reachable
without sideways scrolling -- for a visitor, a member and a coordinator, in English, Russian and
the longest languages. Signed in, the links fold into a "Menu" disclosure that works by
keyboard; on a desktop they stay in one row."""

from __future__ import annotations

import pytest

from tests.browser.support import assert_no_horizontal_scroll, axe_check, sign_in
from tests.browser.test_languages import BROWSER_LOCALE, longest_languages
from tests.factories import make_coordinator, make_member

PHONE = {"width": 360, "height": 740}
LOCALES = sorted({"en", "ru", *longest_languages()})

# Each header control (link or button) that a finger on its centre does not hit: off-screen,
# clipped by a scroll box, or covered.
UNREACHABLE = """(width) => [...document.querySelectorAll('header.top nav a, header.top nav button')].filter(el => {
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || r.left < 0 || r.right > width) return true;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !hit || !(el === hit || el.contains(hit));
}).map(el => el.textContent.trim())"""


@pytest.fixture
def people(live_server):
    def make(locale):
        with live_server.db() as db:
            make_member(db, email="member@example.kg", display_name="Айгуль Т.", country="KG", locale=locale)
            make_coordinator(db, email="coordinator@example.org", display_name="Регина К.", locale=locale)
            db.session.commit()

    return make


def open_menu(page) -> None:
    summary = page.locator("header.top nav summary")
    if summary.count() and summary.is_visible():
        summary.click()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_header_link_is_reachable_on_a_phone(new_page, live_server, people, locale):
    people(locale)
    problems = []
    for who in (None, "member@example.kg", "coordinator@example.org"):
        page = new_page(locale=BROWSER_LOCALE[locale], **PHONE)
        if who:
            sign_in(page, who)
        page.goto("/privacy")
        height = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
        if height >= 60:
            problems.append(f"{who or 'visitor'}: the header is {height} px tall")
        open_menu(page)
        links = page.locator("header.top nav a, header.top nav button").all_inner_texts()
        expected = 2 if who is None else 6 if who.startswith("member") else 7
        if len(links) != expected:
            problems.append(f"{who or 'visitor'}: {len(links)} header links, expected {expected}: {links}")
        unreachable = page.evaluate(UNREACHABLE, PHONE["width"])
        if unreachable:
            problems.append(f"{who or 'visitor'} in {locale}: out of reach on a phone: {unreachable}")
        try:
            assert_no_horizontal_scroll(page, PHONE["width"])
            axe_check(page)
        except AssertionError as exc:
            problems.append(f"{who or 'visitor'} with the menu open: {exc}")
    assert not problems, "\n".join(problems)


def test_the_menu_opens_by_keyboard_and_leads_to_the_coordination_pages(new_page, live_server, people):
    people("ru")
    page = new_page(locale="ru-RU", **PHONE)
    sign_in(page, "coordinator@example.org")
    page.locator("header.top nav summary").focus()
    page.keyboard.press("Enter")
    link = page.locator("header.top nav a[href*='/coordinator/']")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == link.get_attribute("href"):
            break
    else:
        pytest.fail("Tab never reached the Coordination link in the open menu")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/coordinator/" in page.url and page.locator("h1").is_visible()


def test_on_a_desktop_the_links_stay_in_one_row_without_a_menu(new_page, live_server, people):
    people("en")
    page = new_page(locale="en-US")
    sign_in(page, "coordinator@example.org")
    assert not page.locator("header.top nav summary").is_visible()
    assert page.evaluate(UNREACHABLE, 1280) == []
    tops = page.eval_on_selector_all("header.top nav li", "items => items.map(li => li.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, tops
    axe_check(page)
