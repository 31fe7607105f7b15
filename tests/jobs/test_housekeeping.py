"""Expiry, reminders, feedback and the digest, run by the scheduler on a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from jobs import scheduler as sched
from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.models import JobExecution, Mentorship, MentorshipState
from web.runs.pool import collect_members

T0 = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


def _proposal(db, now=T0) -> Mentorship:
    mentor = make_mentor(db, country="KZ", languages=("ru",))
    mentee = make_member(db, country="KG", languages=("ru",))
    m = proposals.propose(mentor, mentee, run=None, score=0.5, reasons=[], actor=None, now=now)
    db.session.commit()
    return m


def _run_on(app, name: str, when: datetime) -> JobExecution:
    """Run a job as the scheduler would at ``when``: the clock itself is moved."""
    with time_machine.travel(when, tick=False):
        return sched.run_now(app, name, origin="scheduler")


def test_unanswered_proposal_is_reminded_after_7_days_and_expires_after_14(app, db):
    from web.models import Notification

    m = _proposal(db)

    early = _run_on(app, "expiry", T0 + timedelta(days=6))
    assert early.result == {"expired": 0, "reminded": 0}

    reminded = _run_on(app, "expiry", T0 + timedelta(days=7, hours=1))
    assert reminded.status == "ok" and reminded.result == {"expired": 0, "reminded": 1}
    again = _run_on(app, "expiry", T0 + timedelta(days=8))
    assert again.result == {"expired": 0, "reminded": 0}, "one reminder only"

    expired = _run_on(app, "expiry", T0 + timedelta(days=14, hours=1))
    assert expired.result == {"expired": 1, "reminded": 0}
    db.session.expire_all()
    m = db.session.get(Mentorship, m.id)
    assert m.state == MentorshipState.EXPIRED
    told = {n.member_id for n in db.session.scalars(select(Notification).where(Notification.kind == "proposal_expired"))}
    assert told == {m.mentor_id, m.mentee_id}
    pool = {x.id for x in collect_members(db.session, T0 + timedelta(days=15))}
    assert str(m.mentee_id) in pool, "the mentee is back in the pool"


def test_configured_ttl_is_used(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROPOSAL_TTL_DAYS", 3)
    m = _proposal(db)
    result = _run_on(app, "expiry", T0 + timedelta(days=3, minutes=1))
    assert result.result["expired"] == 1
    db.session.expire_all()
    assert db.session.get(Mentorship, m.id).state == MentorshipState.EXPIRED


def _active(db, now=T0) -> Mentorship:
    m = _proposal(db, now)
    lifecycle.accept(m, m.mentor, now)
    lifecycle.confirm(m, m.mentee, now)
    db.session.commit()
    assert m.state == MentorshipState.ACTIVE
    return m


def test_quiet_active_mentorship_gets_a_checkin_reminder_after_a_month(app, db):
    _active(db)
    assert _run_on(app, "reminders", T0 + timedelta(days=10)).result == {"reminded": 0}
    assert _run_on(app, "reminders", T0 + timedelta(days=31)).result == {"reminded": 1}
    assert _run_on(app, "reminders", T0 + timedelta(days=32)).result == {"reminded": 0}


def test_feedback_is_requested_near_the_end_of_the_programme(app, db):
    m = _active(db)
    ends = m.ends_on
    assert _run_on(app, "feedback", ends - timedelta(days=30)).result == {"requested": 0, "completed": 0}
    assert _run_on(app, "feedback", ends - timedelta(days=10)).result == {"requested": 1, "completed": 0}
    assert _run_on(app, "feedback", ends - timedelta(days=9)).result == {"requested": 0, "completed": 0}
    assert _run_on(app, "feedback", ends).result == {"requested": 0, "completed": 1}
    db.session.expire_all()
    assert db.session.get(Mentorship, m.id).state == MentorshipState.COMPLETED


def test_digest_job_sends_one_email_per_member_who_chose_it(app, db):
    from web.models import Member, OutboxEmail

    mentor = make_mentor(db, country="KZ", languages=("ru",), email_notifications="digest")
    mentee = make_member(db, country="KG", languages=("ru",))
    proposals.propose(mentor, mentee, run=None, score=0.5, reasons=[], actor=None, now=T0)
    db.session.commit()
    before = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == mentor.email)).all()

    result = _run_on(app, "digest", T0 + timedelta(hours=20))

    assert result.status == "ok" and result.result == {"sent": 1}
    after = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == mentor.email)).all()
    assert len(after) == len(before) + 1
    assert db.session.get(Member, mentor.id) is not None
