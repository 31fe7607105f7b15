"""Whether a mentor and a mentee may be paired: the one home of the pair rules.

A pair's problems come from two sources, and only these:

- the member-level rules of ``matcher.check_pair`` (roles, country, languages,
  seniority gap, excluded pairs), asked through :func:`to_matcher`, the one
  conversion of a member row into a ``matcher.Member`` (its ``exclude`` holds
  every partner she may never be paired with again);
- the database facts the matcher cannot know: an inactive account, a mentee who
  already has an open mentorship, a mentor with no free place.

``PROBLEMS`` is the table of every code: whether a coordinator may override it
(soft) or not (hard), and its sentence. Manual pairs, publishing a run, the
run's pool and the coordinator's "what keeps her out" all ask this module;
nothing else decides whether a pair is allowed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, text

from ..extensions import db
from ..models import ForbiddenPair, Member, MemberLanguage, MemberStatus, Mentorship, MentorshipState

S = MentorshipState

# Closed mentorships whose pair is never proposed again, on top of ForbiddenPair
# (declining and ending also write a ForbiddenPair; older rows may lack it).
NEVER_AGAIN = (S.DECLINED, S.ENDED)
DEFAULT_MIN_GAP_YEARS = 2


@dataclass(frozen=True)
class Problem:
    hard: bool  # no one may override it; a soft one a coordinator may, with a reason
    message: Any  # a lazy translated sentence


PROBLEMS: dict[str, Problem] = {
    "same_person": Problem(True, _l("A member cannot mentor herself.")),
    "member_gone": Problem(True, _l("One of the two members is no longer active.")),
    "inactive": Problem(True, _l("One of the two members is no longer active.")),
    "not_mentor": Problem(True, _l("This member does not offer mentoring.")),
    "not_mentee": Problem(True, _l("This member is not looking for a mentor.")),
    "mentee_taken": Problem(True, _l("The mentee already has a pending or active mentorship.")),
    "mentor_full": Problem(True, _l("The mentor has no free place left.")),
    "forbidden": Problem(True, _l("This pair was declined or ended before and is never proposed again.")),
    "same_country": Problem(False, _l("Mentor and mentee work in the same country.")),
    "no_shared_language": Problem(False, _l("Mentor and mentee share no working language.")),
    "gap_too_small": Problem(False, _l("The mentor does not have enough more years of service.")),
}
ORDER = {code: i for i, code in enumerate(PROBLEMS)}
# The matcher's names for the same rules.
FROM_MATCHER = {"excluded": "forbidden"}

# What keeps one member out of the next run (her side only), as sentences.
MEMBER_PROBLEMS: dict[str, Any] = {
    "inactive": _l("Her account is not active."),
    "no_role": _l("She is neither looking for a mentor nor offering mentoring."),
    "mentee_taken": _l("She already has a pending or active mentorship as mentee."),
    "mentor_full": _l("As a mentor she has no free place."),
}


def is_hard(code: str) -> bool:
    """Unknown codes count as hard: a rule nobody described is not overridden."""
    problem = PROBLEMS.get(code)
    return problem is None or problem.hard


def message(code: str) -> str:
    problem = PROBLEMS.get(code)
    return str(problem.message) if problem else code


def split(codes) -> tuple[list[str], list[str]]:
    """``(hard, soft)`` codes."""
    codes = list(codes)
    return [c for c in codes if is_hard(c)], [c for c in codes if not is_hard(c)]


# --- settings ------------------------------------------------------------------------------


def min_gap_years() -> int:
    """How many more years of service a mentor needs than her mentee (``MATCHING_MIN_GAP_YEARS``)."""
    return int(current_app.config.get("MATCHING_MIN_GAP_YEARS", DEFAULT_MIN_GAP_YEARS))


def match_config(overrides: dict[str, Any] | None = None):
    """The matcher's configuration: ``MATCHING_WEIGHTS`` and the gap of :func:`min_gap_years`,
    ``overrides`` on top. Runs, manual pairs and these rules all use it."""
    from matcher import MatchConfig

    base: dict[str, Any] = {"min_gap": min_gap_years()}
    base.update(current_app.config.get("MATCHING_WEIGHTS") or {})
    base.update(overrides or {})
    return MatchConfig.from_mapping(base)


# --- database facts ------------------------------------------------------------------------


def open_count(mentor_id: int, exclude_id: int | None = None) -> int:
    """The mentor's open mentorships (proposed, accepted or active): her used places."""
    stmt = select(func.count(Mentorship.id)).where(Mentorship.mentor_id == mentor_id, Mentorship.state.in_(S.OPEN))
    if exclude_id is not None:
        stmt = stmt.where(Mentorship.id != exclude_id)
    return db.session.scalar(stmt) or 0


