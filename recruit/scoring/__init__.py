"""Scoring: each member's own scoresheet per candidate, draft as typed, final once submitted."""
