"""The seven languages in Chromium: a member registers in Kazakh and signs in in Uzbek; axe
finds nothing in any language; on a 360 px phone no page of the longest language (measured
from the catalogues) is wider than the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from sqlalchemy import select

from tests.browser.support import assert_no_horizontal_scroll, axe_check, sign_in
from tests.browser.test_registration_flow import tick_topic
from tests.factories import make_member, make_mentor
from web.config import Config
from web.models import Member, MemberStatus

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
PASSWORD = "Almaty autumn 2025 leaves"  # noqa: S105 - a test account
# Playwright sends the context's locale as Accept-Language (BCP 47).
BROWSER_LOCALE = {"kk": "kk-KZ", "ky": "ky-KG", "tg": "tg-TJ", "tk": "tk-TM", "uz": "uz-UZ", "uz_Cyrl": "uz-Cyrl-UZ"}
BROWSER_LOCALE |= {"ru": "ru-RU", "en": "en-US"}


def tr(locale: str, msgid: str) -> str:
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)


def lang_of(page) -> str:
    return page.locator("html").get_attribute("lang")


def choose_language(page, name: str) -> None:
    """Open the header's language menu and pick a language by its own name."""
    page.locator("details.lang summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def longest_languages() -> list[str]:
    """The catalogue whose translations are longest in total, and the one with the longest
    single word (a long word cannot wrap): the two most likely to overflow a phone."""
    totals, words = {}, {}
    for code in Config.LANGUAGES:
        if code == "en":
            continue
        with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            strings = [m.string if isinstance(m.string, str) else m.string[0] for m in read_po(fh) if m.id]
        totals[code] = sum(len(s) for s in strings)
        words[code] = max(len(w) for s in strings for w in re.findall(r"\w+", s))
    return sorted({max(totals, key=totals.get), max(words, key=words.get)})


def test_she_registers_in_kazakh_and_signs_in_in_uzbek(new_page, live_server):
    her = new_page(locale="kk-KZ")
    her.goto("/register")
    assert lang_of(her) == "kk"
    assert tr("kk", "Apply to join the network") in her.locator("h1").inner_text()
    assert her.locator("#locale").input_value() == "kk"
    her.locator("#email").fill("asel@example.kz")
    her.locator("#password").fill(PASSWORD)
    her.locator("#password_confirm").fill(PASSWORD)
    her.locator("#display_name").fill("Әсел Нұрланқызы")
    her.locator("#country").select_option("KZ")
    her.locator("#agency_kind").select_option("border_service")
    her.locator("#agency_name").fill("ҰҚК Шекара қызметі")
    her.locator("#rank").fill("Капитан")
    her.locator("#years_of_service").fill("7")
    for code in ("kk", "ru"):
        her.locator(f"input[name=languages][value={code}]").check()
    her.locator("input[name=role][value=mentee]").check()
    tick_topic(her, "skills", "community_policing")
    tick_topic(her, "goals", "leadership")
    her.locator("#bio").fill("Шекара қызметінің инспекторы, Алматы.")
    her.locator("#consent").check()
    with her.expect_navigation():
        her.locator("main form [type=submit]").click()
    assert her.url.endswith("/login"), her.locator("main").inner_text()
    assert lang_of(her) == "kk"
    with live_server.db() as db:
        member = db.session.scalar(select(Member).where(Member.email == "asel@example.kz"))
        assert member.locale == "kk" and member.display_name == "Әсел Нұрланқызы"
        member.status = MemberStatus.ACTIVE  # the coordinator's approval is tested elsewhere
        db.session.commit()

    # Later, on a colleague's computer in Tashkent, she reads the sign-in page in Uzbek.
    later = new_page(locale="en-US")
    later.goto("/login")
    choose_language(later, "Oʻzbekcha")
    assert lang_of(later) == "uz"
    assert tr("uz", "Sign in to Bridges") in later.locator("h1").inner_text()
    sign_in(later, "asel@example.kz", PASSWORD)
    # Signed in, the interface is the one stored on her profile until she picks another.
    assert lang_of(later) == "kk"
    choose_language(later, "Oʻzbekcha")
    assert lang_of(later) == "uz"
    later.goto("/profile/")
    assert tr("uz", "My profile") in later.locator("header").inner_text()
    assert "Әсел Нұрланқызы" in later.locator("main").inner_text()
    with live_server.db() as db:
        assert db.session.scalar(select(Member.locale).where(Member.email == "asel@example.kz")) == "uz"


@pytest.fixture
def colleague(live_server):
    with live_server.db() as db:
        return make_mentor(
            db,
            email="colleague@example.tj",
            display_name="Меҳрӣ Ҷалолова",
            country="TJ",
            languages=("tg", "ru"),
            bio="Корманди гумрук, 15 сол. Gümrük gullugy. Oʻzbekcha ham gapiraman.",
            show_bio=True,
            show_rank=True,
            show_agency_name=True,
        ).id


@pytest.mark.parametrize("locale", Config.LANGUAGES)
def test_axe_finds_nothing_in_any_language(new_page, live_server, colleague, locale):
    with live_server.db() as db:
        make_member(db, email="reader@example.org", display_name="Aýna Şirmämmedowa", country="TM", locale=locale)
    page = new_page(locale=BROWSER_LOCALE[locale])
    problems = []
    for path in ("/login", "/register"):
        page.goto(path)
        assert lang_of(page) == locale.replace("_", "-")
        try:
            axe_check(page)
        except AssertionError as exc:
            problems.append(str(exc))
    sign_in(page, "reader@example.org")
    for path in ("/profile/", f"/profile/{colleague}", "/directory/"):
        page.goto(path)
        assert lang_of(page) == locale.replace("_", "-")
        try:
            axe_check(page)
        except AssertionError as exc:
            problems.append(str(exc))
    page.locator("details.lang summary").click()  # the open language menu too
    try:
        axe_check(page)
    except AssertionError as exc:
        problems.append("with the language menu open: " + str(exc))
    assert not problems, "\n".join(problems)


def test_the_language_menu_works_by_keyboard(new_page, live_server):
    page = new_page(locale="ru-RU")
    page.goto("/login")
    page.locator("details.lang summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Türkmençe", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert lang_of(page) == "tk"


@pytest.mark.parametrize("locale", longest_languages())
def test_no_page_is_wider_than_a_phone_in_the_longest_languages(new_page, live_server, colleague, locale):
    with live_server.db() as db:
        make_member(
            db,
            email="reader@example.org",
            display_name="Gʻayrat Oʻrinova Nurýagdyýewa-Şirmämmedowa",
            country="UZ",
            locale=locale,
            bio="Bojxona xizmati inspektori. " * 10,
            show_bio=True,
        )
    page = new_page(locale=BROWSER_LOCALE[locale], width=360, height=740)
    problems = []
    for path in ("/login", "/register", "/password/forgot", "/privacy"):
        page.goto(path)
        try:
            assert_no_horizontal_scroll(page, 360)
        except AssertionError as exc:
            problems.append(str(exc))
    sign_in(page, "reader@example.org")
    paths = ["/", "/directory/", "/directory/?country=TJ", "/profile/", "/profile/edit", f"/profile/{colleague}"]
    paths += ["/password", "/notifications/", "/messages/", "/matches/", "/account/data", "/account/delete"]
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert lang_of(page) == locale.replace("_", "-"), path
        try:
            assert_no_horizontal_scroll(page, 360)
        except AssertionError as exc:
            problems.append(str(exc))
    page.locator("details.lang summary").click()
    try:
        assert_no_horizontal_scroll(page, 360)
    except AssertionError as exc:
        problems.append("with the language menu open: " + str(exc))
    assert not problems, "\n".join(problems)
