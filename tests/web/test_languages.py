"""The interface speaks the network's seven languages (and Uzbek in Cyrillic), and members'
names and bios in any of their scripts display, sort and search correctly on both databases.

The catalogues themselves are checked by test_translations.py; here: which language a
visitor or member gets, the language menu, her stored choice (profile and emails), dates and
numbers, and letters of Kazakh, Kyrgyz, Tajik, Turkmen and Uzbek in members' data."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.support import Translations
from flask_babel import force_locale

from tests.conftest import AuthActions, csrf_token
from tests.factories import make_member
from web import i18n, taxonomy
from web.models import Member, MemberStatus, OutboxEmail

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
NATIONAL = ("kk", "ky", "tg", "tk", "uz", "uz_Cyrl")


def translated(locale: str, msgid: str) -> str:
    """The catalogue's translation, read from the compiled .mo the app uses."""
    text = Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)
    assert text != msgid or locale == "en", f"{msgid!r} is not translated in {locale}"
    return text


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    ("header", "lang", "locale"),
    [
        ("kk-KZ", "kk", "kk"),
        ("kk", "kk", "kk"),
        ("ky", "ky", "ky"),
        ("ky-KG,ru;q=0.8", "ky", "ky"),
        ("tg-TJ", "tg", "tg"),
        ("tk", "tk", "tk"),
        ("tk-TM,ru;q=0.9,en;q=0.8", "tk", "tk"),
        ("uz-UZ", "uz", "uz"),
        ("uz-Latn-UZ", "uz", "uz"),
        ("uz-Cyrl-UZ", "uz-Cyrl", "uz_Cyrl"),
        ("kk-KZ, ru;q=0.8", "kk", "kk"),  # her first choice wins over a later exact match
        ("ru-RU", "ru", "ru"),
        ("en-GB", "en", "en"),
        ("de-DE, fr;q=0.5", "ru", "ru"),  # nothing we speak: Russian, the common language
        ("be", "ru", "ru"),
        ("*", "ru", "ru"),
        ("fr, tg;q=0.3", "tg", "tg"),
    ],
)
def test_the_browsers_language_picks_among_ours(client, header, lang, locale):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_lang(html) == lang
    assert translated(locale, "Sign in to Bridges") in html


def test_unknown_locale_codes_never_reach_the_page(app):
    assert i18n.browser_language([("xx-YY", 1), ("uz-Arab", 0.5)], app.config["LANGUAGES"]) == "uz"
    assert i18n.browser_language([("kk", 0)], app.config["LANGUAGES"]) is None


@pytest.mark.parametrize(("header", "current"), [("kk", "kk"), ("ru", "ru"), ("uz-Cyrl", "uz_Cyrl"), ("en", "en")])
def test_the_language_menu_names_each_language_in_its_own_words(client, header, current):
    """The same names on every page, never translated ("English" stays English on a Russian page)."""
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    menu = html[html.index('<details class="lang">') : html.index("</details>")]
    expected = {
        "kk": "Қазақша",
        "ky": "Кыргызча",
        "tg": "Тоҷикӣ",
        "tk": "Türkmençe",
        "uz": "Oʻzbekcha",
        "uz-Cyrl": "Ўзбекча",
        "ru": "Русский",
        "en": "English",
    }
    buttons = re.findall(r'<button type="submit" name="lang" value="([^"]+)" lang="([^"]+)"([^>]*)>([^<]+)</button>', menu)
    assert {lang: name for _value, lang, _attrs, name in buttons} == expected
    assert [value for value, _lang, attrs, _name in buttons if "aria-current" in attrs] == [current]
    summary = re.search(r"<summary>(.*?)</summary>", menu).group(1)
    assert taxonomy.UI_LANGUAGES[current] in summary and translated(current, "Language") in summary


def test_a_visitors_choice_outlives_her_browsers_language(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"lang": "tk", "next": "/register", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/register")
    html = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "tk"
    assert translated("tk", "Apply to join the network") in html
    # The registration form offers the interface language she is reading, among all eight.
    assert re.search(r'<option selected value="tk">|<option value="tk" selected>', html)


def test_a_language_outside_the_list_is_refused(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"lang": "de", "csrf_token": token})
    assert html_lang(client.get("/login", headers={"Accept-Language": "uz"}).get_data(as_text=True)) == "uz"


