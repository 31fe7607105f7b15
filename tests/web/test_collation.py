"""Names are listed in the alphabet of the page's language, on SQLite and on PostgreSQL:
Әсел with the А names in Kazakh (not after Я), lower and upper case together, a Cyrillic
page's Latin names after its Cyrillic ones and a Latin page's the other way round."""

from __future__ import annotations

import html
import random
import re

import pytest
from sqlalchemy import String, column, select, values

from tests.factories import PASSWORD, make_coordinator, make_member
from web.collation import name_order, sort_key
from web.models import Member

# Each list in the order a reader of that language expects (ICU's, see web/collation.py):
# the letters of its alphabet in their places, case ignored, the page's script first.
ALPHABETICAL = {
    "kk": ["Айгерим", "Әсел", "Гүлнар", "Ғалым", "ербол", "Ерлан", "Ёлкин", "Жанна", "Кирилл",
           "Қайрат", "Нұрлан", "Олжас", "Өмір", "Ұлан", "Үміт", "Ырыс", "Іңкәр", "Яна", "Zarina"],
    "ky": ["Айбек", "Бермет", "ербол", "Ерлан", "Ёлкин", "Жылдыз", "Нурлан", "Олжобай", "Өмүр", "Уулкан",
           "Үмүт", "Чолпон", "Ырыс", "Эрмек", "Яна", "Aibek", "Zarina"],
    "tg": ["Аброр", "Бахтиёр", "Гулноза", "Ғайрат", "Иброҳим", "Исмоил", "Ӣсо", "Карим", "Қодир", "Умед",
           "Ӯрун", "Хуршед", "Ҳасан", "Чеҳра", "Ҷамшед", "Шаҳло", "Aziz", "Zarina"],
    "tk": ["Arslan", "Çary", "Döwlet", "enejan", "Eziz", "Ähmet", "Gülşat", "Jeren", "Žanna", "Kerim",
           "Oraz", "Ösen", "Serdar", "Şirin", "Umyt", "Üzük", "Yusup", "Ýazgül", "Айгуль"],
    "uz": ["Anvar", "Bahodir", "dilnoza", "Gulnora", "Jasur", "Nodira", "Olim", "Sardor", "Umid", "Xurshid",
           "Zafar", "Oʻktam", "O'lmas", "Gʻayrat", "Shahlo", "Chori", "Айгуль"],
    "uz_Cyrl": ["Анвар", "Гулнора", "Ғайрат", "Зафар", "Камола", "Қодир", "Умид", "Ўткир", "Хуршид", "Ҳасан",
                "Шерзод", "Яна", "Anvar", "Oʻktam"],
    "ru": ["Анна", "Әсел", "борис", "Галина", "Евгения", "Елена", "Ёлкин", "Жанна", "Ирина", "Яна", "Aziz",
           "Ömer", "Şirin", "Zarina"],
    "en": ["adam", "Aziz", "Ömer", "Şirin", "Zarina", "Айгуль", "Әсел", "Яна"],
}  # fmt: skip

# At most 19 names a language: the directory shows 20 a page, the reader among them.
DIRECTORY_NAME = re.compile(r'<h2><a href="[^"]+">([^<]+)</a></h2>')
MEMBERS_NAME = re.compile(r'<td data-label="[^"]*"><a href="[^"]+">([^<]+)</a>')


def _shuffled(names: list[str]) -> list[str]:
    names = list(names)
    random.Random(15).shuffle(names)
    return names


def _listed(pattern: re.Pattern, page: str, names: list[str]) -> list[str]:
    return [n for n in (html.unescape(m) for m in pattern.findall(page)) if n in names]


@pytest.mark.parametrize("locale", ALPHABETICAL)
def test_directory_lists_names_in_the_alphabet_of_the_page(client, auth, db, locale):
    expected = ALPHABETICAL[locale]
    make_member(db, email="reader@example.org", display_name="~ reader", locale=locale)
    for name in _shuffled(expected):
        make_member(db, display_name=name)
    auth.login("reader@example.org")
    page = client.get("/directory/").get_data(as_text=True)
    assert _listed(DIRECTORY_NAME, page, expected) == expected


