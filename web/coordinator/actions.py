"""What a coordinator does by hand: propose a pair, forbid a pair, end a mentorship, re-open a member."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import abort
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from .. import policy
from ..audit import record
from ..extensions import db
from ..matches import lifecycle, proposals, rules
from ..models import (
    ForbiddenPair,
    Member,
    Mentorship,
    MentorshipState,
)
from ..validation import ValidationFailed
from .scope import _members, _pair_members, find_member, in_scope

log = logging.getLogger(__name__)
S = MentorshipState


def create_pair(
    coordinator: Member, mentor_ref: str, mentee_ref: str, *, override: bool, reason: str, now: datetime
) -> Mentorship:
    """Propose a pair by hand. Soft constraints (same country, no shared language, too
    small a gap) may be broken only with ``override`` and a reason, which are recorded;
    the others (capacity, a mentee already taken, bans, inactive members) never.
    The rules are ``web.matches.rules``; ``propose`` checks them again under lock."""
    reason = (reason or "").strip()
    mentor, mentee = _pair_members(coordinator, mentor_ref, mentee_ref, _l("You can pair only members of your own country."))
    hard, soft = rules.split(rules.pair_problems(mentor, mentee))
    if hard:
        raise ValidationFailed([(None, rules.message(p)) for p in hard])
    if soft and not override:
        raise ValidationFailed(
            [(None, rules.message(p)) for p in soft]
            + [("override", _l("To pair them anyway, tick the override and give a reason."))]
        )
    if soft and not reason:
        raise ValidationFailed([("reason", _l("Give the reason for breaking the rule."))])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", _l("Use at most %(n)d characters.", n=2000))])
    score, reasons = _explain(mentor, mentee, now)
    m = proposals.propose(
        mentor,
        mentee,
        run=None,
        score=score,
        reasons=reasons,
        actor=coordinator,
        now=now,
        override_reason=reason if soft else "",
    )
    record(coordinator, "pair.manual", m, mentor=mentor.id, mentee=mentee.id, broken=soft, reason=reason)
    if soft:
        record(coordinator, "pair.override", m, mentor=mentor.id, mentee=mentee.id, broken=soft, reason=reason)
    return m


def _explain(mentor: Member, mentee: Member, now: datetime) -> tuple[float | None, list[dict]]:
    """The matcher's score and reasons for a hand-made pair, where it can give them: learnt
    on today's matching pool (the pool a run would read), so a hand-made pair gets the score
    and bio similarity a run would give it, not ones learnt from the two members alone."""
    try:
        import matcher

        from ..runs.pool import collect_members

        config = rules.match_config()
        a, b = rules.to_matcher(mentor), rules.to_matcher(mentee)
        population = collect_members(db.session, now)
        score = matcher.score_pair(a, b, config, population=population)
        return float(score), [dict(r) for r in matcher.explain_pair(a, b, config, population=population)]
    except Exception:  # noqa: BLE001 - a missing explanation must not stop a manual pair
        log.warning("no matcher explanation for manual pair %s-%s", mentor.id, mentee.id, exc_info=True)
        return None, []


def end_mentorship(coordinator: Member, m: Mentorship, reason: str, now: datetime) -> Mentorship:
    """A coordinator ends an open mentorship (or withdraws a pending proposal) with a reason;
    the pair is never proposed again and both are told by email. The transition is
    ``lifecycle.end_by_coordinator``: when a member acted first, nothing is written."""
    if not in_scope(coordinator, m.mentor, m.mentee):
        abort(404)
    previous = lifecycle.end_by_coordinator(m, coordinator, now, reason)
    reason = m.close_reason
    record(coordinator, "mentorship.end", m, from_state=previous, reason=reason)
    for member, other in ((m.mentor, m.mentee), (m.mentee, m.mentor)):
        _tell_ended(member, other)
    db.session.flush()
    return m


def _tell_ended(member: Member, other: Member) -> None:
    from flask import current_app, url_for

    from ..mail import queue_email

    link = current_app.config["BASE_URL"].rstrip("/") + url_for("matches.index")
    with force_locale(member.locale):
        queue_email(
            member.email,
            _("Bridges: a mentorship ended"),
            _(
                "Hello,\n\nA coordinator ended one of your mentorships. "
                "Your national focal point can tell you more.\n\n%(link)s",
                link=link,
            ),
            member_id=member.id,
        )


def forbid_pair(coordinator: Member, mentor_ref: str, mentee_ref: str, note: str, now: datetime) -> ForbiddenPair:
    """The pair will never be proposed again, by a run or by hand."""
    note = (note or "").strip()
    mentor, mentee = _pair_members(
        coordinator, mentor_ref, mentee_ref, _l("You can act only on members of your own country.")
    )
    if mentor.id == mentee.id:
        raise ValidationFailed([("mentee", _l("Choose two different members."))])
    if len(note) > 2000:
        raise ValidationFailed([("note", _l("Use at most %(n)d characters.", n=2000))])
    row = db.session.scalar(
        select(ForbiddenPair).where(ForbiddenPair.mentor_id == mentor.id, ForbiddenPair.mentee_id == mentee.id)
    )
    if row is not None:
        raise ValidationFailed([(None, _l("This pair is already never proposed."))])
    row = ForbiddenPair(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        reason="coordinator",
        note=note,
        created_at=now,
        created_by_id=coordinator.id,
    )
    db.session.add(row)
    db.session.flush()
    record(coordinator, "pair.forbid", row, mentor=mentor.id, mentee=mentee.id, note=note)
    return row


def reopen_member(coordinator: Member, member_ref: str | int, now: datetime) -> tuple[Member, int]:
    """Lift every ban a coordinator placed on pairs with this member, so the next run may
    pair her again. Pairs she or the other declined or ended stay excluded: that was their
    decision. Returns the member and how many bans were lifted."""
    member = find_member(coordinator, member_ref, scoped=True)
    if member is None:
        raise ValidationFailed([("member", _l("No member of yours with this number or email."))])
    result = db.session.execute(
        delete(ForbiddenPair).where(
            ForbiddenPair.reason == "coordinator",
            or_(ForbiddenPair.mentor_id == member.id, ForbiddenPair.mentee_id == member.id),
        )
    )
    lifted = result.rowcount or 0
    record(coordinator, "member.reopen", member, lifted=lifted)
    return member, lifted


def matching_blockers(member: Member) -> list[str]:
    """What still keeps a member out of the next run, as sentences (``rules.member_problems``)."""
    return [rules.member_problem_message(code) for code in rules.member_problems(member)]


def coordinator_bans(coordinator: Member, limit: int = 100) -> list[tuple[ForbiddenPair, Member | None, Member | None]]:
    """The pairs coordinators banned, newest first, with both members (None once deleted)."""
    rows = db.session.scalars(
        select(ForbiddenPair)
        .where(ForbiddenPair.reason == "coordinator")
        .order_by(ForbiddenPair.created_at.desc())
        .limit(limit * 3)
    )
    people = {}
    out = []
    for row in rows:
        ids = {row.mentor_id, row.mentee_id} - set(people)
        people.update(_members(ids))
        mentor, mentee = people.get(row.mentor_id), people.get(row.mentee_id)
        if in_scope(coordinator, mentor, mentee):
            out.append((row, mentor, mentee))
    return out[:limit]


def open_mentorships(coordinator: Member, limit: int = 200) -> list[Mentorship]:
    stmt = select(Mentorship).where(Mentorship.state.in_(S.OPEN))
    stmt = stmt.where(policy.pair_clause(coordinator, Mentorship.mentor_id, Mentorship.mentee_id))
    return list(db.session.scalars(stmt.order_by(Mentorship.id.desc()).limit(limit)))
