"""The Celery application object, configured from the Flask config.

The web process uses it only to publish (the outbox nudge); `workers/` loads
the tasks and runs them. Every task runs inside an app context and leaves no
database session behind.
"""

from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from recruit.extensions import db


def init_celery(app: Flask) -> Celery:
    class AppContextTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery = Celery(app.import_name, task_cls=AppContextTask)
    celery.conf.update(
        broker_url=app.config["REDIS_URL"],
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": app.config["CELERY_VISIBILITY_TIMEOUT"],
            "socket_connect_timeout": 1,
            "socket_timeout": 5,
            "max_retries": 0,
        },
        broker_connection_timeout=2,
        task_publish_retry=False,
        task_always_eager=app.config.get("CELERY_TASK_ALWAYS_EAGER", False),
        timezone="UTC",
        beat_schedule={
            "dispatch-outbox": {
                "task": "outbox.dispatch",
                "schedule": app.config["OUTBOX_DISPATCH_SECONDS"],
            },
            "send-due-reminders": {"task": "reminders.send_due", "schedule": crontab(minute=5)},
            "tell-hr-when-ready": {
                "task": "notices.ready_to_move_on",
                "schedule": crontab(minute="*/15"),
            },
            "erase-expired-candidates": {
                "task": "retention.erase_expired",
                "schedule": crontab(hour=2, minute=30),
            },
            "invite-to-check-ins": {
                "task": "coevaluation.invite_due",
                "schedule": crontab(minute=20),
            },
            "check-audit-trail": {
                "task": "audit.checkpoint",
                "schedule": timedelta(hours=app.config["AUDIT_VERIFY_HOURS"]),
            },
            "monthly-finance-csv": {
                "task": "involvement.monthly_finance_csv",
                "schedule": crontab(day_of_month=1, hour=3, minute=15),
            },
        },
    )
    app.extensions["celery"] = celery
    return celery
