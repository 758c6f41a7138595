"""Sign-in rate limits: 10 failed attempts per address and per account in 5 minutes.

Shared by the API (`POST /tokens`) and the sign-in pages. Only failures count:
a view marks a failed attempt with `mark_failed()`.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from recruit.extensions import limiter


def mark_failed() -> None:
    g.sign_in_failed = True


def _failed(response) -> bool:
    return response.status_code == 401 or g.get("sign_in_failed", False)


def _account_key() -> str:
    if request.view_args and "user_id" in request.view_args:
        return f"account:id:{request.view_args['user_id']}"
    data = request.get_json(silent=True) if request.is_json else request.form
    username = ""
    if isinstance(data, dict) or hasattr(data, "get"):
        username = str(data.get("username") or "")[:64]
    if not username.strip() and current_user.is_authenticated:
        # "Confirm it is you": the signed-in person types only their password.
        return f"account:id:{current_user.id}"
    return f"account:name:{username.strip().lower()}"


def _address_key() -> str:
    return f"address:{get_remote_address()}"


def _limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


def sign_in_limited(view):
    """Apply both sign-in limits (shared across every sign-in endpoint) to a view."""
    view = limiter.shared_limit(
        _limit, scope="sign-in-account", key_func=_account_key, deduct_when=_failed
    )(view)
    view = limiter.shared_limit(
        _limit, scope="sign-in-address", key_func=_address_key, deduct_when=_failed
    )(view)
    return view
