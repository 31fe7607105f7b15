"""The scheduler recovers: a killed execution is marked failed, nothing it did is
kept, and the slot it was running (or a slot missed while no scheduler ran) runs
exactly once when a scheduler starts again.

The kill tests run the real ``flask jobs run`` in subprocesses and stop the first
one with SIGKILL in the middle of the matching job: after the run's pairs are
written (uncommitted), or after the proposals of its publication are written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jobs import scheduler as sched
from tests.factories import make_member, make_mentor
from web.models import JobExecution, MatchRun, MatchRunStatus, Mentorship

pytest.importorskip("matcher", reason="the matcher library is not importable yet")

ROOT = Path(__file__).resolve().parents[2]

# `flask jobs run`, with a hook that stops (until killed) right after the first
# INSERT of the given table, inside the job's transaction.
_WORKER = r"""
import os, sys, time
from pathlib import Path

table, marker = sys.argv[1], sys.argv[2]
if table != "-":
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "after_cursor_execute")
    def _stop_here(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            Path(marker).write_text(str(os.getpid()))
            while True:
                time.sleep(1)

from flask.cli import main

sys.argv = ["flask", "--app", "wsgi", "jobs", "run"]
main()
"""


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _wait_for(predicate, timeout=120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class Scheduler:
    """One ``flask jobs run`` process on the test database."""

    def __init__(self, url: str, tmp_path: Path, name: str, slot: datetime, *, stop_after_insert_into="-", publish=False):
        self.log = tmp_path / f"{name}.log"
        self.marker = tmp_path / f"{name}.inside"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BRIDGES_CONFIG": "testing",
            "DATABASE_URL": url,
            "MATCHING_TIMEZONE": "UTC",
            # Matching is due daily at the slot (a minute ago), so a scheduler starting now missed it.
            "MATCHING_CRON": f"{slot.minute} {slot.hour} * * *",
            "BACKUP_DIR": str(tmp_path / "backups"),
            "MATCHING_AUTO_PUBLISH": "1" if publish else "0",
            "JOB_LEASE_SECONDS": "2",
            "JOB_CATCHUP_GRACE_SECONDS": "3600",
        }
        env.pop("BRIDGES_SCHEDULER", None)
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER, stop_after_insert_into, str(self.marker)],  # noqa: S603
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _the_slot() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)


@pytest.mark.parametrize(
    ("publish", "killed_after"),
    [(False, "match_run_pair"), (True, "mentorship")],
    ids=["during-the-run", "during-publishing"],
)
def test_a_killed_scheduler_leaves_nothing_partial_and_its_slot_runs_once_after_restart(
    app, db, tmp_path, publish, killed_after
):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    make_mentor(db, country="KZ", languages=("ru",), capacity=2, years_of_service=20)
    make_member(db, country="KG", languages=("ru",))
    slot = _the_slot()

    # 1. The matching slot was missed (no scheduler ran): the first scheduler runs it at
    #    start, and is killed in the middle, its writes not committed.
    first = Scheduler(url, tmp_path, "first", slot, stop_after_insert_into=killed_after, publish=publish)
    try:
        assert _wait_for(first.marker.exists), first.output()[-3000:]
    finally:
        first.kill()
    executions = db.session.scalars(select(JobExecution).where(JobExecution.job == "matching")).all()
    assert [(e.scheduled_for, e.status, e.attempt) for e in executions] == [(slot, "running", 1)]
    assert _count(db, MatchRun) == 0, "a half-written run was kept"
    assert _count(db, Mentorship) == 0, "half-written proposals were kept"

    # 2. Its lease is no longer renewed: it expires and the execution is marked failed.
    execution_id = executions[0].id
    with app.app_context():
        assert _wait_for(lambda: execution_id in sched.reap_expired(), timeout=30)
    db.session.expire_all()
    failed = db.session.get(JobExecution, execution_id)
    assert failed.status == "failed" and failed.error.startswith("interrupted")
    assert failed.interrupted_at is not None

    # 3. Two schedulers start again at once: the interrupted slot runs exactly once.
    restarted = [Scheduler(url, tmp_path, f"again{i}", slot, publish=publish) for i in range(2)]
    try:
        done = _wait_for(lambda: _count(db, JobExecution, JobExecution.status == "ok", JobExecution.job == "matching"))
        assert done, "\n".join(s.output()[-2000:] for s in restarted)
        assert _wait_for(lambda: all("recovery:" in s.output() for s in restarted))
    finally:
        for s in restarted:
            s.stop()
    ran = [s for s in restarted if "job matching (execution" in s.output()]
    assert len(ran) == 1, "exactly one process ran the slot"

    # 4. One more start finds nothing to do.
    last = Scheduler(url, tmp_path, "last", slot, publish=publish)
    try:
        assert _wait_for(lambda: "recovery:" in last.output()), last.output()[-3000:]
    finally:
        last.stop()
    assert "job matching (execution" not in last.output()

    db.session.expire_all()
    execution = db.session.get(JobExecution, execution_id)
    assert (execution.status, execution.attempt, execution.scheduled_for) == ("ok", 2, slot)
    assert _count(db, JobExecution, JobExecution.job == "matching") == 1
    runs = db.session.scalars(select(MatchRun)).all()
    assert len(runs) == 1
    if publish:
        assert runs[0].status == MatchRunStatus.PUBLISHED
        assert _count(db, Mentorship) == 1
    else:
        assert runs[0].status == MatchRunStatus.DRAFT
        assert _count(db, Mentorship) == 0


def test_an_execution_whose_lease_expired_is_marked_failed_and_a_live_one_is_not(app, db):
    now = datetime.now(UTC)
    dead = JobExecution(job="digest", scheduled_for=now - timedelta(hours=1), lease_expires_at=now - timedelta(seconds=1))
    alive = JobExecution(job="expiry", scheduled_for=now - timedelta(hours=1), lease_expires_at=now + timedelta(minutes=1))
    # From before leases existed: expired after the job's lock time.
    old = JobExecution(job="reminders", scheduled_for=now - timedelta(days=1), started_at=now - timedelta(hours=3))
    db.session.add_all([dead, alive, old])
    db.session.commit()

    reaped = sched.reap_expired(now)

    assert sorted(reaped) == sorted([dead.id, old.id])
    db.session.expire_all()
    assert [db.session.get(JobExecution, e.id).status for e in (dead, alive, old)] == ["failed", "running", "failed"]
    assert "interrupted" in db.session.get(JobExecution, dead.id).error


def test_a_running_execution_renews_its_lease(app, db, monkeypatch):
    seen = []

    def slow(session, now, origin):
        first = session.scalar(select(JobExecution.lease_expires_at))
        time.sleep(2.5)
        session.expire_all()
        seen.append((first, session.scalar(select(JobExecution.lease_expires_at))))
        return {}

    spec = sched.JOBS["digest"]
    monkeypatch.setitem(sched.JOBS, "digest", sched.JobSpec("digest", slow, spec.default_cron, spec.description))
    monkeypatch.setitem(app.config, "JOB_LEASE_SECONDS", 2)
    execution = sched.execute(app, "digest", datetime(2025, 3, 10, 1, 0, tzinfo=UTC))
    assert execution.status == "ok"
    ((first, later),) = seen
    assert later > first
    assert execution.lease_expires_at is None


def test_missed_slots_are_coalesced_and_only_within_the_grace_period(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_CATCHUP_GRACE_SECONDS", 3 * 3600)
    hourly = sched.crontab_trigger("0 * * * *", "UTC")
    now = datetime(2025, 3, 10, 10, 30, tzinfo=UTC)
    found = sched.missed_slots(app.config, now, only=["digest"], trigger_overrides={"digest": hourly})
    assert found == [("digest", datetime(2025, 3, 10, 10, 0, tzinfo=UTC), None)]  # not 08:00 and 09:00 too

    weekly = sched.crontab_trigger("0 6 * * mon", "UTC")
    later = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)  # 3.5 hours after Monday 06:00
    assert sched.missed_slots(app.config, later, only=["matching"], trigger_overrides={"matching": weekly}) == []

    db.session.add(JobExecution(job="digest", scheduled_for=datetime(2025, 3, 10, 10, 0, tzinfo=UTC), status="ok"))
    db.session.commit()
    assert sched.missed_slots(app.config, now, only=["digest"], trigger_overrides={"digest": hourly}) == []


def test_an_interrupted_slot_runs_again_once_even_while_the_dead_holders_lock_row_lingers(app, db, monkeypatch):
    from web.models import SchedulerLock

    ran = []
    spec = sched.JOBS["digest"]
    monkeypatch.setitem(
        sched.JOBS, "digest", sched.JobSpec("digest", lambda s, n, o: ran.append(n) or {}, spec.default_cron, "")
    )
    now = datetime.now(UTC).replace(microsecond=0)
    slot = now.replace(minute=0, second=0)
    hourly = {"digest": sched.crontab_trigger("0 * * * *", "UTC")}
    dead = JobExecution(job="digest", scheduled_for=slot, host="gone:4242", lease_expires_at=now - timedelta(milliseconds=5))
    db.session.add_all(
        [dead, SchedulerLock(name="digest", holder="gone:4242:1:ab12cd34", expires_at=now + timedelta(seconds=1))]
    )
    db.session.commit()

    done = sched.recover(app, now=now, only=["digest"], trigger_overrides=hourly)
    again = sched.recover(app, now=now, only=["digest"], trigger_overrides=hourly)

    assert [(e.id, e.status, e.attempt) for e in done] == [(dead.id, "ok", 2)]
    assert again == [] and len(ran) == 1
    assert _count(db, SchedulerLock) == 0
