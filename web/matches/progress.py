"""A mentorship's work while it runs: goals, check-ins and feedback; and what
coordinators read of outcomes and feedback in aggregate.

Feedback never changes the mentorship's state: only the end date (``sweeps``) or an
explicit action (``lifecycle``) ends it, so the conversation stays open until then.
Services add and flush; the caller commits. Time comes in as ``now``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import taxonomy
from ..extensions import db
from ..models import CheckIn, Feedback, Member, Mentorship, MentorshipGoal, MentorshipState
from .errors import refused
from .lifecycle import TEXT_MAX, refuse, require_party

S = MentorshipState

MAX_GOALS = 5
GOAL_PROGRESS = (0, 25, 50, 75, 100)
FEEDBACK_DAYS_BEFORE_END = 14


# --- goals, check-ins, feedback ----------------------------------------------


def _require_active(m: Mentorship, actor: Member) -> None:
    require_party(m, actor)
    if m.state != S.ACTIVE:
        raise refuse(_l("This is possible only while the mentorship is active."))


def goals_of(m: Mentorship) -> list[MentorshipGoal]:
    if m.state in S.PENDING:
        return []  # goals are added once it is active (add_goal), and it never goes back
    return list(
        db.session.scalars(select(MentorshipGoal).where(MentorshipGoal.mentorship_id == m.id).order_by(MentorshipGoal.id))
    )


def add_goal(m: Mentorship, actor: Member, *, topic: str | None, text: str, now: datetime) -> MentorshipGoal:
    _require_active(m, actor)
    topic = topic or None
    text = (text or "").strip()
    errors = []
    if topic is not None and topic not in taxonomy.TOPICS:
        errors.append(("topic", _l("Choose topics from the list.")))
    if topic is None and not text:
        errors.append(("text", _l("Choose one of the mentee's goals or describe a goal.")))
    if len(text) > 300:
        errors.append(("text", _l("Use at most %(n)d characters.", n=300)))
    goals = goals_of(m)
    if len(goals) >= MAX_GOALS:
        errors.append((None, _l("A mentorship has at most %(n)d goals.", n=MAX_GOALS)))
    if topic is not None and any(g.topic == topic for g in goals):
        errors.append(("topic", _l("This goal is already on the list.")))
    if errors:
        raise refused(errors)
    goal = MentorshipGoal(
        mentorship_id=m.id, topic=topic, text=text, progress=0, created_by_id=actor.id, created_at=now, updated_at=now
    )
    db.session.add(goal)
    db.session.flush()
    return goal


def set_goal_progress(m: Mentorship, actor: Member, goal_id: int, progress: int, now: datetime) -> MentorshipGoal:
    _require_active(m, actor)
    goal = db.session.get(MentorshipGoal, goal_id)
    if goal is None or goal.mentorship_id != m.id:
        abort(404)
    if progress not in GOAL_PROGRESS:
        raise refused([("progress", _l("Choose a progress value from the list."))])
    goal.progress = progress
    goal.updated_at = now
    db.session.flush()
    return goal


def checkins_of(m: Mentorship) -> list[CheckIn]:
    if m.state in S.PENDING:
        return []  # as goals: only an active mentorship takes check-ins
    return list(
        db.session.scalars(
            select(CheckIn).where(CheckIn.mentorship_id == m.id).order_by(CheckIn.held_on.desc(), CheckIn.id.desc())
        )
    )


def add_checkin(
    m: Mentorship, actor: Member, *, held_on: date | None, how_it_went: str, next_step: str, now: datetime
) -> CheckIn:
    _require_active(m, actor)
    how_it_went, next_step = (how_it_went or "").strip(), (next_step or "").strip()
    errors = []
    if held_on is None:
        errors.append(("held_on", _l("Enter the date of the check-in.")))
    elif held_on > (now + timedelta(days=1)).date():
        errors.append(("held_on", _l("A check-in cannot be in the future.")))
    if not how_it_went:
        errors.append(("how_it_went", _l("Write a few words about how it went.")))
    for field, value in (("how_it_went", how_it_went), ("next_step", next_step)):
        if len(value) > TEXT_MAX:
            errors.append((field, _l("Use at most %(n)d characters.", n=TEXT_MAX)))
    if errors:
        raise refused(errors)
    checkin = CheckIn(
        mentorship_id=m.id, author_id=actor.id, held_on=held_on, how_it_went=how_it_went, next_step=next_step, created_at=now
    )
    db.session.add(checkin)
    db.session.flush()
    return checkin


def feedback_of(m: Mentorship) -> list[Feedback]:
    if m.state in S.PENDING:
        return []  # given only once it is active or over (feedback_open)
    return list(db.session.scalars(select(Feedback).where(Feedback.mentorship_id == m.id).order_by(Feedback.id)))


def feedback_open(m: Mentorship, now: datetime) -> bool:
    if m.state in (S.COMPLETED, S.ENDED):
        return True
    return m.state == S.ACTIVE and m.ends_on is not None and m.ends_on - timedelta(days=FEEDBACK_DAYS_BEFORE_END) <= now


def submit_feedback(
    m: Mentorship,
    actor: Member,
    *,
    rating: int | None,
    worked: str,
    did_not_work: str,
    would_continue: bool,
    share_with_partner: bool,
    now: datetime,
) -> Feedback:
    """Record one side's feedback. It never ends the mentorship: the end date does."""
    require_party(m, actor)
    if not feedback_open(m, now):
        raise refuse(_l("Feedback opens two weeks before the end of the programme."))
    if any(f.author_id == actor.id for f in feedback_of(m)):
        raise refuse(_l("You have already given your feedback."))
    worked, did_not_work = (worked or "").strip(), (did_not_work or "").strip()
    errors = []
    if rating not in (1, 2, 3, 4, 5):
        errors.append(("rating", _l("Choose a rating from 1 to 5.")))
    for field, value in (("worked", worked), ("did_not_work", did_not_work)):
        if len(value) > TEXT_MAX:
            errors.append((field, _l("Use at most %(n)d characters.", n=TEXT_MAX)))
    if errors:
        raise refused(errors)
    fb = Feedback(
        mentorship_id=m.id,
        author_id=actor.id,
        rating=rating,
        worked=worked,
        did_not_work=did_not_work,
        would_continue=bool(would_continue),
        share_with_partner=bool(share_with_partner),
        created_at=now,
    )
    db.session.add(fb)
    db.session.flush()
    return fb


