"""Logs: plain text for people at a terminal, or one JSON object a line (RECRUIT_LOG_FORMAT=
json) for a log collector, with the same fields from the web app and the workers."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(kind: str, level: int = logging.INFO) -> None:
    """Send every log record to standard error in the chosen format."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(kind))
    root.handlers[:] = [handler]
    root.setLevel(level)


def reformat(logger: logging.Logger, kind: str) -> None:
    """Give the handlers another library set up (Celery's) our format."""
    for handler in logger.handlers:
        handler.setFormatter(formatter(kind))