def test_a_members_choice_is_kept_on_her_profile_and_follows_her(app, client, auth, db):
    member = make_member(db, email="aigerim@example.kz", locale="en")
    auth.login("aigerim@example.kz")
    auth.post("/language", {"lang": "kk", "next": "/profile/"}, token_from="/profile/")
    db.session.expire_all()
    assert db.session.get(Member, member.id).locale == "kk"
    auth.logout()
    # Another browser, in English: once signed in, the interface is hers.
    other = app.test_client()
    AuthActions(other).login("aigerim@example.kz")
    html = other.get("/profile/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "kk" and translated("kk", "My profile") in html


PROFILE = {
    "display_name": "Dilnoza K.",
    "country": "UZ",
    "agency_kind": "customs",
    "agency_name": "Davlat bojxona qoʻmitasi",
    "rank": "Mayor",
    "years_of_service": "12",
    "languages": ["ru", "uz"],
    "role": "mentee",
    "capacity": "0",
    "skills": ["negotiation"],
    "goals": ["leadership"],
    "goals_text": "",
    "bio": "",
    "show_agency_name": "y",
    "email_notifications": "digest",
}


@pytest.mark.parametrize("locale", ["ru", "kk", "ky", "tg", "tk", "uz", "uz_Cyrl", "en"])
def test_the_profile_form_keeps_each_interface_language(client, auth, db, locale):
    member = make_member(db, email="dilnoza@example.uz", locale="en")
    auth.login("dilnoza@example.uz")
    response = auth.post("/profile/edit", PROFILE | {"locale": locale})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Member, member.id).locale == locale
    html = client.get("/profile/edit").get_data(as_text=True)
    assert html_lang(html) == i18n.bcp47(locale)


@pytest.mark.parametrize("locale", NATIONAL)
def test_status_emails_are_written_in_the_members_language(client, auth, db, locale):
    applicant = make_member(db, status=MemberStatus.PENDING, email="applicant@example.org", locale=locale)
    make_member(db, email="coord@example.org", is_coordinator=True, is_mentee=False, locale="en")
    auth.login("coord@example.org")
    auth.post(f"/coordinator/members/{applicant.id}/approve", {"note": ""}, token_from="/coordinator/applications")
    mail = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.to == "applicant@example.org"))
    assert mail is not None
    assert mail.subject == translated(locale, "Welcome to Bridges")
    assert "Welcome to Bridges" not in mail.body


# Month names, date order and number separators come from CLDR through Babel.
DATES = {
    "ru": ("3 декабря 2026", "1\u00a0234,47"),
    "kk": ("3 желтоқсан", "1\u00a0234,47"),
    "ky": ("3-декабрь", "1\u00a0234,47"),
    "tg": ("Декабр 2026", "1\u00a0234,47"),
    "tk": ("3 dekabr 2026", "1\u00a0234,47"),
    "uz": ("3-dekabr, 2026", "1\u00a0234,47"),
    "uz_Cyrl": ("3 декабр, 2026", "1\u00a0234,47"),
    "en": ("December 3, 2026", "1,234.47"),
}


@pytest.mark.parametrize("locale", sorted(DATES))
def test_dates_and_numbers_follow_the_page_language(app, locale):
    long_date, number = DATES[locale]
    with app.test_request_context("/"), force_locale(locale):
        assert long_date in i18n.day(date(2026, 12, 3), "long")
        assert i18n.decimal(1234.4711) == number


# --- members' data in every script --------------------------------------------------------

NAMES = [
    "Әсел Ғалымжанқызы",  # kk: ә ғ қ ы
    "Ұлжан Өмірбекова",  # kk: ұ ө і
    "Үміт Һасанова",  # kk/ky: ү һ
    "Айгүл Қоңырбаева",  # ү қ ң
    "Ҷамшед Ҳасанов",  # tg: ҷ ҳ
    "Меҳрӣ Ӯлмасова",  # tg: ӣ ӯ
    "Aýna Şirmämmedowa",  # tk: ý ş ä
    "Žanna Ňazarowa",  # tk: ž ň
    "Gʻayrat Oʻrinova",  # uz: gʻ oʻ (U+02BB)
    "Бахыт Абенова",
    "Dilnoza Karimova",
]
BIOS = {
    "Ҷамшед Ҳасанов": "Гумруки Тоҷикистон, ҳамкорӣ бо ҷавонон",
    "Aýna Şirmämmedowa": "Gümrük gullugy, ýaş işgärler bilen iş",
    "Gʻayrat Oʻrinova": "Bojxona xizmati, yoshlar bilan ishlash <script>alert(1)</script>",
}


