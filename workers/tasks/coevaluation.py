"""Co-evaluation on Celery beat: invite people to the check-ins that are due."""

from __future__ import annotations

from celery import shared_task

from recruit.extensions import db
from recruit.insights.operations import invite_due


@shared_task(name="coevaluation.invite_due", ignore_result=True)
def invite_due_check_ins() -> int:
    invited = invite_due()
    db.session.commit()
    return invited
