"""The mentorship lifecycle at service level: every transition, and the refused ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_mentor
from web.matches import lifecycle, progress, proposals, rules, sweeps
from web.models import (
    Conversation,
    ForbiddenPair,
    MemberStatus,
    Mentorship,
    MentorshipEvent,
    MentorshipState,
    Notification,
    OutboxEmail,
)
from web.validation import ValidationFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = MentorshipState


@pytest.fixture(autouse=True)
def _request(app):
    """Refusal messages are lazy strings, translated in a request (English here)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def pair(db):
    mentor = make_mentor(db, display_name="Aigul", country="KZ", languages=("ru", "kk"), years_of_service=17, capacity=2)
    mentee = make_member(db, display_name="Nilufar", country="TJ", languages=("ru", "tg"), years_of_service=5)
    return mentor, mentee


def _propose(mentor, mentee, **kw):
    kw.setdefault("now", NOW)
    return proposals.propose(
        mentor, mentee, run=None, score=0.8, reasons=[{"kind": "shared_language", "code": "ru"}], actor=None, **kw
    )


def _messages(exc) -> list[str]:
    return [str(m) for _, m in exc.value.errors]


def _kinds(db, member) -> list[str]:
    return [
        n.kind
        for n in db.session.scalars(
            select(Notification).where(Notification.member_id == member.id).order_by(Notification.id)
        )
    ]


