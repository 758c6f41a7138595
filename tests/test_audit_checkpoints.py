"""Checkpoints of the audit trail, end to end: a real `celery worker` runs the beat task
`audit.checkpoint` against the real database, Redis and an SMTP server.

What people rely on: each check notes the head of a trail that holds (in a table and in an
INFO log line); when the chain is broken, or when a checkpointed record was deleted or
rewritten since (which the chain alone cannot show), the check logs an ERROR and every
active admin is emailed once, not at every check; `verify-audit` says which checkpoint no
longer matches; the history page shows the last check.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from recruit.core.checkpoints import AuditCheckpoint
from recruit.core.notices import Notice
from recruit.extensions import db
from recruit.people.models import User
from tests.conftest import build_app
from tests.test_audit_chain import (
    cli_env,  # noqa: F401 - the operator's environment
    forge,
    records,
    some_history,
    tamper,
    verify_chain_of,
)
from tests.test_coevaluation import settle
from tests.test_platform import flask
from tests.test_workers import app, stack, stacks  # noqa: F401 - the real worker's fixtures
from workers.tasks.audit import CHECKPOINT_TASK

pytestmark = pytest.mark.worker


def checkpoints(app) -> list[AuditCheckpoint]:  # noqa: F811 - the imported fixtures
    with app.app_context():
        found = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
        db.session.expunge_all()
        return found


def log_lines(stack, level: str, needle: str) -> list[str]:  # noqa: F811
    return [
        line for line in stack.worker.log().splitlines() if f" {level} " in line and needle in line
    ]


def admins_and_others(app, make_user):  # noqa: F811 - the imported fixtures
    """Two admins with an address, one who left, and HR (who is not told); returns HR."""
    make_user("admin", email="admin.one@example.org")
    make_user("admin", email="admin.two@example.org")
    gone = make_user("admin", email="gone@example.org")
    hr = make_user("hr", email="hr@example.org")
    with app.app_context():
        db.session.get(User, gone.id).is_active_account = False
        db.session.commit()
    return hr


def check(app, stack, times: int = 1) -> None:  # noqa: F811 - the imported fixtures
    for _ in range(times):
        stack.run(app.extensions["celery"], CHECKPOINT_TASK)
    settle(app, stack)


def test_a_check_of_an_intact_trail_notes_its_head(app, api, make_user, stack):  # noqa: F811
    admins_and_others(app, make_user)
    some_history(api, make_user)
    settle(app, stack)  # the welcome emails
    stack.smtp.messages.clear()

    check(app, stack)
    chain = records(app)
    [checkpoint] = checkpoints(app)
    assert (checkpoint.seq, checkpoint.hash) == (chain[-1].seq, chain[-1].hash)
    assert checkpoint.record_count == len(chain)
    assert (checkpoint.problem, checkpoint.admins_told) == (None, 0)
    [line] = log_lines(stack, "INFO", f"head {chain[-1].seq}:{chain[-1].hash}")
    assert f"{len(chain)} record(s)" in line and "the trail holds" in line
    assert log_lines(stack, "ERROR", "audit checkpoint") == []
    assert stack.emails() == []

    # The next check compares with this one and, nothing having changed, holds too.
    check(app, stack)
    assert [c.problem for c in checkpoints(app)] == [None, None]
    assert stack.emails() == []


def test_a_rewritten_tail_is_found_and_the_admins_are_told_once(
    app,  # noqa: F811 - the imported fixtures
    api,
    client,
    sign_in,
    make_user,
    stack,  # noqa: F811 - the imported fixtures
    cli_env,  # noqa: F811 - the imported fixtures
):
    hr = admins_and_others(app, make_user)
    some_history(api, make_user)
    settle(app, stack)
    stack.smtp.messages.clear()
    check(app, stack)
    chain = records(app)
    last = chain[-1]

    # Someone with the database replaces the newest record with one whose hash is right.
    tamper(app, "DELETE FROM audit_record WHERE seq = :seq", seq=last.seq)
    forge(app, seq=last.seq, prev_hash=chain[-2].hash)
    assert verify_chain_of(app).intact  # the chain alone sees nothing

    check(app, stack, times=3)  # three checks: one email to each active admin
    assert sorted(m["To"] for m in stack.emails()) == [
        "admin.one@example.org",
        "admin.two@example.org",
    ]
    mail = stack.emails()[0]
    assert mail["Subject"] == "The history of changes needs checking"
    body = mail.get_content()
    noted = checkpoints(app)[0]
    said = f"Checkpoint {noted.id}, taken {noted.taken_at:%Y-%m-%d %H:%M:%S} UTC, no longer matches"
    assert said in body
    assert f"record {last.seq} had the hash {last.hash} then" in body
    assert "You are told once about this problem" in body

    first, *later = checkpoints(app)
    assert first.problem is None
    assert [c.admins_told for c in later] == [3, 0, 0]  # two by email, one in the app
    assert len({c.problem_key for c in later}) == 1 and later[0].problem_key
    assert all(f"record {last.seq} had the hash" in c.problem for c in later)
    errors = log_lines(stack, "ERROR", "the audit trail does not hold")
    assert len(errors) == 3 and "3 admin(s) told" in errors[0]
    assert "already reported" in errors[1]
    with app.app_context():  # the admin without an address is told in the app
        told = db.session.scalars(
            select(Notice.user_id).where(Notice.subject == mail["Subject"])
        ).all()
        admins = db.session.scalars(
            select(User.id).where(User.role == "admin", User.is_active_account.is_(True))
        ).all()
        assert sorted(told) == sorted(admins) and len(admins) == 3

    # verify-audit says in words which checkpoint no longer matches.
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1, done.stdout
    assert f"CHECKPOINT MISMATCH: {said}: record {last.seq}" in done.stderr
    assert f"record {last.seq} had the hash {last.hash} then" in done.stderr
    assert "1 checkpoint(s) no longer match" in done.stderr

    # The history page shows the last check and its problem.
    sign_in(hr)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "the trail does not hold" in page.text and f"record {last.seq} had the hash" in page.text


def test_a_deleted_newest_record_is_found_by_the_check_and_by_verify_audit(
    app,  # noqa: F811 - the imported fixtures
    api,
    make_user,
    stack,  # noqa: F811 - the imported fixtures
    cli_env,  # noqa: F811 - the imported fixtures
):
    make_user("admin", email="admin.one@example.org")
    some_history(api, make_user)
    check(app, stack)
    last = records(app)[-1]
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "Every checkpoint still matches; the last, taken" in done.stdout
    assert f"noted record {last.seq}." in done.stdout

    stack.smtp.messages.clear()
    tamper(app, "DELETE FROM audit_record WHERE seq = :seq", seq=last.seq)
    assert verify_chain_of(app).intact
    check(app, stack, times=2)
    assert [m["To"] for m in stack.emails()] == ["admin.one@example.org"]
    assert f"record {last.seq}, which is no longer there" in checkpoints(app)[-1].problem
    done = flask("verify-audit", env=cli_env)
    assert done.returncode == 1
    assert f"it noted record {last.seq}, which is no longer there" in done.stderr


def test_a_broken_chain_is_reported_once(app, api, make_user, stack):  # noqa: F811
    make_user("admin", email="admin.one@example.org")
    some_history(api, make_user)
    check(app, stack)
    settle(app, stack)
    stack.smtp.messages.clear()

    tamper(app, "UPDATE audit_record SET subject_id = 999 WHERE seq = 5")
    check(app, stack, times=2)
    assert [m["To"] for m in stack.emails()] == ["admin.one@example.org"]
    assert "The chain is broken at record 5: its details were changed" in (
        stack.emails()[0].get_content()
    )
    latest = checkpoints(app)[-1]
    assert latest.seq == 4 and latest.record_count == 4  # the head: the last record that held
    assert len(log_lines(stack, "ERROR", "the chain is broken at record 5")) == 2


def test_the_head_is_logged_with_its_fields_for_a_log_collector(app, api, make_user, caplog):  # noqa: F811
    """In the JSON log format (RECRUIT_LOG_FORMAT=json) the head is in fields of its own."""
    import json

    from recruit.core import logs
    from workers.tasks.audit import checkpoint_audit_trail

    some_history(api, make_user)
    head = records(app)[-1]
    with app.app_context(), caplog.at_level("INFO", logger="workers.tasks.audit"):
        checkpoint_audit_trail.run()
    [logged] = [r for r in caplog.records if r.name == "workers.tasks.audit"]
    line = json.loads(logs.formatter("json").format(logged))
    assert line["level"] == "INFO"
    assert (line["audit_head_seq"], line["audit_head_hash"]) == (head.seq, head.hash)
    assert line["audit_records"] == head.seq and line["audit_held"] is True
    assert line["audit_checked_at"].endswith("+00:00")


def beat_entry(flask_app) -> dict:
    schedule = flask_app.extensions["celery"].conf.beat_schedule
    [entry] = [e for e in schedule.values() if e["task"] == CHECKPOINT_TASK]
    return entry


def test_the_beat_schedule_checks_every_audit_verify_hours(app, database_urls, backend):  # noqa: F811
    assert beat_entry(app)["schedule"] == timedelta(hours=24)
    other = build_app(database_urls[backend], app.config["REDIS_URL"], AUDIT_VERIFY_HOURS=6)
    assert beat_entry(other)["schedule"] == timedelta(hours=6)
