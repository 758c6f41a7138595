"""Real servers for the tests: PostgreSQL, Redis, SMTP, a Celery worker, a live web server."""
