"""Two clicks at once: real threads, each with its own session and connection, against
the test database (a SQLite file, or PostgreSQL with TEST_DATABASE_URL).

Every thread loads what it acts on, waits at a barrier until all have loaded, then acts
and commits. One wins; the others are told, and nothing is written twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.factories import make_coordinator, make_member, make_mentor
from web.extensions import db as _db
from web.matches import lifecycle, proposals
from web.models import (
    Conversation,
    MatchRun,
    MatchRunPair,
    Member,
    Mentorship,
    MentorshipEvent,
    MentorshipState,
    Notification,
)
from web.validation import ValidationFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = MentorshipState
CHANGED = "This changed meanwhile and nothing was done."


def race(app, *actions):
    """Run each ``(load, act)`` in its own thread: ``act(load())`` after every thread has
    loaded, then commit. Returns per action ``"ok"`` or the ``ValidationFailed`` message."""
    barrier = threading.Barrier(len(actions), timeout=60)

    def run(load, act):
        # Outside a request the service speaks the network's default language (Russian):
        # these tests read the refusal in English, as the test client does.
        with app.app_context(), force_locale("en"):
            try:
                loaded = load()
                barrier.wait()
                act(loaded)
                _db.session.commit()
                return "ok"
            except ValidationFailed as exc:
                _db.session.rollback()
                return str(exc)
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(len(actions)) as pool:
        futures = [pool.submit(run, load, act) for load, act in actions]
        return [f.result(timeout=120) for f in futures]


def _get(model, id_):
    return lambda: _db.session.get(model, id_)


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _notes(db, kind) -> int:
    return _count(db, Notification, Notification.kind == kind)


@pytest.fixture
def proposal(db):
    mentor = make_mentor(db, country="KZ", languages=("ru",), capacity=2)
    mentee = make_member(db, country="KG", languages=("ru",))
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
    db.session.commit()
    return m.id, mentor.id, mentee.id


def _accept(member_id):
    return lambda m: lifecycle.accept(m, _db.session.get(Member, member_id), NOW)


def _confirm(member_id):
    return lambda m: lifecycle.confirm(m, _db.session.get(Member, member_id), NOW)


def _decline(member_id):
    return lambda m: lifecycle.decline(m, _db.session.get(Member, member_id), NOW, reason="No time")


def test_accept_and_decline_at_once_one_wins_and_the_other_is_told(app, db, proposal):
    m_id, mentor_id, mentee_id = proposal
    results = race(app, (_get(Mentorship, m_id), _accept(mentor_id)), (_get(Mentorship, m_id), _decline(mentee_id)))

    assert sorted(r == "ok" for r in results) == [False, True], results
    loser = next(r for r in results if r != "ok")
    assert loser.startswith(CHANGED)
    state = db.session.get(Mentorship, m_id).state
    assert state == (S.ACCEPTED if results[0] == "ok" else S.DECLINED)
    assert loser.endswith("This proposal is already accepted." if state == S.ACCEPTED else "This proposal was declined.")
    events = db.session.scalars(select(MentorshipEvent.to_state).where(MentorshipEvent.mentorship_id == m_id)).all()
    assert sorted(events) == sorted([S.PROPOSED, state])
    assert _notes(db, "proposal_accepted") == (state == S.ACCEPTED)
    assert _notes(db, "proposal_declined") == (state == S.DECLINED)


def test_double_accept_writes_one_event_and_one_notification(app, db, proposal):
    m_id, mentor_id, _mentee_id = proposal
    results = race(app, *[(_get(Mentorship, m_id), _accept(mentor_id))] * 2)

    assert sorted(results, key=lambda r: r != "ok")[0] == "ok"
    assert results.count("ok") == 1 and [r for r in results if r != "ok"][0].startswith(CHANGED)
    assert _count(db, MentorshipEvent, MentorshipEvent.to_state == S.ACCEPTED) == 1
    assert _notes(db, "proposal_accepted") == 1


def test_double_confirm_opens_one_conversation(app, db, proposal):
    m_id, mentor_id, mentee_id = proposal
    lifecycle.accept(db.session.get(Mentorship, m_id), db.session.get(Member, mentor_id), NOW)
    db.session.commit()
    results = race(app, *[(_get(Mentorship, m_id), _confirm(mentee_id))] * 2)

    assert results.count("ok") == 1 and [r for r in results if r != "ok"][0].startswith(CHANGED)
    assert db.session.get(Mentorship, m_id).state == S.ACTIVE
    assert _count(db, MentorshipEvent, MentorshipEvent.to_state == S.ACTIVE) == 1
    assert _count(db, Conversation, Conversation.mentorship_id == m_id) == 1
    assert _notes(db, "mentorship_active") == 1


def test_twenty_concurrent_proposals_never_exceed_the_mentors_capacity(app, db):
    mentor = make_mentor(db, country="KZ", languages=("ru",), capacity=3)
    mentees = [make_member(db, country=("KG", "TJ", "UZ", "TM")[i % 4], languages=("ru",)) for i in range(20)]
    coordinator = make_coordinator(db)

    def act(mentee_id):
        # Loaded after the barrier: twenty sessions holding connections at once would
        # need more than the pool's fifteen.
        pair = _db.session.get(Member, mentor.id), _db.session.get(Member, mentee_id)
        actor = _db.session.get(Member, coordinator.id)
        proposals.propose(*pair, run=None, score=None, reasons=[], actor=actor, now=NOW)

    results = race(app, *[((lambda i=m.id: i), act) for m in mentees])

    assert results.count("ok") == 3, results
    assert set(results) - {"ok"} == {"The mentor has no free place left."}
    assert _count(db, Mentorship, Mentorship.mentor_id == mentor.id, Mentorship.state.in_(S.OPEN)) == 3
    assert _notes(db, "proposal_new") == 3


def _draft(db, pairs) -> int:
    run = MatchRun(status="draft", started_at=NOW, started_by="scheduler")
    db.session.add(run)
    db.session.flush()
    for mentor, mentee in pairs:
        db.session.add(MatchRunPair(run_id=run.id, mentor_id=mentor.id, mentee_id=mentee.id, score=0.5, reasons=[]))
    db.session.commit()
    return run.id


def _publish(run_id, coordinator_id):
    from web.runs.publishing import publish_run

    def act(run):
        publish_run(_db.session, run, actor=_db.session.get(Member, coordinator_id), now=NOW)

    return _get(MatchRun, run_id), act


def _manual(mentor_id, mentee_id, coordinator_id):
    def load():
        return _db.session.get(Member, mentor_id), _db.session.get(Member, mentee_id)

    def act(pair):
        actor = _db.session.get(Member, coordinator_id)
        proposals.propose(*pair, run=None, score=None, reasons=[], actor=actor, now=NOW)

    return load, act


def test_publishing_and_a_manual_pair_at_once_do_not_overbook_the_mentor(app, db):
    mentor = make_mentor(db, country="KZ", languages=("ru",), capacity=1)
    in_run, by_hand = make_member(db, country="KG", languages=("ru",)), make_member(db, country="TJ", languages=("ru",))
    coordinator = make_coordinator(db)
    run_id = _draft(db, [(mentor, in_run)])

    results = race(app, _publish(run_id, coordinator.id), _manual(mentor.id, by_hand.id, coordinator.id))

    assert results[0] == "ok"  # publishing never fails for a stale pair: it drops it
    assert _count(db, Mentorship, Mentorship.mentor_id == mentor.id, Mentorship.state.in_(S.OPEN)) == 1
    dropped = db.session.get(MatchRun, run_id).dropped
    if results[1] == "ok":
        assert dropped == [{"mentor": str(mentor.id), "mentee": str(in_run.id), "problems": ["mentor_full"]}]
    else:
        assert results[1] == "The mentor has no free place left." and dropped == []


def test_publishing_and_a_manual_pair_at_once_give_the_mentee_one_mentor(app, db):
    first, second = (make_mentor(db, country=c, languages=("ru",), capacity=2) for c in ("KZ", "UZ"))
    mentee = make_member(db, country="KG", languages=("ru",))
    coordinator = make_coordinator(db)
    run_id = _draft(db, [(first, mentee)])

    results = race(app, _publish(run_id, coordinator.id), _manual(second.id, mentee.id, coordinator.id))

    assert results[0] == "ok"
    assert _count(db, Mentorship, Mentorship.mentee_id == mentee.id, Mentorship.state.in_(S.OPEN)) == 1
    assert results[1] in ("ok", "The mentee already has a pending or active mentorship.")


def test_concurrent_manual_pairs_give_a_one_place_mentor_one_mentee(app, db):
    from web.coordinator.actions import create_pair
    from web.models import AuditLog

    mentor = make_mentor(db, country="KZ", languages=("ru",), capacity=1)
    mentees = [make_member(db, country=("KG", "TJ", "UZ", "TM")[i % 4], languages=("ru",)) for i in range(8)]
    coordinator = make_coordinator(db)

    def act(mentee_id):
        actor = _db.session.get(Member, coordinator.id)
        create_pair(actor, str(mentor.id), str(mentee_id), override=False, reason="", now=NOW)

    results = race(app, *[((lambda i=m.id: i), act) for m in mentees])

    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} == {"The mentor has no free place left."}
    assert _count(db, Mentorship, Mentorship.mentor_id == mentor.id) == 1
    assert _count(db, AuditLog, AuditLog.action == "pair.manual") == 1


def test_two_coordinators_approving_one_applicant_at_once_approve_her_once(app, db):
    from web.coordinator.members import approve
    from web.models import AuditLog, MemberStatus

    applicant = make_member(db, country="KG", status=MemberStatus.PENDING)
    first, second = make_coordinator(db), make_coordinator(db)
    applicant_id, first_id, second_id = applicant.id, first.id, second.id  # read here, not in the threads

    def act(coordinator_id):
        approve(_db.session.get(Member, applicant_id), _db.session.get(Member, coordinator_id))

    results = race(app, (lambda: first_id, act), (lambda: second_id, act))

    assert sorted(results) == ["This member's status has changed meanwhile; nothing was done.", "ok"]
    approvals = _count(db, AuditLog, AuditLog.action == "member.approve", AuditLog.target_id == str(applicant_id))
    assert approvals == 1
