"""Signed-in page sessions: starting one, and asking for the password again before exports
and admin actions ("Confirm it is you").

A session is *fresh* when it was started (or confirmed) with a password within
`FRESH_LOGIN_MINUTES`. A PIN sign-in on a shared tablet is never fresh, and neither is a
session whose address or browser changed (Flask-Login's "basic" protection keeps such a
session signed in but marks it not fresh). Bearer-token API calls are not sessions: these
rules do not apply to them.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, g, request, session, url_for
from flask_login import confirm_login, current_user, login_fresh, login_user

from recruit.core.errors import FreshLoginRequired
from recruit.people.models import User

SIGNED_IN_AT = "signed_in_at"
SIGNED_IN_BY = "signed_in_by"
PASSWORD, PIN = "password", "pin"


def start_session(user: User, *, by: str) -> None:
    """Sign `user` in on a new session. Nothing from before survives (the CSRF token
    included), so a session planted before sign-in is worth nothing afterwards."""
    session.clear()
    login_user(user, remember=False, fresh=by == PASSWORD)
    session[SIGNED_IN_AT] = time.time()
    session[SIGNED_IN_BY] = by


def confirm_password_sign_in() -> None:
    """The person has just typed their password again: the session is fresh from now."""
    confirm_login()
    session[SIGNED_IN_AT] = time.time()
    session[SIGNED_IN_BY] = PASSWORD


def is_fresh() -> bool:
    if not login_fresh() or session.get(SIGNED_IN_BY) != PASSWORD:
        return False
    started = session.get(SIGNED_IN_AT)
    limit = current_app.config["FRESH_LOGIN_MINUTES"] * 60
    return isinstance(started, int | float) and 0 <= time.time() - started <= limit


def require_fresh() -> None:
    """Call after the permission check of an export or an admin action. Applies to page
    sessions (and pages calling the API with their session), never to bearer tokens."""
    if g.get("api_user") is not None and not g.get("api_by_session"):
        return
    if current_user.is_authenticated and not is_fresh():
        raise FreshLoginRequired(continue_to=continue_to())


def continue_to() -> str:
    """Where to go once confirmed: this page for a GET (or a form page that also answers
    GET), else the page the person came from on this site, else home."""
    rule = request.url_rule
    if request.method == "GET" or (rule is not None and "GET" in (rule.methods or ())):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("core.home")
