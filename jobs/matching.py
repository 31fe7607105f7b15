"""Matching runs: read the pool from the database, call ``matcher``, store the run,
publish or discard it.

Unlike request services, these functions own their transaction: a run (its
record, its pairs and, when published, every proposal and notification) is
committed once, and a failure is rolled back completely and then recorded in
a transaction of its own. That is why they commit instead of leaving it to
the caller.

``matcher`` and the mentorship services are imported inside the functions so
that the app (which imports this module through the ``runs`` blueprint) starts
even where they are not installed yet.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
from collections import defaultdict
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from web.models import (
    ForbiddenPair,
    MatchRun,
    MatchRunPair,
    MatchRunStatus,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipState,
)
from web.validation import ValidationFailed

log = logging.getLogger(__name__)

# Closed mentorships whose pair is never proposed again, on top of ForbiddenPair.
NEVER_AGAIN = (MentorshipState.DECLINED, MentorshipState.ENDED)


def job_locale():
    """Outside a request (scheduler, CLI) messages are rendered in the default
    locale: the app's locale selector needs a request, and services build
    ``ValidationFailed`` messages eagerly."""
    if has_request_context():
        return nullcontext()
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en")


def collect_members(session, now: datetime) -> list:
    """The matching pool as ``matcher.Member`` values, ordered by id.

    Approved members who want a mentor and have no open mentorship as mentee
    (proposed, accepted or active), and mentors with free places (capacity minus
    open mentorships as mentor). A member who is both keeps whichever roles
    still apply. Forbidden pairs and pairs declined or ended before become
    ``exclude`` in both directions.
    """
    import matcher

    open_states = MentorshipState.OPEN
    busy_mentees = set(session.scalars(select(Mentorship.mentee_id).where(Mentorship.state.in_(open_states))))
    mentor_load: dict[int, int] = defaultdict(int)
    for mentor_id in session.scalars(select(Mentorship.mentor_id).where(Mentorship.state.in_(open_states))):
        mentor_load[mentor_id] += 1

    rows = session.scalars(
        select(Member)
        .where(
            Member.status == MemberStatus.ACTIVE,
            or_(Member.is_mentee.is_(True), Member.is_mentor.is_(True) & (Member.capacity > 0)),
        )
        .options(selectinload(Member.languages), selectinload(Member.topics))
        .order_by(Member.id)
    ).all()

    pool: list[tuple[Member, tuple[str, ...], int]] = []
    for m in rows:
        roles = []
        free = max(0, m.capacity - mentor_load.get(m.id, 0)) if m.is_mentor else 0
        if m.is_mentor and free > 0:
            roles.append("mentor")
        if m.is_mentee and m.id not in busy_mentees:
            roles.append("mentee")
        if roles:
            pool.append((m, tuple(roles), free))

    ids = {m.id for m, _roles, _free in pool}
    exclude: dict[int, set[int]] = defaultdict(set)
    forbidden = session.execute(select(ForbiddenPair.mentor_id, ForbiddenPair.mentee_id)).all()
    closed = session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id).where(Mentorship.state.in_(NEVER_AGAIN))
    ).all()
    for a, b in [*forbidden, *closed]:
        if a in ids and b in ids and a != b:
            exclude[a].add(b)
            exclude[b].add(a)

    return [
        matcher.Member(
            id=str(m.id),
            country=m.country,
            agency=m.agency_kind,
            roles=roles,
            languages=tuple(sorted(lang.code for lang in m.languages)),
            skills=tuple(sorted(t.slug for t in m.topics if t.kind == "skill")),
            goals=tuple(sorted(t.slug for t in m.topics if t.kind == "goal")),
            bio=m.bio or "",
            years_of_service=max(0, int(m.years_of_service or 0)),
            capacity=free if "mentor" in roles else 0,
            exclude=tuple(str(x) for x in sorted(exclude.get(m.id, ()))),
        )
        for m, roles, free in pool
    ]


def snapshot_text(members) -> str:
    """The matcher input file (JSON Lines) for these members, byte-for-byte stable."""
    from matcher import member_to_dict

    return "".join(json.dumps(member_to_dict(m), ensure_ascii=False, sort_keys=True) + "\n" for m in members)


def match_config(overrides: dict[str, Any] | None = None):
    """The configured weights (``MATCHING_WEIGHTS``, ``MATCHING_MIN_GAP_YEARS``) with
    ``overrides`` on top."""
    from matcher import MatchConfig

    # The write-time check (pair_problems) reads MATCHING_MIN_GAP_YEARS; the matcher
    # must use the same gap or publishing would drop pairs it was right to make.
    base = {"min_gap": int(current_app.config.get("MATCHING_MIN_GAP_YEARS", 2))}
    base.update(current_app.config.get("MATCHING_WEIGHTS") or {})
    base.update(overrides or {})
    return MatchConfig.from_mapping(base)


def run_matching(
    session,
    *,
    now: datetime,
    started_by: str,
    started_by_id: int | None = None,
    config_overrides: dict[str, Any] | None = None,
    what_if: bool = False,
    auto_publish: bool | None = None,
) -> MatchRun:
    """Compute and store one run; a draft unless ``auto_publish`` (default: the
    ``MATCHING_AUTO_PUBLISH`` setting; never for a "what if" run).

    Commits once. On any error everything is rolled back and a run with status
    ``failed``, the error and its traceback is committed instead; it is returned
    rather than raised, so callers look at ``run.status``.
    """
    with job_locale():
        return _run_matching(
            session,
            now=now,
            started_by=started_by,
            started_by_id=started_by_id,
            config_overrides=config_overrides,
            what_if=what_if,
            auto_publish=auto_publish,
        )


def _run_matching(session, *, now, started_by, started_by_id, config_overrides, what_if, auto_publish) -> MatchRun:
    import matcher

    if auto_publish is None:
        auto_publish = bool(current_app.config.get("MATCHING_AUTO_PUBLISH")) and not what_if
    started = time.perf_counter()
    timings: dict[str, float] = {}
    facts: dict[str, Any] = {}
    try:
        config = match_config(config_overrides)
        facts["config"] = config.to_dict()
        members = collect_members(session, now)
        timings["collect"] = _since(started)
        snapshot = snapshot_text(members)
        facts["snapshot"] = snapshot
        facts["input_hash"] = hashlib.sha256(snapshot.encode("utf-8")).hexdigest()
        mark = time.perf_counter()
        result = matcher.match(members, config)
        timings["match"] = _since(mark)

        mark = time.perf_counter()
        run = MatchRun(
            status=MatchRunStatus.DRAFT,
            started_at=now,
            started_by=started_by,
            started_by_id=started_by_id,
            is_what_if=what_if,
            summary=_summary(result.summary, members, result.pairs),
            **facts,
        )
        session.add(run)
        session.flush()
        session.add_all(
            MatchRunPair(
                run_id=run.id,
                mentor_id=int(p.mentor),
                mentee_id=int(p.mentee),
                score=float(p.score),
                reasons=[dict(r) for r in p.reasons],
            )
            for p in result.pairs
        )
        session.flush()
        timings["store"] = _since(mark)
        actor = session.get(Member, started_by_id) if started_by_id else None
        if actor is not None:
            from web.audit import record

            record(actor, "run.what_if" if what_if else "run.start", run, overrides=dict(config_overrides or {}))
        if auto_publish:
            mark = time.perf_counter()
            _publish(session, run, actor=actor, now=now)
            timings["publish"] = _since(mark)
        timings["total"] = _since(started)
        run.timings = timings
        run.finished_at = now + timedelta(seconds=timings["total"])
        session.commit()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is lost
        session.rollback()
        run = _record_failure(
            session,
            exc,
            now=now,
            started_by=started_by,
            started_by_id=started_by_id,
            what_if=what_if,
            timings={**timings, "total": _since(started)},
            facts=facts,
        )
        return run
    log.info(
        "matching run %s %s: %s pairs from %s members in %.2fs",
        run.id,
        run.status,
        len(result.pairs),
        len(members),
        timings["total"],
    )
    return run


def _summary(summary: dict[str, Any], members, pairs) -> dict[str, Any]:
    """The matcher's summary plus the pool's counts, so a preview can check it adds up."""
    mentees = sum(1 for m in members if m.is_mentee)
    out = dict(summary)
    out["pool"] = {
        "members": len(members),
        "mentees": mentees,
        "mentors": sum(1 for m in members if m.is_mentor),
        "places": sum(m.capacity for m in members if m.is_mentor),
        "pairs": len(pairs),
        "unmatched_mentees": mentees - len({p.mentee for p in pairs}),
    }
    return out


def _record_failure(session, exc: BaseException, *, now, started_by, started_by_id, what_if, timings, facts) -> MatchRun:
    run = MatchRun(
        status=MatchRunStatus.FAILED,
        started_at=now,
        started_by=started_by,
        started_by_id=started_by_id,
        is_what_if=what_if,
        timings=timings,
        finished_at=now + timedelta(seconds=timings.get("total", 0)),
        error=f"{type(exc).__name__}: {exc}"[:4000],
        traceback="".join(traceback.format_exception(exc))[-20000:],
        **facts,
    )
    session.add(run)
    session.commit()
    log.error("matching run %s failed: %s", run.id, type(exc).__name__)
    return run


def _since(mark: float) -> float:
    return round(time.perf_counter() - mark, 4)


def _take_publish_lock(session) -> None:
    """Serialise publishing on PostgreSQL, so two runs cannot propose the same
    mentee at once (SQLite serialises writers already)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("publish")})


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    digest = hashlib.sha256(f"bridges:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _claim(session, run: MatchRun, to: str, **values) -> None:
    """Move a draft to ``to``, atomically: a second click or process finds it gone."""
    result = session.execute(
        update(MatchRun)
        .where(MatchRun.id == run.id, MatchRun.status == MatchRunStatus.DRAFT)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise ValidationFailed([(None, _l("This run is no longer a draft; nothing was done."))])
    session.refresh(run)


def _publish(session, run: MatchRun, *, actor: Member | None, now: datetime) -> list[dict]:
    """Propose every pair still valid now; drop and record the others. Flushes only.

    ``propose_many`` locks the members, re-checks every pair with the rules of
    ``pair_problems`` and writes the proposals and notifications in bulk, inside
    the transaction that moved the run out of draft (on SQLite that first write
    already holds the database's write lock)."""
    from web.matches import services as mentoring

    _take_publish_lock(session)
    _claim(session, run, MatchRunStatus.PUBLISHED, published_at=now, published_by_id=actor.id if actor is not None else None)
    pairs = session.execute(
        select(MatchRunPair.mentor_id, MatchRunPair.mentee_id, MatchRunPair.score, MatchRunPair.reasons)
        .where(MatchRunPair.run_id == run.id)
        .order_by(MatchRunPair.id)
    ).all()
    _proposals, dropped = mentoring.propose_many(pairs, run=run, actor=actor, now=now)
    run.dropped = dropped
    if dropped:
        log.info("run %s: %s pairs dropped at write time", run.id, len(dropped))
    return dropped


def publish_run(session, run: MatchRun, *, actor: Member | None, now: datetime) -> MatchRun:
    """Send a draft's proposals: all of them with the status change, in one commit.

    Raises ``ValidationFailed`` when the run is no longer a draft. Any other
    error rolls everything back, notes the error on the draft (which stays a
    draft, so it can be published again) and is raised again.
    """
    with job_locale():
        return _publish_run(session, run, actor=actor, now=now)


def _publish_run(session, run: MatchRun, *, actor: Member | None, now: datetime) -> MatchRun:
    from web.audit import record

    mark = time.perf_counter()
    run_id = run.id
    try:
        dropped = _publish(session, run, actor=actor, now=now)
        run.timings = {**(run.timings or {}), "publish": _since(mark)}
        run.error, run.traceback = "", ""
        pairs = session.scalar(select(func.count(MatchRunPair.id)).where(MatchRunPair.run_id == run.id))
        record(actor, "run.publish", run, proposed=pairs - len(dropped), dropped=len(dropped))
        session.commit()
    except ValidationFailed:
        session.rollback()
        raise
    except Exception as exc:
        session.rollback()
        draft = session.get(MatchRun, run_id)
        if draft is not None:
            draft.error = f"publish failed: {type(exc).__name__}: {exc}"[:4000]
            draft.traceback = "".join(traceback.format_exception(exc))[-20000:]
            session.commit()
        log.error("publishing run %s failed: %s", run_id, type(exc).__name__)
        raise
    log.info("run %s published by %s", run.id, actor.id if actor is not None else None)
    return run


def discard_run(session, run: MatchRun, *, actor: Member | None, now: datetime) -> MatchRun:
    """Set a draft aside; nothing is proposed. Raises ``ValidationFailed`` when it
    is no longer a draft. Commits."""
    with job_locale():
        return _discard_run(session, run, actor=actor, now=now)


def _discard_run(session, run: MatchRun, *, actor: Member | None, now: datetime) -> MatchRun:
    from web.audit import record

    _claim(session, run, MatchRunStatus.DISCARDED, finished_at=run.finished_at or now)
    record(actor, "run.discard", run)
    session.commit()
    log.info("run %s discarded by %s", run.id, actor.id if actor is not None else None)
    return run
