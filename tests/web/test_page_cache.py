"""Rendered parts of pages kept per process (web/page_cache.py): what one member sees never
reaches another who may not see it, and every change shows at once, whoever makes it (the
app, or SQL the database's triggers see)."""

from __future__ import annotations

import re

from sqlalchemy import event, inspect, select, text

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member, make_mentor
from web import page_cache
from web.coordinator import members as coordinator_members
from web.matches import lifecycle, proposals
from web.messages import services
from web.models import Conversation, Member, utcnow


def _directory(client, query="country=TJ"):
    return client.get(f"/directory/?{query}").get_data(as_text=True)


def _statements(app, client, path) -> list[str]:
    from web.extensions import db

    seen = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args, **_kwargs):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _count_queries(app, client, path):
    return len(_statements(app, client, path))


def test_directory_is_served_from_the_cache_until_a_member_changes(app, client, auth, db):
    make_member(db, email="viewer@example.org", country="KZ")
    shown = make_member(db, display_name="Dilnoza Tajik", country="TJ")
    auth.login("viewer@example.org")
    first = _count_queries(app, client, "/directory/?country=TJ")
    assert "Dilnoza Tajik" in _directory(client)
    again = _count_queries(app, client, "/directory/?country=TJ")
    assert again < first  # the page's own queries are not asked again

    # A profile change made by the app shows at once.
    shown.display_name = "Dilnoza Renamed"
    db.session.commit()
    page = _directory(client)
    assert "Dilnoza Renamed" in page and "Dilnoza Tajik" not in page

    # So does one made behind the app's back, in SQL.
    db.session.execute(text("UPDATE member SET display_name = 'Dilnoza By Hand' WHERE id = :id"), {"id": shown.id})
    db.session.commit()
    assert "Dilnoza By Hand" in _directory(client)


def test_a_suspended_member_leaves_the_directory_at_once(client, auth, db):
    coordinator = make_coordinator(db, email="coord@example.org", coordinator_scope=None)
    make_member(db, email="viewer@example.org", country="KZ")
    gone = make_member(db, display_name="Soon Suspended", country="TJ")
    auth.login("viewer@example.org")
    assert "Soon Suspended" in _directory(client)
    coordinator_members.suspend(gone, coordinator, "test")
    db.session.commit()
    page = _directory(client)
    assert "Soon Suspended" not in page
    assert "No member matches these filters." in page


def test_free_places_of_mentors_follow_their_mentorships(client, auth, db):
    mentor = make_mentor(db, display_name="Busy Mentor", country="TJ", capacity=1)
    mentee = make_member(db, email="viewer@example.org", country="KZ")
    auth.login("viewer@example.org")
    assert "Busy Mentor" in _directory(client, "role=mentor")
    proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=utcnow())
    db.session.commit()
    assert "Busy Mentor" not in _directory(client, "role=mentor")


def test_coordinators_and_members_see_their_own_directory(client, auth, db):
    """A hidden agency name: a regional coordinator sees it, a member does not, in whichever
    order they open the same page; and a member sees her own hidden fields, nobody else does."""
    make_coordinator(db, email="coord@example.org", coordinator_scope=None, country="KZ")
    make_member(db, email="viewer@example.org", country="KZ")
    make_member(db, display_name="Private Person", country="TJ", agency_name="Hidden Agency", show_agency_name=False)
    make_member(db, email="self@example.org", display_name="Self Viewer", country="TJ", rank="Hidden Rank", show_rank=False)
    for order in (("viewer", "coord", "self"), ("coord", "self", "viewer"), ("self", "viewer", "coord")):
        for who in order:
            auth.login(f"{who}@example.org")
            page = _directory(client)
            assert "Private Person" in page and "Self Viewer" in page
            assert ("Hidden Agency" in page) == (who == "coord")
            assert ("Hidden Rank" in page) == (who in ("coord", "self"))
            auth.logout()


def test_focal_points_of_two_countries_do_not_share_a_page(client, auth, db):
    make_coordinator(db, email="tj@example.org", coordinator_scope="TJ", country="TJ")
    make_coordinator(db, email="kg@example.org", coordinator_scope="KG", country="KG")
    make_member(db, display_name="Private Person", country="TJ", agency_name="Hidden Agency", show_agency_name=False)
    for who, sees in (("kg", False), ("tj", True), ("kg", False)):
        auth.login(f"{who}@example.org")
        assert ("Hidden Agency" in _directory(client)) == sees
        auth.logout()


