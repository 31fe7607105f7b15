"""``flask jobs ...`` (the scheduler) and ``flask runs ...`` (matching runs)."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)

jobs_cli = AppGroup("jobs", help="The job scheduler: run it, list jobs, run one now.")
runs_cli = AppGroup("runs", help="Matching runs: list, export for reproduction.")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    app.cli.add_command(runs_cli)


@jobs_cli.command("run")
def jobs_run():
    """Run the scheduler in this process until stopped (Ctrl-C or SIGTERM)."""
    from .scheduler import JOBS, build_scheduler

    app = current_app._get_current_object()
    dev = app.extensions.pop("bridges_scheduler", None)
    if dev is not None and dev.running:
        dev.shutdown(wait=False)
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


@runs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def runs_list(limit):
    """The latest matching runs."""
    from web.extensions import db
    from web.models import MatchRun

    for run in db.session.scalars(db.select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)):
        pool = (run.summary or {}).get("pool", {})
        click.echo(
            f"{run.id:>5} {run.status:<9} {run.started_at:%Y-%m-%d %H:%M} "
            f"{run.started_by:<14} pairs={pool.get('pairs', '-')} "
            f"dropped={len(run.dropped or [])}{' what-if' if run.is_what_if else ''}"
            + (f"  error: {run.error.splitlines()[0][:80]}" if run.error else "")
        )


@runs_cli.command("publish")
@click.argument("run_id", type=int)
@click.option("--as", "email", help="Coordinator email recorded as the publisher.")
def runs_publish(run_id, email):
    """Publish draft RUN_ID (for runs too large to publish from the page in time)."""
    from web.extensions import db
    from web.models import MatchRun, Member, utcnow
    from web.runs.publishing import publish_run
    from web.validation import ValidationFailed

    from .scheduler import _deliver_mail

    run = db.session.get(MatchRun, run_id)
    if run is None:
        raise click.ClickException(f"no run {run_id}")
    actor = None
    if email:
        actor = db.session.scalar(db.select(Member).where(Member.email == email.lower()))
        if actor is None or not actor.is_coordinator:
            raise click.ClickException(f"{email} is not a coordinator")
    try:
        publish_run(db.session, run, actor=actor, now=utcnow())
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    _deliver_mail(db.session)
    click.echo(
        f"run {run_id} published: {len(run.pairs) - len(run.dropped or [])} proposals, {len(run.dropped or [])} dropped"
    )


@runs_cli.command("export")
@click.argument("run_id", type=int)
@click.option(
    "--members",
    "members_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the run's input (matcher JSON Lines).",
)
@click.option(
    "--pairs",
    "pairs_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the run's pairs (matcher JSON Lines).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Also write the run's configuration as TOML (for `--config`).",
)
def runs_export(run_id, members_path, pairs_path, config_path):
    """Write run RUN_ID's input snapshot and pairs in the matcher's file format.

    `python -m matcher --input MEMBERS` then gives the same pairs, less those
    the run dropped at publication, which are listed on standard error.
    """
    from web.runs.export import export_run

    try:
        dropped, default_config = export_run(run_id, members_path, pairs_path, config_path)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    for d in dropped:
        click.echo(
            f"dropped at write time: mentor {d['mentor']} mentee {d['mentee']} ({', '.join(d.get('problems', []))})",
            err=True,
        )
    if not default_config and not config_path:
        click.echo("note: this run used a non-default configuration; add --config to export it", err=True)
    click.echo(f"run {run_id}: members in {members_path}, pairs in {pairs_path}")