@pytest.fixture
def directory(client, auth, db):
    make_member(db, email="reader@example.org", display_name="Reader")
    for name in NAMES:
        make_member(db, display_name=name, bio=BIOS.get(name, ""), agency_name="Agency")
    auth.login("reader@example.org")
    return client


def directory_page(client, query: str = "", lang: str = "en") -> str:
    response = client.get("/directory/", query_string={"q": query}, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["kk", "tg", "tk", "uz"])
def test_names_in_every_script_display_as_typed_and_bios_are_escaped(directory, lang):
    html = directory_page(directory, lang=lang)
    for name in NAMES:
        assert name in html, f"{name!r} is not shown as typed"
    assert "Gümrük gullugy, ýaş işgärler" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_directory_lists_names_in_the_readers_alphabet_on_both_databases(directory):
    """The reader reads English: Latin names first, letters with marks as their base letter
    (Ž as Z), then Cyrillic ones with Ә after А, Ү Ұ after У (web/collation.py); the same on
    both databases. tests/web/test_collation.py covers each language."""
    html = directory_page(directory)
    shown = sorted((html.index(name), name) for name in [*NAMES, "Reader"])
    assert [name for _position, name in shown] == [
        "Aýna Şirmämmedowa",
        "Dilnoza Karimova",
        "Gʻayrat Oʻrinova",
        "Reader",
        "Žanna Ňazarowa",
        "Айгүл Қоңырбаева",
        "Әсел Ғалымжанқызы",
        "Бахыт Абенова",
        "Меҳрӣ Ӯлмасова",
        "Үміт Һасанова",
        "Ұлжан Өмірбекова",
        "Ҷамшед Ҳасанов",
    ]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("әсел", "Әсел Ғалымжанқызы"),
        ("ҒАЛЫМЖАНҚЫЗЫ", "Әсел Ғалымжанқызы"),
        ("ұлжан өмірбекова", "Ұлжан Өмірбекова"),
        ("ӨМІРБЕК", "Ұлжан Өмірбекова"),
        ("һасанова", "Үміт Һасанова"),
        ("ҮМІТ", "Үміт Һасанова"),
        ("қоңыр", "Айгүл Қоңырбаева"),
        ("ҷамшед", "Ҷамшед Ҳасанов"),
        ("ҲАСАНОВ", "Ҷамшед Ҳасанов"),
        ("меҳрӣ", "Меҳрӣ Ӯлмасова"),
        ("ӯлмасова", "Меҳрӣ Ӯлмасова"),
        ("ҷавонон", "Ҷамшед Ҳасанов"),  # in the bio
        ("AÝNA", "Aýna Şirmämmedowa"),
        ("şirmämmedowa", "Aýna Şirmämmedowa"),
        ("ýaş işgärler", "Aýna Şirmämmedowa"),
        ("žanna", "Žanna Ňazarowa"),
        ("ŇAZAROWA", "Žanna Ňazarowa"),
        ("G'ayrat", "Gʻayrat Oʻrinova"),
        ("gʻayrat oʻrinova", "Gʻayrat Oʻrinova"),
        ("o‘rinova", "Gʻayrat Oʻrinova"),
    ],
)
def test_names_and_bios_in_every_script_are_found_in_any_case(directory, query, name):
    html = directory_page(directory, query)
    assert {n for n in NAMES if n in html} == {name}


@pytest.mark.parametrize("query", ["Хасанов", "Куаныш", "Омірбекова", "Sirmammedowa", "Nazarowa", "Галымжан"])
def test_letters_of_the_national_alphabets_are_not_confused_with_others(directory, query):
    """ҳ is not х, ө is not о, ş is not s, ň is not n, ғ is not г (or к): a search keeps them apart."""
    html = directory_page(directory, query)
    assert {n for n in NAMES if n in html} == set()