def partner_feedback(m: Mentorship, viewer: Member, given: list[Feedback] | None = None) -> Feedback | None:
    """The other side's feedback, only when both gave feedback and both agreed to share it
    (``given``: ``feedback_of(m)`` when the caller has it already)."""
    given = feedback_of(m) if given is None else given
    if len(given) == 2 and all(f.share_with_partner for f in given):
        return next(f for f in given if f.author_id != viewer.id)
    return None


# --- coordinators: outcomes and feedback in aggregate -------------------------


def _scoped(stmt, coordinator: Member):
    from ..policy import pair_clause

    return stmt.where(pair_clause(coordinator, Mentorship.mentor_id, Mentorship.mentee_id))


def overview_for(coordinator: Member) -> dict:
    """Counts by state, mentorships ended early with their reasons, and feedback in aggregate
    (no individual answers)."""
    by_state = dict(
        db.session.execute(
            _scoped(select(Mentorship.state, func.count(Mentorship.id)), coordinator).group_by(Mentorship.state)
        ).all()
    )
    ended = db.session.scalars(
        _scoped(select(Mentorship), coordinator)
        .where(Mentorship.state == S.ENDED)
        .order_by(Mentorship.closed_at.desc())
        .limit(100)
    ).all()
    fb = _scoped(
        select(Feedback.rating, Feedback.would_continue).join(Mentorship, Mentorship.id == Feedback.mentorship_id),
        coordinator,
    )
    rows = db.session.execute(fb).all()
    ratings = [r for r, _ in rows]
    return {
        "by_state": by_state,
        "ended": ended,
        "feedback_count": len(rows),
        "rating_avg": round(sum(ratings) / len(ratings), 1) if ratings else None,
        "rating_hist": {i: ratings.count(i) for i in range(1, 6)},
        "would_continue": sum(1 for _, c in rows if c),
    }
