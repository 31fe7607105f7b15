"""``flask jobs ...``: run the scheduler, list the jobs, run one now.

Registered by the composition root (``wsgi.py``), not by the app factory: the web app
imports nothing from ``jobs``."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)

jobs_cli = AppGroup("jobs", help="The job scheduler: run it, list jobs, run one now.")


def register(app: Flask) -> None:
    if "jobs" not in app.cli.commands:
        app.cli.add_command(jobs_cli)


@jobs_cli.command("run")
def jobs_run():
    """Run the scheduler in this process until stopped (Ctrl-C or SIGTERM)."""
    from .scheduler import JOBS, build_scheduler

    app = current_app._get_current_object()
    scheduler = build_scheduler(app, blocking=True)

    def stop(signum, _frame):
        log.info("signal %s: stopping the scheduler after running jobs finish", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(JOBS)}.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    click.echo("Scheduler stopped.")


@jobs_cli.command("list")
def jobs_list():
    """Show each job, its schedule, next run time and last execution."""
    from web.extensions import db
    from web.models import JobExecution

    from .scheduler import JOBS, next_run_times, triggers

    config = current_app.config
    upcoming = next_run_times(config)
    all_triggers = triggers(config)
    for name, spec in JOBS.items():
        last = db.session.scalar(
            db.select(JobExecution)
            .where(JobExecution.job == name)
            .order_by(JobExecution.started_at.desc(), JobExecution.id.desc())
            .limit(1)
        )
        nxt = upcoming[name]
        last_text = f"{last.status} at {last.started_at:%Y-%m-%d %H:%M} UTC" if last else "never ran"
        click.echo(
            f"{name:<10} next {nxt:%Y-%m-%d %H:%M %Z}  [{all_triggers[name]}]  last: {last_text}  - {spec.description}"
        )


@jobs_cli.command("run-now")
@click.argument("name")
def jobs_run_now(name):
    """Run job NAME once, now. For `matching`, the last line is the new run's id."""
    from .scheduler import JOBS, run_now

    if name not in JOBS:
        raise click.BadParameter(f"unknown job {name!r}; jobs: {', '.join(JOBS)}", param_hint="NAME")
    execution = run_now(current_app._get_current_object(), name)
    if execution is None:
        raise click.ClickException("this slot was claimed by another process")
    if execution.status == "skipped":
        raise click.ClickException(f"{name}: skipped, {execution.error}")
    result = execution.result or {}
    if execution.status == "failed":
        click.echo(f"{name} failed: {execution.error}", err=True)
    else:
        click.echo(f"{name}: {result}")
    if name == "matching" and "run_id" in result:
        click.echo(result["run_id"])
    if execution.status == "failed":
        sys.exit(1)
