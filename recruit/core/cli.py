"""Operator commands: `flask --app wsgi init-db | create-admin | seed-demo`."""

from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade

from recruit.core.errors import DomainError
from recruit.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the schema to the latest migration (safe to run twice)."""
        upgrade()
        click.echo("Database is up to date.")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--password", required=True, help="At least 8 characters.")
    def create_admin(username: str, password: str) -> None:
        """Create an admin user, or reset that admin's password."""
        from recruit.people.operations import create_or_reset_admin

        try:
            user, created = create_or_reset_admin(username, password)
        except DomainError as error:
            db.session.rollback()
            details = "; ".join(m for msgs in error.fields.values() for m in msgs)
            raise click.ClickException(details or error.message) from None
        db.session.commit()
        click.echo(f"{'Created' if created else 'Reset the password of'} admin {user.username}.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load a demo organisation (safe to run twice: it adds nothing the second time)."""
        from recruit.core.demo import seed

        created = seed()
        db.session.commit()
        if created:
            click.echo("Loaded the demo organisation. Sign in as any of these:")
        else:
            click.echo("The demo organisation is already there. Demo people:")
        from recruit.core.demo import DEMO_PEOPLE, STAGES

        click.echo(f"  (and a demo vacancy at each of these stages: {', '.join(STAGES)})")
        for person in DEMO_PEOPLE:
            secret = (
                f"password {person['password']}"
                if person.get("password")
                else f"PIN {person['pin']}"
            )
            click.echo(f"  {person['username']:<10} {person['role']:<17} {secret}")