def test_coordinator_members_list_is_in_the_alphabet_of_the_page(client, auth, db):
    expected = ALPHABETICAL["kk"]
    make_coordinator(db, email="coord@example.org", display_name="~ coordinator", locale="kk")
    for name in _shuffled(expected):
        make_member(db, display_name=name)
    auth.login("coord@example.org", PASSWORD)
    page = client.get("/coordinator/members").get_data(as_text=True)
    assert _listed(MEMBERS_NAME, page, expected) == expected


@pytest.mark.parametrize("locale", ALPHABETICAL)
def test_database_order_agrees_with_sort_key(app, db, locale):
    """The database's collation (ICU on PostgreSQL) and the Python key give one order."""
    names = sorted({n for names in ALPHABETICAL.values() for n in names})
    names += ["ана", "Ана", "АНА", "Anna Maria", "Anna-Lena", "Annabel", "O‘lmas", "Oʻlmas", "Ørsted", "Łukasz"]
    for name in _shuffled(names):
        make_member(db, display_name=name, commit=False)
    db.session.commit()
    with app.test_request_context():
        stmt = select(Member.display_name).order_by(name_order(Member.display_name, locale), Member.id)
        listed = list(db.session.scalars(stmt))
    assert listed == sorted(names, key=lambda n: sort_key(n, locale))


LETTERS = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяӣҷҳӯўabcdefghijklmnopqrstuvwxyzçäžňöşüýʻ'‘’ʼ -.1"


@pytest.mark.parametrize("locale", ALPHABETICAL)
def test_database_order_agrees_with_sort_key_on_random_strings(db, locale):
    """Strings of the letters of all eight alphabets, either case, apostrophes, spaces, hyphens
    and digits: on PostgreSQL ICU's order and the Python key (SQLite's) are the same."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's collation is the Python key itself")
    rnd = random.Random(15)
    letters = LETTERS + LETTERS.upper()
    strings = {"".join(rnd.choice(letters) for _ in range(rnd.randint(1, 6))) for _ in range(1500)}
    rows = values(column("s", String), name="strings").data([(s,) for s in strings])
    listed = list(db.session.scalars(select(rows.c.s).order_by(name_order(rows.c.s, locale))))
    assert listed == sorted(strings, key=lambda s: sort_key(s, locale))


@pytest.mark.parametrize("locale", ALPHABETICAL)
def test_sort_key_orders_each_alphabet(locale):
    expected = ALPHABETICAL[locale]
    assert sorted(_shuffled(expected), key=lambda n: sort_key(n, locale)) == expected


def test_sort_key_ignores_case_first_and_puts_lower_case_first_on_a_tie():
    assert sorted(["Бб", "аа", "ББ", "Аа", "бб", "АА"], key=lambda n: sort_key(n, "ru")) == [
        "аа",
        "Аа",
        "АА",
        "бб",
        "Бб",
        "ББ",
    ]


def test_sort_key_uzbek_apostrophes_are_one_letter():
    key = lambda n: sort_key(n, "uz")  # noqa: E731
    assert key("Oʻlmas")[0] == key("O'lmas")[0] == key("O‘lmas")[0]
    assert key("Zafar") < key("Oʻktam") < key("Gʻayrat") < key("Shahlo") < key("Chori")


def test_sort_key_puts_unknown_letters_after_the_alphabets_and_spaces_first():
    key = lambda n: sort_key(n, "kk")  # noqa: E731
    assert key("Яна") < key("Zarina") < key("Ωμέγα") < key("中文")
    assert key("Anna Maria") < key("Anna-Lena") < key("Annabel")
    assert key("Anna 10") < key("Anna 2") < key("Anna B")  # digit by digit, as ICU does