def _conversation(db):
    mentor = make_mentor(db, email="aigul@example.org", display_name="Aigul", country="KZ")
    mentee = make_member(db, email="nurzat@example.org", display_name="Nurzat", country="KG")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=utcnow())
    lifecycle.accept(m, mentor, utcnow())
    lifecycle.confirm(m, mentee, utcnow())
    db.session.commit()
    return mentor, mentee, db.session.scalar(select(Conversation))


def test_a_new_or_deleted_message_shows_at_once(app, client, auth, db):
    mentor, mentee, conv = _conversation(db)
    services.send_message(conv, mentor, "First words", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    assert "First words" in client.get(f"/messages/{conv.id}").get_data(as_text=True)
    first = _count_queries(app, client, f"/messages/{conv.id}")
    assert _count_queries(app, client, f"/messages/{conv.id}") < first or first <= 4

    services.send_message(conv, mentor, "Second words", utcnow())
    db.session.commit()
    page = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "First words" in page and "Second words" in page

    second = db.session.scalar(text("SELECT id FROM message WHERE body = 'Second words'"))
    db.session.execute(text("UPDATE message SET body = '', deleted_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": second})
    db.session.commit()
    page = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "Second words" not in page and "This message was deleted." in page


def test_each_reader_sees_her_own_view_and_token(client, app, db):
    """Her own messages say "You" and have a delete button on her own messages only, "read" marks once the other has
    read, and each session's own CSRF token in the page, also when served from the cache."""
    mentor, mentee, conv = _conversation(db)
    services.send_message(conv, mentor, "From Aigul", utcnow())
    db.session.commit()
    visits = []
    message_id = db.session.scalar(text("SELECT id FROM message WHERE body = 'From Aigul'"))
    for email in ("aigul@example.org", "nurzat@example.org", "aigul@example.org"):
        browser = app.test_client()
        login = csrf_token(browser.get("/login").get_data(as_text=True))
        browser.post("/login", data={"email": email, "password": "correct horse battery", "csrf_token": login})
        browser.get(f"/messages/{conv.id}")
        again = browser.get(f"/messages/{conv.id}").get_data(as_text=True)  # from the cache
        assert page_cache.TOKEN_MARKER not in again
        visits.append((again, set(re.findall(r'name="csrf_token" value="([^"]+)"', again)), browser))

    def mark(html):  # the line above Aigul's message
        return html.split("From Aigul")[0].rsplit("<li", 1)[-1]

    (aigul_before, aigul_tokens, _), (nurzat, nurzat_tokens, _), (aigul_after, later_tokens, browser) = visits
    assert "You" in mark(aigul_before) and "Delete" in aigul_before
    assert "You" not in mark(nurzat) and "Aigul" in mark(nurzat) and "Delete" not in nurzat
    # Aigul's first visit was before Nurzat read the message, her later one after it.
    assert " · read" not in mark(aigul_before)
    assert " · read" in mark(aigul_after)
    assert not (aigul_tokens & nurzat_tokens) and not (later_tokens & nurzat_tokens)
    # The delete button carries this session's token: deleting with it works.
    token = next(iter(later_tokens))
    response = browser.post(f"/messages/{conv.id}/messages/{message_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert "This message was deleted." in browser.get(f"/messages/{conv.id}").get_data(as_text=True)


def test_every_member_column_is_known_to_the_directory_version(app, db):
    """A new member column is either shown by the directory (a migration must add it to the
    trigger that moves the directory's version) or named here as not shown."""
    import importlib

    migration = importlib.import_module("migrations.versions.0011_page_cache_versions")
    not_shown = {
        "id",
        "password_hash",
        "goals_text",
        "locale",
        "timezone",
        "consent_at",
        "status_note",
        "email_notifications",
        "session_token",
        "totp_secret",
        "totp_last_step",
        "created_at",
        "updated_at",
        "reviewed_at",
        "reviewed_by_id",
        "last_login_at",
        "last_seen_at",
    }
    columns = {c.name for c in inspect(Member).local_table.columns}
    assert columns == not_shown | set(migration.DIRECTORY_MEMBER_COLUMNS)
    assert not (not_shown & set(migration.DIRECTORY_MEMBER_COLUMNS))


def test_a_poll_finds_a_new_message_at_once(app, client, auth, db):
    mentor, mentee, conv = _conversation(db)
    services.send_message(conv, mentor, "Old news", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    page = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    last = int(re.search(r'data-last-id="(\d+)"', page).group(1))
    assert client.get(f"/messages/{conv.id}/poll?after={last}").get_json()["messages"] == []
    # Nothing new: this process knows it without asking for messages.
    asked = _statements(app, client, f"/messages/{conv.id}/poll?after={last}")
    assert asked and not [q for q in asked if q.startswith("SELECT message.")]
    services.send_message(conv, mentor, "Fresh news", utcnow())
    db.session.commit()
    found = client.get(f"/messages/{conv.id}/poll?after={last}").get_json()["messages"]
    assert len(found) == 1 and "Fresh news" in found[0]["html"]
    # Someone outside the conversation is refused as before, however much this process knows.
    client.get(f"/messages/{conv.id}/poll?after={last + 1}")
    auth.logout()
    make_member(db, email="outsider@example.org")
    auth.login("outsider@example.org")
    assert client.get(f"/messages/{conv.id}/poll?after={last + 1}").status_code == 404
    assert client.get(f"/messages/{conv.id}/poll?after=999999999").status_code == 404


def test_the_layout_counts_what_the_page_itself_marked_read(client, auth, db):
    """The unread counts come with her row at the start of the request; a page that marks
    messages read shows the counts after it did."""
    mentor, mentee, conv = _conversation(db)
    services.send_message(conv, mentor, "Unread until opened", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    assert '<span class="badge">1<span class="skip"> unread</span></span>' in client.get("/").get_data(as_text=True)
    page = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "Unread until opened" in page
    assert 'data-unread-label="unread">Messages</a>' in page  # no badge on the page that read it
    poll = client.get(f"/messages/{conv.id}/poll?after=0").get_json()
    assert poll["unread"] == 0


def test_the_page_follows_the_conversations_state(app, db):
    """A request waiting for an answer, accepted, then blocked: the starter's page changes
    at once each time, though her messages stay the same."""
    starter = make_member(db, email="starter@example.org", display_name="Starter", country="KZ")
    invitee = make_member(db, email="invitee@example.org", display_name="Invitee", country="KG")
    conv = services.start_direct(starter, invitee, "Hello there", utcnow())
    db.session.commit()
    browser = app.test_client()
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": "starter@example.org", "password": "correct horse battery", "csrf_token": token})
    for _ in range(2):
        page = browser.get(f"/messages/{conv.id}").get_data(as_text=True)
        assert "Please wait until Invitee accepts your request." in page and 'name="body"' not in page
    services.accept_request(conv, invitee, utcnow())
    db.session.commit()
    page = browser.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "Please wait until" not in page and 'name="body"' in page
    services.block(db.session.get(Conversation, conv.id), invitee, utcnow())
    db.session.commit()
    page = browser.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "This conversation is blocked." in page and 'name="body"' not in page


def test_the_header_is_each_visitors_own(app, client, auth, db):
    """The header is kept per language, kind of visitor and counts: the way to coordination
    only for a coordinator, the badge as it is now, this page's path and this session's token."""
    mentor, mentee, conv = _conversation(db)
    make_coordinator(db, email="coord@example.org", coordinator_scope=None)
    auth.login("coord@example.org")
    assert "Coordination</a>" in client.get("/directory/").get_data(as_text=True)
    auth.logout()
    auth.login("nurzat@example.org")
    page = client.get("/directory/?country=KG").get_data(as_text=True)
    assert "Coordination</a>" not in page
    assert 'name="next" value="/directory/?country=KG"' in page
    assert 'name="next" value="/matches/?"' in client.get("/matches/").get_data(as_text=True)
    assert 'data-unread-label="unread">Messages</a>' in client.get("/directory/").get_data(as_text=True)
    services.send_message(conv, mentor, "Badge please", utcnow())
    db.session.commit()
    page = client.get("/directory/").get_data(as_text=True)
    assert 'data-unread-label="unread">Messages <span class="badge">1<span class="skip"> unread</span></span>' in page
    # The sign-out form's token is this session's: signing out with it works.
    token = csrf_token(page)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Sign in</a>" in client.get("/directory/", follow_redirects=True).get_data(as_text=True)


def test_a_kept_page_still_marks_what_is_new_read(client, auth, db):
    mentor, mentee, conv = _conversation(db)
    services.send_message(conv, mentor, "One", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    client.get(f"/messages/{conv.id}")
    client.get(f"/messages/{conv.id}")  # kept now
    services.send_message(db.session.get(Conversation, conv.id), mentor, "Two", utcnow())
    db.session.commit()
    page = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "Two" in page and "<title>Aigul · Messages" in page
    assert client.get(f"/messages/{conv.id}/poll?after=0").get_json()["unread"] == 0
    assert "<title>Aigul · Messages" in client.get(f"/messages/{conv.id}").get_data(as_text=True)
