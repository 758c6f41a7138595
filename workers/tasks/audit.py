"""The audit trail on Celery beat: check the chain and its checkpoints, and note the head."""

from __future__ import annotations

import logging

from celery import shared_task

from recruit.core.checkpoints import take_checkpoint
from recruit.extensions import db

log = logging.getLogger(__name__)

CHECKPOINT_TASK = "audit.checkpoint"


@shared_task(name=CHECKPOINT_TASK, ignore_result=True)
def checkpoint_audit_trail() -> int:
    checkpoint = take_checkpoint()
    db.session.commit()
    taken_at = checkpoint.taken_at.isoformat(timespec="seconds")
    fields = {
        "audit_head_seq": checkpoint.seq,
        "audit_head_hash": checkpoint.hash,
        "audit_records": checkpoint.record_count,
        "audit_checked_at": taken_at,
        "audit_held": checkpoint.held,
    }
    # The head, for an operator to keep off the machine (RECRUIT_LOG_FORMAT=json: fields too).
    log.info(
        "audit checkpoint: head %d:%s, %d record(s), checked %s, %s",
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.record_count,
        taken_at,
        "the trail holds" if checkpoint.held else "PROBLEM FOUND",
        extra=fields,
    )
    if not checkpoint.held:
        told = (
            f"{checkpoint.admins_told} admin(s) told"
            if checkpoint.admins_told
            else "already reported, or no admin to tell"
        )
        log.error(
            "audit checkpoint: the audit trail does not hold: %s (%s)",
            checkpoint.problem,
            told,
            extra={**fields, "audit_problem": checkpoint.problem},
        )
    return checkpoint.seq
