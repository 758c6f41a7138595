"""Building decision packs off the request path."""

from __future__ import annotations

import logging

from celery import shared_task

from recruit.core import outbox
from recruit.decisions.pack import BUILD_TASK, DecisionPack, build_pack, pack_failed
from recruit.extensions import db

log = logging.getLogger(__name__)


@shared_task(name=BUILD_TASK, ignore_result=True)
def build_decision_pack(message_id: int) -> None:
    message = outbox.claim(message_id)
    db.session.commit()
    if message is None:
        return
    pack = db.session.get(DecisionPack, message.payload["pack_id"])
    if pack is not None:
        try:
            build_pack(pack, db.session.commit)
        except Exception as error:
            log.exception("decision pack %s failed", pack.id)
            db.session.rollback()
            pack = db.session.get(DecisionPack, message.payload["pack_id"])
            pack_failed(pack, f"{type(error).__name__}: {error}")
            outbox.release(message, str(error), max_attempts=1)
            db.session.commit()
            return
    outbox.complete(message)
    db.session.commit()
