"""Command-line tools: ``flask create-coordinator``, ``flask seed-demo``."""

from __future__ import annotations

import os

import click
from flask import Flask

from .extensions import db


def register(app: Flask) -> None:
    from .runs.cli import runs_cli

    app.cli.add_command(runs_cli)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the database to PATH; safe while the service runs."""
        from .backup import BackupError, backup

        try:
            outcome = backup(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backup written to {outcome.path} ({outcome.bytes} bytes) in {outcome.seconds:.1f} s.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def restore_command(path):
        """Restore the backup PATH into this database, which must be empty."""
        from .backup import BackupError, restore, row_counts

        try:
            outcome = restore(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        rows = row_counts()
        click.echo(
            f"Restored {outcome.path} in {outcome.seconds:.1f} s: {sum(rows.values())} rows in {len(rows)} tables, "
            f"{rows.get('member', 0)} members."
        )

    @app.cli.command("create-coordinator")
    @click.argument("email")
    @click.option("--name", default="Coordinator", help="Display name for a new account.")
    @click.option("--country", default="KZ", help="Country code for a new account.")
    @click.option("--scope", default=None, help="Country code for a national focal point; omit for a regional coordinator.")
    @click.password_option(help="Password for a new account (asked when omitted).", prompt_required=False)
    def create_coordinator(email, name, country, scope, password):
        """Make EMAIL a coordinator, creating the account when it does not exist."""
        from .auth.passwords import hash_password, password_problems
        from .auth.services import find_by_email, normalise_email
        from .models import Member, MemberLanguage, MemberStatus, utcnow

        member = find_by_email(email)
        if member is None:
            if not password:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            problems = password_problems(password, email=email)
            if problems:
                raise click.ClickException(" ".join(str(p) for p in problems))
            member = Member(
                email=normalise_email(email),
                password_hash=hash_password(password),
                display_name=name,
                country=country.upper(),
                agency_kind="other",
                agency_name="OSCE",
                years_of_service=0,
                is_mentee=False,
                consent_at=utcnow(),
                status=MemberStatus.ACTIVE,
            )
            member.languages = [MemberLanguage(code="ru")]
            db.session.add(member)
        member.is_coordinator = True
        member.coordinator_scope = scope.upper() if scope else None
        if member.status == MemberStatus.PENDING:
            member.status = MemberStatus.ACTIVE
        db.session.commit()
        click.echo(
            f"{member.email} is now a coordinator" + (f" for {member.coordinator_scope}." if scope else " (regional).")
        )

    @app.cli.command("seed-demo")
    @click.option("--members", default=60, show_default=True, type=click.IntRange(1, 100000))
    @click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when members exist.")
    def seed_demo(members, if_empty):
        """Fill an empty database with fictional demo members and a coordinator."""
        from .demo import seed
        from .models import Member

        if db.session.scalar(db.select(Member.id).limit(1)) is not None:
            if if_empty:
                click.echo("Database already has members; demo data not loaded.")
                return
            raise click.ClickException("The database already has members; seed-demo fills only an empty one.")
        email, password = seed(members)
        db.session.commit()
        login = f"Demo coordinator: {email}  password: {password}"
        # Kept (readable only by this user) so `make run` can print it on every start.
        path = os.path.join(app.instance_path, "demo-login.txt")
        os.makedirs(app.instance_path, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(login + "\n")
        click.echo(f"Loaded {members} demo members.")
        click.echo(login)
