"""The job scheduler: which jobs run when, and how each execution runs exactly once.

Every execution, however it was started (a scheduler process, the development
server, ``flask jobs run-now``), goes through :func:`execute`:

1. It claims its slot by inserting ``JobExecution(job, scheduled_for)``. The
   unique constraint lets one process win; every other process that fired for
   the same slot gets an integrity error and skips silently (the winner's row
   is the record). This is what makes a job run once per slot across any
   number of scheduler processes or gunicorn workers.
2. It takes the job's lock (a PostgreSQL session advisory lock; on SQLite a
   ``SchedulerLock`` row with an expiry, so a crashed holder does not block
   forever). When another execution of the same job still holds it (a long
   run, or a ``run-now`` at the same time), this one is recorded ``skipped``.
3. It runs the job, commits, and records ``ok`` with the job's result; on an
   error it rolls the job's work back and records ``failed`` with the
   traceback. The slot is spent either way: the job runs again at its next time.

The claim comes before the lock so that a process which loses the race for a
slot can never record anything that would stop the winner.

A process can die in the middle (``kill -9``, a power cut). A running execution
therefore holds a lease (``JOB_LEASE_SECONDS``) that a heartbeat thread of the
live process renews, with the SQLite lock row; the job's own work is one
transaction that dies with the process, so nothing partial is written.
:func:`recover` (at start and then every lease) marks executions whose lease
expired ``failed`` ("interrupted"), and runs once the latest slot of each job
that was missed or interrupted, when it is at most ``JOB_CATCHUP_GRACE_SECONDS``
old: a missed slot is coalesced into one execution, and a second process that
recovers at the same time finds the slot taken (the insert's unique constraint,
or the conditional update of the interrupted row's ``attempt``).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from web.extensions import db
from web.models import JobExecution, MatchRunStatus, SchedulerLock, utcnow

log = logging.getLogger(__name__)

HOST = f"{socket.gethostname()}:{os.getpid()}"
MISFIRE_GRACE = timedelta(hours=1)


class JobFailed(Exception):
    """A job that recorded its own failure (e.g. a failed matching run) and wants
    its execution marked ``failed`` with that result."""

    def __init__(self, message: str, *, result: dict | None = None, tb: str = ""):
        super().__init__(message)
        self.result = result or {}
        self.tb = tb


def _matching(session, now: datetime, origin: str) -> dict:
    from web.runs.running import run_matching

    run = run_matching(session, now=now, started_by=origin)
    result = {"run_id": run.id, "status": run.status, "pairs": len(run.pairs), "dropped": len(run.dropped or [])}
    if run.status == MatchRunStatus.FAILED:
        raise JobFailed(run.error, result=result, tb=run.traceback)
    return result


def _housekeeping(name: str) -> Callable:
    def job(session, now: datetime, origin: str) -> dict:
        from . import housekeeping

        return getattr(housekeeping, name)(session, now)

    return job


def _backup(session, now: datetime, origin: str) -> dict:
    from web.backup import nightly_backup

    return nightly_backup(now)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., dict]
    default_cron: str
    description: str
    # Longer than the job can take; a crashed holder's SQLite lock frees itself after it.
    lock_ttl: timedelta = timedelta(minutes=30)


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "matching", _matching, "0 6 * * mon", "Matching run (a draft unless auto-publish)", lock_ttl=timedelta(hours=2)
        ),
        JobSpec(
            "expiry",
            _housekeeping("expire_proposals"),
            "15 1 * * *",
            "Expire unanswered proposals; remind before they expire",
        ),
        JobSpec("reminders", _housekeeping("checkin_reminders"), "0 9 * * *", "Check-in reminders for active mentorships"),
        JobSpec(
            "feedback",
            _housekeeping("feedback_requests"),
            "30 9 * * *",
            "Feedback requests for mentorships that end or ended",
        ),
        JobSpec("digest", _housekeeping("digest"), "0 7 * * *", "Email digest for members who chose it"),
        JobSpec("backup", _backup, "30 2 * * *", "Nightly backup to BACKUP_DIR, keeping the newest BACKUP_KEEP"),
    )
}

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expr: str, timezone: str):
    """A CronTrigger with standard crontab weekdays (0 and 7 are Sunday).

    APScheduler 3 reads numeric weekdays with 0 = Monday; names mean the same in
    both, so numbers are turned into names first.
    """
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron expression {expr!r} needs 5 fields, has {len(fields)}")
    fields[4] = re.sub(r"(?<![/\d])\d+", lambda m: _DOW_NAMES[int(m.group()) % 7], fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)


def triggers(config) -> dict:
    """Each job's trigger: MATCHING_CRON for matching, JOB_SCHEDULES[name] for the
    others, else the default, all in MATCHING_TIMEZONE."""
    tz = config.get("MATCHING_TIMEZONE") or "Asia/Almaty"
    crons = dict(config.get("JOB_SCHEDULES") or {})
    if config.get("MATCHING_CRON"):
        crons["matching"] = config["MATCHING_CRON"]
    return {name: crontab_trigger(crons.get(name, spec.default_cron), tz) for name, spec in JOBS.items()}


def slot_for(trigger, now: datetime, window: timedelta = MISFIRE_GRACE * 2) -> datetime:
    """The latest fire time of ``trigger`` at or before ``now`` (in UTC): the
    slot every process that fired for it agrees on, whatever its small delay."""
    slot = None
    fire = trigger.get_next_fire_time(None, now - window)
    while fire is not None and fire <= now:
        slot = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return (slot or now).astimezone(now.tzinfo)


# Locks ---------------------------------------------------------------------------------


class _Lock:
    def __init__(self, release: Callable[[], None], renew: Callable[[], None] | None = None):
        self.release = release
        self.renew = renew or (lambda: None)


def acquire_lock(name: str, ttl: timedelta) -> _Lock | None:
    """The job's lock, or None when another execution holds it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        from web.runs.context import lock_key

        key = lock_key(f"job:{name}")
        conn = engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        conn.commit()
        if not got:
            conn.close()
            return None

        def release_pg():
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            finally:
                conn.close()

        return _Lock(release_pg)

    holder = f"{HOST}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(delete(SchedulerLock).where(SchedulerLock.name == name, SchedulerLock.expires_at < now))
            conn.execute(SchedulerLock.__table__.insert().values(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return None

    def release_row():
        with engine.begin() as conn:
            conn.execute(delete(SchedulerLock).where(SchedulerLock.name == name, SchedulerLock.holder == holder))

    def renew_row():
        with engine.begin() as conn:
            conn.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == name, SchedulerLock.holder == holder)
                .values(expires_at=utcnow() + ttl)
            )

    return _Lock(release_row, renew_row)


