"""The audit trail is append-only and hash-chained; verify-audit finds any edit, deletion or
insertion; a lawful erasure scrubs personal data without breaking the chain."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from recruit.candidates.models import Candidate
from recruit.candidates.retention import erase_expired
from recruit.core import audit
from recruit.core.audit import AuditRecord, AuditTrailIsAppendOnly, verify_chain
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.vacancies.models import Vacancy
from tests.conftest import build_app
from tests.support import servers
from tests.test_api_vacancies import World
from tests.test_platform import flask
from tests.test_privacy import decided_day


@pytest.fixture
def cli_env(backend, database_urls, redis_server) -> dict:
    """The environment an operator runs `flask --app wsgi ...` in, on the test's database."""
    env = {**os.environ, "DATABASE_URL": database_urls[backend], "REDIS_URL": redis_server.url}
    env.pop("RECRUIT_ENV", None)
    return env


def records(app) -> list[AuditRecord]:
    with app.app_context():
        found = db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        db.session.expunge_all()
        return found


def tamper(app, sql: str, **params) -> None:
    """Change the table as someone with direct database access would, past the triggers."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(sql), params)
        else:
            audit.drop_guards(connection)
            connection.execute(text(sql), params)
            audit.install_guards(connection)
        db.session.commit()


def some_history(api, make_user) -> World:
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    world.quality(vacancy_id, "ps", "Kind")
    world.quality(vacancy_id, "staff", "Patient")
    return world


def test_each_record_follows_the_one_before(app, api, make_user):
    some_history(api, make_user)
    chain = records(app)
    assert len(chain) >= 10
    assert [r.seq for r in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == audit.GENESIS
    for before, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == before.hash and entry.id > before.id
        assert entry.hash == audit.hash_of(entry)
        assert entry.payload_digest == audit.payload_digest(entry.before, entry.after)
    with app.app_context():
        report = verify_chain(db.session.connection())
    assert report.intact and report.count == len(chain) and report.head_hash == chain[-1].hash


def test_the_app_cannot_change_or_delete_a_record(app, api, make_user):
    some_history(api, make_user)
    with app.app_context():
        entry = db.session.scalar(select(AuditRecord).order_by(AuditRecord.seq))
        entry.action = "nothing.happened"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(AuditRecord).order_by(AuditRecord.seq))
        db.session.delete(entry)
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(update(AuditRecord).values(action="x"))
        db.session.rollback()
        # A redaction through the session is refused too unless erase_from_trail makes it.
        entry = db.session.scalar(select(AuditRecord).order_by(AuditRecord.seq))
        entry.after = {"scrubbed": True}
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
    assert verify_chain_of(app).intact


def verify_chain_of(app) -> audit.ChainReport:
    with app.app_context():
        return verify_chain(db.session.connection())


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_record SET after = NULL WHERE seq = 2",
        "UPDATE audit_record SET action = 'x', redacted_by = 99, redacted_at = at WHERE seq = 2",
        "DELETE FROM audit_record WHERE seq = 2",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(app, api, make_user, sql):
    some_history(api, make_user)
    before = [(r.seq, r.action, r.after) for r in records(app)]
    with app.app_context():
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text(sql))
            db.session.flush()
        assert "append-only" in str(refused.value)
        db.session.rollback()
    assert [(r.seq, r.action, r.after) for r in records(app)] == before


def test_postgresql_refuses_truncate(app, api, make_user, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    some_history(api, make_user)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_record CASCADE"))
        db.session.rollback()
    assert records(app)


def test_concurrent_writers_do_not_fork_the_chain(app, api, make_user, backend):
    """Eight connections write at once, each holding its transaction open a moment."""
    world = World(api, make_user)
    vacancy_id = world.vacancy()
    writers, each = 8, 6
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                vacancy = db.session.get(Vacancy, vacancy_id)
                start.wait(10)
                for i in range(each):
                    audit.record("test.concurrent", vacancy, actor=None, after={"w": n, "i": i})
                    audit.record("test.concurrent", vacancy, actor=None, after={"w": n, "j": i})
                    db.session.flush()
                    db.session.execute(text("SELECT 1"))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    chain = records(app)
    written = [r for r in chain if r.action == "test.concurrent"]
    assert len(written) == writers * each * 2
    assert [r.seq for r in chain] == list(range(1, len(chain) + 1))
    # Within one transaction the two records are neighbours in the chain.
    for first in (r for r in written if "i" in r.after):
        following = chain[first.seq]
        assert following.after == {"w": first.after["w"], "j": first.after["i"]}
    report = verify_chain_of(app)
    assert report.intact and report.count == len(chain)


def test_verify_audit_says_intact(app, api, make_user, cli_env):
    some_history(api, make_user)
    chain = records(app)
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert f"intact: {len(chain)} record(s)" in done.stdout
    assert f"Head: {chain[-1].seq}:{chain[-1].hash}" in done.stdout


@pytest.mark.parametrize(
    ("sql", "broken", "says"),
    [
        (
            'UPDATE audit_record SET after = \'{"text": "Rude"}\' WHERE seq = 7',
            7,
            "before/after values were changed",
        ),
        ("UPDATE audit_record SET subject_id = 999 WHERE seq = 5", 5, "details were changed"),
        ("DELETE FROM audit_record WHERE seq = 4", 5, "record 4 is missing"),
        # A record moved to the end of the chain leaves a gap where it was.
        (
            "UPDATE audit_record SET seq = (SELECT MAX(seq) + 1 FROM audit_record) WHERE seq = 3",
            4,
            "record 3 is missing",
        ),
    ],
    ids=["payload-edited", "subject-edited", "deleted", "moved"],
)
def test_verify_audit_names_the_first_broken_record(
    app, api, make_user, cli_env, sql, broken, says
):
    some_history(api, make_user)
    tamper(app, sql)
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1, done.stdout
    assert f"BROKEN at record {broken} " in done.stderr and says in done.stderr, done.stderr


def forge(app, *, seq: int, prev_hash: str, record_id: int | None = None) -> None:
    """Insert a record whose hash is computed correctly, as someone who knows the scheme."""
    at = utcnow()
    digest = audit.payload_digest(None, {"forged": True})
    fields = dict(
        seq=seq,
        at=at,
        actor_id=None,
        action="vacancy.updated",
        subject_type="Vacancy",
        subject_id=1,
        vacancy_id=1,
        payload_digest=digest,
        prev_hash=prev_hash,
    )
    row = {**fields, "hash": audit.chain_hash(**fields), "after": json.dumps({"forged": True})}
    columns = ", ".join(row) + (", id" if record_id is not None else "")
    values = ", ".join(f":{k}" for k in row) + (", :id" if record_id is not None else "")
    with app.app_context():
        db.session.execute(
            text(f"INSERT INTO audit_record ({columns}) VALUES ({values})"),  # noqa: S608
            {**row, "id": record_id},
        )
        db.session.commit()


def test_verify_audit_finds_records_inserted_out_of_order(app, api, make_user, cli_env):
    some_history(api, make_user)
    chain = records(app)
    # Appended at the end but claiming an older record as its predecessor: a fork.
    forge(app, seq=len(chain) + 1, prev_hash=chain[2].hash)
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1
    assert f"BROKEN at record {len(chain) + 1} " in done.stderr
    assert f"does not follow record {len(chain)}" in done.stderr


def test_verify_audit_finds_a_record_slipped_in_with_an_old_id(app, api, make_user, cli_env):
    some_history(api, make_user)
    chain = records(app)
    forge(app, seq=len(chain) + 1, prev_hash=chain[-1].hash, record_id=chain[0].id - 1)
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1
    assert "inserted out of order" in done.stderr


def test_a_noted_head_catches_a_rewritten_tail(app, api, make_user, cli_env):
    """Without a key anyone can recompute hashes: a head noted elsewhere catches a rewrite."""
    some_history(api, make_user)
    chain = records(app)
    head = f"{chain[-1].seq}:{chain[-1].hash}"
    tamper(app, "DELETE FROM audit_record WHERE seq = :seq", seq=chain[-1].seq)
    forge(app, seq=chain[-1].seq, prev_hash=chain[-2].hash)
    assert flask("verify-audit", env=cli_env).returncode == 0
    done = flask("verify-audit", "--expect", head, env=cli_env)
    assert done.returncode == 1
    assert f"BROKEN at record {chain[-1].seq} " in done.stderr and "rewritten" in done.stderr


def test_erasure_scrubs_the_trail_and_the_chain_still_holds(app, api, make_user, cli_env):
    day = decided_day(api, make_user)
    with app.app_context():
        ann = db.session.get(Candidate, day.a)
        ann.email = "ann.smith@example.org"
        db.session.commit()
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        vacancy.status_changed_at = utcnow() - timedelta(days=200)
        db.session.commit()
    trail = json.dumps([[r.before, r.after] for r in records(app)])
    assert "Ann" in trail and "Sam made me laugh" in trail
    with app.app_context():
        assert erase_expired() == 2
        db.session.commit()
    chain = records(app)
    trail = json.dumps([[r.before, r.after] for r in chain])
    assert "Ann" not in trail and "Bob" not in trail and "Sam made me laugh" not in trail
    assert "[erased] was the kindest" in trail
    redacted = [r for r in chain if r.redacted_at is not None]
    assert redacted
    erasures = {r.seq: r for r in chain if r.action == "candidate.erased"}
    for entry in redacted:
        assert entry.seq in erasures[entry.redacted_by].after["audit_records_redacted"]
        assert entry.hash == audit.hash_of(entry)  # digest and hash kept as written
    # Scores stay in the trail; only the comment about the candidate went.
    submitted = [r for r in chain if r.action == "scoresheet.submitted"]
    assert submitted and all(r.after["scores"] for r in submitted)
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert f"{len(redacted)} record(s) had personal details erased lawfully" in done.stdout


def test_a_redaction_mark_cannot_hide_an_edit(app, api, make_user, cli_env):
    """The trigger lets a redaction through; verify-audit checks an erasure listed it."""
    some_history(api, make_user)
    with app.app_context():
        db.session.execute(
            text(
                'UPDATE audit_record SET after = \'{"text": "Rude"}\', redacted_at = at, '
                "redacted_by = 3 WHERE seq = 6"
            )
        )
        db.session.commit()
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1
    assert "BROKEN at record 6 " in done.stderr and "does not list it" in done.stderr


def test_erasing_a_person_scrubs_their_names_from_the_trail(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    staff = world.people["staff"]
    with app.app_context():
        from recruit.people.models import User
        from recruit.people.privacy import erase_person

        user = db.session.get(User, staff.id)
        display_name = user.display_name
        assert display_name in json.dumps([r.after for r in records(app)])
        admin = db.session.get(User, world.id("admin"))
        erase_person(admin, user, reason=f"{display_name} asked us to")
        db.session.commit()
    chain = records(app)
    assert display_name not in json.dumps([[r.before, r.after] for r in chain])
    assert chain[-1].action == "user.erased" and chain[-1].after["audit_records_redacted"]
    assert verify_chain_of(app).intact

    # The history page still shows, and says which records were erased.
    from tests.test_pages_qualities import password_sign_in

    password_sign_in(client, world, "hr")
    page = client.get("/audit")
    assert page.status_code == 200 and "Personal details erased" in page.text
    assert display_name not in page.text
    assert client.get(f"/vacancies/{vacancy_id}/history").status_code == 200


def test_the_migration_chains_the_records_already_there(backend, redis_server, tmp_path):
    if backend == "postgresql":
        name = f"recruit_chain_{os.getpid()}"
        url = servers.create_pg_database(name)
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    app = build_app(url, redis_server.url)
    try:
        with app.app_context():
            upgrade(revision="0009_insights")  # the revision before the chain
            table = AuditRecord.__table__
            for n in range(5):
                db.session.execute(
                    table.insert().values(
                        at=utcnow(),
                        action="vacancy.created",
                        subject_type="Vacancy",
                        subject_id=n,
                        after={"title": f"Job {n}"},
                    )
                )
            db.session.commit()
            upgrade()
            report = verify_chain(db.session.connection())
            assert report.intact and report.count == 5
            audit.record("vacancy.updated", db.session.get(AuditRecord, 1), actor=None)
            db.session.commit()
            report = verify_chain(db.session.connection())
            assert report.intact and report.count == 6
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text("DELETE FROM audit_record"))
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            servers.drop_pg_database(name)
