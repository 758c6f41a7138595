"""Operations on people: validate, change, audit, flush. The caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select

from recruit import permissions
from recruit.core import audit
from recruit.core.errors import Conflict, Forbidden, InvalidCredentials, NotFound, ValidationFailed
from recruit.core.mail import queue_email
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.people.models import ApiToken, Role, TabletMember, TabletSession, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
PIN_RE = re.compile(r"^[0-9]{4}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 256
PIN_ROLES = {Role.PERSON_SUPPORTED, Role.STAFF, Role.PANEL_LEAD}
PIN_FAILURE_LIMIT = 5
PIN_LOCK = timedelta(minutes=15)
TABLET_OPEN_FOR = timedelta(hours=14)


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST"],
            parallelism=current_app.config["ARGON2_PARALLELISM"],
        )
        current_app.extensions["password_hasher"] = hasher
    return hasher


def hash_secret(secret: str) -> str:
    return _hasher().hash(secret)


def _verify(stored: str | None, secret: str) -> bool:
    if not stored:
        # Spend the same effort as a real check, so timing does not tell who exists.
        _hasher().hash(secret)
        return False
    try:
        return _hasher().verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def _check_username(username: str, errors: dict[str, list[str]]) -> None:
    if not USERNAME_RE.match(username):
        errors.setdefault("username", []).append(
            "Use 2 to 64 letters or numbers, with no spaces (dots, dashes, _ and @ are fine)."
        )


def _check_password(password: str, errors: dict[str, list[str]]) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors.setdefault("password", []).append(
            f"The password must be between {PASSWORD_MIN} and {PASSWORD_MAX} characters."
        )


def _check_pin(pin: str, role: str, errors: dict[str, list[str]]) -> None:
    if not PIN_RE.match(pin):
        errors.setdefault("pin", []).append("The PIN must be exactly 4 numbers, like 2580.")
    elif role not in PIN_ROLES:
        errors.setdefault("pin", []).append(
            "Only people who sign in on a tablet (people supported, staff, panel leads) "
            "can have a PIN."
        )


def _normalise_email(email: str, errors: dict[str, list[str]]) -> str | None:
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors.setdefault("email", []).append(
            "Enter an email address in the right format, like name@example.org."
        )
        return None


def create_user(
    actor: User | None,
    *,
    username: str,
    display_name: str,
    role: str,
    email: str | None = None,
    password: str | None = None,
    pin: str | None = None,
) -> User:
    """Create a person who can sign in. `actor` None means the command line."""
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    email = (email or "").strip() or None
    errors: dict[str, list[str]] = {}
    _check_username(username, errors)
    if not 1 <= len(display_name) <= 100:
        errors.setdefault("display_name", []).append(
            "Enter the name people know them by (up to 100 characters)."
        )
    if role not in {r.value for r in Role}:
        errors.setdefault("role", []).append(
            "Choose one of: admin, hr, panel_lead, staff, person_supported."
        )
    if email is not None:
        email = _normalise_email(email, errors)
    if password is not None:
        _check_password(password, errors)
    if pin is not None:
        _check_pin(pin, role, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None and not permissions.can_create_user(actor, role):
        raise Forbidden("You are not allowed to add someone with this role.")
    if find_user(username) is not None:
        raise Conflict(
            "Someone already has this username. Choose another.",
            code="username_taken",
            fields={"username": ["Someone already has this username. Choose another."]},
        )
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        email=email,
        password_hash=hash_secret(password) if password else None,
        pin_hash=hash_secret(pin) if pin else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor, after=describe(user))
    if user.email:
        queue_email(user.email, "welcome", user=user)
    return user


def describe(user: User) -> dict:
    """What the audit trail keeps of a user: never a hash, never a secret."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "email": user.email,
        "has_password": user.password_hash is not None,
        "has_pin": user.pin_hash is not None,
        "active": user.is_active_account,
    }


