"""Data retention: candidate personal data erased once the retention period is over."""

from __future__ import annotations

import logging

from celery import shared_task

from recruit.candidates.retention import erase_expired
from recruit.core.idempotency import forget_old
from recruit.extensions import db

log = logging.getLogger(__name__)

ERASE_TASK = "retention.erase_expired"


@shared_task(name=ERASE_TASK, ignore_result=True)
def erase_expired_candidates() -> int:
    erased = erase_expired()
    forgotten = forget_old()
    db.session.commit()
    log.info(
        "retention: erased %d candidate(s), forgot %d idempotency record(s)", erased, forgotten
    )
    return erased
