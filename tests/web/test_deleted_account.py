"""A deleted account (web/account): "Deleted member" is shown in the reader's language
wherever her name appeared, nothing English is stored in its place, and no coordinator can
bring the account back (reactivate or approve it)."""

from __future__ import annotations

from html import unescape

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_coordinator
from tests.web.test_account import world  # noqa: F401 - the fixture
from web.coordinator import members
from web.models import Conversation, Member, MemberStatus
from web.validation import ValidationFailed

LANGUAGES = ("ru", "kk", "ky", "tg", "tk", "uz", "uz_Cyrl")


def translated(app, locale: str, msgid: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return _(msgid)


def _delete_her(auth):
    auth.login("aigul@example.org")
    response = auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302


def test_no_english_placeholder_is_stored_for_her_name(auth, db, world):  # noqa: F811
    _delete_her(auth)
    db.session.expire_all()
    stored = db.session.scalar(select(Member.display_name).where(Member.id == world["her"]))
    assert stored == ""


@pytest.mark.parametrize("locale", LANGUAGES)
def test_her_messages_are_signed_deleted_member_in_the_readers_language(app, client, auth, db, world, locale):  # noqa: F811
    _delete_her(auth)
    db.session.get(Member, world["mentor"]).locale = locale
    db.session.commit()
    auth.login("mentor@example.org")
    conversation_id = db.session.scalar(select(Conversation.id))
    html = client.get(f"/messages/{conversation_id}").get_data(as_text=True)
    name = translated(app, locale, "Deleted member")
    assert name != "Deleted member", f"no {locale} translation"
    assert name in html and "Deleted member" not in html and "Aigul" not in html


def _coordinator(db, auth):
    make_coordinator(db, email="coord@example.org", locale="ru")
    auth.login("coord@example.org")


def test_the_members_list_names_her_in_russian_and_offers_no_reactivation(app, client, auth, db, world):  # noqa: F811
    _delete_her(auth)
    _coordinator(db, auth)
    html = client.get("/coordinator/members?status=rejected").get_data(as_text=True)
    assert translated(app, "ru", "Deleted member") in html
    assert translated(app, "ru", "Account deleted") in html
    assert f"/coordinator/members/{world['her']}/reactivate" not in html


@pytest.mark.parametrize("action", ["reactivate", "approve"])
def test_a_coordinator_cannot_bring_a_deleted_account_back(app, client, auth, db, world, action):  # noqa: F811
    _delete_her(auth)
    _coordinator(db, auth)
    token = csrf_token(client.get("/coordinator/members?status=rejected").get_data(as_text=True))
    response = client.post(
        f"/coordinator/members/{world['her']}/{action}", data={"csrf_token": token}, follow_redirects=True
    )
    refusal = translated(app, "ru", "This account was deleted on the member's request; it cannot be reactivated.")
    assert refusal in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    her = db.session.get(Member, world["her"])
    assert her.status == MemberStatus.REJECTED and her.deleted_at is not None


def test_the_service_refuses_to_reactivate_a_deleted_account(auth, db, world):  # noqa: F811
    _delete_her(auth)
    coordinator = make_coordinator(db, email="coord@example.org")
    her = db.session.get(Member, world["her"])
    for action in (members.reactivate, members.approve, members.suspend):
        with pytest.raises(ValidationFailed):
            action(her, coordinator, "")
    assert her.status == MemberStatus.REJECTED
