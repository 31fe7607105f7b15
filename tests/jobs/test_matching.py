"""Matching runs from the database: collect, compute, store, publish, all or nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.factories import make_coordinator, make_member, make_mentor
from web.models import (
    AuditLog,
    ForbiddenPair,
    MatchRun,
    MatchRunPair,
    Member,
    Mentorship,
    MentorshipState,
)
from web.runs.pool import collect_members
from web.runs.publishing import discard_run, publish_run
from web.runs.running import run_matching
from web.validation import ValidationFailed

NOW = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _small_pool(db):
    """Two mentors abroad and three mentees; one mentee cannot be matched (no language)."""
    kz = make_mentor(db, country="KZ", languages=("ru", "kk"), skills=("leadership",), capacity=1, years_of_service=20)
    kg = make_mentor(db, country="KG", languages=("ru",), skills=("public_speaking",), capacity=1, years_of_service=18)
    a = make_member(db, country="UZ", languages=("ru",), goals=("leadership",))
    b = make_member(db, country="TJ", languages=("ru",), goals=("public_speaking",))
    c = make_member(db, country="TM", languages=("tk",), goals=("leadership",))
    return kz, kg, a, b, c


def test_run_on_seeded_database_makes_valid_pairs_and_a_summary_that_adds_up(db):
    from web.demo import seed

    seed(150)
    db.session.commit()
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)

    assert run.status == "draft", run.error
    assert run.pairs, "a realistic pool gives some pairs"
    members = {m.id: m for m in db.session.scalars(select(Member))}
    per_mentor = Counter(p.mentor_id for p in run.pairs)
    assert len({p.mentee_id for p in run.pairs}) == len(run.pairs)
    for p in run.pairs:
        mentor, mentee = members[p.mentor_id], members[p.mentee_id]
        assert mentor.country != mentee.country
        assert set(mentor.language_codes) & set(mentee.language_codes)
        assert mentor.years_of_service >= mentee.years_of_service + 2
        assert mentor.status == mentee.status == "active"
        assert per_mentor[mentor.id] <= mentor.capacity
        assert p.reasons
    summary, pool = run.summary, run.summary["pool"]
    assert pool["pairs"] == len(run.pairs) == summary["mentees_matched"]
    assert pool["mentees"] == pool["pairs"] + pool["unmatched_mentees"]
    assert summary["mentees_eligible"] == summary["mentees_matched"] + len(summary["unmatched"])
    assert pool["places"] >= pool["pairs"]
    assert len(run.input_hash) == 64 and run.snapshot.count("\n") == pool["members"]
    assert _count(db, Mentorship) == 0, "a draft proposes nothing"


def test_pool_leaves_out_busy_mentees_and_pending_members_and_keeps_full_mentors_without_places(db):
    busy_mentor = make_mentor(db, country="KZ", capacity=1)
    free_mentor = make_mentor(db, country="KG", capacity=3)
    busy_mentee = make_member(db, country="UZ")
    waiting = make_member(db, country="UZ")
    make_member(db, country="TJ", status="pending")
    db.session.add(Mentorship(mentor=busy_mentor, mentee=busy_mentee, state=MentorshipState.ACTIVE))
    db.session.add(Mentorship(mentor=free_mentor, mentee=make_member(db, country="TM"), state=MentorshipState.PROPOSED))
    db.session.commit()

    pool = {m.id: m for m in collect_members(db.session, NOW)}

    assert set(pool) == {str(busy_mentor.id), str(free_mentor.id), str(waiting.id)}
    # A full mentor stays in with no place, so an unmatched mentee can be told her mentors are full.
    assert pool[str(busy_mentor.id)].capacity == 0
    assert pool[str(free_mentor.id)].capacity == 2
    assert pool[str(waiting.id)].roles == ("mentee",)


def test_declined_and_forbidden_pairs_are_excluded_both_ways(db):
    mentor = make_mentor(db, country="KZ")
    other = make_mentor(db, country="KG")
    declined_by = make_member(db, country="UZ")
    forbidden = make_member(db, country="TJ")
    db.session.add(Mentorship(mentor=mentor, mentee=declined_by, state=MentorshipState.DECLINED))
    db.session.add(ForbiddenPair(mentor_id=other.id, mentee_id=forbidden.id, reason="coordinator"))
    db.session.commit()

    pool = {m.id: m for m in collect_members(db.session, NOW)}

    assert pool[str(mentor.id)].exclude == (str(declined_by.id),)
    assert pool[str(declined_by.id)].exclude == (str(mentor.id),)
    assert pool[str(forbidden.id)].exclude == (str(other.id),)


def test_publishing_proposes_each_pair_and_drops_one_matched_by_hand_meanwhile(db):
    from web.matches.proposals import propose

    kz, kg, a, b, c = _small_pool(db)
    coordinator = make_coordinator(db)
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)
    assert run.status == "draft" and len(run.pairs) == 2
    taken = run.pairs[0]
    # Matched by hand while the draft waited: the mentee is no longer free.
    other = make_mentor(db, country="TM", languages=("ru",), years_of_service=25)
    propose(other, db.session.get(Member, taken.mentee_id), run=None, score=None, reasons=[], actor=coordinator, now=NOW)
    db.session.commit()

    publish_run(db.session, run, actor=coordinator, now=NOW)

    db.session.expire_all()
    run = db.session.get(MatchRun, run.id)
    assert run.status == "published" and run.published_by_id == coordinator.id
    assert run.dropped == [{"mentor": str(taken.mentor_id), "mentee": str(taken.mentee_id), "problems": ["mentee_taken"]}]
    assert _count(db, Mentorship, Mentorship.run_id == run.id) == 1
    assert _count(db, AuditLog, AuditLog.action == "run.publish") == 1
    with pytest.raises(ValidationFailed):
        publish_run(db.session, run, actor=coordinator, now=NOW)
    assert _count(db, Mentorship, Mentorship.run_id == run.id) == 1


def test_publishing_drops_a_pair_whose_mentor_was_filled_earlier_in_the_same_run(db):
    """Capacity counts the proposals this publish has just made, not only older ones."""
    kz, kg, a, b, c = _small_pool(db)
    coordinator = make_coordinator(db)
    d = make_member(db, country="UZ", languages=("ru",))
    run = MatchRun(status="draft", started_at=NOW, started_by="scheduler")
    db.session.add(run)
    db.session.flush()
    # A stale draft: kz has one place, yet three of her pairs are in it.
    for mentee, score in ((a, 0.9), (b, 0.8), (d, 0.7)):
        db.session.add(MatchRunPair(run_id=run.id, mentor_id=kz.id, mentee_id=mentee.id, score=score, reasons=[]))
    db.session.add(MatchRunPair(run_id=run.id, mentor_id=kg.id, mentee_id=b.id, score=0.6, reasons=[]))
    db.session.commit()

    publish_run(db.session, run, actor=coordinator, now=NOW)

    db.session.expire_all()
    run = db.session.get(MatchRun, run.id)
    assert run.status == "published"
    assert run.dropped == [
        {"mentor": str(kz.id), "mentee": str(b.id), "problems": ["mentor_full"]},
        {"mentor": str(kz.id), "mentee": str(d.id), "problems": ["mentor_full"]},
    ]
    proposed = db.session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id).where(Mentorship.run_id == run.id).order_by(Mentorship.id)
    ).all()
    assert [tuple(p) for p in proposed] == [(kz.id, a.id), (kg.id, b.id)]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "run.publish")).one()
    assert audit.detail["proposed"] == 2 and audit.detail["dropped"] == 2


def test_run_interrupted_after_first_writes_leaves_no_proposals_and_a_failed_run(db, monkeypatch):
    import web.matches.proposals as mentoring
    from web.models import Notification

    _small_pool(db)
    real_notify_many, calls = mentoring.notify_many, []

    def notify_then_crash(*args, **kwargs):
        # The proposals and their events are written; the crash comes after them.
        calls.append(_count(db, Mentorship))
        real_notify_many(*args, **kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(mentoring, "notify_many", notify_then_crash)
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=True)

    assert calls == [2], "the proposals were written before the crash"
    assert run.status == "failed"
    assert "RuntimeError: database went away" in run.error
    assert "notify_then_crash" in run.traceback
    assert _count(db, Mentorship) == 0
    assert _count(db, Notification) == 0
    assert _count(db, MatchRunPair) == 0
    assert _count(db, MatchRun) == 1


def test_publish_that_fails_keeps_the_draft_and_sends_nothing(db, monkeypatch):
    import web.matches.proposals as mentoring

    _small_pool(db)
    coordinator = make_coordinator(db)
    run = run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mentoring, "propose_many", crash)
    with pytest.raises(RuntimeError):
        publish_run(db.session, run, actor=coordinator, now=NOW)

    db.session.expire_all()
    run = db.session.get(MatchRun, run.id)
    assert run.status == "draft"
    assert "boom" in run.error
    assert _count(db, Mentorship) == 0


def test_auto_publish_setting_sends_proposals_with_the_run(app, db, monkeypatch):
    _small_pool(db)
    monkeypatch.setitem(app.config, "MATCHING_AUTO_PUBLISH", True)

    run = run_matching(db.session, now=NOW, started_by="scheduler")

    assert run.status == "published"
    assert _count(db, Mentorship, Mentorship.state == "proposed") == 2


def test_what_if_run_never_publishes_itself_and_records_its_weights(app, db, monkeypatch):
    _small_pool(db)
    coordinator = make_coordinator(db)
    monkeypatch.setitem(app.config, "MATCHING_AUTO_PUBLISH", True)

    run = run_matching(
        db.session,
        now=NOW,
        started_by=f"member:{coordinator.id}",
        started_by_id=coordinator.id,
        config_overrides={"w_bio": 0.0},
        what_if=True,
    )

    assert run.status == "draft" and run.is_what_if
    assert run.config["w_bio"] == 0.0
    assert _count(db, AuditLog, AuditLog.action == "run.what_if") == 1
    discard_run(db.session, run, actor=coordinator, now=NOW)
    assert db.session.get(MatchRun, run.id).status == "discarded"
    assert _count(db, Mentorship) == 0


def test_a_bad_configuration_gives_a_failed_run(db):
    _small_pool(db)
    run = run_matching(db.session, now=NOW, started_by="cli", config_overrides={"w_nope": 1})
    assert run.status == "failed"
    assert "w_nope" in run.error


def test_a_mentee_whose_only_compatible_mentor_is_full_is_told_so(db):
    full = make_mentor(db, country="KZ", capacity=1, languages=("ru",), years_of_service=15)
    make_mentor(db, country="KG", capacity=2, languages=("uz",), years_of_service=15)
    taken = make_member(db, country="TJ", languages=("ru",), years_of_service=1)
    waiting = make_member(db, country="UZ", languages=("ru",), years_of_service=1)
    db.session.add(Mentorship(mentor=full, mentee=taken, state=MentorshipState.ACTIVE))
    db.session.commit()

    run = run_matching(db.session, now=NOW, started_by="test")

    entry = next(u for u in run.summary["unmatched"] if u["id"] == str(waiting.id))
    assert entry["reason"] == "compatible_mentors_full", entry
