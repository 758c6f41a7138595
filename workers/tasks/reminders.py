"""Reminders to panel members and notices to HR, on Celery beat."""

from __future__ import annotations

from celery import shared_task

from recruit.extensions import db
from recruit.panels.messages import notify_ready_to_move_on, send_due_reminders


@shared_task(name="reminders.send_due", ignore_result=True)
def send_reminders() -> int:
    sent = send_due_reminders()
    db.session.commit()
    return sent


@shared_task(name="notices.ready_to_move_on", ignore_result=True)
def ready_notices() -> int:
    told = notify_ready_to_move_on()
    db.session.commit()
    return told
