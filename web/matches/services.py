"""The mentorship lifecycle.

proposed --accept (mentor)--> accepted --confirm (mentee)--> active --> completed | ended
proposed/accepted --decline (either side)--> declined;  --(no answer)--> expired

Every transition is a ``MentorshipEvent`` (who, when, from, to, note). Services
add and flush; the caller commits. Time comes in as ``now``."""

from __future__ import annotations

import calendar
import logging
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, text

from .. import taxonomy
from ..extensions import db
from ..models import (
    ForbiddenPair,
    MatchRun,
    Member,
    MemberLanguage,
    MemberStatus,
    Mentorship,
    MentorshipEvent,
    MentorshipState,
)
from ..models import CheckIn, Feedback, MentorshipGoal, MentorshipReminder
from ..notifications.services import notify, notify_many
from ..validation import ValidationFailed
from .errors import refused

log = logging.getLogger(__name__)
S = MentorshipState

MAX_GOALS = 5
GOAL_PROGRESS = (0, 25, 50, 75, 100)
TEXT_MAX = 2000
FEEDBACK_DAYS_BEFORE_END = 14
CHECKIN_INTERVAL_DAYS = 30

# Problems no one may override: the pair cannot exist at all.
HARD_PROBLEMS = frozenset(
    {"same_person", "inactive", "not_mentor", "not_mentee", "mentee_taken", "mentor_full", "forbidden"}
)

