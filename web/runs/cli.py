"""``flask runs ...``: list, publish and export matching runs from the command line.
Thin calls of the run services; registered by ``web.commands``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

runs_cli = AppGroup("runs", help="Matching runs: list, publish, export for reproduction.")


@runs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def runs_list(limit):
    """The latest matching runs."""
    from ..extensions import db
    from ..models import MatchRun

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
    from ..extensions import db
    from ..mail import deliver
    from ..models import MatchRun, Member, utcnow
    from ..validation import ValidationFailed
    from .publishing import publish_run

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
    ids = db.session.info.pop("bridges_outbox_deliver", None)  # outside a request nobody else sends them
    if ids:
        deliver(ids)
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
    from .export import export_run

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