# Executions ----------------------------------------------------------------------------


def execute(
    app,
    name: str,
    scheduled_for: datetime,
    *,
    now: datetime | None = None,
    origin: str = "scheduler",
    retry: tuple[int, int] | None = None,
) -> JobExecution | None:
    """Run job ``name`` for its slot ``scheduled_for`` at most once across processes.

    ``retry`` is ``(execution id, attempt)`` of an interrupted execution of
    that slot to run again in the same row. Returns the execution record
    (``ok``, ``failed`` or ``skipped``), or None when another process claimed
    the slot.
    """
    from web.runs.context import job_locale

    spec = JOBS[name]
    with app.app_context(), job_locale():
        session = db.session
        try:
            lease = lease_length(app)
            if retry is None:
                execution_id = _claim_slot(session, name, scheduled_for, lease)
            else:
                execution_id = _reclaim(session, *retry, lease)
            if execution_id is None:
                log.info("job %s for %s already claimed elsewhere; skipped", name, scheduled_for.isoformat())
                return None
            heartbeat = _Heartbeat(app, execution_id, lease)
            heartbeat.start()
            try:
                # The SQLite lock row is leased like the execution: a dead holder frees it soon.
                lock = acquire_lock(name, lease)
                if lock is None:
                    _finish(session, execution_id, "skipped", error="another execution of this job was still running")
                    log.warning("job %s for %s skipped: lock held", name, scheduled_for.isoformat())
                    return session.get(JobExecution, execution_id)
                heartbeat.lock = lock
                try:
                    _run(session, spec, execution_id, now or utcnow(), origin)
                finally:
                    heartbeat.lock = None
                    lock.release()
            finally:
                heartbeat.stop()
            return session.get(JobExecution, execution_id)
        finally:
            session.expunge_all()
            session.remove()


