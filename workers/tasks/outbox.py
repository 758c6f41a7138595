"""The outbox dispatcher: hands committed messages to Celery.

Runs on every nudge after a commit and on a beat timer, so messages recorded
while Redis was down go out once it is back. Several dispatchers may run at
once (beat, nudges, more than one worker process): each message is taken by
exactly one of them, with a conditional UPDATE that only one can win, and that
is committed before the task is published, so a dispatcher never overwrites
what a worker has done with the message since.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import and_, or_, select, update

from recruit.core.outbox import PENDING, QUEUED, SENDING, OutboxMessage
from recruit.core.time import utcnow
from recruit.extensions import db

log = logging.getLogger(__name__)


def requeue_after() -> timedelta:
    """Longer than a task may run (task_time_limit): a message still queued or sending after
    this was lost with the broker's data or with a worker that died, and is handed over again."""
    return timedelta(seconds=current_app.config["OUTBOX_REQUEUE_SECONDS"])


def _ready(stale):
    """Pending messages, and ones queued or being sent so long ago that they were lost."""
    return or_(
        OutboxMessage.status == PENDING,
        and_(OutboxMessage.status.in_([QUEUED, SENDING]), OutboxMessage.queued_at < stale),
    )


def _take(message_ids: list[int], stale) -> list[int]:
    """Mark the messages as handed over in one statement; returns the ids this dispatcher
    won (a message another dispatcher or a worker got to first is left out)."""
    if not message_ids:
        return []
    taken = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), _ready(stale))
        .values(status=QUEUED, queued_at=utcnow())
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(taken)


def dispatch_pending(limit: int = 500) -> int:
    """Publish each ready message's task once; return how many this call published."""
    celery = current_app.extensions["celery"]
    stale = utcnow() - requeue_after()
    # Lock the rows in id order, skipping any another dispatcher holds (PostgreSQL; SQLite
    # writes one at a time anyway), so concurrent dispatchers take disjoint sets and never
    # wait on or deadlock with each other; then take them all in one UPDATE.
    candidates = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.task)
        .where(_ready(stale))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    tasks = dict(candidates)
    # Commit before publishing: a worker that gets a task must find its message taken.
    taken = [(message_id, tasks[message_id]) for message_id in _take(list(tasks), stale)]
    db.session.commit()
    for sent, (message_id, task) in enumerate(taken):
        try:
            celery.send_task(task, args=[message_id])
        except Exception:
            _give_back([message_id for message_id, _ in taken[sent:]])
            raise
    if taken:
        log.info("outbox: dispatched %d message(s)", len(taken))
    return len(taken)


def _give_back(message_ids: list[int]) -> None:
    """The broker went away: mark the unsent messages pending again for a later dispatch."""
    db.session.rollback()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == QUEUED)
        .values(status=PENDING, queued_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning("outbox: broker unreachable; %d message(s) left pending", len(message_ids))


@shared_task(name="outbox.dispatch", ignore_result=True)
def dispatch() -> int:
    return dispatch_pending()
