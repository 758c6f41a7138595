"""The Celery application: builds the Flask app once; every task runs in its app context.

Run with `celery -A workers.celery_app worker` and `celery -A workers.celery_app beat`.
"""

from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init

from recruit import create_app
from recruit.extensions import db

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.set_default()

from workers.tasks import (  # noqa: E402, F401 - registers the tasks
    audit,
    coevaluation,
    decisions,
    email,
    involvement,
    outbox,
    reminders,
    retention,
)

app = celery


@worker_process_init.connect
def _own_database_connections(**_kwargs) -> None:
    """A forked pool process must not share the parent's pooled database connections."""
    with flask_app.app_context():
        db.engine.dispose(close=False)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _our_log_format(logger, **_kwargs) -> None:
    """Workers log in the same format as the web app (RECRUIT_LOG_FORMAT)."""
    from recruit.core.logs import reformat

    reformat(logger, flask_app.config["LOG_FORMAT"])
