"""The scheduler: each slot runs once across threads and processes; failures are recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from jobs import scheduler as sched
from tests.factories import make_member, make_mentor
from web.models import JobExecution, MatchRun, Member

pytest.importorskip("matcher", reason="the matcher library is not importable yet")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pool(db):
    make_mentor(db, country="KZ", languages=("ru",), capacity=2, years_of_service=20)
    make_member(db, country="KG", languages=("ru",))


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_crontab_weekdays_mean_what_they_mean_in_cron():
    almaty = ZoneInfo("Asia/Almaty")
    after = datetime(2025, 3, 4, tzinfo=almaty)  # a Tuesday
    by_name = sched.crontab_trigger("0 6 * * mon", "Asia/Almaty")
    by_number = sched.crontab_trigger("0 6 * * 1", "Asia/Almaty")
    expected = datetime(2025, 3, 10, 6, 0, tzinfo=almaty)  # the next Monday
    assert by_name.get_next_fire_time(None, after) == expected
    assert by_number.get_next_fire_time(None, after) == expected
    sunday = sched.crontab_trigger("0 6 * * 0", "Asia/Almaty").get_next_fire_time(None, after)
    assert sunday.weekday() == 6


def test_every_process_agrees_on_the_slot_despite_small_delays():
    trigger = sched.crontab_trigger("0 6 * * mon", "Asia/Almaty")
    fired = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)  # 06:00 in Almaty
    slots = {sched.slot_for(trigger, fired + timedelta(seconds=s)) for s in (0, 0.4, 3, 59, 600)}
    assert slots == {fired}


def test_matching_job_runs_once_when_two_schedulers_fire_in_threads(app, db):
    from apscheduler.triggers.date import DateTrigger

    _pool(db)
    run_date = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    schedulers = [
        sched.build_scheduler(app, only=["matching"], trigger_overrides={"matching": DateTrigger(run_date=run_date)})
        for _ in range(2)
    ]
    for s in schedulers:
        s.start()
    try:
        assert _wait_for(lambda: all(not s.get_jobs() for s in schedulers)), "jobs did not fire"
    finally:
        for s in schedulers:
            s.shutdown(wait=True)

    assert _count(db, MatchRun) == 1
    executions = db.session.scalars(select(JobExecution)).all()
    assert [(e.job, e.status, e.scheduled_for) for e in executions] == [("matching", "ok", run_date)]
    assert executions[0].result["run_id"] == db.session.scalar(select(MatchRun.id))


_PROCESS = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    from apscheduler.triggers.date import DateTrigger
    from web import create_app
    from jobs.scheduler import build_scheduler

    url, when = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "BASE_URL": "http://localhost"})
    s = build_scheduler(app, only=["matching"],
                        trigger_overrides={"matching": DateTrigger(run_date=when)})
    s.start()
    deadline = time.monotonic() + 60
    while s.get_jobs() and time.monotonic() < deadline:
        time.sleep(0.1)
    s.shutdown(wait=True)
    print("scheduler done")
""")


def test_matching_job_runs_once_when_two_scheduler_processes_fire(app, db):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip(
            "two scheduler processes need PostgreSQL (TEST_DATABASE_URL); on SQLite the same is tested with two threads"
        )
    _pool(db)
    run_date = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("BRIDGES_SCHEDULER", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS, url, run_date.isoformat()],  # noqa: S603
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "scheduler done" in out

    assert _count(db, MatchRun) == 1
    executions = db.session.scalars(select(JobExecution)).all()
    assert [(e.job, e.status) for e in executions] == [("matching", "ok")]
    hosts = {err.count("job matching (execution") > 0 for _out, err in outputs}
    assert hosts == {True, False}, "exactly one process ran the job"


def test_second_claim_of_the_same_slot_does_nothing(app, db):
    _pool(db)
    slot = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)
    first = sched.execute(app, "matching", slot)
    second = sched.execute(app, "matching", slot)
    assert first is not None and first.status == "ok"
    assert second is None
    assert _count(db, MatchRun) == 1


def test_job_is_skipped_while_another_execution_holds_its_lock(app, db):
    lock = sched.acquire_lock("matching", timedelta(minutes=5))
    try:
        execution = sched.execute(app, "matching", datetime(2025, 3, 10, 1, 0, tzinfo=UTC))
    finally:
        lock.release()
    assert execution.status == "skipped"
    assert "still running" in execution.error
    assert _count(db, MatchRun) == 0


def test_an_expired_sqlite_lock_does_not_block_forever(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("lock rows with an expiry are the SQLite lock")
    from web.models import SchedulerLock

    db.session.add(SchedulerLock(name="digest", holder="crashed:1", expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    lock = sched.acquire_lock("digest", timedelta(minutes=5))
    assert lock is not None
    assert sched.acquire_lock("digest", timedelta(minutes=5)) is None
    lock.release()
    assert _count(db, SchedulerLock) == 0


def test_failing_job_is_recorded_leaves_data_as_it_was_and_runs_at_its_next_slot(app, db, monkeypatch):
    member = make_member(db, display_name="Before")
    attempts = []

    def half_done_then_crash(session, now, origin):
        session.get(Member, member.id).display_name = "Half written"
        session.flush()
        attempts.append(now)
        if len(attempts) == 1:
            raise ValueError("bad data")
        return {"done": True}

    spec = sched.JOBS["digest"]
    monkeypatch.setitem(
        sched.JOBS, "digest", sched.JobSpec("digest", half_done_then_crash, spec.default_cron, spec.description)
    )
    first_slot = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)

    failed = sched.execute(app, "digest", first_slot)
    assert failed.status == "failed"
    assert "ValueError: bad data" in failed.error and "half_done_then_crash" in failed.traceback
    assert db.session.get(Member, member.id).display_name == "Before"

    ok = sched.execute(app, "digest", first_slot + timedelta(days=1))
    assert ok.status == "ok" and ok.result == {"done": True}
    db.session.expire_all()
    assert db.session.get(Member, member.id).display_name == "Half written"


def test_jobs_list_shows_every_job_and_its_next_run(runner):
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    for name in sched.JOBS:
        assert name in result.output
    assert "never ran" in result.output


def test_run_now_matching_prints_the_new_run_id_on_its_last_line(runner, db):
    _pool(db)
    result = runner.invoke(args=["jobs", "run-now", "matching"])
    assert result.exit_code == 0, result.output
    run_id = db.session.scalar(select(MatchRun.id))
    assert result.output.strip().splitlines()[-1] == str(run_id)


def test_run_now_of_an_unknown_job_names_the_jobs(runner):
    result = runner.invoke(args=["jobs", "run-now", "nope"])
    assert result.exit_code == 2
    assert "matching" in result.output


@pytest.mark.parametrize(
    ("env", "argv", "debug", "expected"),
    [
        ({"WERKZEUG_RUN_MAIN": "true"}, ["run"], "1", True),  # the reloader's child
        ({}, ["run"], "1", False),  # the reloader's parent
        ({}, ["run"], "0", True),  # make run: no reloader
        ({}, ["run", "--no-reload"], "1", True),
        ({}, ["db", "upgrade"], "0", False),
        ({}, ["jobs", "run"], "0", False),
    ],
)
def test_dev_server_scheduler_starts_only_in_the_serving_process(monkeypatch, env, argv, debug, expected):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FLASK_DEBUG", debug)
    monkeypatch.setattr(sys, "argv", ["flask", *argv])
    assert sched._is_serving_process() is expected
