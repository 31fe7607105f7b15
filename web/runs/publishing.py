"""Publishing or discarding a draft run. Each commits once (see ``running``): a run's
proposals and notifications are all written with its status change, or none is."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update

from ..audit import record
from ..matches import proposals
from ..models import MatchRun, MatchRunPair, MatchRunStatus, Member
from ..validation import ValidationFailed
from .context import job_locale, lock_key, since

log = logging.getLogger(__name__)


def _take_publish_lock(session) -> None:
    """Serialise publishing on PostgreSQL, so two runs cannot propose the same
    mentee at once (SQLite serialises writers already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("publish")})


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


def publish_in_transaction(session, run: MatchRun, *, actor: Member | None, now: datetime) -> list[dict]:
    """Propose every pair still valid now; drop and record the others. Flushes only.

    ``propose_many`` locks the members, re-checks every pair with the rules of
    ``rules.check_pairs`` and writes the proposals and notifications in bulk, inside
    the transaction that moved the run out of draft (on SQLite that first write
    already holds the database's write lock)."""
    _take_publish_lock(session)
    _claim(session, run, MatchRunStatus.PUBLISHED, published_at=now, published_by_id=actor.id if actor is not None else None)
    pairs = session.execute(
        select(MatchRunPair.mentor_id, MatchRunPair.mentee_id, MatchRunPair.score, MatchRunPair.reasons)
        .where(MatchRunPair.run_id == run.id)
        .order_by(MatchRunPair.id)
    ).all()
    _proposals, dropped = proposals.propose_many(pairs, run=run, actor=actor, now=now)
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
    mark = time.perf_counter()
    run_id = run.id
    try:
        dropped = publish_in_transaction(session, run, actor=actor, now=now)
        run.timings = {**(run.timings or {}), "publish": since(mark)}
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
    _claim(session, run, MatchRunStatus.DISCARDED, finished_at=run.finished_at or now)
    record(actor, "run.discard", run)
    session.commit()
    log.info("run %s discarded by %s", run.id, actor.id if actor is not None else None)
    return run
