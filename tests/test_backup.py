"""`flask --app wsgi backup PATH` and `restore PATH`, run as an operator runs them: a
round trip keeps every table row for row, on SQLite, on PostgreSQL, and from one to the
other; a restore refuses what would lose data or mix schemas."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select

from recruit.core.audit import verify_chain
from recruit.extensions import db
from tests.conftest import build_app
from tests.support import servers
from tests.test_platform import flask
from tests.test_privacy import decided_day

# The newest migration, read from the migrations folder itself (not through the app).
HEAD = ScriptDirectory(str(Path(__file__).parents[1] / "migrations")).get_current_head()

MUST_HOLD = [
    "user",
    "api_token",
    "vacancy",
    "panel",
    "panel_member",
    "quality",
    "candidate",
    "declaration",
    "scoresheet",
    "score",
    "decision",
    "audit_record",
    "outbox_message",
    "decision_pack",
    "participation",
    "payment",
]


def realistic_dataset(app, api, make_user) -> None:
    """A vacancy taken to closed through the real operations, with a decision pack asked
    for and a participation paid: every area's tables hold rows."""
    from recruit.decisions.pack import request_pack
    from recruit.involvement.operations import record_participation, record_payment
    from recruit.people.models import User
    from recruit.vacancies.models import Vacancy

    day = decided_day(api, make_user)
    with app.app_context():
        hr = db.session.get(User, day.world.id("hr"))
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        request_pack(hr, vacancy)
        participation = record_participation(
            hr,
            user_id=day.world.id("ps"),
            activity="panel",
            took_part_on=vacancy.created_at.date(),
            minutes=90,
            vacancy_id=vacancy.id,
        )
        record_payment(
            hr, participation, kind="voucher", amount_pence=1500, benefits_reminder_given=True
        )
        db.session.commit()
        empty = [
            t.name
            for t in db.metadata.sorted_tables
            if t.name in MUST_HOLD and not db.session.scalar(select(func.count()).select_from(t))
        ]
    assert empty == [], f"the dataset leaves these tables empty: {empty}"


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table, row by row, as the app reads it (types processed)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def operator(url: str, redis_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
    env.pop("RECRUIT_ENV", None)
    return env


@pytest.fixture
def target(backend, tmp_path):
    """An empty database of the same kind to restore into."""
    if backend == "postgresql":
        name = f"recruit_restore_{os.getpid()}"
        yield servers.create_pg_database(name)
        servers.drop_pg_database(name)
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def test_a_backup_restores_row_for_row_and_refuses_what_it_must(
    app, api, make_user, backend, database_urls, redis_server, target, tmp_path
):
    realistic_dataset(app, api, make_user)
    source = database_urls[backend]
    archive = tmp_path / "recruit-backup.jsonl.gz"
    made = flask("backup", str(archive), env=operator(source, redis_server.url))
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout and HEAD in made.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds personal data

    env = operator(target, redis_server.url)
    restored = flask("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    original = dump(source)
    assert dump(target) == original
    verified = flask("verify-audit", env=env)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr

    # Restoring over data needs --force, and without it nothing changes.
    again = flask("restore", str(archive), env=env)
    assert again.returncode != 0
    assert "already holds data" in again.stderr and "--force" in again.stderr
    forced = flask("restore", "--force", str(archive), env=env)
    assert forced.returncode == 0, forced.stderr
    assert dump(target) == original

    # A backup of another schema revision is refused in plain words.
    with gzip.open(archive, "rt") as stream:
        lines = stream.read().splitlines()
    header = json.loads(lines[0])
    other = tmp_path / "old.jsonl.gz"
    with gzip.open(other, "wt") as stream:
        stream.write("\n".join([json.dumps({**header, "revision": "0007"}), *lines[1:]]) + "\n")
    refused = flask("restore", "--force", str(other), env=env)
    assert refused.returncode != 0
    assert "made at schema revision 0007" in refused.stderr
    assert HEAD in refused.stderr

    # A cut-off backup is refused and the database is left as it was.
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt") as stream:
        stream.write("\n".join(lines[: len(lines) // 2]) + "\n")
    broken = flask("restore", "--force", str(cut), env=env)
    assert broken.returncode != 0 and "not complete" in broken.stderr
    assert dump(target) == original

    # The restored database takes new writes: ids (PostgreSQL sequences) follow the rows,
    # and the audit chain goes on from its restored head.
    from recruit.people.operations import create_user

    restored_app = build_app(target, redis_server.url)
    with restored_app.app_context():
        create_user(None, username="after-restore", display_name="New", role="staff")
        db.session.commit()
        report = verify_chain(db.session.connection())
        assert report.intact and report.count == len(original["audit_record"]) + 1
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_backup_moves_to_postgresql(
    app, api, make_user, backend, database_urls, redis_server, tmp_path
):
    if backend != "sqlite":
        pytest.skip("the move starts from SQLite")
    if "postgresql" not in database_urls:
        pytest.skip("PostgreSQL is not installed")
    realistic_dataset(app, api, make_user)
    archive = tmp_path / "embedded.jsonl.gz"
    made = flask("backup", str(archive), env=operator(database_urls["sqlite"], redis_server.url))
    assert made.returncode == 0, made.stderr
    name = f"recruit_move_{os.getpid()}"
    url = servers.create_pg_database(name)
    try:
        env = operator(url, redis_server.url)
        restored = flask("restore", str(archive), env=env)
        assert restored.returncode == 0, restored.stderr
        assert dump(url) == dump(database_urls["sqlite"])
        verified = flask("verify-audit", env=env)
        assert verified.returncode == 0, verified.stderr
    finally:
        servers.drop_pg_database(name)


def test_a_file_that_is_not_a_backup_is_refused(backend, redis_server, target, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    done = flask("restore", str(junk), env=operator(target, redis_server.url))
    assert done.returncode != 0 and "not a complete recruit backup" in done.stderr
    assert Path(junk).read_text() == "hello"
