"""Delivery survives the worst a worker machine does, with every part real: a worker killed
with SIGKILL in the middle of sending, and several workers and dispatchers at once.

What people rely on: an invitation reaches them once — not never because a worker died,
and not twice because two machines were working.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from recruit.core import outbox
from recruit.core.mail import SEND_EMAIL_TASK
from recruit.core.outbox import OutboxMessage
from recruit.extensions import db
from tests.conftest import build_app, empty_tables
from tests.support.servers import wait_for
from tests.support.stack import WorkerStack
from workers.tasks.outbox import dispatch_pending

pytestmark = pytest.mark.worker
log = logging.getLogger(__name__)

DISPATCH = outbox.DISPATCH_TASK
# Short enough for a test, in the same proportion as production (600 s and 3600 s):
# a row left `sending` by a dead worker is handed over again after 3 s.
FAST_RECOVERY = {"OUTBOX_REQUEUE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "5"}


@pytest.fixture
def started(tmp_path) -> Iterator:
    """Start a WorkerStack for one test and stop it (and any extra workers) afterwards."""
    stacks: list[WorkerStack] = []
    workers: list = []

    def start(database_url: str, pool: str = "solo", **settings) -> WorkerStack:
        log_path = tmp_path / f"worker-{len(stacks)}.log"
        stack = WorkerStack(database_url, log_path, settings, pool=pool)
        stacks.append(stack)
        stack.start()
        return stack

    start.workers = workers
    try:
        yield start
    finally:
        for worker in workers:
            if worker.process is not None:
                worker.stop()
        for stack in stacks:
            stack.stop()


def app_for(database_url: str, stack: WorkerStack, monkeypatch, **config):
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    app = build_app(database_url, stack.redis.url, OUTBOX_NUDGE_BACKOFF_SECONDS=0, **config)
    with app.app_context():
        empty_tables()
    return app


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return found


def caught_mid_send(url: str, stack: WorkerStack, monkeypatch):
    """An invitation whose email the worker is sending while the mail server holds it."""
    from recruit.people.operations import create_user

    app = app_for(url, stack, monkeypatch, OUTBOX_REQUEUE_SECONDS=3)
    stack.smtp.hold_next = 1  # the mail server is slow to answer the first email
    with app.app_context():
        create_user(
            None,
            username="invited",
            display_name="Invited Person",
            role="staff",
            email="invited@example.org",
        )
        db.session.commit()  # the nudge after commit hands the email to the worker
    assert stack.smtp.holding.wait(20), stack.log_tail()
    [row] = rows(app)
    assert (row.status, row.attempts) == (outbox.SENDING, 1)
    return app


def assert_delivered_once(app, stack: WorkerStack) -> None:
    """Beat's dispatches hand the email over again; it arrives, and never a second time."""
    celery = app.extensions["celery"]

    def delivered():
        stack.run(celery, DISPATCH)  # what beat does every few seconds
        return stack.smtp.messages

    stack.wait(delivered, "the email after the worker died", timeout=40)
    # Longer than both the visibility timeout and the re-hand-over: anything that could
    # still send it a second time has had its chance.
    time.sleep(6)
    stack.run(celery, DISPATCH)
    stack.run(celery, DISPATCH)
    assert stack.recipients() == [["invited@example.org"]]
    [row] = rows(app)
    assert (row.status, row.attempts, row.last_error) == (outbox.DONE, 2, None)


def test_a_worker_killed_mid_send_delivers_exactly_once_after_restart(
    backend, database_urls, started, monkeypatch
):
    url = database_urls[backend]
    stack = started(url, **FAST_RECOVERY)
    app = caught_mid_send(url, stack, monkeypatch)

    stack.worker.kill()
    stack.smtp.release.set()  # the server now finds its client gone: nothing was accepted
    time.sleep(0.5)
    assert stack.smtp.messages == []

    stack.worker.start(stack.log_path)
    assert_delivered_once(app, stack)


def test_a_pool_process_killed_mid_send_delivers_exactly_once(
    backend, database_urls, started, monkeypatch
):
    """Production runs prefork workers (config/Procfile). When the process sending an email
    is killed (out of memory, say), the worker lives on, the task is put back rather than
    acknowledged, and the email still arrives once."""
    url = database_urls[backend]
    stack = started(url, pool="prefork", **FAST_RECOVERY)
    app = caught_mid_send(url, stack, monkeypatch)

    received = rf"Task {re.escape(SEND_EMAIL_TASK)}\[([0-9a-f-]+)\] received"
    [task_id] = re.findall(received, stack.worker.log())
    main = stack.worker.process.pid
    assert len(stack.worker.kill_pool()) == 2, stack.log_tail()
    stack.smtp.release.set()
    stack.wait(lambda: "WorkerLostError" in stack.worker.log(), "the worker to see its loss")
    assert stack.worker.process.poll() is None and stack.worker.process.pid == main
    # Put back on the queue (task_reject_on_worker_lost), not acknowledged and lost: the same
    # task comes round again, finds the email still marked as being sent, and leaves it.
    again = f"Task {SEND_EMAIL_TASK}[{task_id}] succeeded"
    stack.wait(lambda: again in stack.worker.log(), "the task to come round again")
    assert stack.smtp.messages == []

    assert_delivered_once(app, stack)


def test_two_workers_and_two_dispatchers_deliver_each_of_1000_messages_once(
    backend, database_urls, started, monkeypatch, tmp_path, record_property
):
    url = database_urls[backend]
    stack = started(url)
    started.workers.append(stack.another_worker(tmp_path / "second-worker.log"))
    app = app_for(url, stack, monkeypatch, OUTBOX_NUDGE=False)

    count = 1000
    addresses = [f"person{n}@example.org" for n in range(count)]
    with app.app_context():
        for n, address in enumerate(addresses):
            outbox.enqueue(SEND_EMAIL_TASK, to=address, subject=f"Message {n}", body="Hello\n")
        db.session.commit()

    failures: list[BaseException] = []
    handed_over: list[int] = []
    start = threading.Barrier(2)

    def dispatcher() -> None:
        try:
            with app.app_context():
                start.wait(10)
                while True:
                    handed = dispatch_pending(limit=50)
                    handed_over.append(handed)
                    left = db.session.scalar(
                        select(func.count(OutboxMessage.id)).where(
                            OutboxMessage.status == outbox.PENDING
                        )
                    )
                    db.session.commit()
                    if handed == 0 and left == 0:
                        return
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    began = time.monotonic()
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert sum(handed_over) == count

    stack.wait(lambda: len(stack.smtp.messages) >= count, "every message", timeout=240)
    took = time.monotonic() - began
    wait_for(lambda: all(r.status == outbox.DONE for r in rows(app)), timeout=30, what="done")

    received = Counter(tuple(recipients) for recipients in stack.recipients())
    assert len(stack.smtp.messages) == count
    assert received == Counter((address,) for address in addresses)
    message_ids = {mail["Message-ID"] for mail in stack.emails()}
    assert len(message_ids) == count
    assert {(row.status, row.attempts) for row in rows(app)} == {(outbox.DONE, 1)}
    # Both workers did a share of the work.
    for worker_log in (stack.worker.log(), started.workers[0].log()):
        assert worker_log.count(f"Task {SEND_EMAIL_TASK}[") > 0

    rate = count / took
    record_property("messages_per_second", round(rate, 1))
    log.warning("%s: 1000 messages by two workers in %.1f s (%.0f a second)", backend, took, rate)