def _claim_slot(session, name: str, scheduled_for: datetime, lease: timedelta) -> int | None:
    started = utcnow()
    execution = JobExecution(
        job=name,
        scheduled_for=scheduled_for,
        started_at=started,
        status="running",
        host=HOST,
        attempt=1,
        lease_expires_at=started + lease,
    )
    session.add(execution)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return execution.id


def _reclaim(session, execution_id: int, attempt: int, lease: timedelta) -> int | None:
    """Take an interrupted execution to run its slot again: one conditional update,
    so of several processes recovering at once exactly one gets it."""
    started = utcnow()
    claimed = session.execute(
        update(JobExecution)
        .where(
            JobExecution.id == execution_id,
            JobExecution.attempt == attempt,
            JobExecution.status == "failed",
            JobExecution.interrupted_at.is_not(None),
        )
        .values(
            attempt=attempt + 1,
            status="running",
            host=HOST,
            started_at=started,
            finished_at=None,
            lease_expires_at=started + lease,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return execution_id if claimed == 1 else None


def lease_length(app) -> timedelta:
    return timedelta(seconds=max(1, int(app.config.get("JOB_LEASE_SECONDS") or 120)))


class _Heartbeat(threading.Thread):
    """Renews the execution's lease (and its SQLite lock row) every quarter of the
    lease while the job runs, on a connection of its own."""

    def __init__(self, app, execution_id: int, lease: timedelta):
        super().__init__(name=f"lease-{execution_id}", daemon=True)
        self.app = app
        self.execution_id = execution_id
        self.lease = lease
        self.lock: _Lock | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        interval = self.lease.total_seconds() / 4
        while not self._stopped.wait(interval):
            try:
                with self.app.app_context():
                    self.renew()
            except Exception:  # noqa: BLE001 - a missed renewal is retried; the lease has slack
                log.warning("execution %s: lease renewal failed", self.execution_id, exc_info=True)

    def renew(self) -> None:
        with db.engine.begin() as conn:
            renewed = conn.execute(
                update(JobExecution)
                .where(JobExecution.id == self.execution_id, JobExecution.status == "running")
                .values(lease_expires_at=utcnow() + self.lease)
            ).rowcount
        if not renewed:
            log.error("execution %s: its lease was lost (marked interrupted elsewhere)", self.execution_id)
        lock = self.lock
        if lock is not None:
            lock.renew()

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=10)


def _run(session, spec: JobSpec, execution_id: int, now: datetime, origin: str) -> None:
    log.info("job %s (execution %s) started", spec.name, execution_id)
    try:
        result = spec.func(session, now, origin)
        session.commit()
    except JobFailed as exc:
        session.rollback()
        _finish(session, execution_id, "failed", result=exc.result, error=str(exc)[:4000], tb=exc.tb)
        log.error("job %s (execution %s) failed: %s", spec.name, execution_id, exc.result)
        return
    except Exception as exc:  # noqa: BLE001 - recorded, and retried at the next slot
        session.rollback()
        _finish(
            session,
            execution_id,
            "failed",
            error=f"{type(exc).__name__}: {exc}"[:4000],
            tb="".join(traceback.format_exception(exc))[-20000:],
        )
        log.error("job %s (execution %s) failed: %s", spec.name, execution_id, type(exc).__name__)
        return
    _finish(session, execution_id, "ok", result=result)
    log.info("job %s (execution %s) ok: %s", spec.name, execution_id, result)
    _deliver_mail(session)


def _finish(session, execution_id: int, status: str, *, result: dict | None = None, error: str = "", tb: str = "") -> None:
    execution = session.get(JobExecution, execution_id)
    execution.status = status
    execution.finished_at = utcnow()
    execution.lease_expires_at = None
    execution.result = dict(result or {})
    execution.error = error
    execution.traceback = tb
    session.commit()


def _deliver_mail(session) -> None:
    """Send the emails the job queued; outside a request nobody else does."""
    ids = session.info.pop("bridges_outbox_deliver", None)
    if not ids:
        return
    from web.mail import deliver

    try:
        deliver(ids)
    except Exception:  # noqa: BLE001 - they stay in the outbox for a later delivery
        session.rollback()
        log.exception("delivering %s queued emails failed", len(ids))


def run_now(app, name: str, *, now: datetime | None = None, origin: str = "cli") -> JobExecution | None:
    """Run a job at once, in its own slot (the current instant)."""
    now = now or utcnow()
    return execute(app, name, now, now=now, origin=origin)


# Recovery ------------------------------------------------------------------------------

INTERRUPTED = "interrupted: its process stopped renewing the lease (killed or crashed); nothing it did was kept"


def reap_expired(now: datetime | None = None) -> list[int]:
    """Mark ``failed`` (interrupted) every running execution whose lease expired.

    Executions from before leases existed (no lease) count as expired after
    their job's lock time. Each row is updated only while its lease is still
    expired, so a late heartbeat of a live process wins. Returns their ids.
    """
    now = now or utcnow()
    session = db.session
    stale = or_(
        JobExecution.lease_expires_at < now,
        *(
            and_(
                JobExecution.lease_expires_at.is_(None),
                JobExecution.job == name,
                JobExecution.started_at < now - spec.lock_ttl,
            )
            for name, spec in JOBS.items()
        ),
    )
    rows = session.execute(
        select(JobExecution.id, JobExecution.job, JobExecution.host).where(JobExecution.status == "running", stale)
    ).all()
    reaped = []
    for execution_id, job, host in rows:
        done = session.execute(
            update(JobExecution)
            .where(JobExecution.id == execution_id, JobExecution.status == "running", stale)
            .values(status="failed", finished_at=now, interrupted_at=now, lease_expires_at=None, error=INTERRUPTED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            reaped.append(execution_id)
            # Its SQLite lock row (holder "<host>:<thread>:<nonce>") would outlive it by a moment
            # and make the retry that follows "skipped".
            session.execute(delete(SchedulerLock).where(SchedulerLock.name == job, SchedulerLock.holder.like(f"{host}:%")))
    session.commit()
    for execution_id in reaped:
        log.error("execution %s: lease expired, marked failed (interrupted)", execution_id)
    return reaped


def missed_slots(config, now: datetime | None = None, *, only=None, trigger_overrides=None) -> list[tuple]:
    """``(job, slot, retry)`` for the latest slot of each job, at most the grace period
    old, that has no execution (missed) or whose execution was interrupted (``retry`` =
    ``(id, attempt)``). Older slots are not run: one catch-up per job (coalesced)."""
    now = now or utcnow()
    grace = timedelta(seconds=int(config.get("JOB_CATCHUP_GRACE_SECONDS") or 0))
    if grace <= timedelta(0):
        return []
    all_triggers = {**triggers(config), **(trigger_overrides or {})}
    found = []
    for name in only or JOBS:
        trigger = all_triggers[name]
        fire = trigger.get_next_fire_time(None, now - grace)
        slot = None
        while fire is not None and fire <= now:
            slot = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if slot is None:
            continue
        slot = slot.astimezone(now.tzinfo)
        execution = db.session.scalar(
            select(JobExecution).where(JobExecution.job == name, JobExecution.scheduled_for == slot)
        )
        if execution is None:
            found.append((name, slot, None))
        elif execution.status == "failed" and execution.interrupted_at is not None and execution.attempt < MAX_ATTEMPTS:
            found.append((name, slot, (execution.id, execution.attempt)))
    return found


MAX_ATTEMPTS = 3


def recover(app, *, now: datetime | None = None, only=None, trigger_overrides=None) -> list[JobExecution]:
    """Mark dead executions failed, then run each job's missed or interrupted latest
    slot once. Called when the scheduler starts and then every lease."""
    with app.app_context():
        try:
            reaped = reap_expired(now)
            todo = missed_slots(app.config, now, only=only, trigger_overrides=trigger_overrides)
        finally:
            db.session.remove()
    done = []
    for name, slot, retry in todo:
        log.warning("job %s: running its slot of %s now (%s)", name, slot.isoformat(), "interrupted" if retry else "missed")
        execution = execute(app, name, slot, origin="scheduler", retry=retry)
        if execution is not None:
            done.append(execution)
    log.info("recovery: %s interrupted executions marked failed, %s slots run", len(reaped), len(done))
    return done


def _recover(app, only, trigger_overrides) -> None:
    try:
        recover(app, only=only, trigger_overrides=trigger_overrides)
    except Exception:  # noqa: BLE001 - the scheduler must keep running
        log.exception("recovering missed or interrupted jobs failed")


# Schedulers ----------------------------------------------------------------------------


def _fire(app, name: str, trigger) -> None:
    """APScheduler's entry point: work out the slot, then execute."""
    now = utcnow()
    try:
        execute(app, name, slot_for(trigger, now), now=now)
    except Exception:  # noqa: BLE001 - the scheduler must keep running
        log.exception("job %s could not be executed", name)


def build_scheduler(
    app,
    *,
    blocking: bool = False,
    only: list[str] | None = None,
    trigger_overrides: dict | None = None,
    recovering: bool | None = None,
):
    """A scheduler with every job (or ``only`` those), not started.

    ``recovering`` (default: when it has every job) adds :func:`recover`, run at
    start and then every lease."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=app.config.get("MATCHING_TIMEZONE") or "Asia/Almaty",
        executors={"default": ThreadPoolExecutor(3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
    )
    all_triggers = {**triggers(app.config), **(trigger_overrides or {})}
    for name in only or JOBS:
        trigger = all_triggers[name]
        scheduler.add_job(_fire, trigger=trigger, args=(app, name, trigger), id=name, name=name, replace_existing=True)
    if recovering if recovering is not None else only is None:
        scheduler.add_job(
            _recover,
            trigger="interval",
            seconds=lease_length(app).total_seconds(),
            next_run_time=datetime.now(UTC),
            args=(app, only, trigger_overrides),
            id="recover",
            name="recover",
            replace_existing=True,
        )
    return scheduler


def next_run_times(config, now: datetime | None = None) -> dict[str, datetime | None]:
    now = now or utcnow()
    return {name: trigger.get_next_fire_time(None, now) for name, trigger in triggers(config).items()}


def start_in_dev_server(app) -> None:
    """For ``make run`` only: run the scheduler inside the development server when
    BRIDGES_SCHEDULER=1, in the serving process (the reloader's child), never in
    tests. Safe even if it ends up running twice: executions claim their slot."""
    if os.environ.get("BRIDGES_SCHEDULER") != "1" or app.testing:
        return
    if "bridges_scheduler" in app.extensions or not _is_serving_process():
        return
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["bridges_scheduler"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    log.info("in-process scheduler started (development server)")


def _is_serving_process() -> bool:
    import sys

    from flask.helpers import get_debug_flag

    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return True
    argv = sys.argv[1:]
    if "run" not in argv or "jobs" in argv:
        return False  # another flask command (db upgrade, jobs run, ...)
    reloader = "--reload" in argv or (get_debug_flag() and "--no-reload" not in argv)
    return not reloader
