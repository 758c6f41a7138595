"""Celery workers: they run recruit's operations off the request path."""