def open_mentorship_of_mentee(mentee_id: int, exclude_id: int | None = None) -> Mentorship | None:
    stmt = select(Mentorship).where(Mentorship.mentee_id == mentee_id, Mentorship.state.in_(S.OPEN))
    if exclude_id is not None:
        stmt = stmt.where(Mentorship.id != exclude_id)
    return db.session.scalars(stmt.order_by(Mentorship.id.desc())).first()


def mentor_loads(mentor_ids=None) -> Counter[int]:
    """Open mentorships per mentor (of ``mentor_ids``, or of every mentor): her used places."""
    stmt = select(Mentorship.mentor_id, func.count(Mentorship.id)).where(Mentorship.state.in_(S.OPEN))
    if mentor_ids is None:
        return Counter(dict(db.session.execute(stmt.group_by(Mentorship.mentor_id)).all()))
    load: Counter[int] = Counter()
    for chunk in chunks(mentor_ids):
        load.update(
            dict(db.session.execute(stmt.where(Mentorship.mentor_id.in_(chunk)).group_by(Mentorship.mentor_id)).all())
        )
    return load


def taken_mentees(mentee_ids=None) -> set[int]:
    """The mentees (of ``mentee_ids``, or all) who have an open mentorship: one at a time."""
    stmt = select(Mentorship.mentee_id).where(Mentorship.state.in_(S.OPEN))
    if mentee_ids is None:
        return set(db.session.scalars(stmt))
    taken: set[int] = set()
    for chunk in chunks(mentee_ids):
        taken.update(db.session.scalars(stmt.where(Mentorship.mentee_id.in_(chunk))))
    return taken


# Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 5000


def chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def excluded_partners(ids, *, within: bool = False) -> dict[int, set[int]]:
    """For each member of ``ids``, the members she may never be paired with again, either
    way round: coordinators' bans and pairs declined or ended before (``ForbiddenPair``
    and closed mentorships). ``within`` keeps only partners that are in ``ids`` too."""
    ids = set(ids)
    out: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(ids):
        for model, extra in ((ForbiddenPair, ()), (Mentorship, (Mentorship.state.in_(NEVER_AGAIN),))):
            rows = db.session.execute(
                select(model.mentor_id, model.mentee_id).where(
                    or_(model.mentor_id.in_(chunk), model.mentee_id.in_(chunk)), *extra
                )
            )
            for a, b in rows:
                if a == b or (within and not (a in ids and b in ids)):
                    continue
                if a in ids:
                    out[a].add(b)
                if b in ids:
                    out[b].add(a)
    return out


def lock_members(ids) -> None:
    """Hold the write lock on these members until the transaction ends, so that counts
    read after it (places used, a mentee's open mentorship) stay true until commit.

    PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the rows, in id order (every locker
    goes in the same order, so none deadlocks). Not ``FOR UPDATE``: that would also block
    the key-share lock a foreign key check takes, so a decline writing its ``ForbiddenPair``
    would wait on an accept that waits on the decline's mentorship row. SQLite locks the whole database for the first
    writer: write at once, so that the reads that follow already belong to a transaction
    that holds the lock (``FOR UPDATE`` does nothing there)."""
    ids = sorted(set(ids))
    if not ids:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE member SET status = status WHERE id = :id"), {"id": ids[0]})
        return
    for chunk in chunks(ids):
        db.session.execute(
            select(Member.id).where(Member.id.in_(chunk)).order_by(Member.id).with_for_update(key_share=True)
        ).all()


# --- the conversion ------------------------------------------------------------------------


def matcher_member(
    member,
    *,
    languages,
    skills=(),
    goals=(),
    exclude=(),
    roles: tuple[str, ...] | None = None,
    capacity: int | None = None,
):
    """A ``matcher.Member`` from a member row (a ``Member`` or a row of ``MEMBER_FACTS``).

    ``roles`` and ``capacity`` default to what she offers (``is_mentor``, ``is_mentee``,
    ``capacity``); the run's pool passes what is still free. ``exclude`` holds member ids."""
    import matcher

    if roles is None:
        roles = tuple(r for r, on in (("mentor", member.is_mentor), ("mentee", member.is_mentee)) if on)
    return matcher.Member(
        id=str(member.id),
        country=member.country,
        agency=member.agency_kind,
        roles=roles,
        languages=tuple(sorted(languages)),
        skills=tuple(sorted(skills)),
        goals=tuple(sorted(goals)),
        bio=getattr(member, "bio", "") or "",
        years_of_service=max(0, int(member.years_of_service or 0)),
        capacity=max(0, int(member.capacity or 0) if capacity is None else capacity),
        exclude=tuple(str(x) for x in sorted(exclude)),
    )


def to_matcher(member: Member):
    """The matcher's view of one member as she is now, with her bans and declines in ``exclude``."""
    return matcher_member(
        member,
        languages=member.language_codes,
        skills=member.skills,
        goals=member.goals,
        exclude=excluded_partners([member.id]).get(member.id, ()),
    )


# --- the rules -----------------------------------------------------------------------------


