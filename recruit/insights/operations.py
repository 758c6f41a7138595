"""Co-evaluation: open check-ins when they are due and invite people to them (once each),
save the people supported's answers and the probation views, record the consent to share an
appointed person's first name and the service a person supported belongs to. The caller
commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from recruit import permissions
from recruit.candidates.models import Candidate
from recruit.core import audit
from recruit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from recruit.core.mail import queue_email
from recruit.core.notices import tell
from recruit.core.time import utcnow
from recruit.decisions.models import Decision, Outcome
from recruit.extensions import db
from recruit.insights.models import (
    CHECK_IN_SCALE,
    CheckIn,
    CheckInInvitation,
    CheckInResponse,
    CheckInValue,
    Going,
    InvitationKind,
    ProbationOutcome,
    ProbationView,
)
from recruit.panels.models import PanelMember
from recruit.people.models import Role, User
from recruit.qualities.models import Quality
from recruit.qualities.operations import accepted_qualities
from recruit.vacancies.models import Status, Vacancy

COMMENT_MAX = 2000
NAME_MAX = 60
SERVICE_MAX = 200


def check_in_months() -> list[int]:
    """The configured months after an appointment at which a check-in opens (3 and 6)."""
    raw = str(current_app.config.get("COEVALUATION_AFTER_MONTHS", "3,6"))
    months = sorted({int(part) for part in raw.replace(" ", "").split(",") if part})
    return [m for m in months if m > 0]


def name_for(candidate: Candidate) -> str:
    """How the people supported know the new staff member: the first name they agreed to
    share, else the alias the panels used."""
    return candidate.shared_first_name or candidate.alias


# --- opening check-ins and inviting people -------------------------------------------------


def appointments() -> list[tuple[Decision, Vacancy, Candidate]]:
    rows = db.session.execute(
        select(Decision, Vacancy, Candidate)
        .join(Vacancy, Vacancy.id == Decision.vacancy_id)
        .join(Candidate, Candidate.id == Decision.candidate_id)
        .where(
            Decision.outcome == Outcome.APPOINT,
            Vacancy.status.in_([Status.DECIDED, Status.CLOSED]),
        )
        .order_by(Decision.id)
    ).all()
    return [tuple(row) for row in rows]


def appointed_on(vacancy: Vacancy) -> list[tuple[Candidate, str]]:
    """The people appointed to a decided vacancy, with the name people supported know."""
    rows = db.session.scalars(
        select(Candidate)
        .join(Decision, Decision.candidate_id == Candidate.id)
        .where(Decision.vacancy_id == vacancy.id, Decision.outcome == Outcome.APPOINT)
        .order_by(Candidate.id)
    ).all()
    return [(c, name_for(c)) for c in rows]


def due_months(appointed_at: datetime, now: datetime) -> int | None:
    """The latest configured check-in that is due; earlier ones never opened are skipped,
    so nobody gets two invitations at once about the same person."""
    due = [m for m in check_in_months() if appointed_at + relativedelta(months=m) <= now]
    return due[-1] if due else None


@dataclass
class Invitee:
    user: User
    kind: str  # InvitationKind
    supporter: User | None = None  # the member of staff who supports them on the panel


def invitees(vacancy: Vacancy) -> list[Invitee]:
    """The people supported on the vacancy's panels and at its service (the check-in), and
    the staff and leads on its panels (a probation view); with the supporter a person
    supported was given on the panel, if any."""
    supporting = aliased(User)
    seats = db.session.execute(
        select(User, supporting)
        .join(PanelMember, PanelMember.user_id == User.id)
        .outerjoin(supporting, supporting.id == PanelMember.supporter_id)
        .where(PanelMember.vacancy_id == vacancy.id, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    found: dict[int, Invitee] = {}
    for user, supporter in seats:
        if user.role != Role.PERSON_SUPPORTED:
            found[user.id] = Invitee(user, InvitationKind.PROBATION)
            continue
        known = found.get(user.id)
        if known is None or (known.supporter is None and supporter is not None):
            found[user.id] = Invitee(user, InvitationKind.CHECK_IN, supporter)
    at_service = db.session.scalars(
        select(User)
        .where(
            User.role == Role.PERSON_SUPPORTED,
            User.service == vacancy.service,
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    ).all()
    for user in at_service:
        found.setdefault(user.id, Invitee(user, InvitationKind.CHECK_IN))
    return list(found.values())


def _open_check_in(vacancy: Vacancy, candidate: Candidate, months: int) -> CheckIn:
    check_in = db.session.scalar(
        select(CheckIn).where(CheckIn.candidate_id == candidate.id, CheckIn.months == months)
    )
    if check_in is None:
        try:
            with db.session.begin_nested():
                check_in = CheckIn(vacancy_id=vacancy.id, candidate_id=candidate.id, months=months)
                db.session.add(check_in)
        except IntegrityError:  # opened at the same moment by another run
            check_in = db.session.scalar(
                select(CheckIn).where(
                    CheckIn.candidate_id == candidate.id, CheckIn.months == months
                )
            )
        else:
            audit.record(
                "check_in.opened",
                check_in,
                actor=None,
                after={"candidate_id": candidate.id, "months": months},
            )
    return check_in


def _claim_invitation(check_in: CheckIn, user: User, kind: str) -> bool:
    """Record the invitation; False when this person was already invited (idempotent, and
    safe against two runs at once: the unique row can be written only once)."""
    exists = db.session.scalar(
        select(CheckInInvitation.id).where(
            CheckInInvitation.check_in_id == check_in.id, CheckInInvitation.user_id == user.id
        )
    )
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(CheckInInvitation(check_in_id=check_in.id, user_id=user.id, kind=kind))
    except IntegrityError:
        return False
    return True


def invite_due(now: datetime | None = None) -> int:
    """Open the check-ins that are due and invite everyone not yet invited. Returns how many
    people were invited."""
    now = now or utcnow()
    invited = 0
    for decision, vacancy, candidate in appointments():
        months = due_months(decision.decided_at, now)
        if months is None or candidate.erased_at is not None:
            continue
        check_in = _open_check_in(vacancy, candidate, months)
        name = name_for(candidate)
        for invitee in invitees(vacancy):
            user, kind = invitee.user, invitee.kind
            if not _claim_invitation(check_in, user, kind):
                continue
            if kind == InvitationKind.CHECK_IN:
                path = f"/check-ins/{check_in.id}"
                tell(user, "check_in_easy_read", name=name, months=months, path=path, link=path)
                _tell_supporter(invitee, name=name, months=months, path=path)
            else:
                path = f"/appointments/{candidate.id}"
                tell(
                    user,
                    "probation_view",
                    name=name,
                    months=months,
                    vacancy=vacancy,
                    path=path,
                    link=path,
                )
            invited += 1
    return invited


def _tell_supporter(invitee: Invitee, **context) -> None:
    """A person supported without an email address hears of their check-in in the app (and
    on the tablet); the supporter they had on the panel is emailed too, so they can help them
    answer. The same rule as score reminders."""
    supporter = invitee.supporter
    if invitee.user.email or supporter is None or not supporter.email:
        return
    if not supporter.is_active_account:  # left the organisation since
        return
    queue_email(
        supporter.email, "check_in_supporter", person=invitee.user, helper=supporter, **context
    )


# --- answers ---------------------------------------------------------------------------------


def get_check_in(check_in_id: int) -> CheckIn:
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None:
        raise NotFound("We could not find that check-in.")
    return check_in


def invitation_of(user: User, check_in: CheckIn) -> CheckInInvitation | None:
    return db.session.scalar(
        select(CheckInInvitation).where(
            CheckInInvitation.check_in_id == check_in.id, CheckInInvitation.user_id == user.id
        )
    )


def check_in_qualities(check_in: CheckIn) -> list[Quality]:
    """The qualities that were chosen for the post: the check-in asks about each."""
    return accepted_qualities(db.session.get(Vacancy, check_in.vacancy_id))


def response_of(user: User, check_in: CheckIn) -> CheckInResponse | None:
    return db.session.scalar(
        select(CheckInResponse).where(
            CheckInResponse.check_in_id == check_in.id, CheckInResponse.user_id == user.id
        )
    )


def _describe(response: CheckInResponse) -> dict:
    return {
        "values": {str(v.quality_id): v.value for v in response.values},
        "comment": response.comment,
    }


def save_check_in(
    actor: User, check_in: CheckIn, *, values: dict[int, int | None], comment: str = ""
) -> CheckInResponse:
    """Keep a person supported's answers: every chosen quality, 1..3 or None ("not sure").
    Answering again replaces the earlier answers, and both are kept in the audit trail."""
    invitation = invitation_of(actor, check_in)
    if invitation is None or invitation.kind != InvitationKind.CHECK_IN:
        raise Forbidden("This check-in is for the people supported who were asked.")
    qualities = check_in_qualities(check_in)
    errors: dict[str, list[str]] = {}
    wanted = {q.id for q in qualities}
    for quality in qualities:
        if quality.id not in values:
            errors[f"q-{quality.id}"] = [f"Choose an answer for “{quality.text}”."]
    for quality_id, value in values.items():
        if quality_id not in wanted:
            errors[f"q-{quality_id}"] = ["This is not one of the qualities for this job."]
        elif value is not None and (type(value) is not int or not 1 <= value <= CHECK_IN_SCALE):
            errors[f"q-{quality_id}"] = ["Choose No, A bit, Yes or Not sure."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Use at most {COMMENT_MAX} characters."]
    if errors:
        raise ValidationFailed(fields=errors)
    response = response_of(actor, check_in)
    before = _describe(response) if response else None
    if response is None:
        response = CheckInResponse(check_in_id=check_in.id, user_id=actor.id)
        db.session.add(response)
    else:
        response.changes += 1
        response.values.clear()
        db.session.flush()
    response.comment = comment
    response.submitted_at = utcnow()
    for quality_id in sorted(values):
        response.values.append(CheckInValue(quality_id=quality_id, value=values[quality_id]))
    db.session.flush()
    audit.record(
        "check_in.changed" if before else "check_in.answered",
        response,
        actor=actor,
        before=before,
        after=_describe(response) | {"check_in_id": check_in.id},
    )
    return response


def get_appointment(candidate_id: int) -> tuple[Candidate, Vacancy, Decision]:
    candidate = db.session.get(Candidate, candidate_id)
    decision = (
        db.session.scalar(select(Decision).where(Decision.candidate_id == candidate_id))
        if candidate
        else None
    )
    if candidate is None or decision is None or decision.outcome != Outcome.APPOINT:
        raise NotFound("We could not find that appointment.")
    vacancy = db.session.get(Vacancy, candidate.vacancy_id)
    if vacancy.status not in (Status.DECIDED, Status.CLOSED):
        raise NotFound("We could not find that appointment.")
    return candidate, vacancy, decision


def record_probation_view(
    actor: User,
    candidate: Candidate,
    vacancy: Vacancy,
    *,
    going: str,
    comment: str = "",
    outcome: str | None = None,
) -> ProbationView:
    """A colleague's or the line manager's view of how the new staff member is doing; only
    the line manager (the vacancy's panel lead or HR) records the probation outcome."""
    if not permissions.can_add_probation_view(actor, vacancy.id):
        raise Forbidden("Only staff on the panel, its lead and HR give a probation view.")
    errors: dict[str, list[str]] = {}
    if going not in {g.value for g in Going}:
        errors["going"] = ["Choose how it is going."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Use at most {COMMENT_MAX} characters."]
    outcome = outcome or None
    if outcome is not None and outcome not in {o.value for o in ProbationOutcome}:
        errors["outcome"] = ["Choose passed, extended, not passed or left."]
    if errors:
        raise ValidationFailed(fields=errors)
    if outcome is not None and not permissions.can_record_probation_outcome(actor, vacancy.id):
        raise Forbidden("Only the line manager (the panel lead or HR) records the outcome.")
    view = db.session.scalar(
        select(ProbationView).where(
            ProbationView.candidate_id == candidate.id, ProbationView.user_id == actor.id
        )
    )
    before = (
        {"going": view.going, "comment": view.comment, "outcome": view.outcome} if view else None
    )
    if view is None:
        view = ProbationView(vacancy_id=vacancy.id, candidate_id=candidate.id, user_id=actor.id)
        db.session.add(view)
    view.going, view.comment, view.recorded_at = going, comment, utcnow()
    if permissions.can_record_probation_outcome(actor, vacancy.id):
        view.outcome = outcome
    db.session.flush()
    audit.record(
        "probation_view.changed" if before else "probation_view.recorded",
        view,
        actor=actor,
        before=before,
        after={"going": view.going, "comment": view.comment, "outcome": view.outcome},
    )
    return view


def probation_views(candidate: Candidate) -> list[ProbationView]:
    return list(
        db.session.scalars(
            select(ProbationView)
            .where(ProbationView.candidate_id == candidate.id)
            .order_by(ProbationView.recorded_at, ProbationView.id)
        ).all()
    )


def check_ins_of(candidate: Candidate) -> list[CheckIn]:
    return list(
        db.session.scalars(
            select(CheckIn).where(CheckIn.candidate_id == candidate.id).order_by(CheckIn.months)
        ).all()
    )


def responses_to(check_in: CheckIn) -> list[CheckInResponse]:
    return list(
        db.session.scalars(
            select(CheckInResponse)
            .where(CheckInResponse.check_in_id == check_in.id)
            .order_by(CheckInResponse.id)
        ).all()
    )


# --- consent and services --------------------------------------------------------------------


def record_first_name_consent(
    actor: User, candidate: Candidate, *, first_name: str | None, consent: bool
) -> Candidate:
    """HR records that an appointed person agreed (or no longer agrees) that people supported
    may see their first name."""
    if not permissions.can_record_name_consent(actor):
        raise Forbidden("Only HR records consent to share a name.")
    first_name = (first_name or "").strip()
    if consent and not 1 <= len(first_name) <= NAME_MAX:
        raise ValidationFailed(
            fields={"first_name": [f"Enter the first name to share (up to {NAME_MAX} letters)."]}
        )
    if consent and " " in first_name:
        raise ValidationFailed(fields={"first_name": ["Enter the first name only."]})
    if candidate.erased_at is not None:
        raise Conflict("This person's details have been erased.")
    before = {"shared_first_name": candidate.shared_first_name}
    candidate.shared_first_name = first_name if consent else None
    candidate.first_name_consent_at = utcnow() if consent else None
    db.session.flush()
    audit.record(
        "candidate.name_consent",
        candidate,
        actor=actor,
        before=before,
        after={"shared_first_name": candidate.shared_first_name},
    )
    return candidate


def set_service(actor: User, user: User, service: str | None) -> User:
    """Which service a person supported belongs to (for check-ins and 'our year')."""
    if not permissions.can_set_service(actor):
        raise Forbidden("Only HR and admins set someone's service.")
    if user.role != Role.PERSON_SUPPORTED:
        raise ValidationFailed(
            fields={"service": ["Only people supported are linked to a service."]}
        )
    service = (service or "").strip() or None
    if service is not None and len(service) > SERVICE_MAX:
        raise ValidationFailed(fields={"service": [f"Use at most {SERVICE_MAX} characters."]})
    before = {"service": user.service}
    user.service = service
    db.session.flush()
    audit.record("user.service", user, actor=actor, before=before, after={"service": service})
    return user


def services() -> list[str]:
    """Every service named on a vacancy or a person, in order."""
    names = set(db.session.scalars(select(Vacancy.service).distinct()).all())
    names |= {s for s in db.session.scalars(select(User.service).distinct()).all() if s is not None}
    return sorted(names, key=str.lower)
