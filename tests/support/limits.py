"""Sign-in limits start clean in every test."""

from __future__ import annotations

from recruit.extensions import limiter


def fresh_sign_in_limits() -> None:
    """Forget every counted sign-in attempt, and any Redis outage an earlier test caused.

    Flask-Limiter keeps its state on the one shared `limiter`, not per app. Once a test
    stops Redis, the limiter marks its storage dead and counts in memory instead, and it
    stays so for every later app in the run, until its back-off finds Redis again and
    switches storage in the middle of some other test, forgetting what it had counted
    there. A web process has one app, so this is a matter for tests only.
    """
    limiter._storage_dead = False
    limiter.reset()
