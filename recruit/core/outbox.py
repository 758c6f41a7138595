"""The transactional outbox.

An operation records work for the workers as a row in the same transaction as
the change it belongs to. After the transaction commits, the app asks the
workers to dispatch (a best-effort nudge); Celery beat also dispatches on a
timer. So a message is never sent for a change that rolled back, and never
lost while Redis is down: it waits in the table until it can be handed over.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Index, String, Text, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

log = logging.getLogger(__name__)

PENDING = "pending"  # waiting to be handed to Celery
QUEUED = "queued"  # handed to Celery, not yet done
DONE = "done"  # the work was done once
DEAD = "dead"  # gave up after too many failures
DISPATCH_TASK = "outbox.dispatch"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the message was last handed to Celery or taken by a worker: a message
    # queued or sending for much longer than a task may run was lost, and is sent again.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_message_status", "status", "created_at"),)


def enqueue(task: str, **payload: Any) -> OutboxMessage:
    """Record work for the workers in the current transaction; the caller commits."""
    message = OutboxMessage(task=task, payload=payload)
    db.session.add(message)
    db.session.info["outbox_pending"] = True
    return message


BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0


def nudge_dispatcher() -> bool:
    """Ask a worker to dispatch now. Best effort: beat dispatches on a timer anyway.

    When the broker is unreachable, stop trying for a while so that requests stay fast.
    """
    global _broker_down_until
    celery = current_app.extensions.get("celery")
    if celery is None or current_app.config.get("OUTBOX_NUDGE") is False:
        return False
    if time.monotonic() < _broker_down_until:
        return False
    try:
        celery.send_task(DISPATCH_TASK, retry=False)
    except Exception:  # noqa: BLE001 - Redis down must never fail a committed request
        backoff = current_app.config.get("OUTBOX_NUDGE_BACKOFF_SECONDS", BROKER_BACKOFF_SECONDS)
        _broker_down_until = time.monotonic() + backoff
        log.warning("could not reach the broker; the outbox will be dispatched later")
        return False
    return True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_pending", False):
        # Outside an app context (a script) there is no one to nudge: beat will dispatch.
        with contextlib.suppress(RuntimeError):
            nudge_dispatcher()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_pending", None)


SENDING = "sending"  # a worker is doing the work now


def claim(message_id: int) -> OutboxMessage | None:
    """Atomically mark a message as being worked on; None if another worker has it or it is done.

    The caller (a task) commits straight after, so the claim is visible to other workers.
    """
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_([PENDING, QUEUED]))
        .values(status=SENDING, attempts=OutboxMessage.attempts + 1, queued_at=utcnow())
    ).rowcount
    if claimed != 1:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def complete(message: OutboxMessage) -> None:
    message.status = DONE
    message.done_at = utcnow()
    message.last_error = None


def release(message: OutboxMessage, error: str, *, max_attempts: int) -> bool:
    """Record a failure; True if the message should be retried, False if it is now dead."""
    message.last_error = error[:2000]
    if message.attempts >= max_attempts:
        message.status = DEAD
        return False
    message.status = QUEUED
    message.queued_at = utcnow()
    return True


def retry_dead(message: OutboxMessage) -> None:
    """Give a message that failed too often another go (an admin's decision)."""
    if message.status != DEAD:
        return
    message.status = PENDING
    message.attempts = 0
    message.queued_at = None
    db.session.info["outbox_pending"] = True
