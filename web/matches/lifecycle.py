"""How a mentorship changes state: one transition table, one function that applies it.

proposed --accept (mentor)--> accepted --confirm (mentee)--> active --complete (the end date)--> completed
proposed/accepted --decline (either side)--> declined;  --expire (no answer)--> expired
active --end (either side, or a coordinator)--> ended;  proposed/accepted --end (a coordinator)--> ended

Every transition is one conditional update ("set state to B where id = X and state = A"):
when two people act at the same moment one wins, the other is told that it changed
meanwhile, and only the winner writes the ``MentorshipEvent`` and the notifications.
Services add and flush; the caller commits. Time comes in as ``now``.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..extensions import db
from ..models import ForbiddenPair, Member, MemberStatus, Mentorship, MentorshipEvent, MentorshipState
from ..notifications.services import notify
from ..validation import ValidationFailed
from . import rules
from .errors import refused

log = logging.getLogger(__name__)
S = MentorshipState

TEXT_MAX = 2000

MENTOR, MENTEE, COORDINATOR, SYSTEM = "mentor", "mentee", "coordinator", "system"
PARTIES = frozenset({MENTOR, MENTEE})


@dataclass(frozen=True)
class Transition:
    to: str
    by: frozenset[str]  # who may do it: mentor, mentee, coordinator, system


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.PROPOSED, "accept"): Transition(S.ACCEPTED, frozenset({MENTOR})),
    (S.ACCEPTED, "confirm"): Transition(S.ACTIVE, frozenset({MENTEE})),
    (S.PROPOSED, "decline"): Transition(S.DECLINED, PARTIES),
    (S.ACCEPTED, "decline"): Transition(S.DECLINED, PARTIES),
    (S.ACTIVE, "end"): Transition(S.ENDED, PARTIES | {COORDINATOR}),
    (S.PROPOSED, "end"): Transition(S.ENDED, frozenset({COORDINATOR})),  # a coordinator withdraws it
    (S.ACCEPTED, "end"): Transition(S.ENDED, frozenset({COORDINATOR})),
    (S.PROPOSED, "expire"): Transition(S.EXPIRED, frozenset({SYSTEM})),
    (S.ACCEPTED, "expire"): Transition(S.EXPIRED, frozenset({SYSTEM})),
    (S.ACTIVE, "complete"): Transition(S.COMPLETED, frozenset({SYSTEM, COORDINATOR})),
}

STATE_REFUSALS = {
    S.PROPOSED: _l("This proposal is still waiting for the mentor."),
    S.ACCEPTED: _l("This proposal is already accepted."),
    S.ACTIVE: _l("This mentorship is already active."),
    S.COMPLETED: _l("This mentorship is completed."),
    S.ENDED: _l("This mentorship has ended."),
    S.DECLINED: _l("This proposal was declined."),
    S.EXPIRED: _l("This proposal has expired."),
}
ROLE_REFUSALS = {
    "accept": _l("Only the mentor can accept a proposal."),
    "confirm": _l("Only the mentee can confirm the mentorship."),
}


def check(m: Mentorship, event: str, role: str) -> Transition:
    """The transition ``event`` from the state ``m`` was read in, or the refusal to show."""
    t = TRANSITIONS.get((m.state, event))
    if t is not None and role in t.by:
        return t
    if t is not None and event in ROLE_REFUSALS:
        raise refuse(ROLE_REFUSALS[event])
    raise refuse(STATE_REFUSALS.get(m.state, m.state))


def role_of(m: Mentorship, actor: Member) -> str | None:
    if actor.id == m.mentor_id:
        return MENTOR
    if actor.id == m.mentee_id:
        return MENTEE
    return None


def refuse(message) -> ValidationFailed:
    """A refusal with one message for the whole form."""
    return refused([(None, message)])


def _changed_meanwhile(m: Mentorship) -> ValidationFailed:
    db.session.refresh(m)
    log.info("mentorship %s changed meanwhile; now %s", m.id, m.state)
    return refused(
        [(None, _l("This changed meanwhile and nothing was done. Now: %(state)s", state=STATE_REFUSALS[m.state]))]
    )


def transition(
    m: Mentorship, event: str, *, role: str, actor: Member | None, now: datetime, note: str = "", **values
) -> MentorshipEvent:
    """Apply ``event`` to ``m`` as ``role``, with ``values`` set in the same statement.

    Refuses (``ValidationFailed``) an event the table does not allow from the state the
    actor saw, or for her role. The update only applies while the row is still in that
    state; when someone else moved it first, nothing is written and the actor is told
    the current state. Returns the event written."""
    seen = m.state
    t = check(m, event, role)
    result = db.session.execute(
        update(Mentorship)
        .where(Mentorship.id == m.id, Mentorship.state == seen)
        .values(state=t.to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _changed_meanwhile(m)
    # Keep the loaded object in step without marking it dirty (no second UPDATE).
    db.session.expire(m, ["state", *values])
    event_row = MentorshipEvent(
        mentorship_id=m.id,
        at=now,
        actor_id=actor.id if actor else None,
        from_state=seen,
        to_state=t.to,
        note=(note or "")[:TEXT_MAX],
    )
    db.session.add(event_row)
    db.session.flush()
    db.session.expire(m, ["events"])
    log.info("mentorship %s %s -> %s by %s", m.id, seen, t.to, actor.id if actor else role)
    return event_row


# --- loading -------------------------------------------------------------------------------


def get_mentorship_for(member: Member, mentorship_id: int) -> Mentorship:
    """The mentorship if ``member`` is one of the pair; 404 otherwise (coordinators included)."""
    m = db.session.get(Mentorship, mentorship_id)
    if m is None or not m.involves(member):
        abort(404)
    return m


# --- the members' actions ------------------------------------------------------------------


def require_party(m: Mentorship, actor: Member) -> str:
    """Her role in ``m`` (mentor or mentee); refused when she is neither or not active."""
    role = role_of(m, actor)
    if role is None:
        raise refuse(_l("This match is not yours."))
    if actor.status != MemberStatus.ACTIVE:
        raise refuse(_l("Your account is not active."))
    return role


def answer_deadline(m: Mentorship) -> datetime | None:
    """When a pending proposal expires unanswered (``PROPOSAL_TTL_DAYS`` after it was made,
    or after the mentor accepted while the mentee confirms); None once it is answered."""
    if m.state not in S.PENDING:
        return None
    ttl = timedelta(days=int(current_app.config.get("PROPOSAL_TTL_DAYS", 14)))
    started = m.accepted_at if m.state == S.ACCEPTED and m.accepted_at else m.proposed_at
    return started + ttl if started else None


def _expired_by_time(m: Mentorship, now: datetime) -> bool:
    deadline = answer_deadline(m)
    return deadline is not None and now >= deadline


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise refused([("reason", _l("Tell us briefly why the mentorship ends."))])
    if len(reason) > TEXT_MAX:
        raise refused([("reason", _l("Use at most %(n)d characters.", n=TEXT_MAX))])
    return reason


def accept(m: Mentorship, actor: Member, now: datetime, note: str = "") -> Mentorship:
    """The mentor accepts a proposal; the mentee is asked to confirm.

    The mentor's row is locked before her places are counted, so two accepts at once
    cannot both take her last place."""
    role = require_party(m, actor)
    check(m, "accept", role)
    rules.lock_members([m.mentor_id])
    if _expired_by_time(m, now):
        raise refuse(STATE_REFUSALS[S.EXPIRED])
    if m.mentee.status != MemberStatus.ACTIVE:
        raise refuse(rules.PROBLEMS["inactive"].message)
    if rules.open_count(m.mentor_id, exclude_id=m.id) >= (actor.capacity or 0):
        raise refuse(_l("You already have as many mentees as your capacity allows."))
    transition(m, "accept", role=role, actor=actor, now=now, note=note, accepted_at=now, reminded_at=None)
    notify(m.mentee, "proposal_accepted", mentorship=m, now=now)
    return m


def confirm(m: Mentorship, actor: Member, now: datetime, note: str = "") -> Mentorship:
    """The mentee confirms an accepted proposal: the mentorship starts and a conversation opens."""
    role = require_party(m, actor)
    check(m, "confirm", role)
    rules.lock_members([m.mentee_id])
    if _expired_by_time(m, now):
        raise refuse(STATE_REFUSALS[S.EXPIRED])
    if m.mentor.status != MemberStatus.ACTIVE:
        raise refuse(rules.PROBLEMS["inactive"].message)
    if rules.open_mentorship_of_mentee(m.mentee_id, exclude_id=m.id) is not None:
        raise refuse(_l("You already have a mentor."))
    ends_on = add_months(now, int(current_app.config.get("PROGRAMME_MONTHS", 6)))
    transition(m, "confirm", role=role, actor=actor, now=now, note=note, activated_at=now, ends_on=ends_on)
    from ..messages.services import open_mentorship_conversation

    open_mentorship_conversation(m, now)
    notify(m.mentor, "mentorship_active", mentorship=m, now=now)
    return m


def decline(m: Mentorship, actor: Member, now: datetime, reason: str = "") -> Mentorship:
    """Either side declines a pending proposal. The reason is never shown to the other side;
    the pair is never proposed again."""
    role = require_party(m, actor)
    check(m, "decline", role)
    reason = _reason(reason, required=False)
    transition(
        m, "decline", role=role, actor=actor, now=now, note=reason, closed_at=now, closed_by_id=actor.id, close_reason=reason
    )
    forbid(m.mentor_id, m.mentee_id, "declined", actor, now)
    notify(m.mentee if role == MENTOR else m.mentor, "proposal_declined", mentorship=m, now=now)
    return m


def end(m: Mentorship, actor: Member, now: datetime, reason: str) -> Mentorship:
    """Either side ends an active mentorship early, with a reason coordinators can read."""
    role = require_party(m, actor)
    if m.state == S.ACCEPTED:
        raise refuse(_l("Only an active mentorship can be ended."))
    check(m, "end", role)
    reason = _reason(reason, required=True)
    transition(
        m, "end", role=role, actor=actor, now=now, note=reason, closed_at=now, closed_by_id=actor.id, close_reason=reason
    )
    forbid(m.mentor_id, m.mentee_id, "ended", actor, now)
    notify(m.mentee if role == MENTOR else m.mentor, "mentorship_ended", mentorship=m, now=now)
    return m


def end_by_coordinator(m: Mentorship, coordinator: Member, now: datetime, reason: str) -> str:
    """A coordinator ends an open mentorship or withdraws a pending proposal, with a reason;
    the pair is never proposed again. Returns the state it had. Telling the pair (and the
    audit log) is the caller's: the coordinator's email says who ended it."""
    if m.state not in S.OPEN:
        raise refuse(_l("This mentorship is already closed."))
    reason = _reason(reason, required=True)
    previous = m.state
    transition(
        m,
        "end",
        role=COORDINATOR,
        actor=coordinator,
        now=now,
        note=reason,
        closed_at=now,
        closed_by_id=coordinator.id,
        close_reason=reason,
    )
    forbid(m.mentor_id, m.mentee_id, "ended", coordinator, now)
    return previous


def complete(m: Mentorship, actor: Member | None, now: datetime, note: str = "") -> Mentorship:
    """The programme period is over (the sweep), or a coordinator closes it as completed."""
    role = COORDINATOR if actor is not None else SYSTEM
    transition(
        m, "complete", role=role, actor=actor, now=now, note=note, closed_at=now, closed_by_id=actor.id if actor else None
    )
    for member in (m.mentor, m.mentee):
        notify(member, "mentorship_completed", mentorship=m, now=now)
    return m


def expire(m: Mentorship, now: datetime) -> Mentorship:
    """Nobody answered in time: the mentee goes back to the pool; both are told."""
    transition(m, "expire", role=SYSTEM, actor=None, now=now, closed_at=now)
    for member in (m.mentor, m.mentee):
        notify(member, "proposal_expired", mentorship=m, now=now)
    return m


def forbid(mentor_id: int, mentee_id: int, reason: str, actor: Member | None, now: datetime) -> None:
    """The pair is never proposed again (``ForbiddenPair``), once."""
    exists = db.session.scalar(
        select(ForbiddenPair.id).where(ForbiddenPair.mentor_id == mentor_id, ForbiddenPair.mentee_id == mentee_id)
    )
    if exists is None:
        db.session.add(
            ForbiddenPair(
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                reason=reason,
                created_at=now,
                created_by_id=actor.id if actor else None,
            )
        )


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- what a member sees --------------------------------------------------------------------


def mentee_status(member: Member, mentorships: list[Mentorship] | None = None) -> tuple[str, Mentorship | None]:
    """``not_mentee``, ``waiting`` (for the next run), ``pending`` (the mentor considers it),
    ``to_confirm`` (the mentor accepted) or ``matched``. ``mentorships``: all of hers, newest
    first, when the caller has them (no query then)."""
    if not member.is_mentee:
        return "not_mentee", None
    if mentorships is None:
        m = rules.open_mentorship_of_mentee(member.id)
    else:
        m = next((x for x in mentorships if x.mentee_id == member.id and x.state in S.OPEN), None)
    if m is None:
        return "waiting", None
    return {S.PROPOSED: "pending", S.ACCEPTED: "to_confirm", S.ACTIVE: "matched"}[m.state], m


def all_mentorships_of(member: Member) -> list[Mentorship]:
    """Every mentorship she is one of the pair of, newest first."""
    return list(
        db.session.scalars(
            select(Mentorship)
            .where((Mentorship.mentor_id == member.id) | (Mentorship.mentee_id == member.id))
            .order_by(Mentorship.id.desc())
        )
    )


def mentorships_of(member: Member, rows: list[Mentorship] | None = None) -> dict[str, list[Mentorship]]:
    """A member's mentorships grouped for her overview page (``rows``: ``all_mentorships_of``)."""
    rows = all_mentorships_of(member) if rows is None else rows
    groups: dict[str, list[Mentorship]] = {"to_answer": [], "waiting": [], "active": [], "past": []}
    for m in rows:
        if m.state == S.ACTIVE:
            groups["active"].append(m)
        elif m.state in S.CLOSED:
            groups["past"].append(m)
        elif (m.state == S.PROPOSED and m.mentor_id == member.id) or (m.state == S.ACCEPTED and m.mentee_id == member.id):
            groups["to_answer"].append(m)
        else:
            groups["waiting"].append(m)
    return groups


def events_visible_to(m: Mentorship, viewer: Member) -> list[dict]:
    """The history of a mentorship; a reason for declining or ending is shown only to the
    one who wrote it (and coordinators)."""
    from ..policy import covers_any

    out = []
    for e in m.events:
        note = e.note
        if e.to_state in (S.DECLINED, S.ENDED) and e.actor_id != viewer.id and not covers_any(viewer, m.mentor, m.mentee):
            note = ""
        out.append({"at": e.at, "actor_id": e.actor_id, "from_state": e.from_state, "to_state": e.to_state, "note": note})
    return out
