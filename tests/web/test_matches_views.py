"""Proposal and mentorship pages: what each side sees, and that nobody else reads or acts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member, make_mentor
from web.matches import lifecycle, progress, proposals
from web.models import Conversation, MemberStatus, Mentorship, MentorshipEvent, utcnow

REASONS = [
    {"kind": "shared_language", "code": "ru"},
    {"kind": "shared_language", "code": "ky"},
    {"kind": "goal_covered", "slug": "crisis_communication"},
    {"kind": "seniority_gap", "years": 12},
    {"kind": "cross_border", "mentor_country": "KZ", "mentee_country": "KG"},
    {"kind": "bio_overlap", "similarity": 0.31},
    {"kind": "future_kind_we_do_not_know"},
]


@pytest.fixture
def proposal(db):
    mentor = make_mentor(
        db, email="aigul@example.org", display_name="Aigul", country="KZ", languages=("ru", "ky"), years_of_service=20
    )
    mentee = make_member(
        db,
        email="nurzat@example.org",
        display_name="Nurzat",
        country="KG",
        languages=("ru", "ky"),
        years_of_service=8,
        rank="Senior lieutenant",
        show_rank=False,
        bio="Shift leader at Ak-Jol post",
        show_bio=True,
        goals=("crisis_communication",),
    )
    m = proposals.propose(mentor, mentee, run=None, score=0.9, reasons=REASONS, actor=None, now=utcnow())
    db.session.commit()
    return m


def _state(db, mentorship_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Mentorship, mentorship_id).state


def _post(client, page_url, action_url, data=None):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={**(data or {}), "csrf_token": token})


def test_mentor_sees_the_proposal_with_translated_reasons_and_allowed_profile(client, auth, proposal):
    auth.login("aigul@example.org")
    page = client.get(f"/matches/{proposal.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "shares Russian and Kyrgyz" in html
    assert "covers her goal: Crisis communication" in html
    assert "12 years more service" in html
    assert "Kyrgyzstan ↔ Kazakhstan" in html
    assert "similar interests in their profiles" in html
    assert "Shift leader at Ak-Jol post" in html
    assert "Senior lieutenant" not in html  # she hides her rank


def test_reasons_join_languages_and_skip_unknown_kinds(app):
    from web.matches.reasons import describe

    with app.test_request_context(headers={"Accept-Language": "en"}):
        sentences = describe(
            [{"kind": "shared_language", "code": c} for c in ("ru", "kk", "ky")]
            + [
                {"kind": "goal_covered", "slug": "leadership"},
                {"kind": "goal_covered", "slug": "negotiation"},
                {"kind": "seniority_gap", "years": 1},
                {"kind": "same_agency_kind", "agency": "border_service"},
                {"kind": "unknown"},
                "not a dict",
            ]
        )
    assert sentences == [
        "shares Russian, Kazakh and Kyrgyz",
        "covers her goals: Leadership and management, Negotiation",
        "1 year more service",
        "both work in: Border service",
    ]


def test_reasons_are_translated_to_the_readers_language(app):
    from flask_babel import force_locale

    from web.matches.reasons import describe

    with app.test_request_context(), force_locale("ru"):
        sentences = describe([{"kind": "cross_border", "mentor_country": "KZ", "mentee_country": "KG"}])
    assert sentences == ["Кыргызстан ↔ Казахстан"]


def test_mentor_accepts_mentee_confirms_and_a_conversation_opens(client, auth, db, proposal):
    auth.login("aigul@example.org")
    page = f"/matches/{proposal.id}"
    response = _post(client, page, f"{page}/accept")
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "You accepted the proposal" in client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login("nurzat@example.org")
    status = client.get("/matches/").get_data(as_text=True)
    assert "A mentor accepted to mentor you. Please confirm to start." in status
    response = _post(client, page, f"{page}/confirm")
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Your mentorship has started" in html
    conv = db.session.scalar(select(Conversation))
    assert f"/messages/{conv.id}" in html
    assert _state(db, proposal.id) == "active"


def test_double_acceptance_shows_a_clear_message(client, auth, db, proposal):
    auth.login("aigul@example.org")
    page = f"/matches/{proposal.id}"
    _post(client, page, f"{page}/accept")
    response = _post(client, page, f"{page}/accept")
    assert response.status_code == 422
    assert "This proposal is already accepted." in response.get_data(as_text=True)


def test_decline_reason_is_never_shown_to_the_mentee(client, auth, db, proposal):
    auth.login("aigul@example.org")
    page = f"/matches/{proposal.id}"
    response = _post(client, page, f"{page}/decline", {"reason": "Personal workload"})
    assert response.status_code == 302
    assert "Personal workload" in client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login("nurzat@example.org")
    html = client.get(page).get_data(as_text=True)
    assert "Declined" in html
    assert "Personal workload" not in html
    assert "You are waiting for the next matching run" in client.get("/matches/").get_data(as_text=True)


def test_mentee_sees_proposal_pending(client, auth, proposal):
    auth.login("nurzat@example.org")
    html = client.get("/matches/").get_data(as_text=True)
    assert "A mentor has been proposed to you. She is considering the proposal." in html


def test_ending_needs_a_reason_and_coordinator_sees_it(client, auth, db, proposal):
    now = utcnow()
    lifecycle.accept(proposal, proposal.mentor, now)
    lifecycle.confirm(proposal, proposal.mentee, now)
    db.session.commit()
    make_coordinator(db, email="coord@example.org")
    auth.login("nurzat@example.org")
    page = f"/matches/{proposal.id}"
    response = _post(client, page, f"{page}/end", {"reason": ""})
    assert response.status_code == 422
    assert "Tell us briefly why the mentorship ends." in response.get_data(as_text=True)
    assert _post(client, page, f"{page}/end", {"reason": "Transferred"}).status_code == 302
    auth.logout()
    auth.login("coord@example.org")
    html = client.get("/coordinator/mentorships").get_data(as_text=True)
    assert "Transferred" in html and "Aigul" in html


@pytest.mark.parametrize("who", ["stranger", "coordinator"])
def test_nobody_else_reads_or_acts_on_a_match(client, auth, db, proposal, who):
    if who == "stranger":
        make_mentor(db, email="other@example.org", country="UZ")
    else:
        make_coordinator(db, email="other@example.org")
    auth.login("other@example.org")
    page = f"/matches/{proposal.id}"
    assert client.get(page).status_code == 404
    token = csrf_token(client.get("/matches/").get_data(as_text=True))
    for action in ("accept", "confirm", "decline", "end", "goals", "goals/1", "checkins", "feedback"):
        response = client.post(f"{page}/{action}", data={"csrf_token": token, "reason": "x"})
        assert response.status_code == 404, action
    assert _state(db, proposal.id) == "proposed"


def test_suspended_mentor_cannot_act(client, auth, db, proposal):
    auth.login("aigul@example.org")
    token = csrf_token(client.get(f"/matches/{proposal.id}").get_data(as_text=True))
    mentor = proposal.mentor
    mentor.status = MemberStatus.SUSPENDED
    db.session.commit()
    response = client.post(f"/matches/{proposal.id}/accept", data={"csrf_token": token})
    assert response.status_code in (302, 403)
    assert "/matches" not in response.headers.get("Location", "")
    assert _state(db, proposal.id) == "proposed"


def test_members_cannot_open_the_coordinator_overview(client, auth, proposal):
    auth.login("aigul@example.org")
    assert client.get("/coordinator/mentorships").status_code == 403


def test_goals_checkins_and_feedback_through_the_page(client, auth, db, proposal):
    now = utcnow()
    lifecycle.accept(proposal, proposal.mentor, now)
    lifecycle.confirm(proposal, proposal.mentee, now)
    db.session.commit()
    auth.login("nurzat@example.org")
    page = f"/matches/{proposal.id}"
    assert _post(client, page, f"{page}/goals", {"topic": "crisis_communication", "text": ""}).status_code == 302
    db.session.expire_all()
    goal_id = progress.goals_of(proposal)[0].id
    assert _post(client, page, f"{page}/goals/{goal_id}", {"progress": "50"}).status_code == 302
    assert (
        _post(
            client,
            page,
            f"{page}/checkins",
            {
                "held_on": now.date().isoformat(),
                "how_it_went": "We planned the media drill",
                "next_step": "Draft a statement",
            },
        ).status_code
        == 302
    )
    html = client.get(page).get_data(as_text=True)
    assert "Crisis communication" in html and "Progress: 50 %" in html
    assert "We planned the media drill" in html and "Draft a statement" in html
    response = _post(client, page, f"{page}/feedback", {"rating": "5"})
    assert response.status_code == 422
    assert "Feedback opens two weeks before the end" in response.get_data(as_text=True)


def test_a_page_left_open_says_the_proposal_was_declined_meanwhile_and_writes_nothing(client, auth, db, proposal):
    auth.login("aigul@example.org")
    page = f"/matches/{proposal.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    lifecycle.decline(proposal, proposal.mentee, utcnow(), reason="Found a mentor at home")
    db.session.commit()

    response = client.post(f"{page}/accept", data={"csrf_token": token})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This proposal was declined." in html  # read again at the click (same moment: tests/web/test_races.py)
    assert _state(db, proposal.id) == "declined"
    events = db.session.scalars(select(MentorshipEvent.to_state).where(MentorshipEvent.mentorship_id == proposal.id))
    assert list(events) == ["proposed", "declined"]


def test_feedback_from_both_before_the_end_keeps_the_conversation_open(client, auth, db, proposal):
    from web.messages.services import mentorship_conversation

    now = utcnow()
    lifecycle.accept(proposal, proposal.mentor, now)
    lifecycle.confirm(proposal, proposal.mentee, now)
    db.session.get(Mentorship, proposal.id).ends_on = now + timedelta(days=10)
    db.session.commit()
    page = f"/matches/{proposal.id}"
    for email in ("nurzat@example.org", "aigul@example.org"):
        auth.login(email)
        assert _post(client, page, f"{page}/feedback", {"rating": "5", "share_with_partner": "y"}).status_code == 302
        auth.logout()

    assert _state(db, proposal.id) == "active"
    conversation = mentorship_conversation(db.session.get(Mentorship, proposal.id))
    auth.login("nurzat@example.org")
    chat = f"/messages/{conversation.id}"
    response = _post(client, chat, f"{chat}/send", {"body": "Ten more days: shall we meet on Friday?"})
    assert response.status_code == 302
    assert "Ten more days: shall we meet on Friday?" in client.get(chat).get_data(as_text=True)
