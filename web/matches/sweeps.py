"""The scheduled work on mentorships, each called by a job with an explicit ``now``:
expiring unanswered proposals, check-in reminders, feedback requests and completing
the mentorships whose programme period is over. Each flushes; the job commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import CheckIn, Mentorship, MentorshipReminder, MentorshipState
from ..notifications.services import notify
from ..validation import ValidationFailed
from . import lifecycle
from .progress import FEEDBACK_DAYS_BEFORE_END, feedback_of

log = logging.getLogger(__name__)
S = MentorshipState

CHECKIN_INTERVAL_DAYS = 30


def expire_proposals(now: datetime, *, ttl_days: int, remind_days: int) -> dict:
    """Expire proposals unanswered for ``ttl_days`` (the mentee goes back to the pool;
    both are told) and remind once after ``remind_days``. Returns counts."""
    counts = {"expired": 0, "reminded": 0}
    pending = db.session.scalars(select(Mentorship).where(Mentorship.state.in_(S.PENDING)).order_by(Mentorship.id)).all()
    for m in pending:
        started = m.accepted_at if m.state == S.ACCEPTED and m.accepted_at else m.proposed_at
        age = now - started
        if age >= timedelta(days=ttl_days):
            if _apply(lifecycle.expire, m, now):
                counts["expired"] += 1
        elif age >= timedelta(days=remind_days) and m.reminded_at is None:
            waiting_on = m.mentor if m.state == S.PROPOSED else m.mentee
            notify(waiting_on, "proposal_reminder", mentorship=m, now=now)
            m.reminded_at = now
            counts["reminded"] += 1
    db.session.flush()
    return counts


def _apply(action, m: Mentorship, now: datetime) -> bool:
    """A sweep's transition; a member who acted on it meanwhile wins, and the sweep moves on."""
    try:
        action(m, now)
    except ValidationFailed:
        log.info("sweep: mentorship %s changed meanwhile, left as %s", m.id, m.state)
        return False
    return True


def _last_reminder(m: Mentorship, kind: str) -> datetime | None:
    return db.session.scalar(
        select(func.max(MentorshipReminder.sent_at)).where(
            MentorshipReminder.mentorship_id == m.id, MentorshipReminder.kind == kind
        )
    )


def _active() -> list[Mentorship]:
    return list(db.session.scalars(select(Mentorship).where(Mentorship.state == S.ACTIVE).order_by(Mentorship.id)))


def send_checkin_reminders(now: datetime) -> int:
    """Remind both sides of an active mentorship when nothing was logged for a while
    (CHECKIN_INTERVAL_DAYS, 30 by default). Returns mentorships reminded."""
    interval = timedelta(days=int(current_app.config.get("CHECKIN_INTERVAL_DAYS", CHECKIN_INTERVAL_DAYS)))
    reminded = 0
    for m in _active():
        last_checkin = db.session.scalar(select(func.max(CheckIn.created_at)).where(CheckIn.mentorship_id == m.id))
        marks = [t for t in (m.activated_at, last_checkin, _last_reminder(m, "checkin")) if t]
        if marks and now - max(marks) < interval:
            continue
        db.session.add(MentorshipReminder(mentorship_id=m.id, kind="checkin", sent_at=now))
        for member in (m.mentor, m.mentee):
            notify(member, "checkin_due", mentorship=m, now=now)
        reminded += 1
    db.session.flush()
    return reminded


def request_feedback(now: datetime) -> int:
    """Ask both sides once for feedback when the programme ends within
    FEEDBACK_DAYS_BEFORE_END days. Returns mentorships asked."""
    asked = 0
    window = timedelta(days=FEEDBACK_DAYS_BEFORE_END)
    for m in _active():
        if m.ends_on is None or m.ends_on - window > now or _last_reminder(m, "feedback"):
            continue
        db.session.add(MentorshipReminder(mentorship_id=m.id, kind="feedback", sent_at=now))
        given = {f.author_id for f in feedback_of(m)}
        for member in (m.mentor, m.mentee):
            if member.id not in given:
                notify(member, "feedback_due", mentorship=m, now=now)
        asked += 1
    db.session.flush()
    return asked


def complete_due(now: datetime) -> int:
    """Complete the active mentorships whose programme period is over. Returns how many."""
    done = 0
    for m in _active():
        if m.ends_on is not None and m.ends_on <= now:
            done += _apply(lambda m, now: lifecycle.complete(m, None, now), m, now)
    db.session.flush()
    return done
