"""Named signals: a lower area announces, each higher area answers for its own tables.

A room that would otherwise need to import a higher one sends a signal instead (STYLE.md,
habit 6). Receivers run in the sender's transaction: they add and flush, never commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

candidate_withdrawn = _signals.signal(
    "candidate-withdrawn",
    doc="""A candidate has withdrawn (sender: the Candidate). Keyword arguments: `actor` (the
    User who recorded it), `vacancy`, and `slots`: their cancelled interviews, as
    (panel_id, starts_at) pairs.""",
)

sheets_set_aside = _signals.signal(
    "sheets-set-aside",
    doc="""Sent sheets of a vacancy were set aside, so its results changed (sender: the
    Vacancy). Keyword arguments: `actor`, and `candidate_ids` whose results changed.""",
)
