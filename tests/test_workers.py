"""The outbox, end to end, with every part real: the database (SQLite and PostgreSQL),
Redis, a `celery worker` process and an SMTP server.

What people rely on: adding someone with an email sends them one welcome email; a change
that failed sends nothing; Redis being down neither fails nor slows the request and loses
nothing; a mail server that refuses for a while still gets the email, once; and however
often the dispatcher runs, nobody gets the same email twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from recruit.core import outbox
from recruit.core.outbox import OutboxMessage
from recruit.core.time import utcnow
from recruit.extensions import db, limiter
from tests.conftest import build_app, empty_tables
from tests.support.stack import WorkerStack
from workers.tasks.email import MAX_ATTEMPTS
from workers.tasks.outbox import dispatch_pending

pytestmark = pytest.mark.worker

DISPATCH = outbox.DISPATCH_TASK


# --- fixtures: one Redis + SMTP sink + worker per backend, shared by this module's tests --


@pytest.fixture(scope="module")
def stacks(database_urls, tmp_path_factory) -> Iterator:
    started: dict[str, WorkerStack] = {}
    logs = tmp_path_factory.mktemp("workers")

    def get(backend: str) -> WorkerStack:
        if backend not in started:
            stack = WorkerStack(database_urls[backend], logs / f"worker-{backend}.log")
            try:
                stack.start()
            except BaseException:
                stack.stop()  # whatever did start
                raise
            started[backend] = stack
        return started[backend]

    try:
        yield get
    finally:
        for stack in started.values():
            stack.stop()


@pytest.fixture
def stack(backend, stacks) -> WorkerStack:
    stack = stacks(backend)
    if stack.redis.process is None:  # a failed test left it stopped
        stack.redis.start()
    stack.smtp.messages.clear()
    stack.smtp.refuse_next = 0
    return stack


@pytest.fixture
def app(backend, database_urls, stack, monkeypatch) -> Iterator[Flask]:
    """The conftest `app`, publishing to this backend's own Redis, so its own worker runs it.

    A failed nudge must not stop the next one (the circuit breaker is the module's state).
    """
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    app = build_app(database_urls[backend], stack.redis.url, OUTBOX_NUDGE_BACKOFF_SECONDS=0)
    with app.app_context():
        empty_tables()
    limiter.reset()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return found


def new_person(n: int = 1) -> dict:
    return {
        "username": f"new.starter{n}",
        "display_name": f"New Starter {n}",
        "role": "staff",
        "email": f"new.starter{n}@example.org",
        "password": "a-good-password",
    }


# --- the tests -----------------------------------------------------------------------------


def test_adding_someone_with_an_email_sends_one_welcome_email(app, api, make_user, stack):
    admin = make_user("admin")
    answer = api.post("/users", as_=admin, json=new_person())
    assert answer.status_code == 201, answer.json

    # The nudge after commit reaches the worker: no beat, no explicit dispatch here.
    stack.wait(lambda: stack.smtp.messages, "the welcome email")
    stack.run(app.extensions["celery"], DISPATCH)  # anything still queued has now run
    assert stack.recipients() == [["new.starter1@example.org"]]
    [mail] = stack.emails()
    assert mail["To"] == "new.starter1@example.org"
    assert mail["Subject"] == "Welcome to Riverside Care"
    assert "Your username is: new.starter1" in mail.get_content()

    [message] = messages(app)
    assert (message.status, message.attempts) == (outbox.DONE, 1)
    assert message.done_at is not None and message.last_error is None


def test_a_change_that_rolls_back_records_and_sends_nothing(app, stack):
    from recruit.people.operations import create_user

    with app.app_context():
        create_user(None, **new_person())
        assert db.session.scalars(select(OutboxMessage)).all()  # recorded, not yet committed
        db.session.rollback()

    assert messages(app) == []
    stack.run(app.extensions["celery"], DISPATCH)
    assert stack.smtp.messages == []
    assert messages(app) == []


def test_redis_down_neither_fails_nor_loses_the_email(app, api, make_user, stack):
    admin = make_user("admin")
    token = api.token(admin)
    before = stack.connections()
    stack.redis.stop()
    try:
        started = time.monotonic()
        answer = api.post("/users", token=token, json=new_person(1))
        took = time.monotonic() - started
        assert answer.status_code == 201, answer.json
        assert took < 1.0, f"creating a user took {took:.2f}s with Redis down"
        assert [m.status for m in messages(app)] == [outbox.PENDING]
    finally:
        stack.redis.start()  # the same port: what a restarted Redis looks like

    # The worker notices Redis is back by itself; then the next change's nudge
    # dispatches everything waiting, the message kept through the outage included.
    stack.wait(lambda: stack.connections() > before, "the worker to reconnect", timeout=30)
    answer = api.post("/users", token=token, json=new_person(2))
    assert answer.status_code == 201, answer.json
    stack.wait(lambda: len(stack.smtp.messages) >= 2, "both welcome emails")
    stack.run(app.extensions["celery"], DISPATCH)
    assert sorted(stack.recipients()) == [
        ["new.starter1@example.org"],
        ["new.starter2@example.org"],
    ]
    assert [(m.status, m.attempts) for m in messages(app)] == [(outbox.DONE, 1)] * 2


def test_a_mail_server_that_refuses_for_a_while_gets_the_email_once(app, make_user, stack):
    stack.smtp.refuse_next = 3  # 451, three times
    make_user("staff", email="patient.person@example.org")

    stack.wait(lambda: stack.smtp.messages, "the email after three refusals")
    stack.run(app.extensions["celery"], DISPATCH)
    assert stack.recipients() == [["patient.person@example.org"]]
    assert stack.smtp.refuse_next == 0
    [message] = messages(app)
    assert (message.status, message.attempts, message.last_error) == (outbox.DONE, 4, None)


def test_a_mail_server_that_always_refuses_is_given_up_on(app, make_user, stack):
    stack.smtp.refuse_next = 100
    make_user("staff", email="never.reached@example.org")

    stack.wait(
        lambda: [m.status for m in messages(app)] == [outbox.DEAD], "the email to be given up"
    )
    [message] = messages(app)
    assert message.attempts == MAX_ATTEMPTS
    assert "451" in message.last_error
    assert stack.smtp.refuse_next == 100 - MAX_ATTEMPTS
    stack.run(app.extensions["celery"], DISPATCH)  # a dead message is not sent again
    assert stack.smtp.messages == []
    assert stack.smtp.refuse_next == 100 - MAX_ATTEMPTS


def test_dispatching_again_and_again_sends_each_email_once(app, make_user, stack):
    app.config["OUTBOX_NUDGE"] = False  # only the dispatches below hand the message over
    make_user("staff", email="only.once@example.org")
    assert [m.status for m in messages(app)] == [outbox.PENDING]

    celery = app.extensions["celery"]
    for _ in range(3):
        celery.send_task(DISPATCH)
    stack.wait(lambda: stack.smtp.messages, "the email")
    stack.run(celery, DISPATCH)
    stack.run(celery, DISPATCH)
    assert stack.recipients() == [["only.once@example.org"]]
    [message] = messages(app)
    assert (message.status, message.attempts) == (outbox.DONE, 1)


def test_dispatchers_running_at_the_same_time_hand_each_message_over_once(app, stack):
    from recruit.people.operations import create_user

    app.config["OUTBOX_NUDGE"] = False  # the dispatchers below are the only ones
    people = [new_person(n) for n in range(1, 21)]
    with app.app_context():
        for person in people:
            create_user(None, **{**person, "password": None})
        db.session.commit()

    start = threading.Barrier(4)
    handed_over: list[int] = []
    failures: list[BaseException] = []

    def dispatcher() -> None:
        try:
            with app.app_context():
                start.wait(10)
                handed_over.append(dispatch_pending())
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    assert sum(handed_over) == len(people), handed_over

    stack.wait(lambda: len(stack.smtp.messages) >= len(people), "every welcome email")
    stack.run(app.extensions["celery"], DISPATCH)
    assert sorted(stack.recipients()) == sorted([[p["email"]] for p in people])
    assert {(m.status, m.attempts) for m in messages(app)} == {(outbox.DONE, 1)}


def test_an_email_lost_with_a_worker_that_died_while_sending_is_sent_later(app, stack):
    """A worker killed mid-send leaves its message `sending`, and its task is gone.

    Once that is older than any task may run, the dispatcher hands it over again; one
    taken a moment ago (a worker may be sending it now) is left alone.
    """
    from recruit.people.operations import create_user

    app.config["OUTBOX_NUDGE"] = False
    with app.app_context():
        create_user(None, **{**new_person(1), "password": None})
        create_user(None, **{**new_person(2), "password": None})
        lost, busy = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        for message, taken_at in ((lost, utcnow() - timedelta(hours=1)), (busy, utcnow())):
            message.status, message.attempts, message.queued_at = outbox.SENDING, 1, taken_at
        db.session.commit()

    stack.run(app.extensions["celery"], DISPATCH)
    stack.wait(lambda: stack.smtp.messages, "the lost email")
    stack.run(app.extensions["celery"], DISPATCH)
    assert stack.recipients() == [["new.starter1@example.org"]]
    assert [(m.status, m.attempts) for m in messages(app)] == [
        (outbox.DONE, 2),
        (outbox.SENDING, 1),
    ]
