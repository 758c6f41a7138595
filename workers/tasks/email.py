"""Sending email recorded in the outbox."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from recruit.core import outbox
from recruit.core.mail import SEND_EMAIL_TASK, DeliveryFailed, deliver
from recruit.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 300


def backoff(attempts: int) -> float:
    """Seconds to wait before the next try: EMAIL_RETRY_BASE_SECONDS * 2**attempts, capped."""
    base = float(current_app.config.get("EMAIL_RETRY_BASE_SECONDS", 1.0))
    return min(base * 2**attempts, MAX_BACKOFF_SECONDS)


@shared_task(name=SEND_EMAIL_TASK, bind=True, ignore_result=True, max_retries=None)
def send_email(self, message_id: int) -> None:
    message = outbox.claim(message_id)
    db.session.commit()
    if message is None:
        return  # already sent, being sent by another worker, or gone
    try:
        # The same Message-ID on every try lets mail systems drop a duplicate.
        deliver({**message.payload, "message_id": f"<outbox-{message.id}@recruit.invalid>"})
    except DeliveryFailed as error:
        retry = outbox.release(message, str(error), max_attempts=MAX_ATTEMPTS)
        db.session.commit()
        if retry:
            raise self.retry(countdown=backoff(message.attempts)) from None
        log.error("email %s gave up after %d attempts: %s", message_id, MAX_ATTEMPTS, error)
        return
    outbox.complete(message)
    db.session.commit()
