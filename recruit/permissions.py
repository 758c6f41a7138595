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


# --- vacancies and their parts -------------------------------------------------------------
# "its panel members" are the people with a seat on any panel of that vacancy (leads included);
# "its panel lead" is a member whose seat is a lead's.


def _seat(user: User | None, vacancy_id: int):
    from recruit.panels.operations import membership

    return membership(user, vacancy_id) if is_signed_in(user) else None


def is_hr(user: User | None) -> bool:
    return is_signed_in(user) and user.role == HR


def is_member(user: User | None, vacancy_id: int) -> bool:
    return _seat(user, vacancy_id) is not None


def is_lead(user: User | None, vacancy_id: int) -> bool:
    seat = _seat(user, vacancy_id)
    return seat is not None and seat.role == "lead"


def can_create_vacancy(user: User | None) -> bool:
    return is_hr(user)


def can_view_vacancy(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_member(user, vacancy_id)


def can_edit_vacancy(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user)


def can_move_vacancy(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_lead(user, vacancy_id)


def can_propose_quality(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_member(user, vacancy_id)


def can_vote(user: User | None, vacancy_id: int) -> bool:
    return is_member(user, vacancy_id)


def can_review_quality(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_lead(user, vacancy_id)


def can_manage_panels(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user)


def can_manage_candidates(user: User | None, vacancy_id: int) -> bool:
    """Candidates' names and contact details: HR only."""
    return is_hr(user)


def can_declare(user: User | None, vacancy_id: int) -> bool:
    return is_member(user, vacancy_id)


def can_see_candidate_material(user: User | None, vacancy_id: int, decided: bool) -> bool:
    """Panel members see aliases and redacted applications until the vacancy is decided."""
    return is_member(user, vacancy_id) and not decided


def can_see_results(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_lead(user, vacancy_id)


def can_decide(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_lead(user, vacancy_id)


def can_book_interviews(user: User | None, vacancy_id: int) -> bool:
    return is_hr(user) or is_lead(user, vacancy_id)


def can_see_vacancy_audit(user: User | None, vacancy_id: int) -> bool:
    return can_see_audit(user)


def can_record_training(user: User | None) -> bool:
    return is_signed_in(user) and user.role in {ADMIN, HR}


def can_score(user: User | None, vacancy_id: int) -> bool:
    """Score candidates: the vacancy's panel members only (never HR or outsiders); a declared
    conflict with a candidate is checked per candidate by the scoring operations."""
    return is_member(user, vacancy_id)


def can_watch_scoring(user: User | None, vacancy_id: int) -> bool:
    """See who has sent scores (states, never scores) and remind them: HR and the leads."""
    return is_hr(user) or is_lead(user, vacancy_id)


TEMPLATE_PREDICATES = {
    "can_create_user": can_create_user,
    "can_manage_user": can_manage_user,
    "can_list_users": can_list_users,
    "can_open_tablet": can_open_tablet,
    "can_see_audit": can_see_audit,
    "can_create_vacancy": can_create_vacancy,
    "can_view_vacancy": can_view_vacancy,
    "can_edit_vacancy": can_edit_vacancy,
    "can_move_vacancy": can_move_vacancy,
    "can_propose_quality": can_propose_quality,
    "can_vote": can_vote,
    "can_review_quality": can_review_quality,
    "can_manage_panels": can_manage_panels,
    "can_manage_candidates": can_manage_candidates,
    "can_declare": can_declare,
    "can_score": can_score,
    "can_watch_scoring": can_watch_scoring,
    "is_lead": is_lead,
    "can_see_results": can_see_results,
    "can_decide": can_decide,
    "is_member": is_member,
}


# --- involvement: participation and payments -------------------------------------------------


def can_set_rates(user: User | None) -> bool:
    """The fee per hour and voucher value for each activity: admins only."""
    return is_signed_in(user) and user.role == ADMIN


def can_manage_payments(user: User | None) -> bool:
    """Record participation and payments, approve, mark paid, finance files: HR and admins."""
    return is_signed_in(user) and user.role in {ADMIN, HR}


def can_see_involvement(user: User | None, person_id: int) -> bool:
    """What someone has done and is owed: HR and admins, and the person themself only."""
    return can_manage_payments(user) or (is_signed_in(user) and user.id == person_id)


def has_own_involvement(user: User | None) -> bool:
    """People supported have a "What I have done" page of their own."""
    return is_signed_in(user) and user.role == PERSON_SUPPORTED


TEMPLATE_PREDICATES.update(
    {
        "can_set_rates": can_set_rates,
        "can_manage_payments": can_manage_payments,
        "can_see_involvement": can_see_involvement,
        "has_own_involvement": has_own_involvement,
    }
)


# --- co-evaluation and insights --------------------------------------------------------------


def can_see_insights(user: User | None) -> bool:
    """The organisation's figures (how co-produced, did it work): admins and HR."""
    return is_signed_in(user) and user.role in {ADMIN, HR}


def can_add_probation_view(user: User | None, vacancy_id: int) -> bool:
    """Staff on the vacancy's panels, its leads and HR say how a new staff member is doing."""
    if is_hr(user):
        return True
    return is_member(user, vacancy_id) and user.role != PERSON_SUPPORTED


def can_record_probation_outcome(user: User | None, vacancy_id: int) -> bool:
    """The line manager: the vacancy's panel lead, or HR."""
    return is_hr(user) or is_lead(user, vacancy_id)


def can_record_name_consent(user: User | None) -> bool:
    return is_hr(user)


def can_set_service(user: User | None) -> bool:
    return is_signed_in(user) and user.role in {ADMIN, HR}


def can_see_our_year(user: User | None, service: str) -> bool:
    """'What we did together': staff for any service; a person supported for their own."""
    if not is_signed_in(user):
        return False
    if user.role == PERSON_SUPPORTED:
        return user.service == service
    return True


TEMPLATE_PREDICATES.update(
    {
        "can_see_insights": can_see_insights,
        "can_add_probation_view": can_add_probation_view,
        "can_record_probation_outcome": can_record_probation_outcome,
        "can_record_name_consent": can_record_name_consent,
        "can_set_service": can_set_service,
        "can_see_our_year": can_see_our_year,
    }
)