def test_propose_creates_proposal_event_and_tells_the_mentor(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    db.session.commit()
    assert m.state == S.PROPOSED and m.proposed_at == NOW
    assert [(e.from_state, e.to_state) for e in m.events] == [("", "proposed")]
    assert _kinds(db, mentor) == ["proposal_new"]
    assert _kinds(db, mentee) == []


def test_propose_refuses_a_mentee_who_already_has_a_proposal(db, pair):
    mentor, mentee = pair
    other_mentor = make_mentor(db, country="UZ", languages=("ru",))
    _propose(mentor, mentee)
    assert "mentee_taken" in rules.pair_problems(other_mentor, mentee)
    with pytest.raises(ValidationFailed) as exc:
        _propose(other_mentor, mentee)
    assert _messages(exc) == ["The mentee already has a pending or active mentorship."]


def test_propose_refuses_a_full_mentor(db, pair):
    mentor, mentee = pair
    mentor.capacity = 1
    _propose(mentor, mentee)
    second = make_member(db, country="KG", languages=("ru",))
    assert rules.pair_problems(mentor, second) == ["mentor_full"]
    with pytest.raises(ValidationFailed):
        _propose(mentor, second)


def test_pair_problems_reports_every_rule(db):
    mentor = make_mentor(db, country="KZ", languages=("kk",), years_of_service=6, status=MemberStatus.SUSPENDED)
    mentee = make_member(db, country="KZ", languages=("ru",), years_of_service=5)
    assert rules.pair_problems(mentor, mentee) == ["inactive", "same_country", "no_shared_language", "gap_too_small"]
    assert rules.pair_problems(mentee, mentee) == ["same_person"]


def test_coordinator_override_allows_soft_rules_but_not_hard_ones(db):
    mentor = make_mentor(db, country="KZ", languages=("ru",))
    mentee = make_member(db, country="KZ", languages=("ru",))
    with pytest.raises(ValidationFailed):
        _propose(mentor, mentee)
    m = _propose(mentor, mentee, override_reason="Both work on the same border post project")
    assert m.override_reason.startswith("Both work")
    suspended = make_member(db, country="UZ", status=MemberStatus.SUSPENDED)
    with pytest.raises(ValidationFailed):
        _propose(mentor, suspended, override_reason="please")


def test_full_happy_path_to_active_opens_a_conversation(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    lifecycle.accept(m, mentor, NOW + timedelta(days=1))
    assert m.state == S.ACCEPTED and _kinds(db, mentee) == ["proposal_accepted"]
    lifecycle.confirm(m, mentee, NOW + timedelta(days=2))
    db.session.commit()
    assert m.state == S.ACTIVE
    assert m.ends_on == datetime(2026, 9, 4, 9, 0, tzinfo=UTC)
    assert [e.to_state for e in m.events] == ["proposed", "accepted", "active"]
    assert [e.actor_id for e in m.events] == [None, mentor.id, mentee.id]
    conv = db.session.scalar(select(Conversation).where(Conversation.mentorship_id == m.id))
    assert {p.member_id for p in conv.participants} == {mentor.id, mentee.id}
    assert lifecycle.mentee_status(mentee) == ("matched", m)


def test_double_acceptance_is_refused(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    lifecycle.accept(m, mentor, NOW)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(m, mentor, NOW)
    assert _messages(exc) == ["This proposal is already accepted."]


def test_accepting_an_expired_proposal_is_refused(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(m, mentor, NOW + timedelta(days=15))
    assert _messages(exc) == ["This proposal has expired."]
    sweeps.expire_proposals(NOW + timedelta(days=15), ttl_days=14, remind_days=7)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(m, mentor, NOW + timedelta(days=15))
    assert _messages(exc) == ["This proposal has expired."]


def test_only_the_mentor_accepts_and_only_the_mentee_confirms(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(m, mentee, NOW)
    assert _messages(exc) == ["Only the mentor can accept a proposal."]
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.confirm(m, mentee, NOW)
    assert _messages(exc) == ["This proposal is still waiting for the mentor."]
    lifecycle.accept(m, mentor, NOW)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.confirm(m, mentor, NOW)
    assert _messages(exc) == ["Only the mentee can confirm the mentorship."]


def test_acting_on_someone_elses_match_is_refused(db, pair):
    mentor, mentee = pair
    stranger = make_mentor(db, country="UZ")
    m = _propose(mentor, mentee)
    for action in (lifecycle.accept, lifecycle.confirm, lifecycle.decline):
        with pytest.raises(ValidationFailed) as exc:
            action(m, stranger, NOW)
        assert _messages(exc) == ["This match is not yours."]


def test_decline_hides_reason_from_mentee_and_is_never_proposed_again(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    lifecycle.decline(m, mentor, NOW, reason="Too busy this spring")
    db.session.commit()
    assert m.state == S.DECLINED and m.close_reason == "Too busy this spring"
    assert _kinds(db, mentee) == ["proposal_declined"]
    assert db.session.scalar(select(ForbiddenPair.reason)) == "declined"
    seen_by_mentee = lifecycle.events_visible_to(m, mentee)
    assert seen_by_mentee[-1]["note"] == ""
    assert lifecycle.events_visible_to(m, mentor)[-1]["note"] == "Too busy this spring"
    assert "forbidden" in rules.pair_problems(mentor, mentee)
    with pytest.raises(ValidationFailed) as exc:
        _propose(mentor, mentee, override_reason="try again")
    assert "never proposed again" in _messages(exc)[0]
    assert lifecycle.mentee_status(mentee) == ("waiting", None)


def test_mentee_may_decline_an_accepted_proposal(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    lifecycle.accept(m, mentor, NOW)
    lifecycle.decline(m, mentee, NOW, reason="")
    assert m.state == S.DECLINED
    assert _kinds(db, mentor)[-1] == "proposal_declined"
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.confirm(m, mentee, NOW)
    assert _messages(exc) == ["This proposal was declined."]


def _active(db, pair, now=NOW):
    mentor, mentee = pair
    m = _propose(mentor, mentee, now=now)
    lifecycle.accept(m, mentor, now)
    lifecycle.confirm(m, mentee, now)
    db.session.flush()
    return m


def test_either_side_ends_an_active_mentorship_with_a_reason(db, pair):
    mentor, mentee = pair
    m = _active(db, pair)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.end(m, mentee, NOW, reason=" ")
    assert exc.value.errors[0][0] == "reason"
    lifecycle.end(m, mentee, NOW + timedelta(days=30), reason="New posting abroad")
    assert m.state == S.ENDED and m.closed_by_id == mentee.id
    assert m.close_reason == "New posting abroad"
    assert _kinds(db, mentor)[-1] == "mentorship_ended"
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.end(m, mentor, NOW, reason="again")
    assert _messages(exc) == ["This mentorship has ended."]


def test_ending_a_proposal_is_refused(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    with pytest.raises(ValidationFailed):
        lifecycle.end(m, mentor, NOW, reason="x")
    with pytest.raises(ValidationFailed):
        lifecycle.complete(m, None, NOW)


def test_capacity_counts_pending_and_active(db, pair):
    mentor, mentee = pair
    mentor.capacity = 2
    _active(db, pair)
    second = make_member(db, country="KG", languages=("ru",))
    p2 = _propose(mentor, second)
    third = make_member(db, country="UZ", languages=("ru",))
    assert "mentor_full" in rules.pair_problems(mentor, third)
    mentor.capacity = 1  # she lowered her capacity after the proposal
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(p2, mentor, NOW)
    assert _messages(exc) == ["You already have as many mentees as your capacity allows."]


def test_expire_reminds_once_then_expires_and_frees_the_mentee(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    assert sweeps.expire_proposals(NOW + timedelta(days=6), ttl_days=14, remind_days=7) == {"expired": 0, "reminded": 0}
    assert sweeps.expire_proposals(NOW + timedelta(days=8), ttl_days=14, remind_days=7) == {"expired": 0, "reminded": 1}
    assert sweeps.expire_proposals(NOW + timedelta(days=9), ttl_days=14, remind_days=7) == {"expired": 0, "reminded": 0}
    assert m.reminded_at == NOW + timedelta(days=8)
    assert sweeps.expire_proposals(NOW + timedelta(days=14), ttl_days=14, remind_days=7) == {"expired": 1, "reminded": 0}
    assert m.state == S.EXPIRED
    assert _kinds(db, mentor) == ["proposal_new", "proposal_reminder", "proposal_expired"]
    assert _kinds(db, mentee) == ["proposal_expired"]
    assert lifecycle.mentee_status(mentee) == ("waiting", None)
    assert rules.pair_problems(mentor, mentee) == []  # back in the pool, not forbidden


def test_accepted_proposal_waiting_for_the_mentee_expires_from_acceptance(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    lifecycle.accept(m, mentor, NOW + timedelta(days=10))
    assert sweeps.expire_proposals(NOW + timedelta(days=18), ttl_days=14, remind_days=7) == {"expired": 0, "reminded": 1}
    assert _kinds(db, mentee)[-1] == "proposal_reminder"
    sweeps.expire_proposals(NOW + timedelta(days=24), ttl_days=14, remind_days=7)
    assert m.state == S.EXPIRED
    event = db.session.scalars(select(MentorshipEvent).order_by(MentorshipEvent.id.desc())).first()
    assert (event.from_state, event.to_state, event.actor_id) == ("accepted", "expired", None)


def test_checkin_reminders_after_a_quiet_month(db, pair):
    m = _active(db, pair)
    assert sweeps.send_checkin_reminders(NOW + timedelta(days=10)) == 0
    progress.add_checkin(
        m,
        pair[0],
        held_on=date(2026, 3, 20),
        how_it_went="Good talk",
        next_step="Read the guide",
        now=NOW + timedelta(days=18),
    )
    assert sweeps.send_checkin_reminders(NOW + timedelta(days=40)) == 0
    assert sweeps.send_checkin_reminders(NOW + timedelta(days=49)) == 1
    assert sweeps.send_checkin_reminders(NOW + timedelta(days=50)) == 0
    assert _kinds(db, pair[1])[-1] == "checkin_due"


def test_feedback_is_requested_once_and_the_match_completes_at_its_end_date(db, pair):
    mentor, mentee = pair
    m = _active(db, pair)
    assert sweeps.request_feedback(NOW + timedelta(days=100)) == 0
    near_end = m.ends_on - timedelta(days=13)
    assert sweeps.request_feedback(near_end) == 1
    assert sweeps.request_feedback(near_end + timedelta(days=1)) == 0
    assert _kinds(db, mentor)[-1] == "feedback_due" and _kinds(db, mentee)[-1] == "feedback_due"
    assert m.state == S.ACTIVE
    sweeps.request_feedback(m.ends_on)
    assert m.state == S.ACTIVE  # asking for feedback ends nothing
    assert sweeps.complete_due(m.ends_on) == 1
    assert m.state == S.COMPLETED
    assert _kinds(db, mentee)[-1] == "mentorship_completed"
    assert [e.to_state for e in m.events][-1] == "completed"


def test_feedback_from_both_never_ends_the_mentorship_and_is_shared_only_if_both_agree(db, pair):
    mentor, mentee = pair
    m = _active(db, pair)
    with pytest.raises(ValidationFailed) as exc:
        progress.submit_feedback(
            m, mentee, rating=5, worked="", did_not_work="", would_continue=True, share_with_partner=True, now=NOW
        )
    assert _messages(exc) == ["Feedback opens two weeks before the end of the programme."]
    late = m.ends_on - timedelta(days=5)
    with pytest.raises(ValidationFailed) as exc:
        progress.submit_feedback(
            m, mentee, rating=6, worked="", did_not_work="", would_continue=True, share_with_partner=True, now=late
        )
    assert exc.value.errors[0][0] == "rating"
    progress.submit_feedback(
        m,
        mentee,
        rating=5,
        worked="Practical advice",
        did_not_work="",
        would_continue=True,
        share_with_partner=True,
        now=late,
    )
    with pytest.raises(ValidationFailed) as exc:
        progress.submit_feedback(
            m, mentee, rating=4, worked="", did_not_work="", would_continue=True, share_with_partner=True, now=late
        )
    assert _messages(exc) == ["You have already given your feedback."]
    assert m.state == S.ACTIVE
    progress.submit_feedback(
        m, mentor, rating=4, worked="", did_not_work="Time zones", would_continue=False, share_with_partner=False, now=late
    )
    db.session.commit()
    db.session.expire_all()
    # Both gave feedback five days before the end: the pair keeps working (and writing) until then.
    assert db.session.get(Mentorship, m.id).state == S.ACTIVE
    assert [e.to_state for e in db.session.get(Mentorship, m.id).events] == ["proposed", "accepted", "active"]
    assert progress.partner_feedback(m, mentor) is None
    assert sweeps.complete_due(m.ends_on - timedelta(seconds=1)) == 0
    assert sweeps.complete_due(m.ends_on) == 1
    assert m.state == S.COMPLETED


def test_shared_feedback_is_visible_to_the_partner(db, pair):
    mentor, mentee = pair
    m = _active(db, pair)
    lifecycle.end(m, mentor, NOW, reason="Moved")
    for who, rating in ((mentor, 3), (mentee, 4)):
        progress.submit_feedback(
            m, who, rating=rating, worked="w", did_not_work="", would_continue=False, share_with_partner=True, now=NOW
        )
    assert progress.partner_feedback(m, mentor).rating == 4


def test_goals_at_most_five_and_progress(db, pair):
    mentor, mentee = pair
    m = _active(db, pair)
    goal = progress.add_goal(m, mentee, topic="public_speaking", text="", now=NOW)
    with pytest.raises(ValidationFailed):
        progress.add_goal(m, mentor, topic="public_speaking", text="", now=NOW)
    for i in range(4):
        progress.add_goal(m, mentor, topic=None, text=f"Goal {i}", now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        progress.add_goal(m, mentor, topic=None, text="Sixth", now=NOW)
    assert _messages(exc) == ["A mentorship has at most 5 goals."]
    progress.set_goal_progress(m, mentor, goal.id, 75, NOW)
    assert goal.progress == 75
    with pytest.raises(ValidationFailed):
        progress.set_goal_progress(m, mentor, goal.id, 30, NOW)


def test_goals_and_checkins_need_an_active_mentorship(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    with pytest.raises(ValidationFailed) as exc:
        progress.add_goal(m, mentee, topic=None, text="x", now=NOW)
    assert _messages(exc) == ["This is possible only while the mentorship is active."]
    with pytest.raises(ValidationFailed):
        progress.add_checkin(m, mentor, held_on=date(2026, 3, 1), how_it_went="x", next_step="", now=NOW)


def test_checkin_validation(db, pair):
    m = _active(db, pair)
    with pytest.raises(ValidationFailed) as exc:
        progress.add_checkin(m, pair[0], held_on=date(2026, 4, 1), how_it_went="", next_step="", now=NOW)
    assert {f for f, _ in exc.value.errors} == {"held_on", "how_it_went"}


def test_mentee_status_walks_through_the_queue(db, pair):
    mentor, mentee = pair
    assert lifecycle.mentee_status(mentee) == ("waiting", None)
    m = _propose(mentor, mentee)
    assert lifecycle.mentee_status(mentee) == ("pending", m)
    lifecycle.accept(m, mentor, NOW)
    assert lifecycle.mentee_status(mentee) == ("to_confirm", m)
    assert lifecycle.mentee_status(mentor)[0] == "not_mentee"


def test_coordinator_overview_counts_and_ended_reasons(db, pair):
    from tests.factories import make_coordinator

    mentor, mentee = pair
    m = _active(db, pair)
    lifecycle.end(m, mentor, NOW, reason="Health reasons")
    coordinator = make_coordinator(db)
    overview = progress.overview_for(coordinator)
    assert overview["by_state"] == {"ended": 1}
    assert [x.close_reason for x in overview["ended"]] == ["Health reasons"]
    assert db.session.scalar(select(Mentorship.state)) == "ended"


# --- many pairs at once (publishing a run) ------------------------------------


def _case_members(db):
    """One member per situation the rules know; each case below pairs two of them."""
    mk = {}
    mk["mentor"] = make_mentor(db, country="KZ", languages=("ru", "kk"), years_of_service=17, capacity=2)
    mk["mentee"] = make_member(db, country="TJ", languages=("ru",), years_of_service=5)
    mk["suspended_mentor"] = make_mentor(db, country="KZ", status=MemberStatus.SUSPENDED)
    mk["pending_mentee"] = make_member(db, country="UZ", status=MemberStatus.PENDING)
    mk["not_mentor"] = make_member(db, country="KG", years_of_service=20, capacity=3)
    mk["not_mentee"] = make_mentor(db, country="UZ", years_of_service=1)
    mk["full_mentor"] = make_mentor(db, country="KG", capacity=1, years_of_service=20)
    mk["no_place_mentor"] = make_mentor(db, country="KG", capacity=0, years_of_service=20)
    mk["taken_mentee"] = make_member(db, country="UZ", years_of_service=2)
    mk["forbidden_mentee"] = make_member(db, country="TM", years_of_service=2)
    mk["kk_mentee"] = make_member(db, country="TM", languages=("tk",), years_of_service=2)
    mk["senior_mentee"] = make_member(db, country="UZ", years_of_service=16)
    mk["kz_mentee"] = make_member(db, country="KZ", years_of_service=2)
    db.session.add(Mentorship(mentor=mk["full_mentor"], mentee=mk["taken_mentee"], state=S.ACTIVE))
    db.session.add(ForbiddenPair(mentor_id=mk["mentor"].id, mentee_id=mk["forbidden_mentee"].id, reason="declined"))
    db.session.commit()
    return mk


RULE_CASES = [
    ("mentor", "mentee", []),
    ("mentee", "mentee", ["same_person"]),
    ("suspended_mentor", "mentee", ["inactive"]),
    ("mentor", "pending_mentee", ["inactive"]),
    ("not_mentor", "mentee", ["not_mentor"]),
    ("mentor", "not_mentee", ["not_mentee"]),
    ("mentor", "kz_mentee", ["same_country"]),
    ("mentor", "taken_mentee", ["mentee_taken"]),
    ("full_mentor", "mentee", ["mentor_full"]),
    ("no_place_mentor", "mentee", ["mentor_full"]),
    ("mentor", "forbidden_mentee", ["forbidden"]),
    ("suspended_mentor", "pending_mentee", ["inactive"]),
    ("mentor", "kk_mentee", ["no_shared_language"]),
    ("mentor", "senior_mentee", ["gap_too_small"]),
    ("full_mentor", "taken_mentee", ["mentee_taken", "mentor_full"]),
    ("not_mentee", "mentor", ["not_mentee", "gap_too_small"]),
    ("suspended_mentor", "kz_mentee", ["inactive", "same_country"]),
]


def test_batch_rules_and_pair_problems_agree_on_every_case(db):
    mk = _case_members(db)
    seen = set()
    for mentor_key, mentee_key, expected in RULE_CASES:
        mentor, mentee = mk[mentor_key], mk[mentee_key]
        one = rules.pair_problems(mentor, mentee)
        _members, batch = rules.check_pairs([(mentor.id, mentee.id)])
        assert one == batch[0] == expected, (mentor_key, mentee_key)
        seen.update(expected)
    _members, gone = rules.check_pairs([(mk["mentor"].id, 10**9)])
    assert gone == [["member_gone"]]
    assert seen | {"member_gone"} == set(rules.PROBLEMS), "every rule has a case"


def test_propose_many_counts_the_pairs_before_it_and_writes_what_propose_writes(db):
    mentor = make_mentor(db, display_name="Aigul", country="KZ", capacity=2, locale="en")
    quiet = make_mentor(db, country="KG", email_notifications="digest")
    mentees = [make_member(db, country="TJ", display_name=f"Mentee {i}") for i in range(4)]
    pairs = [
        (mentor.id, mentees[0].id, 0.9, [{"kind": "shared_language", "code": "ru"}]),
        (mentor.id, mentees[1].id, 0.8, []),
        (mentor.id, mentees[2].id, 0.7, []),  # her two places are gone by now
        (quiet.id, mentees[1].id, 0.6, []),  # proposed two lines above
        (quiet.id, mentees[3].id, 0.5, []),
    ]

    made, dropped = proposals.propose_many(pairs, run=None, actor=None, now=NOW)
    db.session.commit()

    assert [(m.mentor_id, m.mentee_id, m.score) for m in made] == [
        (mentor.id, mentees[0].id, 0.9),
        (mentor.id, mentees[1].id, 0.8),
        (quiet.id, mentees[3].id, 0.5),
    ]
    assert dropped == [
        {"mentor": str(mentor.id), "mentee": str(mentees[2].id), "problems": ["mentor_full"]},
        {"mentor": str(quiet.id), "mentee": str(mentees[1].id), "problems": ["mentee_taken"]},
    ]
    db.session.expire_all()
    first = db.session.get(Mentorship, made[0].id)
    assert first.state == S.PROPOSED and first.proposed_at == NOW
    assert first.reasons == [{"kind": "shared_language", "code": "ru"}]
    assert [(e.from_state, e.to_state, e.at) for e in first.events] == [("", "proposed", NOW)]
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.member_id, n.kind, n.mentorship_id, n.email_state) for n in notes] == [
        (mentor.id, "proposal_new", made[0].id, "sent"),
        (mentor.id, "proposal_new", made[1].id, "sent"),
        (quiet.id, "proposal_new", made[2].id, "pending"),
    ]
    mails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [(m.member_id, m.subject) for m in mails] == [(mentor.id, "Bridges: a new mentee proposal")] * 2
    assert "Mentee 0" not in mails[0].body and f"/matches/{made[0].id}" in mails[0].body  # emails name no one


def test_a_ban_either_way_round_forbids_the_pair_as_the_runs_pool_does(db):
    first = make_mentor(db, country="KZ", is_mentee=True, years_of_service=20)
    second = make_mentor(db, country="KG", is_mentee=True, years_of_service=5)
    db.session.add(ForbiddenPair(mentor_id=first.id, mentee_id=second.id, reason="coordinator"))
    db.session.commit()
    assert "forbidden" in rules.pair_problems(first, second)
    assert "forbidden" in rules.pair_problems(second, first)
    assert rules.to_matcher(second).exclude == (str(first.id),)


def test_a_pair_declined_before_is_excluded_even_without_its_ban_row(db, pair):
    mentor, mentee = pair
    db.session.add(Mentorship(mentor=mentor, mentee=mentee, state=S.DECLINED))
    db.session.commit()
    assert rules.pair_problems(mentor, mentee) == ["forbidden"]
    _members, batch = rules.check_pairs([(mentor.id, mentee.id)])
    assert batch == [["forbidden"]]


def test_every_problem_has_a_sentence_and_only_the_matchers_soft_rules_are_soft(db):
    assert {code for code, p in rules.PROBLEMS.items() if not p.hard} == {
        "same_country",
        "no_shared_language",
        "gap_too_small",
    }
    assert rules.split(["gap_too_small", "mentor_full", "unknown"]) == (["mentor_full", "unknown"], ["gap_too_small"])
    assert rules.message("mentor_full") == "The mentor has no free place left."


def test_the_minimum_gap_is_one_setting_for_rules_and_runs(db, app, pair):
    mentor, mentee = pair  # 17 and 5 years of service
    app.config["MATCHING_MIN_GAP_YEARS"] = 13
    try:
        assert rules.match_config().min_gap == 13
        assert rules.pair_problems(mentor, mentee) == ["gap_too_small"]
    finally:
        app.config["MATCHING_MIN_GAP_YEARS"] = 2
    assert rules.pair_problems(mentor, mentee) == []


def test_a_coordinator_ending_goes_through_the_transition_table(db, pair):
    from tests.factories import make_coordinator

    mentor, mentee = pair
    m = _propose(mentor, mentee)
    coordinator = make_coordinator(db)
    assert lifecycle.end_by_coordinator(m, coordinator, NOW, "Withdrawn: wrong pair") == S.PROPOSED
    assert m.state == S.ENDED and m.closed_by_id == coordinator.id
    assert [(e.from_state, e.to_state, e.actor_id) for e in m.events][-1] == ("proposed", "ended", coordinator.id)
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.end_by_coordinator(m, coordinator, NOW, "again")
    assert _messages(exc) == ["This mentorship is already closed."]
    assert "forbidden" in rules.pair_problems(mentor, mentee)


def test_a_stale_page_gets_the_changed_meanwhile_message_and_writes_nothing(db, pair):
    mentor, mentee = pair
    m = _propose(mentor, mentee)
    db.session.commit()
    # Someone else declined it in another request; this session still holds "proposed".
    db.session.execute(Mentorship.__table__.update().where(Mentorship.id == m.id).values(state=S.DECLINED))
    assert m.state == S.PROPOSED
    with pytest.raises(ValidationFailed) as exc:
        lifecycle.accept(m, mentor, NOW)
    assert _messages(exc) == ["This changed meanwhile and nothing was done. Now: This proposal was declined."]
    assert m.state == S.DECLINED
    assert [e.to_state for e in db.session.scalars(select(MentorshipEvent))] == ["proposed"]
    assert _kinds(db, mentee) == []


def test_the_transition_table_says_who_may_do_what():
    T = lifecycle.TRANSITIONS
    assert T[(S.PROPOSED, "accept")].to == S.ACCEPTED and T[(S.PROPOSED, "accept")].by == {"mentor"}
    assert T[(S.ACCEPTED, "confirm")].by == {"mentee"}
    assert (S.ACTIVE, "decline") not in T and (S.COMPLETED, "end") not in T
    assert "mentor" not in T[(S.PROPOSED, "end")].by  # only a coordinator withdraws a proposal
    assert T[(S.ACTIVE, "complete")].by == {"system", "coordinator"}
    closed = {t.to for t in T.values()} - set(S.OPEN)
    assert closed == set(S.CLOSED)
