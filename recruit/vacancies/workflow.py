"""The one place that owns a vacancy's stages, the moves between them and their preconditions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from recruit.core.errors import Conflict
from recruit.extensions import db
from recruit.vacancies.models import Status, Vacancy

S = Status

ALLOWED: dict[Status, set[Status]] = {
    S.DRAFT: {S.CO_DESIGN, S.WITHDRAWN},
    S.CO_DESIGN: {S.SHORTLISTING, S.WITHDRAWN},
    S.SHORTLISTING: {S.INTERVIEWING, S.WITHDRAWN},
    S.INTERVIEWING: {S.DECIDING, S.WITHDRAWN},
    S.DECIDING: {S.DECIDED, S.WITHDRAWN},
    S.DECIDED: {S.CLOSED},
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


def _needs_accepted_quality(vacancy: Vacancy) -> list[str]:
    from recruit.qualities.models import Quality, QualityStatus

    accepted = db.session.scalar(
        select(func.count(Quality.id)).where(
            Quality.vacancy_id == vacancy.id, Quality.status == QualityStatus.ACCEPTED
        )
    )
    return (
        []
        if accepted
        else ["Accept at least one quality first: it becomes what candidates are scored on."]
    )


def _ready_to_interview(vacancy: Vacancy) -> list[str]:
    from recruit.candidates.models import Candidate, CandidateStatus
    from recruit.core.organisation import policy
    from recruit.panels.models import Panel, PanelMember
    from recruit.panels.operations import people_supported_share

    reasons = []
    candidates = db.session.scalar(
        select(func.count(Candidate.id)).where(
            Candidate.vacancy_id == vacancy.id,
            Candidate.status.in_([CandidateStatus.APPLIED, CandidateStatus.SHORTLISTED]),
        )
    )
    if not candidates:
        reasons.append("Add at least one candidate to interview.")
    panels = db.session.execute(
        select(Panel.name, func.count(PanelMember.id))
        .outerjoin(PanelMember, PanelMember.panel_id == Panel.id)
        .where(Panel.vacancy_id == vacancy.id)
        .group_by(Panel.id, Panel.name)
    ).all()
    if not panels:
        reasons.append("Set up at least one interview panel.")
    empty = [name for name, members in panels if members == 0]
    if empty:
        reasons.append(
            "Every panel needs at least one member. No members yet: " + ", ".join(empty) + "."
        )
    minimum = policy().min_people_supported_share
    share = people_supported_share(vacancy)
    if panels and share + 1e-9 < minimum:
        reasons.append(
            f"People supported panels have {share:.1f}% of the weight; "
            f"the organisation's minimum is {minimum:.1f}%. Give them more weight."
        )
    return reasons


def _every_candidate_decided(vacancy: Vacancy) -> list[str]:
    from recruit.candidates.models import Candidate, CandidateStatus
    from recruit.decisions.models import Decision

    undecided = db.session.scalars(
        select(Candidate.alias)
        .where(
            Candidate.vacancy_id == vacancy.id,
            Candidate.status.not_in([CandidateStatus.NOT_SHORTLISTED, CandidateStatus.WITHDRAWN]),
            ~select(Decision.id).where(Decision.candidate_id == Candidate.id).exists(),
        )
        .order_by(Candidate.id)
    ).all()
    if undecided:
        return [
            "Record a decision for every candidate first. Still to decide: "
            + ", ".join(undecided)
            + "."
        ]
    return []


PRECONDITIONS: dict[Status, list[Callable[[Vacancy], list[str]]]] = {
    S.SHORTLISTING: [_needs_accepted_quality],
    S.INTERVIEWING: [_needs_accepted_quality, _ready_to_interview],
    S.DECIDED: [_every_candidate_decided],
}


def check_transition(vacancy: Vacancy, target: str) -> Status:
    """Return the target stage if the move is allowed now, else raise TransitionNotAllowed."""
    try:
        to = Status(target)
    except ValueError:
        raise TransitionNotAllowed(
            f"'{target}' is not a stage. Stages are: " + ", ".join(s.value for s in Status) + "."
        ) from None
    current = Status(vacancy.status)
    if to not in ALLOWED[current]:
        raise TransitionNotAllowed(
            f"A vacancy cannot move from {current.label.lower()} to {to.label.lower()}."
        )
    reasons = [reason for check in PRECONDITIONS.get(to, []) for reason in check(vacancy)]
    if reasons:
        raise TransitionNotAllowed(" ".join(reasons), fields={"to": reasons})
    return to


def next_stages(vacancy: Vacancy) -> list[Status]:
    return [s for s in ORDERED if s in ALLOWED[Status(vacancy.status)]]


ORDERED = list(Status)
