"""Matching runs: read the pool, call ``matcher``, store the run (and publish it when
the configuration says so).

Unlike request services, these functions own their transaction: a run (its
record, its pairs and, when published, every proposal and notification) is
committed once, and a failure is rolled back completely and then recorded in
a transaction of its own. That is why they commit instead of leaving it to
the caller. A job or a "what if" page calls :func:`run_matching` with ``now``.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from ..audit import record
from ..matches.rules import match_config
from ..models import MatchRun, MatchRunPair, MatchRunStatus, Member
from .context import job_locale, since
from .pool import collect_members, snapshot_text
from .publishing import publish_in_transaction

log = logging.getLogger(__name__)


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
    import matcher  # here, not at import time: numpy and scikit-learn load slowly

    if auto_publish is None:
        auto_publish = bool(current_app.config.get("MATCHING_AUTO_PUBLISH")) and not what_if
    started = time.perf_counter()
    timings: dict[str, float] = {}
    facts: dict[str, Any] = {}
    try:
        config = match_config(config_overrides)
        facts["config"] = config.to_dict()
        members = collect_members(session, now)
        timings["collect"] = since(started)
        snapshot = snapshot_text(members)
        facts["snapshot"] = snapshot
        facts["input_hash"] = hashlib.sha256(snapshot.encode("utf-8")).hexdigest()
        mark = time.perf_counter()
        result = matcher.match(members, config)
        timings["match"] = since(mark)

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
        timings["store"] = since(mark)
        actor = session.get(Member, started_by_id) if started_by_id else None
        if actor is not None:
            record(actor, "run.what_if" if what_if else "run.start", run, overrides=dict(config_overrides or {}))
        if auto_publish:
            mark = time.perf_counter()
            publish_in_transaction(session, run, actor=actor, now=now)
            timings["publish"] = since(mark)
        timings["total"] = since(started)
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
            timings={**timings, "total": since(started)},
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
