"""The Celery application: builds the Flask app once; every task runs in its app context.

Run with `celery -A workers.celery_app worker` and `celery -A workers.celery_app beat`.
"""

from recruit import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.set_default()

from workers.tasks import email, outbox  # noqa: E402, F401 - registers the tasks

app = celery
