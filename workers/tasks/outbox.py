"""The outbox dispatcher: hands committed messages to Celery.

Runs on every nudge after a commit and on a beat timer, so messages recorded
while Redis was down go out once it is back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app as celery_app
from celery import shared_task
from sqlalchemy import or_, select

from recruit.core.outbox import PENDING, QUEUED, OutboxMessage
from recruit.core.time import utcnow
from recruit.extensions import db

log = logging.getLogger(__name__)

REQUEUE_AFTER = timedelta(minutes=10)


def dispatch_pending(limit: int = 500) -> int:
    """Publish pending messages (and ones queued long ago, in case the broker lost them)."""
    stale = utcnow() - REQUEUE_AFTER
    query = (
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status == PENDING,
                (OutboxMessage.status == QUEUED) & (OutboxMessage.queued_at < stale),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sent = 0
    try:
        for message in db.session.scalars(query).all():
            celery_app.send_task(message.task, args=[message.id])
            message.status = QUEUED
            message.queued_at = utcnow()
            sent += 1
    finally:
        db.session.commit()
    if sent:
        log.info("outbox: dispatched %d message(s)", sent)
    return sent


@shared_task(name="outbox.dispatch", ignore_result=True)
def dispatch() -> int:
    return dispatch_pending()
