"""Directory search in the scripts of the network: Cyrillic with capitals, ё, Kazakh
and Latin Uzbek letters, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.factories import make_member
from web.directory.normalise import fold
from web.models import Member

PEOPLE = ("Айгуль Т.", "Сауле Ёлкина", "Әсел Нұрланқызы", "Қуаныш Бекова", "Oʻzbekova Dilnoza", "Gulnara Smith")


@pytest.fixture
def signed_in(client, auth, db):
    make_member(db, email="me@example.org", display_name="Reader")
    make_member(db, display_name="Айгуль Т.", agency_name="МВД Кыргызской Республики, Бишкек", country="KG")
    make_member(db, display_name="Сауле Ёлкина", agency_name="Пограничная служба")
    make_member(db, display_name="Әсел Нұрланқызы", agency_name="Таможня")
    make_member(db, display_name="Қуаныш Бекова", agency_name="Полиция")
    make_member(db, display_name="Oʻzbekova Dilnoza", agency_name="Bojxona", country="UZ")
    make_member(db, display_name="Gulnara Smith", agency_name="Hidden Agency Бишкек", show_agency_name=False)
    auth.login("me@example.org")
    return client


def found(client, query: str) -> set[str]:
    response = client.get("/directory/", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {name for name in PEOPLE if name in html}


@pytest.mark.parametrize("query", ["Айгуль", "айгуль", "АЙГУЛЬ", "йгуль", "  айгуль   т. "])
def test_cyrillic_name_is_found_in_any_case(signed_in, query):
    assert found(signed_in, query) == {"Айгуль Т."}


@pytest.mark.parametrize("query", ["Сауле", "сауле ёлкина", "Елкина", "ЁЛКИНА"])
def test_yo_and_ye_are_the_same_letter(signed_in, query):
    assert found(signed_in, query) == {"Сауле Ёлкина"}


@pytest.mark.parametrize(("query", "name"), [("Әсел", "Әсел Нұрланқызы"), ("әсел", "Әсел Нұрланқызы"),
                                             ("ӘСЕЛ", "Әсел Нұрланқызы"), ("нұрланқызы", "Әсел Нұрланқызы"),
                                             ("Қуаныш", "Қуаныш Бекова"), ("ҚУАНЫШ", "Қуаныш Бекова")])  # fmt: skip
def test_kazakh_letters_are_found_in_any_case(signed_in, query, name):
    assert found(signed_in, query) == {name}


def test_kazakh_letters_are_not_confused_with_russian_ones(signed_in):
    assert found(signed_in, "Куаныш") == set()  # қ is not к


@pytest.mark.parametrize("query", ["Oʻzbek", "O'zbek", "o’zbek", "OʼZBEK", "o`zbekova"])
def test_latin_uzbek_apostrophes_are_one_letter(signed_in, query):
    assert found(signed_in, query) == {"Oʻzbekova Dilnoza"}


def test_agency_name_is_searched_only_where_shown(signed_in):
    assert found(signed_in, "Бишкек") == {"Айгуль Т."}
    assert found(signed_in, "бишкек") == {"Айгуль Т."}
    assert found(signed_in, "hidden agency") == set()


def test_like_wildcards_are_searched_literally(signed_in):
    assert found(signed_in, "%") == set()
    assert found(signed_in, "_") == set()


def test_search_follows_every_change_of_name_and_visibility(signed_in, db):
    member = db.session.scalar(db.select(Member).where(Member.display_name == "Айгуль Т."))
    member.display_name = "Айгерим Т."
    db.session.commit()
    assert found(signed_in, "айгуль") == set()
    assert "Айгерим Т." in signed_in.get("/directory/?q=АЙГЕРИМ").get_data(as_text=True)
    member.show_agency_name = False
    db.session.commit()
    assert "Айгерим Т." not in signed_in.get("/directory/?q=Бишкек").get_data(as_text=True)


def test_a_name_changed_in_the_profile_form_is_found(client, auth, db):
    make_member(db, email="a@example.org", display_name="Old Name")
    make_member(db, email="b@example.org", display_name="Reader")
    auth.login("a@example.org")
    response = auth.post(
        "/profile/edit",
        {
            "display_name": "Ұлжан ЁРКІНОВА",
            "country": "KZ",
            "agency_kind": "police",
            "agency_name": "Алматы",
            "years_of_service": "3",
            "languages": ["ru", "kk"],
            "role": "mentee",
            "capacity": "0",
            "skills": ["leadership"],
            "goals": ["negotiation"],
            "locale": "ru",
            "email_notifications": "off",
        },
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("b@example.org")
    html = client.get("/directory/", query_string={"q": "ұлжан еркінова"}).get_data(as_text=True)
    assert "Ұлжан ЁРКІНОВА" in html


def test_fold_keeps_short_i_and_kazakh_letters_apart():
    assert fold("Й") == "й" and fold("й") != fold("и")
    assert fold("и\u0306") == "й"  # a decomposed й is composed first
    assert fold("е\u0308") == "е"  # so is a decomposed ё, which becomes е
    assert fold("ҒҰҮҢӨҺІ") == "ғұүңөһі"
    assert fold("Gʻayrat") == fold("G'ayrat") == "g'ayrat"


def test_migration_fills_the_search_text_of_existing_members_and_keeps_rows(app, db):
    """Downgrade to 0007 (the column goes, rows stay), add a member there as the old
    code did, upgrade: her folded text is filled in."""
    db.session.remove()
    downgrade(revision="0007")
    try:
        db.session.execute(
            text(
                "INSERT INTO member (email, password_hash, display_name, country, agency_kind, agency_name, rank,"
                " years_of_service, is_mentee, is_mentor, capacity, goals_text, bio, locale, timezone, status,"
                " status_note, is_coordinator, show_agency_name, show_rank, show_bio, show_email,"
                " email_notifications, session_token, created_at, updated_at) VALUES ('old@example.org', 'x',"
                " 'АЙГУЛЬ Ёлкина', 'KG', 'police', 'Бишкек', '', 1, true, false, 0, '', 'Секретная биография',"
                " 'ru', 'Asia/Bishkek', 'active', '', false, true, true, false, false, 'off', 'tok',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
    finally:
        upgrade()
    db.session.remove()
    member = db.session.scalar(db.select(Member).where(Member.email == "old@example.org"))
    assert member.search_text == "айгуль елкина\nбишкек"  # the hidden bio is left out
    db.session.remove()  # an open transaction would hold a lock the downgrade waits for
    downgrade(revision="0007")
    try:
        assert db.session.execute(text("SELECT display_name FROM member")).scalars().all() == ["АЙГУЛЬ Ёлкина"]
        db.session.commit()
    finally:
        upgrade()


def test_a_deleted_account_leaves_nothing_of_her_in_the_search_text(db):
    from web.account.services import delete_own_account
    from web.models import utcnow

    member = make_member(db, display_name="Айгуль Секретова", agency_name="МВД, Бишкек", bio="Кинолог")
    delete_own_account(member, "correct horse battery", utcnow())
    db.session.commit()
    db.session.expire_all()
    text = db.session.get(Member, member.id).search_text
    assert "айгуль" not in text and "бишкек" not in text and "кинолог" not in text
