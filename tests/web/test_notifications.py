"""In-app notifications and the email each member chose: immediately, digest or off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.messages import services as messages
from web.models import EmailState, Mentorship, Notification, OutboxEmail
from web.notifications.services import notify, send_digests
from web.validation import ValidationFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _mails(db, member=None) -> list[OutboxEmail]:
    stmt = select(OutboxEmail).order_by(OutboxEmail.id)
    if member is not None:
        stmt = stmt.where(OutboxEmail.member_id == member.id)
    return list(db.session.scalars(stmt))


def test_immediate_email_is_translated_and_has_a_link_but_no_message_text(db):
    mentor = make_mentor(db, country="KZ", locale="ru", display_name="Айгуль")
    mentee = make_member(db, country="KG", locale="en", display_name="Nurzat")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
    lifecycle.accept(m, mentor, NOW)
    lifecycle.confirm(m, mentee, NOW)
    conv = messages.mentorship_conversation(m)
    messages.send_message(conv, mentee, "my secret plan for the border post", NOW)
    db.session.commit()
    mails = _mails(db, mentor)
    assert [mail.subject for mail in mails] == [
        "Bridges: новое предложение о наставничестве",
        "Bridges: ваше наставничество началось",
        "Bridges: у вас новое сообщение",
    ]
    assert f"http://localhost/messages/{conv.id}" in mails[-1].body
    assert "secret plan" not in mails[-1].body
    assert [mail.subject for mail in _mails(db, mentee)] == ["Bridges: a mentor accepted you"]


def test_no_email_when_off_and_only_in_app(db):
    member = make_member(db, email_notifications="off")
    notify(member, "conversation_request", now=NOW)
    db.session.commit()
    assert _mails(db) == []
    assert db.session.scalar(select(Notification.kind)) == "conversation_request"


def test_unimportant_kinds_are_not_emailed(db):
    member = make_member(db)
    notify(member, "checkin_due", now=NOW)
    assert _mails(db) == []


def test_daily_digest_collects_unread_notifications_in_one_email(db):
    member = make_member(db, email_notifications="digest", locale="en")
    other = make_member(db, country="TJ")
    conv = messages.start_direct(other, member, "Private hello text", NOW)
    notify(member, "report_new", now=NOW)
    db.session.commit()
    assert _mails(db, member) == []
    assert send_digests(NOW) == 1
    db.session.commit()
    [mail] = _mails(db, member)
    assert mail.subject == "Bridges: your daily summary"
    assert "Someone wants to start a conversation with you. (1)" in mail.body  # counts, never who
    assert "http://localhost/notifications/" in mail.body
    assert "Private hello text" not in mail.body
    assert other.display_name not in mail.body and member.display_name not in mail.body
    assert conv.id
    assert send_digests(NOW) == 0  # nothing new


def test_read_notifications_are_left_out_of_the_digest(db):
    member = make_member(db, email_notifications="digest")
    note = notify(member, "feedback_due", now=NOW)
    note.read_at = NOW
    assert send_digests(NOW) == 0
    assert note.email_state == EmailState.NONE


def test_propose_refuses_outside_a_request_too(app):
    """Jobs run in an app context without a request; a refusal must still be a ValidationFailed."""
    with app.app_context():
        mentor = make_mentor(None, country="KZ")
        mentee = make_member(None, country="KZ")
        with pytest.raises(ValidationFailed) as exc:
            proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
        assert str(exc.value) == "Mentor and mentee work in the same country."


def test_notification_list_and_unread_count(client, auth, db):
    member = make_member(db, email="n@example.org", locale="en")
    other = make_member(db, display_name="Zarina", country="UZ")
    messages.start_direct(other, member, "hi", NOW)
    db.session.commit()
    auth.login("n@example.org")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Zarina would like to start a conversation with you." in html
    assert 'data-nav="notifications"' in html and '<span class="badge">1' in html
    note_id = db.session.scalar(select(Notification.id))
    response = client.get(f"/notifications/{note_id}")
    assert response.status_code == 302 and "/messages/" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Notification, note_id).read_at is not None


def test_a_member_cannot_open_anothers_notification(client, auth, db):
    owner = make_member(db)
    make_member(db, email="nosy@example.org", country="UZ")
    note = notify(owner, "checkin_due", now=NOW)
    db.session.commit()
    auth.login("nosy@example.org")
    assert client.get(f"/notifications/{note.id}").status_code == 404


def test_notify_many_emails_each_member_in_her_language_as_she_chose(db):
    from web.notifications.services import notify_many

    ru = make_mentor(db, country="KZ", locale="ru")
    en = make_mentor(db, country="KG", locale="en")
    digest = make_mentor(db, country="UZ", email_notifications="digest")
    off = make_mentor(db, country="UZ", email_notifications="off")
    mentee = make_member(db, country="TJ", display_name="Nilufar")
    ms = [Mentorship(mentor=mentor, mentee=mentee, state="proposed") for mentor in (ru, en, digest, off, ru)]
    db.session.add_all(ms)
    db.session.flush()

    emailed = notify_many("proposal_new", [(m.mentor, m, m.mentee) for m in ms], now=NOW)
    db.session.commit()

    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert emailed == 3
    assert [(n.member_id, n.mentorship_id, n.email_state) for n in notes] == [
        (ru.id, ms[0].id, EmailState.SENT),
        (en.id, ms[1].id, EmailState.SENT),
        (digest.id, ms[2].id, EmailState.PENDING),
        (off.id, ms[3].id, EmailState.NONE),
        (ru.id, ms[4].id, EmailState.SENT),
    ]
    mails = _mails(db)
    assert [(mail.member_id, mail.subject) for mail in mails] == [
        (ru.id, "Bridges: новое предложение о наставничестве"),
        (en.id, "Bridges: a new mentee proposal"),
        (ru.id, "Bridges: новое предложение о наставничестве"),
    ]
    assert "Nilufar" not in mails[1].body  # the email names no one; the page behind the link does
    assert "You have a new proposal" in mails[1].body and f"http://localhost/matches/{ms[1].id}" in mails[1].body
    assert f"http://localhost/matches/{ms[4].id}" in mails[2].body
