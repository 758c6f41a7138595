"""JSON API for candidates: HR adds them; panel members see aliases only, after declaring."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recruit import permissions
from recruit.candidates import operations
from recruit.candidates.models import Candidate
from recruit.core.api import Body, endpoint, parse_body
from recruit.core.errors import Forbidden
from recruit.extensions import db
from recruit.panels.operations import (
    conflicted_candidate_ids,
    covered_candidate_ids,
    current_declaration,
)
from recruit.vacancies.api import load_vacancy
from recruit.vacancies.models import Status


class CandidateIn(Body):
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, max_length=5000)
    alias: str | None = Field(default=None, max_length=60)


class CandidateOut(BaseModel):
    id: int
    vacancy_id: int
    alias: str
    status: str
    name: str
    email: str | None
    phone: str | None


class PanelCandidateOut(BaseModel):
    """What a panel member sees: the alias, never a name or contact details."""

    id: int
    alias: str
    status: str
    conflicted: bool
    needs_declaration: bool = Field(
        description="added after your declaration: declare again before seeing or scoring them"
    )


class CandidateList(BaseModel):
    candidates: list[CandidateOut] | list[PanelCandidateOut]


def out(candidate: Candidate) -> CandidateOut:
    return CandidateOut.model_validate(candidate, from_attributes=True)


@endpoint(
    "/vacancies/<int:vacancy_id>/candidates",
    "POST",
    summary="Add a candidate (HR)",
    body=CandidateIn,
    response=CandidateOut,
    status=201,
    errors=(403, 404, 409),
)
def add_candidate(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id, user, permissions.can_manage_candidates, "Only HR can add candidates."
    )
    body = parse_body(CandidateIn)
    candidate = operations.add_candidate(user, vacancy, **body.model_dump(exclude_unset=True))
    db.session.commit()
    return out(candidate)


@endpoint(
    "/vacancies/<int:vacancy_id>/candidates",
    "GET",
    summary="Candidates: full details for HR; aliases for panel members who have declared",
    response=CandidateList,
    errors=(403, 404),
)
def list_candidates(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_view_vacancy,
        "Only HR and this vacancy's panels can see it.",
    )
    if permissions.can_manage_candidates(user, vacancy.id):
        return CandidateList(candidates=[out(c) for c in operations.candidates_of(vacancy)])
    if not permissions.can_see_candidate_material(
        user, vacancy.id, decided=vacancy.at_or_after(Status.DECIDED)
    ):
        raise Forbidden("Candidate details are closed now that the vacancy has been decided.")
    if current_declaration(user.id, vacancy.id) is None:
        raise Forbidden(
            "Please agree to keep things private and say if you know any candidate first.",
            code="declaration_required",
        )
    conflicted = conflicted_candidate_ids(user.id, vacancy.id)
    covered = covered_candidate_ids(user.id, vacancy.id)
    return CandidateList(
        candidates=[
            PanelCandidateOut(
                id=c.id,
                alias=c.alias,
                status=c.status,
                conflicted=c.id in conflicted,
                needs_declaration=c.id not in covered,
            )
            for c in operations.candidates_of(vacancy, running_only=True)
        ]
    )


class WithdrawIn(Body):
    reason: str | None = Field(default=None, max_length=2000)


class WithdrawnOut(BaseModel):
    id: int
    status: str


@endpoint(
    "/candidates/<int:candidate_id>/withdraw",
    "POST",
    summary="A candidate withdraws (HR): never appointed; any decision for them is set aside "
    "(the post is free again), their interviews are cancelled and the panels told. A repeat "
    "changes nothing; 409 once the vacancy is decided.",
    body=WithdrawIn,
    response=WithdrawnOut,
    errors=(403, 404, 409),
)
def withdraw_candidate(user, candidate_id: int):
    candidate = operations.get_candidate(candidate_id)
    vacancy = load_vacancy(
        candidate.vacancy_id,
        user,
        permissions.can_manage_candidates,
        "Only HR records that a candidate has withdrawn.",
    )
    body = parse_body(WithdrawIn)
    operations.withdraw(user, candidate, vacancy, reason=body.reason)
    db.session.commit()
    return WithdrawnOut(id=candidate.id, status=candidate.status)
