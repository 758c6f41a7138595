"""Who may do what: small pure predicates, asked of the user and the object.

Views, the API, templates (as Jinja globals) and tests all ask these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recruit.people.models import User

ADMIN, HR, PANEL_LEAD, STAFF, PERSON_SUPPORTED = (
    "admin",
    "hr",
    "panel_lead",
    "staff",
    "person_supported",
)

# Which roles each role may create.
CREATABLE_ROLES = {
    ADMIN: {ADMIN, HR, PANEL_LEAD, STAFF, PERSON_SUPPORTED},
    HR: {PANEL_LEAD, STAFF, PERSON_SUPPORTED, HR},
}


def is_signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_create_user(actor: User | None, role: str | None = None) -> bool:
    if not is_signed_in(actor):
        return False
    allowed = CREATABLE_ROLES.get(actor.role, set())
    return bool(allowed) if role is None else role in allowed


def can_manage_user(actor: User | None, user: User) -> bool:
    """Reset a password or PIN: admin for anyone; HR for anyone but admins."""
    return can_create_user(actor, user.role)


def can_list_users(actor: User | None) -> bool:
    return can_create_user(actor)


def can_open_tablet(actor: User | None) -> bool:
    return is_signed_in(actor) and actor.role in {ADMIN, HR, PANEL_LEAD}


def can_see_audit(actor: User | None) -> bool:
    return is_signed_in(actor) and actor.role in {ADMIN, HR}


TEMPLATE_PREDICATES = {
    "can_create_user": can_create_user,
    "can_manage_user": can_manage_user,
    "can_list_users": can_list_users,
    "can_open_tablet": can_open_tablet,
    "can_see_audit": can_see_audit,
}
