"""What a member meets on the page: the landing page, grouped topics, labels that point at
their fields, words and numbers in her language, notifications read once acted on, and
one conversation per pair of members."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import func, select
from wtforms import StringField

from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.messages import services as messages
from web.models import Conversation, Notification
from web.notifications.services import describe, notify
from web.validation import Form

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_visitor_sees_what_the_network_is_with_sign_in_and_apply(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "a mentoring network for women in law enforcement" in html
    assert 'href="/register"' in html and 'href="/login"' in html


def test_members_still_get_their_home_and_pending_members_their_page(client, auth, db):
    make_member(db, email="a@example.org", display_name="Dana")
    auth.login("a@example.org")
    assert "Welcome, Dana" in client.get("/").get_data(as_text=True)
    auth.logout()
    make_member(db, email="p@example.org", status="pending")
    auth.login("p@example.org")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/pending")


def test_registration_topics_are_in_collapsed_groups(client):
    html = client.get("/register").get_data(as_text=True)
    groups = re.findall(r'<details class="group"( open)?>\s*<summary>([^<]+)', html)
    assert len(groups) == 12  # six groups each for skills and goals
    assert all(opened == "" for opened, _label in groups)
    assert "Borders, customs and co-operation" in [label.strip() for _o, label in groups]
    assert html.count('name="skills"') == html.count('name="goals"') == 31


def test_a_group_with_a_ticked_topic_starts_open_and_says_how_many(client, auth, db):
    make_member(db, email="a@example.org", skills=("cybercrime", "digital_forensics"), goals=("negotiation",))
    auth.login("a@example.org")
    html = client.get("/profile/edit").get_data(as_text=True)
    opened = re.findall(r'<details class="group" open>\s*<summary>([^<]+)<span class="meta">\(([^)]+)\)', html)
    assert [(label.strip(), count) for label, count in opened] == [
        ("Investigation and integrity", "2 chosen"),
        ("Communication", "1 chosen"),
    ]


class _TwoNames(Form):
    name = StringField("Name", description="As in your passport")


def test_a_field_with_its_own_id_has_a_label_and_hint_pointing_at_it(app):
    with app.test_request_context():
        form = _TwoNames()
        form.validate()
        html = render_template_string(
            '{% from "_macros.html" import field %}{{ field(form.name, id="second-name") }}', form=form
        )
    assert '<label for="second-name">' in html
    assert 'id="second-name"' in html and 'id="name"' not in html
    assert 'aria-describedby="second-name-hint"' in html and 'id="second-name-hint"' in html


def test_no_page_repeats_the_csrf_input_id(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    for path in ("/profile/edit", "/", "/directory/", "/notifications/"):
        html = client.get(path).get_data(as_text=True)
        assert 'name="csrf_token"' in html
        assert 'id="csrf_token"' not in html, path


def test_the_sign_in_email_is_autocompleted_as_an_email(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="email"' in html and 'autocomplete="username"' not in html


def test_a_name_ending_in_a_full_stop_gets_no_second_one(client, auth, db):
    make_member(db, email="p@example.org", display_name="Айгуль Т.", status="pending")
    auth.login("p@example.org")
    html = client.get("/pending").get_data(as_text=True)
    assert "Thank you for joining, Айгуль Т. A coordinator" in html
    member = make_member(db, locale="en")
    other = make_member(db, display_name="Зарина К.", country="UZ")
    messages.start_direct(other, member, "hi", NOW)
    note = notify(member, "message_new", conversation=messages.find_direct(member, other), now=NOW)
    db.session.commit()
    with force_locale("en"):
        assert describe(note) == "New message from Зарина К."


def test_numbers_and_dates_follow_the_page_language(app):
    template = "{{ 0.47|decimal }} · {{ 1234.5|decimal(1) }} · {{ when|datetime }} · {{ when|date }}"
    when = datetime(2026, 12, 3, 9, 5, 42, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        russian = render_template_string(template, when=when)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = render_template_string(template, when=when)
    assert russian.startswith("0,47 · 1\xa0234,5 · ")
    assert english.startswith("0.47 · 1,234.5 · ")
    assert ":42" not in russian and ":42" not in english  # no seconds
    assert "2026" in russian.rsplit(" · ", 1)[1] and "дек" in russian


def _active_mentorship(db, mentor, mentee):
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
    lifecycle.accept(m, mentor, NOW)
    lifecycle.confirm(m, mentee, NOW)
    db.session.commit()
    return m


def test_opening_the_mentorship_marks_its_notifications_read(client, auth, db):
    mentor = make_mentor(db, email="mentor@example.org", country="KZ")
    mentee = make_member(db, email="mentee@example.org", country="KG")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
    db.session.commit()
    unread = select(func.count(Notification.id)).where(Notification.member_id == mentor.id, Notification.read_at.is_(None))
    assert db.session.scalar(unread) == 1  # the new proposal
    auth.login("mentor@example.org")
    html = client.get(f"/matches/{m.id}").get_data(as_text=True)  # opened from the menu, not the notification
    assert 'data-nav="notifications"' in html and '<span class="badge">' not in html.split("</header>")[0]
    db.session.expire_all()
    assert db.session.scalar(unread) == 0


def test_colleagues_who_become_a_pair_keep_one_conversation(db):
    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KG")
    direct = messages.start_direct(mentee, mentor, "Could you tell me about border checks?", NOW)
    db.session.commit()
    m = _active_mentorship(db, mentor, mentee)
    assert messages.mentorship_conversation(m).id == direct.id
    assert db.session.scalar(select(func.count(Conversation.id))) == 1
    assert [c["conversation"].id for c in messages.conversations_of(mentee)] == [direct.id]
    messages.send_message(direct, mentor, "Welcome, let us start", NOW)  # open although the request was pending


def test_writing_to_a_mentor_goes_to_the_mentorship_conversation(db):
    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KG")
    m = _active_mentorship(db, mentor, mentee)
    conv = messages.start_direct(mentee, mentor, "A question from the directory", NOW)
    assert conv.id == messages.mentorship_conversation(m).id
    assert db.session.scalar(select(func.count(Conversation.id))) == 1


def test_migration_merges_the_two_threads_a_pair_already_had(app, db):
    """Data from before 0008: a colleagues' thread and a mentorship thread for the same pair."""
    from flask_migrate import downgrade, upgrade

    from web.models import ConversationParticipant, Message

    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KG")
    m = _active_mentorship(db, mentor, mentee)
    mentorship_conv = messages.mentorship_conversation(m)
    mentorship_conv.direct_key = None  # as 0007 made them
    direct = Conversation(kind="direct", state="open", direct_key=messages.direct_key(mentor, mentee), created_at=NOW)
    direct.participants = [
        ConversationParticipant(member_id=mentor.id, joined_at=NOW),
        ConversationParticipant(member_id=mentee.id, joined_at=NOW),
    ]
    db.session.add(direct)
    db.session.flush()
    db.session.add_all(
        [
            Message(conversation_id=direct.id, sender_id=mentee.id, body="first, as colleagues", created_at=NOW),
            Message(conversation_id=mentorship_conv.id, sender_id=mentor.id, body="then as a pair", created_at=NOW),
        ]
    )
    db.session.flush()
    notify(mentor, "message_new", conversation=direct, now=NOW)
    direct.participants[1].last_read_message_id = 10**6  # she had read everything there
    db.session.commit()
    kept_id, mentor_id, mentee_id = mentorship_conv.id, mentor.id, mentee.id
    db.session.remove()
    downgrade(revision="0007")
    upgrade()
    conversations = db.session.scalars(select(Conversation)).all()
    assert [c.id for c in conversations] == [kept_id]
    assert conversations[0].direct_key == f"{min(mentor_id, mentee_id)}:{max(mentor_id, mentee_id)}"
    assert set(db.session.scalars(select(Message.conversation_id))) == {kept_id}
    assert db.session.scalar(select(Notification.conversation_id).where(Notification.kind == "message_new")) == kept_id
    read_marks = {p.member_id: p.last_read_message_id for p in conversations[0].participants}
    assert read_marks[mentee_id] == 10**6