PROBLEM_MESSAGES = {
    "same_person": _l("A member cannot mentor herself."),
    "inactive": _l("One of the two members is no longer active."),
    "not_mentor": _l("This member does not offer mentoring."),
    "not_mentee": _l("This member is not looking for a mentor."),
    "mentee_taken": _l("The mentee already has a pending or active mentorship."),
    "mentor_full": _l("The mentor has no free place left."),
    "forbidden": _l("This pair was declined or ended before and is never proposed again."),
    "same_country": _l("Mentor and mentee work in the same country."),
    "no_shared_language": _l("Mentor and mentee share no working language."),
    "gap_too_small": _l("The mentor does not have enough more years of service."),
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


# --- loading -----------------------------------------------------------------


def get_mentorship_for(member: Member, mentorship_id: int) -> Mentorship:
    """The mentorship if ``member`` is one of the pair; 404 otherwise (coordinators included)."""
    m = db.session.get(Mentorship, mentorship_id)
    if m is None or not m.involves(member):
        abort(404)
    return m


def open_count(mentor_id: int, exclude_id: int | None = None) -> int:
    stmt = select(func.count(Mentorship.id)).where(Mentorship.mentor_id == mentor_id, Mentorship.state.in_(S.OPEN))
    if exclude_id is not None:
        stmt = stmt.where(Mentorship.id != exclude_id)
    return db.session.scalar(stmt) or 0


def open_mentorship_of_mentee(mentee_id: int, exclude_id: int | None = None) -> Mentorship | None:
    stmt = select(Mentorship).where(Mentorship.mentee_id == mentee_id, Mentorship.state.in_(S.OPEN))
    if exclude_id is not None:
        stmt = stmt.where(Mentorship.id != exclude_id)
    return db.session.scalars(stmt.order_by(Mentorship.id.desc())).first()


def is_forbidden(mentor_id: int, mentee_id: int) -> bool:
    return (
        db.session.scalar(
            select(ForbiddenPair.id).where(ForbiddenPair.mentor_id == mentor_id, ForbiddenPair.mentee_id == mentee_id)
        )
        is not None
    )


# --- proposing ---------------------------------------------------------------


def min_gap_years() -> int:
    return int(current_app.config.get("MATCHING_MIN_GAP_YEARS", 2))


def rule_problems(
    mentor,
    mentee,
    *,
    mentor_languages,
    mentee_languages,
    mentee_taken: bool,
    mentor_open: int,
    forbidden: bool,
    min_gap: int,
) -> list[str]:
    """The rules of a pair, as codes, from facts already read from the database.

    Pure: ``pair_problems`` (one pair, its own queries) and ``check_pairs`` (a
    batch, set-based queries) both call it, so the two cannot drift apart.
    ``mentor`` and ``mentee`` are members or rows with their columns;
    ``mentor_open`` counts the mentor's open mentorships; ``mentee_taken`` says
    whether the mentee has one."""
    if mentor.id == mentee.id:
        return ["same_person"]
    problems: list[str] = []
    if mentor.status != MemberStatus.ACTIVE or mentee.status != MemberStatus.ACTIVE:
        problems.append("inactive")
    if not mentor.is_mentor:
        problems.append("not_mentor")
    if not mentee.is_mentee:
        problems.append("not_mentee")
    if mentee_taken:
        problems.append("mentee_taken")
    if mentor_open >= (mentor.capacity or 0):
        problems.append("mentor_full")
    if forbidden:
        problems.append("forbidden")
    if mentor.country == mentee.country:
        problems.append("same_country")
    if not set(mentor_languages) & set(mentee_languages):
        problems.append("no_shared_language")
    if mentor.years_of_service < mentee.years_of_service + min_gap:
        problems.append("gap_too_small")
    return problems


def pair_problems(mentor: Member, mentee: Member) -> list[str]:
    """Why this pair cannot be proposed now, as codes (empty when it can).

    Checks the database as it is now, so a pair computed by an earlier matching
    run can be dropped when it went stale."""
    if mentor.id == mentee.id:
        return ["same_person"]
    return rule_problems(
        mentor,
        mentee,
        mentor_languages=mentor.language_codes,
        mentee_languages=mentee.language_codes,
        mentee_taken=open_mentorship_of_mentee(mentee.id) is not None,
        mentor_open=open_count(mentor.id),
        forbidden=is_forbidden(mentor.id, mentee.id),
        min_gap=min_gap_years(),
    )


# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 5000


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _lock_ids(ids) -> None:
    """Hold the write lock on these members until the transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the rows, in id order (every locker
    goes in the same order, so none deadlocks). SQLite locks the whole database
    for the first writer: write at once, so that the reads that follow already
    belong to a transaction that holds the lock."""
    if not ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE member SET status = status WHERE id = :id"), {"id": min(ids)})
        return
    for chunk in _chunks(ids):
        db.session.execute(select(Member.id).where(Member.id.in_(chunk)).order_by(Member.id).with_for_update()).all()


# What the rules and the proposal email read of a member; check_pairs reads these
# columns only (rows, not Member objects: thousands of those cost seconds).
MEMBER_FACTS = (
    Member.id,
    Member.status,
    Member.is_mentor,
    Member.is_mentee,
    Member.capacity,
    Member.country,
    Member.years_of_service,
    Member.email,
    Member.display_name,
    Member.locale,
    Member.email_notifications,
)


def check_pairs(pairs, *, lock: bool = False) -> tuple[dict[int, Any], list[list[str]]]:
    """The problems of each ``(mentor_id, mentee_id, ...)`` pair, as ``pair_problems``
    gives them, as if the pairs before it in the list that had none were proposed.

    Reads members, open mentorships, forbidden pairs and languages with a few
    set-based queries. ``lock`` first locks the members (``_lock_ids``), for a
    caller that writes the valid pairs in the same transaction. A pair with a
    member missing from the database gets ``member_gone``. Returns the members
    by id (rows of ``MEMBER_FACTS``) and one list of codes per pair."""
    pairs = [(int(p[0]), int(p[1])) for p in pairs]
    ids = {i for pair in pairs for i in pair}
    if lock:
        _lock_ids(ids)
    members: dict[int, Any] = {}
    for chunk in _chunks(ids):
        members.update((row.id, row) for row in db.session.execute(select(*MEMBER_FACTS).where(Member.id.in_(chunk))))
    languages: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        for member_id, code in db.session.execute(
            select(MemberLanguage.member_id, MemberLanguage.code).where(MemberLanguage.member_id.in_(chunk))
        ):
            languages[member_id].add(code)
    mentor_ids = {a for a, _b in pairs}
    mentee_ids = {b for _a, b in pairs}
    load: Counter[int] = Counter()
    for chunk in _chunks(mentor_ids):
        load.update(
            dict(
                db.session.execute(
                    select(Mentorship.mentor_id, func.count(Mentorship.id))
                    .where(Mentorship.mentor_id.in_(chunk), Mentorship.state.in_(S.OPEN))
                    .group_by(Mentorship.mentor_id)
                ).all()
            )
        )
    taken: set[int] = set()
    for chunk in _chunks(mentee_ids):
        taken.update(
            db.session.scalars(
                select(Mentorship.mentee_id).where(Mentorship.mentee_id.in_(chunk), Mentorship.state.in_(S.OPEN))
            )
        )
    wanted = set(pairs)
    forbidden: set[tuple[int, int]] = set()
    for chunk in _chunks(mentor_ids):
        forbidden.update(
            row
            for row in db.session.execute(
                select(ForbiddenPair.mentor_id, ForbiddenPair.mentee_id).where(ForbiddenPair.mentor_id.in_(chunk))
            )
            if tuple(row) in wanted
        )
    min_gap = min_gap_years()

    results: list[list[str]] = []
    for mentor_id, mentee_id in pairs:
        mentor, mentee = members.get(mentor_id), members.get(mentee_id)
        if mentor is None or mentee is None:
            results.append(["member_gone"])
            continue
        problems = rule_problems(
            mentor,
            mentee,
            mentor_languages=languages[mentor_id],
            mentee_languages=languages[mentee_id],
            mentee_taken=mentee_id in taken,
            mentor_open=load[mentor_id],
            forbidden=(mentor_id, mentee_id) in forbidden,
            min_gap=min_gap,
        )
        if not problems:
            taken.add(mentee_id)
            load[mentor_id] += 1
        results.append(problems)
    return members, results


def propose_many(pairs, *, run: MatchRun | None, actor: Member | None, now: datetime) -> tuple[list[Mentorship], list[dict]]:
    """Propose many pairs at once and tell each mentor: ``propose`` for a whole run.

    ``pairs`` are ``(mentor_id, mentee_id, score, reasons)``. Locks the members,
    checks every pair with the rules of ``pair_problems`` (counting the pairs
    proposed before it in this call) and writes the valid ones, their events and
    notifications with a handful of statements. No overrides. Flushes only.
    Returns the proposals, in the order of ``pairs``, and the dropped pairs as
    ``{"mentor": id, "mentee": id, "problems": [codes]}``."""
    pairs = list(pairs)
    members, results = check_pairs(pairs, lock=True)
    rows, dropped = [], []
    for (mentor_id, mentee_id, score, reasons), problems in zip(pairs, results, strict=True):
        if problems:
            dropped.append({"mentor": str(mentor_id), "mentee": str(mentee_id), "problems": [str(p) for p in problems]})
            continue
        rows.append(
            {
                "mentor_id": int(mentor_id),
                "mentee_id": int(mentee_id),
                "run_id": run.id if run is not None else None,
                "state": S.PROPOSED,
                "score": score,
                "reasons": list(reasons or []),
                "created_by_id": actor.id if actor else None,
                "override_reason": "",
                "proposed_at": now,
            }
        )
    if not rows:
        return [], dropped
    # No sort_by_parameter_order: on SQLite it means one INSERT per row. A mentee is
    # proposed at most once here, so she puts the rows back in order.
    by_mentee = {m.mentee_id: m for m in db.session.scalars(insert(Mentorship).returning(Mentorship), rows)}
    proposals = [by_mentee[row["mentee_id"]] for row in rows]
    actor_id = actor.id if actor else None
    db.session.execute(
        insert(MentorshipEvent),
        [
            {"mentorship_id": m.id, "at": now, "actor_id": actor_id, "from_state": "", "to_state": S.PROPOSED, "note": ""}
            for m in proposals
        ],
    )
    notify_many("proposal_new", [(members[m.mentor_id], m, members[m.mentee_id]) for m in proposals], now=now)
    log.info("%s mentorships proposed, %s pairs dropped, run=%s", len(proposals), len(dropped), run.id if run else None)
    return proposals, dropped


def propose(
    mentor: Member,
    mentee: Member,
    *,
    run: MatchRun | None,
    score: float | None,
    reasons: list[dict],
    actor: Member | None,
    now: datetime,
    override_reason: str = "",
) -> Mentorship:
    """Create a proposal and tell the mentor. Raises ValidationFailed when the pair is not
    valid now; a coordinator (``override_reason``) may override the soft rules only."""
    _lock(mentor, mentee)
    problems = pair_problems(mentor, mentee)
    blocking = [p for p in problems if p in HARD_PROBLEMS or not override_reason.strip()]
    if blocking:
        raise refused([(None, PROBLEM_MESSAGES[p]) for p in blocking])
    m = Mentorship(
        mentor=mentor,
        mentee=mentee,
        run=run,
        state=S.PROPOSED,
        score=score,
        reasons=list(reasons or []),
        created_by_id=actor.id if actor else None,
        override_reason=override_reason.strip() if problems else "",
        proposed_at=now,
    )
    db.session.add(m)
    _record(m, "", S.PROPOSED, actor, now, override_reason.strip() if problems else "")
    db.session.flush()
    notify(mentor, "proposal_new", mentorship=m, now=now)
    log.info("mentorship %s proposed mentor=%s mentee=%s run=%s", m.id, mentor.id, mentee.id, run.id if run else None)
    return m


def _lock(*members: Member) -> None:
    """Serialise concurrent proposals for the same members (PostgreSQL row locks)."""
    ids = sorted(m.id for m in members)
    db.session.execute(select(Member.id).where(Member.id.in_(ids)).order_by(Member.id).with_for_update())


# --- transitions -------------------------------------------------------------


def _record(
    m: Mentorship, from_state: str, to_state: str, actor: Member | None, now: datetime, note: str = ""
) -> MentorshipEvent:
    event = MentorshipEvent(
        mentorship=m,
        at=now,
        actor_id=actor.id if actor else None,
        from_state=from_state,
        to_state=to_state,
        note=note[:TEXT_MAX],
    )
    db.session.add(event)
    return event


def _move(m: Mentorship, to_state: str, actor: Member | None, now: datetime, note: str = "") -> None:
    _record(m, m.state, to_state, actor, now, note)
    log.info("mentorship %s %s -> %s by %s", m.id, m.state, to_state, actor.id if actor else "system")
    m.state = to_state


def _refuse(message) -> ValidationFailed:
    return refused([(None, message)])


def _require_party(m: Mentorship, actor: Member) -> None:
    if not m.involves(actor):
        raise _refuse(_l("This match is not yours."))
    if actor.status != MemberStatus.ACTIVE:
        raise _refuse(_l("Your account is not active."))


def _expired_by_time(m: Mentorship, now: datetime) -> bool:
    ttl = timedelta(days=int(current_app.config.get("PROPOSAL_TTL_DAYS", 14)))
    started = m.accepted_at if m.state == S.ACCEPTED and m.accepted_at else m.proposed_at
    return m.state in S.PENDING and now - started >= ttl


def accept(m: Mentorship, actor: Member, now: datetime, note: str = "") -> Mentorship:
    """The mentor accepts a proposal; the mentee is asked to confirm."""
    _require_party(m, actor)
    if actor.id != m.mentor_id:
        raise _refuse(_l("Only the mentor can accept a proposal."))
    if m.state != S.PROPOSED:
        raise _refuse(STATE_REFUSALS[m.state])
    if _expired_by_time(m, now):
        raise _refuse(STATE_REFUSALS[S.EXPIRED])
    if m.mentee.status != MemberStatus.ACTIVE:
        raise _refuse(PROBLEM_MESSAGES["inactive"])
    if open_count(m.mentor_id, exclude_id=m.id) >= (actor.capacity or 0):
        raise _refuse(_l("You already have as many mentees as your capacity allows."))
    _move(m, S.ACCEPTED, actor, now, note)
    m.accepted_at = now
    m.reminded_at = None
    notify(m.mentee, "proposal_accepted", mentorship=m, now=now)
    return m


def confirm(m: Mentorship, actor: Member, now: datetime, note: str = "") -> Mentorship:
    """The mentee confirms an accepted proposal: the mentorship starts and a conversation opens."""
    _require_party(m, actor)
    if actor.id != m.mentee_id:
        raise _refuse(_l("Only the mentee can confirm the mentorship."))
    if m.state != S.ACCEPTED:
        raise _refuse(STATE_REFUSALS[m.state])
    if _expired_by_time(m, now):
        raise _refuse(STATE_REFUSALS[S.EXPIRED])
    if m.mentor.status != MemberStatus.ACTIVE:
        raise _refuse(PROBLEM_MESSAGES["inactive"])
    if open_mentorship_of_mentee(m.mentee_id, exclude_id=m.id) is not None:
        raise _refuse(_l("You already have a mentor."))
    _move(m, S.ACTIVE, actor, now, note)
    m.activated_at = now
    m.ends_on = add_months(now, int(current_app.config.get("PROGRAMME_MONTHS", 6)))
    from ..messages.services import open_mentorship_conversation

    open_mentorship_conversation(m, now)
    notify(m.mentor, "mentorship_active", mentorship=m, now=now)
    return m


def decline(m: Mentorship, actor: Member, now: datetime, reason: str = "") -> Mentorship:
    """Either side declines a pending proposal. The reason is never shown to the other side;
    the pair is never proposed again."""
    _require_party(m, actor)
    if m.state not in S.PENDING:
        raise _refuse(STATE_REFUSALS[m.state])
    reason = (reason or "").strip()
    if len(reason) > TEXT_MAX:
        raise refused([("reason", _l("Use at most %(n)d characters.", n=TEXT_MAX))])
    _move(m, S.DECLINED, actor, now, reason)
    m.closed_at = now
    m.closed_by_id = actor.id
    m.close_reason = reason
    forbid(m.mentor_id, m.mentee_id, "declined", actor, now)
    other = m.mentee if actor.id == m.mentor_id else m.mentor
    notify(other, "proposal_declined", mentorship=m, now=now)
    return m


def end(m: Mentorship, actor: Member, now: datetime, reason: str) -> Mentorship:
    """Either side ends an active mentorship early, with a reason coordinators can read."""
    _require_party(m, actor)
    if m.state != S.ACTIVE:
        raise _refuse(STATE_REFUSALS[m.state] if m.state != S.ACCEPTED else _l("Only an active mentorship can be ended."))
    reason = (reason or "").strip()
    if not reason:
        raise refused([("reason", _l("Tell us briefly why the mentorship ends."))])
    if len(reason) > TEXT_MAX:
        raise refused([("reason", _l("Use at most %(n)d characters.", n=TEXT_MAX))])
    _move(m, S.ENDED, actor, now, reason)
    m.closed_at = now
    m.closed_by_id = actor.id
    m.close_reason = reason
    forbid(m.mentor_id, m.mentee_id, "ended", actor, now)
    other = m.mentee if actor.id == m.mentor_id else m.mentor
    notify(other, "mentorship_ended", mentorship=m, now=now)
    return m


def complete(m: Mentorship, actor: Member | None, now: datetime, note: str = "") -> Mentorship:
    if m.state != S.ACTIVE:
        raise _refuse(STATE_REFUSALS[m.state])
    _move(m, S.COMPLETED, actor, now, note)
    m.closed_at = now
    m.closed_by_id = actor.id if actor else None
    for member in (m.mentor, m.mentee):
        notify(member, "mentorship_completed", mentorship=m, now=now)
    return m


def forbid(mentor_id: int, mentee_id: int, reason: str, actor: Member | None, now: datetime) -> None:
    if not is_forbidden(mentor_id, mentee_id):
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


# --- scheduled work (called by the jobs with an explicit clock) ---------------


def expire_proposals(now: datetime, *, ttl_days: int, remind_days: int) -> dict:
    """Expire proposals unanswered for ``ttl_days`` (the mentee goes back to the pool;
    both are told) and remind once after ``remind_days``. Returns counts."""
    counts = {"expired": 0, "reminded": 0}
    pending = db.session.scalars(select(Mentorship).where(Mentorship.state.in_(S.PENDING)).order_by(Mentorship.id)).all()
    for m in pending:
        started = m.accepted_at if m.state == S.ACCEPTED and m.accepted_at else m.proposed_at
        age = now - started
        if age >= timedelta(days=ttl_days):
            _move(m, S.EXPIRED, None, now)
            m.closed_at = now
            for member in (m.mentor, m.mentee):
                notify(member, "proposal_expired", mentorship=m, now=now)
            counts["expired"] += 1
        elif age >= timedelta(days=remind_days) and m.reminded_at is None:
            waiting_on = m.mentor if m.state == S.PROPOSED else m.mentee
            notify(waiting_on, "proposal_reminder", mentorship=m, now=now)
            m.reminded_at = now
            counts["reminded"] += 1
    db.session.flush()
    return counts


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
    FEEDBACK_DAYS_BEFORE_END days, then complete the mentorships whose end has come.
    Returns mentorships asked."""
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
    complete_due(now)
    db.session.flush()
    return asked


def complete_due(now: datetime) -> int:
    """Complete active mentorships whose programme period is over."""
    done = 0
    for m in _active():
        if m.ends_on is not None and m.ends_on <= now:
            complete(m, None, now)
            done += 1
    return done


# --- the mentee's place in the queue -----------------------------------------


def mentee_status(member: Member) -> tuple[str, Mentorship | None]:
    """``not_mentee``, ``waiting`` (for the next run), ``pending`` (the mentor considers it),
    ``to_confirm`` (the mentor accepted) or ``matched``."""
    if not member.is_mentee:
        return "not_mentee", None
    m = open_mentorship_of_mentee(member.id)
    if m is None:
        return "waiting", None
    return {S.PROPOSED: "pending", S.ACCEPTED: "to_confirm", S.ACTIVE: "matched"}[m.state], m


def mentorships_of(member: Member) -> dict[str, list[Mentorship]]:
    """A member's mentorships grouped for her overview page."""
    rows = db.session.scalars(
        select(Mentorship)
        .where((Mentorship.mentor_id == member.id) | (Mentorship.mentee_id == member.id))
        .order_by(Mentorship.id.desc())
    ).all()
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
    out = []
    for e in m.events:
        note = e.note
        if e.to_state in (S.DECLINED, S.ENDED) and e.actor_id != viewer.id and not viewer.is_coordinator:
            note = ""
        out.append({"at": e.at, "actor_id": e.actor_id, "from_state": e.from_state, "to_state": e.to_state, "note": note})
    return out


# --- goals, check-ins, feedback ----------------------------------------------


def _require_active(m: Mentorship, actor: Member) -> None:
    _require_party(m, actor)
    if m.state != S.ACTIVE:
        raise _refuse(_l("This is possible only while the mentorship is active."))


def goals_of(m: Mentorship) -> list[MentorshipGoal]:
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
    """Record one side's feedback. When both have given it, an active mentorship completes."""
    _require_party(m, actor)
    if not feedback_open(m, now):
        raise _refuse(_l("Feedback opens two weeks before the end of the programme."))
    if any(f.author_id == actor.id for f in feedback_of(m)):
        raise _refuse(_l("You have already given your feedback."))
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
    if m.state == S.ACTIVE and len(feedback_of(m)) == 2:
        complete(m, actor, now)
    return fb


def partner_feedback(m: Mentorship, viewer: Member) -> Feedback | None:
    """The other side's feedback, only when both gave feedback and both agreed to share it."""
    given = feedback_of(m)
    if len(given) == 2 and all(f.share_with_partner for f in given):
        return next(f for f in given if f.author_id != viewer.id)
    return None


# --- coordinators: outcomes and feedback in aggregate -------------------------


def _scoped(stmt, coordinator: Member):
    if coordinator.coordinator_scope:
        mentor_ids = select(Member.id).where(Member.country == coordinator.coordinator_scope)
        stmt = stmt.where(Mentorship.mentor_id.in_(mentor_ids) | Mentorship.mentee_id.in_(mentor_ids))
    return stmt


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