def problems_of(
    mentor_m, mentee_m, *, active: bool, mentee_taken: bool, mentor_open: int, mentor_capacity: int, config
) -> list[str]:
    """Every problem of a pair, in ``PROBLEMS`` order: ``matcher.check_pair`` on the
    matcher's members plus the database facts. Pure; :func:`pair_problems` and
    :func:`check_pairs` both call it, so one pair and a batch cannot drift apart."""
    import matcher

    codes = {FROM_MATCHER.get(c, c) for c in matcher.check_pair(mentor_m, mentee_m, config)}
    if "same_person" in codes:
        return ["same_person"]
    if not active:
        codes.add("inactive")
    if mentee_taken:
        codes.add("mentee_taken")
    if mentor_open >= mentor_capacity:
        codes.add("mentor_full")
    return sorted(codes, key=lambda c: ORDER.get(c, len(ORDER)))


def pair_problems(mentor: Member, mentee: Member, *, config=None) -> list[str]:
    """Why this pair cannot be proposed now, as codes of ``PROBLEMS`` (empty when it can).

    Reads the database as it is now (call :func:`lock_members` first to keep it so until
    commit), so a pair an earlier run computed is dropped when it went stale."""
    if mentor.id == mentee.id:
        return ["same_person"]
    return problems_of(
        to_matcher(mentor),
        to_matcher(mentee),
        active=mentor.status == MemberStatus.ACTIVE and mentee.status == MemberStatus.ACTIVE,
        mentee_taken=open_mentorship_of_mentee(mentee.id) is not None,
        mentor_open=open_count(mentor.id),
        mentor_capacity=mentor.capacity or 0,
        config=config or match_config(),
    )


# What the rules and the proposal email read of a member; check_pairs reads these
# columns only (rows, not Member objects: thousands of those cost seconds).
MEMBER_FACTS = (
    Member.id,
    Member.status,
    Member.is_mentor,
    Member.is_mentee,
    Member.capacity,
    Member.country,
    Member.agency_kind,
    Member.years_of_service,
    Member.email,
    Member.display_name,
    Member.locale,
    Member.email_notifications,
)


def check_pairs(pairs, *, lock: bool = False) -> tuple[dict[int, Any], list[list[str]]]:
    """The problems of each ``(mentor_id, mentee_id, ...)`` pair, as :func:`pair_problems`
    gives them, as if the pairs before it in the list that had none were proposed.

    Reads members, open mentorships, exclusions and languages with a few set-based
    queries. ``lock`` first locks the members (:func:`lock_members`), for a caller that
    writes the valid pairs in the same transaction. A pair with a member missing from the
    database gets ``member_gone``. Returns the members by id (rows of ``MEMBER_FACTS``)
    and one list of codes per pair."""
    pairs = [(int(p[0]), int(p[1])) for p in pairs]
    ids = {i for pair in pairs for i in pair}
    if lock:
        lock_members(ids)
    members: dict[int, Any] = {}
    languages: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(ids):
        members.update((row.id, row) for row in db.session.execute(select(*MEMBER_FACTS).where(Member.id.in_(chunk))))
        for member_id, code in db.session.execute(
            select(MemberLanguage.member_id, MemberLanguage.code).where(MemberLanguage.member_id.in_(chunk))
        ):
            languages[member_id].add(code)
    load = mentor_loads({a for a, _b in pairs})
    taken = taken_mentees({b for _a, b in pairs})
    exclude = excluded_partners(ids, within=True)
    converted = {i: matcher_member(row, languages=languages[i], exclude=exclude.get(i, ())) for i, row in members.items()}
    config = match_config()

    results: list[list[str]] = []
    for mentor_id, mentee_id in pairs:
        mentor, mentee = members.get(mentor_id), members.get(mentee_id)
        if mentor is None or mentee is None:
            results.append(["member_gone"])
            continue
        problems = problems_of(
            converted[mentor_id],
            converted[mentee_id],
            active=mentor.status == MemberStatus.ACTIVE and mentee.status == MemberStatus.ACTIVE,
            mentee_taken=mentee_id in taken,
            mentor_open=load[mentor_id],
            mentor_capacity=mentor.capacity or 0,
            config=config,
        )
        if not problems:
            taken.add(mentee_id)
            load[mentor_id] += 1
        results.append(problems)
    return members, results


def member_problems(member: Member) -> list[str]:
    """What keeps one member out of the next run, as codes of ``MEMBER_PROBLEMS``."""
    out = []
    if member.status != MemberStatus.ACTIVE:
        out.append("inactive")
    if not member.is_mentee and not member.is_mentor:
        out.append("no_role")
    if member.is_mentee and open_mentorship_of_mentee(member.id) is not None:
        out.append("mentee_taken")
    if member.is_mentor and open_count(member.id) >= (member.capacity or 0):
        out.append("mentor_full")
    return out


def member_problem_message(code: str) -> str:
    return str(MEMBER_PROBLEMS.get(code, code))
