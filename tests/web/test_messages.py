"""Conversations: only participants read; escaping and links; unread counts; requests;
rate limit; deletion; reports that show coordinators only the chosen messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member, make_mentor
from web.matches import lifecycle, proposals
from web.messages import services
from web.models import Conversation, MemberStatus, Message, MessageRateCounter, utcnow
from web.validation import ValidationFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def talk(db):
    """An active mentorship between Aigul (mentor, KZ) and Nurzat (mentee, KG)."""
    mentor = make_mentor(db, email="aigul@example.org", display_name="Aigul", country="KZ", timezone="Asia/Almaty")
    mentee = make_member(db, email="nurzat@example.org", display_name="Nurzat", country="KG", timezone="Asia/Bishkek")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=utcnow())
    lifecycle.accept(m, mentor, utcnow())
    lifecycle.confirm(m, mentee, utcnow())
    db.session.commit()
    conv = db.session.scalar(select(Conversation))
    return mentor, mentee, conv


def _send(client, conv_id, body):
    token = csrf_token(client.get(f"/messages/{conv_id}").get_data(as_text=True))
    return client.post(f"/messages/{conv_id}/send", data={"body": body, "csrf_token": token})


def test_messages_are_escaped_links_clickable_and_unread_counted(client, auth, db, talk):
    mentor, mentee, conv = talk
    auth.login("aigul@example.org")
    response = _send(client, conv.id, "<b>Hi</b> see https://osce.org/win?a=1&b=2.")
    assert response.status_code == 302
    auth.logout()
    auth.login("nurzat@example.org")
    home = client.get("/").get_data(as_text=True)
    assert 'data-nav="messages"' in home
    assert '<span class="badge">1<span class="skip"> unread</span></span>' in home
    html = client.get(f"/messages/{conv.id}").get_data(as_text=True)
    assert "&lt;b&gt;Hi&lt;/b&gt;" in html and "<b>Hi</b>" not in html
    assert '<a href="https://osce.org/win?a=1&amp;b=2" rel="nofollow noopener noreferrer">' in html
    after = client.get("/").get_data(as_text=True)
    assert 'data-unread-label="unread">Messages</a>' in after


def test_sent_time_is_shown_in_the_readers_time_zone(client, auth, db, talk):
    mentor, mentee, conv = talk
    services.send_message(conv, mentor, "Salem!", datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    db.session.commit()
    auth.login("nurzat@example.org")  # Asia/Bishkek, UTC+6
    assert "3/2/26, 3:00\u202fPM" in client.get(f"/messages/{conv.id}").get_data(as_text=True)


@pytest.mark.parametrize("who", ["stranger", "coordinator"])
def test_only_participants_read_or_write(client, auth, db, talk, who):
    mentor, mentee, conv = talk
    services.send_message(conv, mentor, "private words", utcnow())
    db.session.commit()
    if who == "stranger":
        make_member(db, email="x@example.org", country="UZ")
    else:
        make_coordinator(db, email="x@example.org")
    auth.login("x@example.org")
    for url in (f"/messages/{conv.id}", f"/messages/{conv.id}/poll?after=0", f"/messages/{conv.id}/report"):
        response = client.get(url)
        assert response.status_code == 404
        assert "private words" not in response.get_data(as_text=True)
    token = csrf_token(client.get("/messages/").get_data(as_text=True))
    for action in ("send", "block", "accept", "ignore", "messages/1/delete", "report"):
        response = client.post(f"/messages/{conv.id}/{action}", data={"csrf_token": token, "body": "intrusion"})
        assert response.status_code == 404, action
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_suspended_member_cannot_read(client, auth, db, talk):
    mentor, mentee, conv = talk
    auth.login("nurzat@example.org")
    assert client.get(f"/messages/{conv.id}").status_code == 200
    mentee.status = MemberStatus.SUSPENDED
    db.session.commit()
    response = client.get(f"/messages/{conv.id}")
    assert response.status_code in (302, 403)
    assert "/login" in response.headers.get("Location", "/login")


def test_message_length_is_limited(app, db, talk):
    mentor, mentee, conv = talk
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as exc:
            services.send_message(conv, mentor, "x" * (app.config["MESSAGE_MAX_LENGTH"] + 1), NOW)
        assert str(exc.value.errors[0][1]) == "A message can have at most 4000 characters."


def test_writing_is_rate_limited_with_a_shared_counter(app, db, talk):
    mentor, mentee, conv = talk
    limit = app.config["MESSAGES_PER_MINUTE"]
    for i in range(limit):
        services.send_message(conv, mentor, f"m{i}", NOW + timedelta(seconds=i))
    with pytest.raises(ValidationFailed):
        services.send_message(conv, mentor, "one too many", NOW + timedelta(seconds=limit))
    db.session.commit()
    assert db.session.scalar(select(MessageRateCounter.count)) == limit
    services.send_message(conv, mentor, "next minute", NOW + timedelta(minutes=1))


def test_deleted_message_shows_as_deleted_to_both(client, auth, db, talk):
    mentor, mentee, conv = talk
    msg = services.send_message(conv, mentor, "oops wrong chat", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    token = csrf_token(client.get(f"/messages/{conv.id}").get_data(as_text=True))
    response = client.post(f"/messages/{conv.id}/messages/{msg.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert "oops wrong chat" in client.get(f"/messages/{conv.id}").get_data(as_text=True)
    auth.logout()
    auth.login("aigul@example.org")
    token = csrf_token(client.get(f"/messages/{conv.id}").get_data(as_text=True))
    client.post(f"/messages/{conv.id}/messages/{msg.id}/delete", data={"csrf_token": token})
    for email in ("aigul@example.org", "nurzat@example.org"):
        auth.logout()
        auth.login(email)
        html = client.get(f"/messages/{conv.id}").get_data(as_text=True)
        assert "This message was deleted." in html and "oops wrong chat" not in html


def test_direct_conversation_request_accept_then_reply(client, auth, db):
    make_member(db, email="a@example.org", display_name="Gulnara", country="UZ")
    other = make_member(db, email="b@example.org", display_name="Madina", country="TJ")
    auth.login("a@example.org")
    assert "Send a message" in client.get(f"/profile/{other.id}").get_data(as_text=True)
    page = f"/messages/new/{other.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(page, data={"body": "Hello from Tashkent", "csrf_token": token})
    assert response.status_code == 302
    conv_url = response.headers["Location"]
    html = client.get(conv_url).get_data(as_text=True)
    assert "Please wait until Madina accepts your request." in html
    auth.logout()
    auth.login("b@example.org")
    html = client.get(conv_url).get_data(as_text=True)
    assert "Hello from Tashkent" in html and "Gulnara would like to talk with you" in html
    token = csrf_token(html)
    client.post(conv_url + "/accept", data={"csrf_token": token})
    assert client.post(conv_url + "/send", data={"body": "Welcome!", "csrf_token": token}).status_code == 302
    assert "Welcome!" in client.get(conv_url).get_data(as_text=True)


def test_ignored_request_disappears_and_blocked_member_cannot_write(db, talk):
    a = make_member(db, country="UZ")
    b = make_member(db, country="TJ")
    conv = services.start_direct(a, b, "hi", NOW)
    services.ignore_request(conv, b, NOW)
    assert services.conversations_of(b) == []
    assert services.unread_total(b) == 0
    services.block(conv, b, NOW)
    with pytest.raises(ValidationFailed):
        services.send_message(conv, a, "still there?", NOW)
    with pytest.raises(ValidationFailed):
        services.start_direct(a, b, "new one", NOW)


def test_only_the_member_who_blocked_can_unblock(db, talk):
    a = make_member(db, country="UZ")
    b = make_member(db, country="TJ")
    conv = services.start_direct(a, b, "hi", NOW)
    services.block(conv, b, NOW)
    with pytest.raises(ValidationFailed, match="Only the member who blocked"):
        services.unblock(conv, a, NOW)
    services.unblock(conv, b, NOW)
    assert services.send_message(conv, a, "thank you", NOW).body == "thank you"
    with pytest.raises(ValidationFailed, match="not blocked"):
        services.unblock(conv, b, NOW)


def test_mentorship_conversation_is_read_only_after_the_end(db, talk):
    mentor, mentee, conv = talk
    lifecycle.end(conv.mentorship, mentee, NOW, reason="Moved")
    with pytest.raises(ValidationFailed):
        services.send_message(conv, mentor, "hello?", NOW)
    with pytest.raises(ValidationFailed):
        services.block(conv, mentee, NOW)


def test_poll_returns_new_messages_escaped_and_counts(client, auth, db, talk):
    mentor, mentee, conv = talk
    first = services.send_message(conv, mentor, "first", utcnow())
    db.session.commit()
    auth.login("nurzat@example.org")
    services.send_message(conv, mentor, "<img src=x>", utcnow())
    db.session.commit()
    data = client.get(f"/messages/{conv.id}/poll?after={first.id}").get_json()
    assert len(data["messages"]) == 1
    assert "&lt;img src=x&gt;" in data["messages"][0]["html"]
    assert data["unread"] == 0
    assert client.get("/messages/unread").get_json()["unread"] == 0


def test_report_shows_coordinators_only_the_chosen_messages(client, auth, db, talk):
    mentor, mentee, conv = talk
    services.send_message(conv, mentor, "a harmless hello", utcnow())
    bad = services.send_message(conv, mentor, "an insulting remark", utcnow())
    services.send_message(conv, mentee, "my own reply", utcnow())
    db.session.commit()
    make_coordinator(db, email="coord@example.org")
    auth.login("nurzat@example.org")
    page = f"/messages/{conv.id}/report"
    html = client.get(page).get_data(as_text=True)
    assert "my own reply" not in html  # she reports the other's messages only
    response = client.post(page, data={"messages": [str(bad.id)], "note": "Please look", "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    auth.logout()
    auth.login("coord@example.org")
    assert client.get(f"/messages/{conv.id}").status_code == 404
    reports = client.get("/coordinator/reports").get_data(as_text=True)
    assert "an insulting remark" in reports and "Please look" in reports
    assert "a harmless hello" not in reports and "my own reply" not in reports


def test_members_cannot_open_the_reports_page(client, auth, talk):
    auth.login("nurzat@example.org")
    assert client.get("/coordinator/reports").status_code == 403
