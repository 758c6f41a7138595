"""Operator commands: `flask --app wsgi init-db | create-admin | seed-demo | verify-audit |
backup | restore`."""

from __future__ import annotations

from pathlib import Path

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

    @app.cli.command("verify-audit")
    @click.option(
        "--expect",
        metavar="SEQ:HASH",
        help="Also check that record SEQ still has this hash (a head noted earlier).",
    )
    def verify_audit(expect: str | None) -> None:
        """Walk the audit trail's hash chain and compare the stored checkpoints with it;
        exit non-zero at the first broken record or at any checkpoint that no longer matches."""
        from recruit.core.audit import AuditRecord, verify_chain
        from recruit.core.checkpoints import AuditCheckpoint, mismatched_checkpoints

        with db.engine.connect() as connection:
            report = verify_chain(connection)
            anchor = None
            if expect and report.intact:
                seq, _, expected_hash = expect.partition(":")
                if not seq.isdigit() or len(expected_hash) != 64:
                    raise click.BadParameter("give SEQ:HASH, as printed by verify-audit")
                anchor = connection.execute(
                    AuditRecord.__table__.select().where(AuditRecord.seq == int(seq))
                ).first()
                if anchor is None or anchor.hash != expected_hash:
                    report.problem = (
                        f"record {seq} is missing or no longer has the hash noted earlier"
                        if anchor is None
                        else "it no longer has the hash noted earlier: the chain was rewritten"
                    )
                    report.broken_seq = int(seq)
                    report.broken_id = anchor.id if anchor is not None else None
            broken = None
            if report.broken_id is not None:
                broken = connection.execute(
                    AuditRecord.__table__.select().where(AuditRecord.id == report.broken_id)
                ).first()
            mismatches = mismatched_checkpoints(connection)
            last = connection.execute(
                AuditCheckpoint.__table__.select()
                .where(AuditCheckpoint.problem.is_(None))
                .order_by(AuditCheckpoint.id.desc())
                .limit(1)
            ).first()
        if not report.intact:
            where = f"record {report.broken_seq}"
            if broken is not None:
                where += f" (id {broken.id}, {broken.action}, {broken.at:%Y-%m-%d %H:%M:%S})"
            click.echo(f"The audit trail is BROKEN at {where}: {report.problem}.", err=True)
            click.echo(f"{report.count} record(s) before it hold.", err=True)
        for mismatch in mismatches:
            text = mismatch.describe()
            click.echo(f"CHECKPOINT MISMATCH: {text[0].upper()}{text[1:]}.", err=True)
        if mismatches:
            click.echo(
                f"{len(mismatches)} checkpoint(s) no longer match: the newest records were "
                "deleted or rewritten after they were checked.",
                err=True,
            )
        if not report.intact or mismatches:
            raise SystemExit(1)
        click.echo(f"The audit trail is intact: {report.count} record(s) in an unbroken chain.")
        if report.redacted:
            shown = ", ".join(str(s) for s in report.redacted[:20])
            more = " ..." if len(report.redacted) > 20 else ""
            click.echo(
                f"{len(report.redacted)} record(s) had personal details erased lawfully "
                f"(redacted, each listed by its erasure's record): {shown}{more}"
            )
        if last is None:
            click.echo("No checkpoints yet (the workers take one every AUDIT_VERIFY_HOURS).")
        else:
            click.echo(
                f"Every checkpoint still matches; the last, taken {last.taken_at:%Y-%m-%d %H:%M} "
                f"UTC, noted record {last.seq}."
            )
        click.echo(f"Head: {report.head_seq}:{report.head_hash}")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Write every table to PATH (gzip'd JSON lines, readable by its owner only)."""
        from recruit.core.backup import BackupRefused, backup

        try:
            summary = backup(path)
        except BackupRefused as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Backed up {summary.total} row(s) from {len(summary.rows)} tables "
            f"(schema revision {summary.revision}) to {path}."
        )

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace the data already in the database.")
    def restore_command(path: Path, force: bool) -> None:
        """Restore a backup made by `backup` (the schema revisions must match)."""
        from recruit.core.backup import BackupRefused, restore

        try:
            summary = restore(path, force=force)
        except BackupRefused as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Restored {summary.total} row(s) into {len(summary.rows)} tables "
            f"(schema revision {summary.revision}) from {path}."
        )