def set_password(actor: User | None, user: User, password: str) -> None:
    errors: dict[str, list[str]] = {}
    _check_password(password, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None and not permissions.can_manage_user(actor, user):
        raise Forbidden()
    before = describe(user)
    user.password_hash = hash_secret(password)
    audit.record("user.password_set", user, actor=actor, before=before, after=describe(user))


def set_pin(actor: User | None, user: User, pin: str) -> None:
    errors: dict[str, list[str]] = {}
    _check_pin(pin, user.role, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    if actor is not None and not permissions.can_manage_user(actor, user):
        raise Forbidden()
    before = describe(user)
    user.pin_hash = hash_secret(pin)
    user.pin_failures = 0
    user.pin_locked_until = None
    audit.record("user.pin_reset", user, actor=actor, before=before, after=describe(user))


def create_or_reset_admin(username: str, password: str) -> tuple[User, bool]:
    """The `create-admin` command: make an admin, or reset that admin's password."""
    user = find_user(username)
    if user is None:
        return create_user(
            None, username=username, display_name=username, role=Role.ADMIN, password=password
        ), True
    if user.role != Role.ADMIN:
        raise Conflict(f"{username} exists and is not an admin; choose another username.")
    set_password(None, user, password)
    user.is_active_account = True
    return user, False


def authenticate_password(username: str, password: str) -> User:
    """Return the user whose password this is, or raise InvalidCredentials."""
    user = find_user(username or "")
    if user is None or not user.is_active_account or not _verify(user.password_hash, password):
        raise InvalidCredentials("The username or password is not right. Please try again.")
    hasher = _hasher()
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def authenticate_pin(user: User | None, pin: str) -> User:
    """Check a PIN; five wrong ones lock that account's PIN for a while."""
    now = utcnow()
    if user is None or not user.is_active_account:
        _verify(None, pin or "")
        raise InvalidCredentials()
    if user.pin_locked_until and user.pin_locked_until > now:
        raise InvalidCredentials(
            "This PIN is locked for a few minutes after too many tries. "
            "Ask the person running the panel for help.",
            code="pin_locked",
        )
    if not _verify(user.pin_hash, pin or ""):
        user.pin_failures += 1
        if user.pin_failures >= PIN_FAILURE_LIMIT:
            user.pin_failures = 0
            user.pin_locked_until = now + PIN_LOCK
            audit.record("user.pin_locked", user, actor=None)
        raise InvalidCredentials("That PIN is not right. Please try again.")
    user.pin_failures = 0
    user.pin_locked_until = None
    hasher = _hasher()
    if hasher.check_needs_rehash(user.pin_hash):
        user.pin_hash = hasher.hash(pin)
    return user


def issue_token(user: User) -> tuple[str, ApiToken]:
    """Make a bearer token. The plain token is returned once; only its hash is stored."""
    plain = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    token = ApiToken(user=user, token_hash=sha256(plain), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return plain, token


def user_for_token(plain: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(plain)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.is_active_account:
        return None
    return token.user


def revoke_token(plain: str) -> bool:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256(plain)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def open_tablet(actor: User, label: str, user_ids: list[int]) -> tuple[str, TabletSession]:
    """Open a shared tablet for the people taking part today; returns its secret address key."""
    if not permissions.can_open_tablet(actor):
        raise Forbidden()
    label = (label or "").strip()
    errors: dict[str, list[str]] = {}
    if not 1 <= len(label) <= 100:
        errors["label"] = ["Give the tablet a name, like 'Interviews at Oak House'."]
    ids = list(dict.fromkeys(user_ids))
    people = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    by_id = {p.id: p for p in people}
    chosen = [by_id[i] for i in ids if i in by_id]
    if not chosen:
        errors["people"] = ["Choose at least one person who will use this tablet."]
    elif any(p.pin_hash is None or not p.is_active_account for p in chosen):
        errors["people"] = ["Everyone on the tablet needs a PIN. Set their PIN first."]
    if errors:
        raise ValidationFailed(fields=errors)
    plain = secrets.token_urlsafe(24)
    session = TabletSession(
        token_hash=sha256(plain),
        label=label,
        opened_by_id=actor.id,
        closes_at=utcnow() + TABLET_OPEN_FOR,
        members=[TabletMember(user_id=p.id, position=n) for n, p in enumerate(chosen)],
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        "tablet.opened",
        session,
        actor=actor,
        after={"label": label, "people": [p.id for p in chosen]},
    )
    return plain, session


def tablet_for_key(key: str) -> TabletSession:
    session = db.session.scalar(
        select(TabletSession).where(TabletSession.token_hash == sha256(key))
    )
    if session is None or session.closes_at <= utcnow():
        raise NotFound("This tablet sign-in page has closed. Ask staff to open a new one.")
    return session


def tablet_member(session: TabletSession, user_id: int) -> User:
    for member in session.members:
        if member.user_id == user_id:
            return member.user
    raise NotFound("That person is not on this tablet.")


def pin_lock_remaining(user: User, now: datetime | None = None) -> timedelta | None:
    now = now or utcnow()
    if user.pin_locked_until and user.pin_locked_until > now:
        return user.pin_locked_until - now
    return None
