"""Figures a test measures and the run's summary shows (e.g. how many fuzz cases ran)."""

from __future__ import annotations

LINES: list[str] = []


def report(line: str) -> None:
    LINES.append(line)
