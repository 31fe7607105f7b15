"""Searching the directory in Cyrillic, as a member types it into the search box."""

from __future__ import annotations

import pytest

from tests.browser.support import sign_in
from tests.factories import make_member


@pytest.fixture
def members(live_server):
    with live_server.db() as db:
        make_member(db, email="reader@example.kz", display_name="Reader", locale="ru")
        make_member(db, display_name="Айгуль Т.", agency_name="МВД, Бишкек", country="KG")
        make_member(db, display_name="Сауле Ёлкина", country="KZ")
        make_member(db, display_name="Әсел Нұрланқызы", country="KZ")
        db.session.commit()


@pytest.mark.parametrize(
    ("typed", "found"),
    [("АЙГУЛЬ", "Айгуль Т."), ("бишкек", "Айгуль Т."), ("елкина", "Сауле Ёлкина"), ("әСЕЛ", "Әсел Нұрланқызы")],
)
def test_cyrillic_search_finds_names_in_any_case(new_page, live_server, members, typed, found):
    page = new_page(locale="ru-RU", width=360, height=740)
    sign_in(page, "reader@example.kz")
    page.goto("/directory/")
    page.locator("#q").fill(typed)
    page.locator("#q").press("Enter")
    page.wait_for_url("**/directory/?q=*")
    cards = page.locator("ul.cards li.card h2")
    assert cards.all_inner_texts() == [found]
