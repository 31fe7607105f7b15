"""A member's own data: she sees and downloads it; she deletes her account with her
password; a coordinator does either on a written request, within her scope.
Deletion is checked on every table that holds her data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_coordinator, make_member, make_mentor
from web.models import (
    AuditLog,
    CheckIn,
    Conversation,
    ConversationKind,
    ConversationParticipant,
    Feedback,
    ForbiddenPair,
    LoginThrottle,
    MatchRun,
    Meeting,
    Member,
    MemberLanguage,
    MemberTopic,
    Mentorship,
    MentorshipEvent,
    MentorshipGoal,
    MentorshipState,
    Message,
    MessageRateCounter,
    Notification,
    OutboxEmail,
    PasswordResetToken,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(db):
    """Her (mentee of an active mentorship, mentor of a proposal) with data in every table."""
    her = make_member(
        db,
        email="aigul@example.org",
        display_name="Aigul Nurlanovna",
        country="KZ",
        rank="Major",
        bio="Twelve years in border management",
        goals_text="Lead a regional team",
        is_mentor=True,
        capacity=1,
        years_of_service=12,
        languages=("ru", "kk"),
    )
    mentor = make_mentor(db, email="mentor@example.org", display_name="Bakyt Mentor", country="KG")
    mentee = make_member(db, email="mentee@example.org", display_name="Dana Mentee", country="KZ")
    active = Mentorship(
        mentor_id=mentor.id, mentee_id=her.id, state=MentorshipState.ACTIVE, proposed_at=NOW, activated_at=NOW
    )
    proposal = Mentorship(mentor_id=her.id, mentee_id=mentee.id, state=MentorshipState.PROPOSED, proposed_at=NOW)
    db.session.add_all([active, proposal])
    db.session.flush()
    conversation = Conversation(kind=ConversationKind.MENTORSHIP, mentorship_id=active.id, last_message_at=NOW)
    conversation.participants = [
        ConversationParticipant(member_id=her.id),
        ConversationParticipant(member_id=mentor.id),
    ]
    db.session.add(conversation)
    db.session.flush()
    snapshot = "".join(
        json.dumps({"id": str(m.id), "bio": m.bio, "country": m.country}, ensure_ascii=False, sort_keys=True) + "\n"
        for m in (her, mentor)
    )
    digest = hashlib.sha256(her.email.encode()).hexdigest()[:32]
    db.session.add_all(
        [
            Message(conversation_id=conversation.id, sender_id=her.id, body="Thank you for the advice on the report"),
            Message(conversation_id=conversation.id, sender_id=mentor.id, body="Send me the draft by Friday"),
            MentorshipGoal(
                mentorship_id=active.id, topic="leadership", text="Run the spring exercise", created_by_id=her.id
            ),
            CheckIn(mentorship_id=active.id, author_id=her.id, held_on=date(2026, 11, 2), how_it_went="We met in Almaty"),
            Feedback(mentorship_id=active.id, author_id=her.id, rating=5, worked="Weekly calls"),
            Notification(member_id=her.id, kind="message", conversation_id=conversation.id),
            OutboxEmail(member_id=her.id, to=her.email, subject="Welcome", body="Dear Aigul Nurlanovna"),
            PasswordResetToken(member_id=her.id, token_hash="c" * 64, expires_at=NOW + timedelta(hours=1)),
            LoginThrottle(key=f"acct:{digest}", failures=2, window_start=NOW),
            MessageRateCounter(member_id=her.id, window_start=NOW, count=1),
            MatchRun(status="draft", snapshot=snapshot),
            Meeting(mentorship_id=active.id, proposed_by_id=her.id, starts_at=NOW + timedelta(days=2), place="Café Astana"),
        ]
    )
    db.session.commit()
    return {"her": her.id, "mentor": mentor.id, "mentee": mentee.id, "active": active.id, "proposal": proposal.id}


def test_she_sees_and_downloads_her_own_data_and_not_others_messages(client, auth, db, world):
    auth.login("aigul@example.org")
    page = client.get("/account/data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "Aigul Nurlanovna",
        "Twelve years in border management",
        "Run the spring exercise",
        "We met in Almaty",
        "Café Astana",
    ):
        assert text in html
    assert "Thank you for the advice on the report" in html
    assert "Send me the draft by Friday" not in html

    download = client.get("/account/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.get_json()
    assert data["profile"]["email"] == "aigul@example.org"
    assert data["profile"]["languages"] == ["kk", "ru"]
    assert data["profile"]["goals_in_my_words"] == "Lead a regional team"
    assert [m["my_role"] for m in data["mentorships"]] == ["mentee", "mentor"]
    assert data["mentorships"][0]["goals"][0]["text"] == "Run the spring exercise"
    assert [(m["place"], m["proposed_by_me"]) for m in data["mentorships"][0]["meetings"]] == [("Café Astana", True)]
    assert [c["how_it_went"] for c in data["check_ins"]] == ["We met in Almaty"]
    assert [f["worked"] for f in data["feedback"]] == ["Weekly calls"]
    assert [m["body"] for m in data["messages"]] == ["Thank you for the advice on the report"]
    assert "password" not in json.dumps(data["profile"])


def test_her_profile_page_links_to_her_data_and_to_deletion(client, auth, db, world):
    auth.login("aigul@example.org")
    html = client.get("/profile/").get_data(as_text=True)
    assert 'href="/account/data"' in html and 'href="/account/delete"' in html


def test_a_wrong_password_deletes_nothing(client, auth, db, world):
    auth.login("aigul@example.org")
    response = auth.post("/account/delete", {"password": "not my password", "confirm": "y"})
    assert response.status_code == 422
    assert "The password is not correct." in response.get_data(as_text=True)
    her = db.session.get(Member, world["her"])
    assert her.deleted_at is None and her.email == "aigul@example.org"
    assert _count(db, Mentorship, Mentorship.state == MentorshipState.ACTIVE) == 1


def test_deleting_her_account_erases_her_everywhere_and_keeps_what_others_need(client, auth, db, world):
    auth.login("aigul@example.org")
    response = auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Your account is deleted." in client.get("/login").get_data(as_text=True)

    her = db.session.get(Member, world["her"])
    assert her.deleted_at is not None and her.status == "rejected"
    assert her.email.endswith("@deleted.invalid") and "aigul" not in her.email
    assert (her.stored_name, her.bio, her.rank, her.agency_name, her.goals_text) == ("", "", "", "", "")
    assert (her.is_mentor, her.is_mentee, her.capacity, her.years_of_service) == (False, False, 0, 0)
    for model in (MemberLanguage, MemberTopic, PasswordResetToken, MessageRateCounter):
        assert _count(db, model, model.member_id == her.id) == 0, model.__name__
    assert _count(db, Notification, Notification.member_id == her.id) == 0
    assert _count(db, OutboxEmail, OutboxEmail.to == "aigul@example.org") == 0
    assert _count(db, LoginThrottle) == 0
    assert "border management" not in db.session.scalar(select(MatchRun.snapshot))

    # Her open mentorships ended through the transitions; the other side was told.
    assert db.session.get(Mentorship, world["active"]).state == MentorshipState.ENDED
    assert db.session.get(Mentorship, world["proposal"]).state == MentorshipState.DECLINED
    assert _count(db, Notification, Notification.member_id == world["mentor"], Notification.kind == "mentorship_ended")
    assert _count(db, Notification, Notification.member_id == world["mentee"], Notification.kind == "proposal_declined")

    events = db.session.scalars(select(MentorshipEvent).where(MentorshipEvent.actor_id == her.id)).all()
    assert sorted(e.to_state for e in events) == [MentorshipState.DECLINED, MentorshipState.ENDED]
    assert _count(db, ForbiddenPair, ForbiddenPair.mentor_id == her.id) == 1

    # What she wrote to others stays, signed by the deleted member.
    assert _count(db, Message, Message.sender_id == her.id) == 1
    assert _count(db, CheckIn, CheckIn.author_id == her.id) == 1
    assert _count(db, MentorshipGoal, MentorshipGoal.created_by_id == her.id) == 1
    assert _count(db, Feedback, Feedback.author_id == her.id) == 1

    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.delete"))
    assert (entry.actor_id, entry.target_id, entry.detail["requested_by"]) == (her.id, str(her.id), "member")
    assert entry.detail["mentorships_closed"] == 2

    # She cannot sign in any more, with either address.
    assert auth.login("aigul@example.org").status_code == 401
    assert auth.login(her.email).status_code == 401


def test_the_other_side_still_reads_her_messages_as_deleted_member(client, auth, db, world):
    auth.login("aigul@example.org")
    auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"})
    auth.login("mentor@example.org")
    conversation_id = db.session.scalar(select(Conversation.id))
    html = client.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert "Thank you for the advice on the report" in html
    assert "Deleted member" in html and "Aigul" not in html


def _coordinator_post(client, url, data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_a_coordinator_deletes_an_account_in_her_scope_on_a_written_request(client, auth, db, world):
    coordinator = make_coordinator(db, email="kz@example.org", coordinator_scope="KZ", country="KZ")
    auth.login("kz@example.org")
    url = f"/coordinator/members/{world['her']}/delete-account"

    missing = _coordinator_post(client, url, {"note": "", "confirm": "y"})
    assert missing.status_code == 422
    assert "Say whose written request this is" in missing.get_data(as_text=True)
    assert db.session.get(Member, world["her"]).deleted_at is None

    response = _coordinator_post(client, url, {"note": "Letter of 2 December, reg. no. 41", "confirm": "y"})
    assert response.status_code == 302
    her = db.session.get(Member, world["her"])
    assert her.deleted_at is not None and her.stored_name == ""
    active = db.session.get(Mentorship, world["active"])
    assert (active.state, active.closed_by_id) == (MentorshipState.ENDED, coordinator.id)
    assert db.session.get(Mentorship, world["proposal"]).state == MentorshipState.ENDED
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.delete"))
    assert entry.actor_id == coordinator.id and entry.target_id == str(her.id)
    assert entry.detail["requested_by"] == "coordinator"
    assert entry.detail["note"] == "Letter of 2 December, reg. no. 41"


def test_a_coordinator_exports_a_members_data_on_a_written_request(client, auth, db, world):
    make_coordinator(db, email="kz@example.org", coordinator_scope="KZ", country="KZ")
    auth.login("kz@example.org")
    response = _coordinator_post(
        client, f"/coordinator/members/{world['her']}/data-export", {"note": "Her email of 1 December", "confirm": "y"}
    )
    assert response.status_code == 200
    assert response.get_json()["profile"]["display_name"] == "Aigul Nurlanovna"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.export"))
    assert entry.target_id == str(world["her"]) and entry.detail["note"] == "Her email of 1 December"


def test_a_coordinator_finds_the_request_pages_on_the_members_profile(client, auth, db, world):
    make_coordinator(db, email="kz@example.org", coordinator_scope="KZ", country="KZ")
    auth.login("kz@example.org")
    html = client.get(f"/profile/{world['her']}").get_data(as_text=True)
    assert f"/coordinator/members/{world['her']}/delete-account" in html
    assert f"/coordinator/members/{world['her']}/data-export" in html


def test_a_focal_point_cannot_act_on_members_of_another_country(client, auth, db, world):
    make_coordinator(db, email="kg@example.org", coordinator_scope="KG", country="KG")
    auth.login("kg@example.org")
    for action in ("delete-account", "data-export"):
        assert client.get(f"/coordinator/members/{world['her']}/{action}").status_code == 404
    assert db.session.get(Member, world["her"]).deleted_at is None


def test_members_cannot_use_the_coordinator_request_pages(client, auth, db, world):
    auth.login("mentee@example.org")
    assert client.get(f"/coordinator/members/{world['her']}/delete-account").status_code == 403
