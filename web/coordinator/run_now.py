"""A regional coordinator's "run matching now": the draft the weekly schedule would make,
made at once. It takes the schedule's own lock (so the two never run together) and refuses
while a matching run is in progress."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, text
from sqlalchemy.exc import IntegrityError

from .. import policy
from ..extensions import db
from ..models import JobExecution, MatchRun, Member, SchedulerLock
from ..runs.context import lock_key
from ..runs.running import run_matching
from ..validation import ValidationFailed

log = logging.getLogger(__name__)

JOB = "matching"  # the scheduler's job name: its lock and its executions
LOCK_TTL = timedelta(hours=2)  # as long as the scheduler's lock on the job


def refuse_busy() -> ValidationFailed:
    return ValidationFailed([(None, _l("A matching run is in progress. Try again when it has finished."))])


def in_progress(now: datetime) -> bool:
    """A scheduled matching execution that is still running (its lease not yet expired)."""
    return (
        db.session.scalar(
            select(JobExecution.id)
            .where(
                JobExecution.job == JOB,
                JobExecution.status == "running",
                or_(JobExecution.lease_expires_at.is_(None), JobExecution.lease_expires_at > now),
            )
            .limit(1)
        )
        is not None
    )


def run_now(coordinator: Member, now: datetime) -> MatchRun:
    """Make a draft run as the schedule does; commits (``run_matching`` owns its transaction).

    Refused for anyone who may not decide runs, and while another matching run holds the
    job's lock or is recorded as running. The returned run may have status ``failed``."""
    if not policy.may_decide_runs(coordinator):
        raise ValidationFailed([(None, _l("Only a regional coordinator can start a matching run."))])
    if in_progress(now):
        raise refuse_busy()
    db.session.commit()  # nothing of this request may hold SQLite's write lock while we take the job's
    with _job_lock(now) as held:
        if not held:
            raise refuse_busy()
        run = run_matching(
            db.session,
            now=now,
            started_by=f"member:{coordinator.id}",
            started_by_id=coordinator.id,
            auto_publish=False,
        )
    log.info("matching run %s started by coordinator %s: %s", run.id, coordinator.id, run.status)
    return run


@contextmanager
def _job_lock(now: datetime):
    """The scheduler's lock on the matching job: a PostgreSQL advisory lock on its own
    connection, or on SQLite a ``scheduler_lock`` row with an expiry. Yields whether it
    was taken."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        key = lock_key(f"job:{JOB}")
        conn = engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        finally:
            conn.close()
        return
    release = _take_row(now)
    try:
        yield release is not None
    finally:
        if release is not None:
            release()


def _take_row(now: datetime) -> Callable[[], None] | None:
    holder = f"web:{uuid.uuid4().hex[:12]}"
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(SchedulerLock).where(SchedulerLock.name == JOB, SchedulerLock.expires_at < now))
            conn.execute(SchedulerLock.__table__.insert().values(name=JOB, holder=holder, expires_at=now + LOCK_TTL))
    except IntegrityError:
        return None

    def release() -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(SchedulerLock).where(SchedulerLock.name == JOB, SchedulerLock.holder == holder))

    return release
